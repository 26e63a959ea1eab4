"""The other CLI commands: demo, db, classify, train, evaluate, digest, and bad config at start."""

from __future__ import annotations

from pathlib import Path

from storage.migrate import head_revision
from tests.cli_runner import run_cli


def test_demo_replays_a_week_through_the_real_core(tmp_path: Path) -> None:
    result = run_cli("demo", cwd=tmp_path)

    out = result.stdout
    assert result.returncode == 0, result.stderr
    for seen in (
        "── team:logistics (card) ──",
        "⏰ 返信期限が近づいています",
        "── managers (escalation) ──",
        "振り替えました",
        "📊 物流・配送の週次レポート（11/16（月）〜11/22（日））",
        "(digest) ──",
    ):
        assert seen in out, seen
    assert "Traceback" not in out + result.stderr
    assert not (tmp_path / "bot.db").exists()  # the demo keeps to its temporary database


def test_db_upgrade_reports_the_revision(tmp_path: Path) -> None:
    result = run_cli("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"revision {head_revision()} (head {head_revision()})" in result.stdout
    assert (tmp_path / "bot.db").exists()


def test_classify_train_and_evaluate(tmp_path: Path) -> None:
    classified = run_cli("classify", "カードで二重に請求されました", cwd=tmp_path)
    assert classified.returncode == 0, classified.stderr
    assert classified.stdout.startswith("billing\t")

    model = tmp_path / "model.skops"
    trained = run_cli("train", "--out", str(model), cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    assert model.stat().st_size > 0

    config = tmp_path / "config.toml"
    config.write_text(f'[classifier]\nmodel_path = "{model}"\n', encoding="utf-8")
    evaluated = run_cli("--config", str(config), "evaluate", cwd=tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
    assert "macro F1 (in scope, top prediction):" in evaluated.stdout and "macro F1 (ko):" in evaluated.stdout


def test_digest_command_counts_the_week(tmp_path: Path) -> None:
    run_cli("console", stdin="配送が遅い\n荷物がまだ届きません\n", cwd=tmp_path)
    result = run_cli("digest", "--team", "logistics", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "件数：2件" in result.stdout
    assert run_cli("digest", "--team", "nowhere", cwd=tmp_path).returncode == 2
    assert "11/16（月）〜11/22（日）" in run_cli("digest", "--week", "2026-W47", cwd=tmp_path).stdout
    assert run_cli("digest", "--week", "week47", cwd=tmp_path).returncode == 2


def test_bad_config_stops_the_bot_with_the_key_named(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[sla]\nhours = -1\n", encoding="utf-8")
    result = run_cli("--config", str(config), "console", cwd=tmp_path)
    assert result.returncode == 2
    assert "sla.hours" in result.stderr
    assert "Traceback" not in result.stderr
    from_env = run_cli("console", cwd=tmp_path, env={"TRIAGE_CONFIG": str(config)})
    assert from_env.returncode == 2 and "sla.hours" in from_env.stderr


def test_run_refuses_a_host_it_cannot_listen_on_naming_it(tmp_path: Path) -> None:
    result = run_cli("run", "--host", "example.com/bot", cwd=tmp_path)
    assert result.returncode == 2 and "HOST" in result.stderr and "Traceback" not in result.stderr


def test_config_toml_in_the_working_directory_is_read_and_said(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[bot]\nlanguage = "en"\n', encoding="utf-8")
    result = run_cli(
        "--log-level",
        "info",
        "console",
        stdin="The parcel never came\n/list Logistics & delivery\n",
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    first = result.stderr.splitlines()[0]
    assert first.endswith(f"config: {tmp_path / 'config.toml'} (the working directory)")
    assert f"config: {tmp_path / 'config.toml'} (the working directory)" in result.stdout  # the welcome line
    assert "1 open tickets" in result.stdout and "#1 [open] Logistics & delivery" in result.stdout


def test_an_unreachable_database_is_one_line_and_exit_code_3(tmp_path: Path) -> None:
    url = "postgres://triage:secret@127.0.0.1:1/shop?connect_timeout=2"  # Heroku's form of the URL
    result = run_cli("console", cwd=tmp_path, env={"DATABASE_URL": url})

    assert result.returncode == 3
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(
        "triage-bot: cannot use the database postgresql+psycopg://triage:***@127.0.0.1:1/"
    )
    assert "secret" not in result.stderr


def test_a_bad_fake_clock_is_a_clear_message(tmp_path: Path) -> None:
    result = run_cli("console", "--fake-clock", "tomorrow", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "triage-bot: --fake-clockには2026-12-07T09:00のような日時を指定してください（指定値：'tomorrow'）\n"
    )
