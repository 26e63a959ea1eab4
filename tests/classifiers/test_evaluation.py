"""``evaluate``'s figures on a model whose answers we can predict, and clear errors for bad CSV."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers.evaluation import DataFileError, evaluate, read_labelled_csv
from classifiers.model import DepartmentClassifier, Example

KEYS = ("logistics", "billing", "product")


@pytest.fixture(scope="module")
def classifier() -> DepartmentClassifier:
    rows = [
        *(Example(t, "logistics") for t in ("配送が遅い", "荷物が届かない", "late delivery", "parcel lost")),
        *(Example(t, "billing") for t in ("二重請求", "返金がない", "charged twice", "refund missing")),
        *(Example(t, "out_of_scope") for t in ("こんにちは", "ありがとう", "hello there", "thank you")),
    ]
    return DepartmentClassifier.train(rows * 3)


def test_figures(classifier: DepartmentClassifier) -> None:
    examples = [
        Example("配送が遅いです", "logistics", "ja"),
        Example("refund missing again", "billing", "en"),
        Example("届かない荷物", "product", "ja"),  # a department the model never saw: a miss
        Example("こんにちは！", "out_of_scope", "ja"),
    ]
    figures = evaluate(classifier, examples, threshold=0.0).figures
    assert figures["examples"] == 4 and figures["in_scope"] == 3 and figures["out_of_scope"] == 1
    assert figures["accuracy"] == pytest.approx(2 / 3)
    assert set(figures["per_department"]) == {"billing", "logistics", "product"}
    assert figures["per_department"]["product"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert figures["per_department"]["billing"]["support"] == 1
    assert figures["confusion"]["logistics"] == {"logistics": 1}
    assert figures["confusion"]["product"] == {"logistics": 1}
    assert figures["coverage"] == 1.0  # threshold 0: every in-scope row routed
    assert figures["routed_accuracy"] == pytest.approx(2 / 3)
    assert figures["oos_rejection"] == 1.0
    assert set(figures["per_language"]) == {"ja", "en"}
    strict = evaluate(classifier, examples, threshold=1.0).figures
    assert strict["coverage"] == 0.0 and strict["routed_accuracy"] == 0.0
    assert any(line.startswith("macro F1 (ja)") for line in evaluate(classifier, examples, 0.5).lines())


def test_csv_rows_empty_department_is_out_of_scope(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text('text,department\n"配送が遅い, まだ?",Logistics\nこんにちは,\n', encoding="utf-8")
    rows = read_labelled_csv(path, KEYS)
    assert [(e.text, e.label, e.language) for e in rows] == [
        ("配送が遅い, まだ?", "logistics", "ja"),
        ("こんにちは", "out_of_scope", "ja"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("words,label\nx,billing\n", "must name the columns text,department"),
        ("text,department\nx,accounting\n", "line 2: unknown department 'accounting'"),
        ("text,department\n,billing\n", "line 2: the text is empty"),
        ("text,department\n", "no rows"),
    ],
)
def test_bad_csv_gets_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataFileError, match=message):
        read_labelled_csv(path, KEYS)


def test_missing_or_binary_csv(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no such file"):
        read_labelled_csv(tmp_path / "none.csv", KEYS)
    binary = tmp_path / "model.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(DataFileError, match="not a UTF-8 CSV"):
        read_labelled_csv(binary, KEYS)
