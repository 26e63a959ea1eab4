"""The console adapter driven through a subprocess, the way a person uses it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli_runner import run_cli


def test_a_japanese_complaint_gets_a_reference_and_the_logistics_team(tmp_path: Path) -> None:
    result = run_cli("console", stdin="配送が3日遅れています。注文番号12345\n", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert re.search(r"受け付けました：#1（物流・配送", result.stdout)
    assert "── team:logistics (card) ──" in result.stdout
    assert "注文番号12345" in result.stdout  # order numbers stay visible
    assert "Traceback" not in result.stdout + result.stderr


def test_bad_input_gets_clear_answers_and_no_traceback(tmp_path: Path) -> None:
    lines = [
        "\x01\x02\x03",
        "/reassign #1 shipping",
        "/ack #42",
        "/ack",
        "/snooze #1 forever",
        "/frobnicate",
        "/advance 2h",
        "配送が遅い。" + "長" * 100_000,
        "／ｌｉｓｔ",  # full-width, as an IME may type it
    ]
    result = run_cli("console", stdin="\n".join(lines) + "\n", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "苦情の本文が空です" in out
    assert "部署「shipping」はありません" in out and "logistics" in out
    assert "チケット#42が見つかりません" in out
    assert "使い方：/ack #番号" in out
    assert "時間は0.5〜168" in out
    assert "「/frobnicate」というコマンドはありません" in out
    assert "--fake-clock" in out
    assert "先頭20000文字" in out
    assert "未解決のチケット1件" in out
    assert "Traceback" not in out + result.stderr


def test_the_team_works_a_ticket_and_sees_its_history(tmp_path: Path) -> None:
    lines = [
        "請求が二重になっています。カード会社の明細で確認しました",
        "/ack #1",
        "/reassign #1 orders",
        "/resolve #1",
        "/history #1",
        "/list",
    ]
    script = "\n".join(lines) + "\n"
    result = run_cli("console", stdin=script, cwd=tmp_path)

    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "#1を対応中にしました。" in out
    assert "#1を「受注・在庫」に振り替えました" in out
    assert "#1を解決済みにしました。" in out
    history = out[out.index("#1の履歴") :]
    for action in ("受け付けました", "対応を開始しました", "振り替えました", "解決済みにしました"):
        assert action in history
    assert "未解決のチケットはありません。" in out


def test_fake_clock_shows_warning_last_call_and_escalation(tmp_path: Path) -> None:
    script = "返品した商品の返金がまだありません。\n/advance 19h\n/advance 2h\n/advance 2h30m\n/advance 1h\n"
    result = run_cli("console", "--fake-clock", "2026-11-16T09:00", stdin=script, cwd=tmp_path)

    out = result.stdout
    assert result.returncode == 0, result.stderr
    warning = out.index("⏰ 返信期限が近づいています")
    last_call = out.index("🔔 まもなく返信期限です")
    overdue = out.index("🚨 返信期限を超過しました")
    escalation = out.index("── managers (escalation) ──")
    assert warning < last_call < overdue < escalation
    assert out.count("#1 決済・返金：") == 4  # one line each: warning, last call, overdue, escalation
    assert "🕒 現在11/17(火) 09:30" in out


def test_the_bot_speaks_english_when_configured(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[bot]\nlanguage = "en"\n', encoding="utf-8")
    result = run_cli(
        "--config", str(config), "console", stdin="My parcel has not arrived yet\n/help\n", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "Received: #1 (Logistics & delivery" in result.stdout
    assert "open tickets" in result.stdout


def test_personal_data_never_reaches_the_screen(tmp_path: Path) -> None:
    text = (
        "山田太郎です。連絡先は090-1234-5678か０９０－８７６５－４３２１、メールtaro.yamada@example.jp。"
        "カード4111 1111 1111 1111で二重に請求されました。注文番号 A-5521"
    )
    result = run_cli("console", stdin=text + "\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for secret in (
        "090-1234-5678",
        "０９０－８７６５－４３２１",
        "taro.yamada@example.jp",
        "4111 1111 1111 1111",
    ):
        assert secret not in result.stdout
        assert secret not in result.stderr
    assert "A-5521" in result.stdout


def test_time_left_reads_the_same_on_the_card_in_list_and_in_reminders(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[sla]\nbusiness_hours = true\n", encoding="utf-8")
    lines = ["返金がまだありません", "/list 決済・返金", "/advance 6h", "/list", "/reassign #1 決済・返金"]
    script = "\n".join([*lines, "/ack #1", "/ack #1"]) + "\n"
    result = run_cli("console", "--fake-clock", "2026-12-07T09:00", stdin=script, cwd=tmp_path)

    out = result.stdout
    assert result.returncode == 0, result.stderr
    # 24 working hours from Monday 09:00 are shown as working hours, never as days
    assert "返信期限：12/9(水) 18:00（営業時間で残り24時間）" in out
    assert "#1 [未対応] 決済・返金：営業時間で残り24時間" in out  # /list by the name shown on the card
    assert "#1 [未対応] 決済・返金：営業時間で残り19時間" in out
    assert "#1はすでに「決済・返金」の担当です。振り替えていません。" in out
    assert "#1を対応中にしました。" in out and "#1はすでに対応中です（consoleさん）。" in out
    assert out.count("── team:billing (card_update) ──") == 1  # the second ack posted nothing


def test_find_searches_by_order_number_and_words(tmp_path: Path) -> None:
    lines = [
        "配送が3日遅れています。注文番号 A-15001",
        "請求が二重です",
        "/find A-15001",
        "/find 二重",
        "/find",
    ]
    result = run_cli("console", stdin="\n".join(lines) + "\n", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "「A-15001」の検索結果1件" in out and re.search(r"#1 \[未対応\] 物流・配送", out)
    assert "「二重」の検索結果1件" in out and re.search(r"#2 \[未対応\] 決済・返金", out)
    assert "使い方：/find" in out


def test_quit_ends_the_session_and_nothing_after_it_is_read(tmp_path: Path) -> None:
    result = run_cli("console", stdin="配送が遅い\n／ｑｕｉｔ\n商品が壊れていた\n", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "/quitで終了" in result.stdout
    assert "終了します" in result.stdout
    assert "#1" in result.stdout and "#2" not in result.stdout
