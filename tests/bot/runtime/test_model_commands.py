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
