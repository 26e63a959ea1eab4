"""``classify``, ``train`` and ``evaluate`` exactly as other tools call them, run as a user would."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from classifiers.store import MODEL_VERSION, checksum
from classifiers.training import metadata_path
from tests.cli_runner import run_cli

HISTORY = """text,department
アンケートのお礼ギフトが届かない,marketing
"Where is my parcel? It is a week late, order 12345",logistics
二重に請求されています,billing
返金がまだです,billing
荷物が届きません,logistics
キャンペーンのポイントが付かない,marketing
こんにちは,
"""


def test_classify_json(tmp_path: Path) -> None:
    result = run_cli(
        "classify",
        "購入した電気ケトルが使用中に発火して火傷しました。弁護士に相談します。注文番号A-5521",
        "--json",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) >= {"department", "confidence", "needs_triage", "flags", "top"}
    assert answer["department"] == answer["top"][0]["department"] == "product"
    assert {"legal", "safety"} <= set(answer["flags"])
    assert answer["order_number"] == "A-5521"
    assert len(answer["top"]) == 3
    assert answer["top"][0]["probability"] == answer["confidence"]
    assert (
        answer["top"][0]["probability"] >= answer["top"][1]["probability"] >= answer["top"][2]["probability"]
    )
    greeting = json.loads(run_cli("classify", "いつもありがとうございます！", "--json", cwd=tmp_path).stdout)
    assert greeting["department"] is None and greeting["needs_triage"] is True


def test_train_on_csv_only_then_evaluate_it(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text(HISTORY, encoding="utf-8")
    model = tmp_path / "history.skops"

    trained = run_cli("train", "--data", str(history), "--no-bundled", "--out", str(model), cwd=tmp_path)

    assert trained.returncode == 0, trained.stderr
    assert "imported 7 new labelled rows" in trained.stdout
    metadata = json.loads(metadata_path(model).read_text(encoding="utf-8"))
    assert metadata["labels"] == ["billing", "logistics", "marketing", "out_of_scope"]
    evaluated = run_cli("evaluate", "--data", str(history), "--model", str(model), "--json", cwd=tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
    figures = json.loads(evaluated.stdout)
    for key in (
        "macro_f1",
        "accuracy",
        "per_department",
        "confusion",
        "coverage",
        "routed_accuracy",
        "oos_rejection",
    ):
        assert key in figures
    assert figures["in_scope"] == 6 and figures["out_of_scope"] == 1
    assert set(figures["per_department"]["billing"]) == {"precision", "recall", "f1", "support"}
    assert figures["accuracy"] == 1.0  # its own training rows
    again = run_cli("train", "--data", str(history), "--no-bundled", "--out", str(model), cwd=tmp_path)
    assert "imported 0 new labelled rows" in again.stdout  # history is imported once


def test_train_with_corrections_saves_only_a_model_that_is_not_worse(tmp_path: Path) -> None:
    model = tmp_path / "departments.skops"
    first = run_cli("train", "--with-corrections", "--out", str(model), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert f"saved to {model}: no current model" in first.stdout
    second = run_cli("train", "--with-corrections", "--out", str(model), cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "not saved" in second.stdout and "no held-back labels" in second.stdout


def test_bad_input_gets_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("text,dept\nhello,billing\n", encoding="utf-8")
    out = str(tmp_path / "m.skops")
    for args in (
        ("train", "--data", str(bad), "--out", out),
        ("evaluate", "--data", str(bad)),
        ("evaluate", "--data", str(tmp_path / "missing.csv")),
        ("train", "--no-bundled", "--out", out),
    ):
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 2, args
        assert result.stderr.startswith("triage-bot: ") and "Traceback" not in result.stderr
    hostile = tmp_path / "hostile.skops"
    payload = io.BytesIO()
    np.savez(payload, coef=np.array([Path("/etc/passwd")], dtype=object))  # a pickle inside
    hostile.write_bytes(payload.getvalue())
    metadata = {"model_version": MODEL_VERSION, "checksum": checksum(hostile.read_bytes()), "settings": {}}
    metadata_path(hostile).write_text(json.dumps(metadata))
    refused = run_cli("classify", "配送が遅い", "--model", str(hostile), cwd=tmp_path)
    assert refused.returncode == 1
    assert "not a model of ours" in refused.stderr and "Traceback" not in refused.stderr


def test_train_imports_a_shops_export_with_columns_and_a_label_map(tmp_path: Path) -> None:
    export = tmp_path / "history.jsonl"
    rows = [
        {"body": "アンケートのお礼ギフトが届かない", "category": "キャンペーン"},
        {"body": "二重に請求されています", "category": "お支払い"},
        {"body": "返金がまだです", "category": "お支払い"},
        {"body": "荷物が届きません", "category": "配送"},
        {"body": "Where is my parcel? It is a week late", "category": "配送"},
        {"body": "キャンペーンのポイントが付かない", "category": "キャンペーン"},
        {"body": "営業時間を教えてください", "category": "その他"},
        {"body": "テストです", "category": "テスト"},
        {"body": "", "category": "配送"},
        {"body": "ログインできない", "category": "アプリ"},
    ]
    export.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    labels = tmp_path / "labels.toml"
    labels.write_text(
        '[labels]\n"キャンペーン" = "marketing"\n"お支払い" = "billing"\n"配送" = "logistics"\n'
        '"その他" = "out_of_scope"\nskip = ["テスト"]\n',
        encoding="utf-8",
    )
    model = tmp_path / "m.skops"
    options = ("--text-column", "body", "--label-column", "category", "--map", str(labels))

    trained = run_cli(
        "train", "--data", str(export), *options, "--no-bundled", "--out", str(model), cwd=tmp_path
    )

    assert trained.returncode == 0, trained.stderr
    out = trained.stdout
    assert "7 rows imported (billing 2, logistics 2, marketing 2, out_of_scope 1), 3 skipped" in out
    assert "line 8: label 'テスト' is skipped by the map" in out
    assert "line 9: empty text" in out
    assert "line 10: label 'アプリ' is not in the map" in out
    assert "imported 7 new labelled rows" in out
    assert json.loads(metadata_path(model).read_text(encoding="utf-8"))["labels"] == [
        "billing",
        "logistics",
        "marketing",
        "out_of_scope",
    ]
    evaluated = run_cli(
        "evaluate", "--data", str(export), *options, "--model", str(model), "--json", cwd=tmp_path
    )
    assert evaluated.returncode == 0, evaluated.stderr
    figures = json.loads(evaluated.stdout)  # the import report went to stderr
    assert "7 rows imported" in evaluated.stderr
    assert {"coverage", "routed_precision", "macro_f1", "languages"} <= set(figures)
    assert set(figures["languages"]["ja"]) == {
        "examples",
        "macro_f1",
        "accuracy",
        "coverage",
        "routed_precision",
    }


def test_a_bad_file_imports_nothing(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("text,department\n返金がまだです,billing\n荷物が届きません,logistics\n", encoding="utf-8")
    bad = tmp_path / "bad.tsv"
    bad.write_text("text\tdepartment\n返金がまだです\tbilling\n壊れた行\n", encoding="utf-8")

    result = run_cli(
        "train", "--data", str(good), "--data", str(bad), "--out", str(tmp_path / "m"), cwd=tmp_path
    )

    assert result.returncode == 2
    assert "bad.tsv, line 3: fewer fields than the header has" in result.stderr
    assert "imported" not in result.stdout.replace("rows imported", "")  # no label was stored
    again = run_cli("train", "--data", str(good), "--no-bundled", "--out", str(tmp_path / "m"), cwd=tmp_path)
    assert "imported 2 new labelled rows" in again.stdout  # the good file's rows were not stored before
