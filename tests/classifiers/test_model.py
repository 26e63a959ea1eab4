"""The department classifier: it routes real-looking complaints in three languages, it is measured
on held-out data, and its model files load safely."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from bot.config import DEFAULT_DEPARTMENTS
from classifiers.evaluation import evaluate, evaluation_examples
from classifiers.model import OUT_OF_SCOPE, DepartmentClassifier, Example, bundled_examples, read_examples
from classifiers.store import checksum
from classifiers.text import clean, detect_language, normalize
from classifiers.training import ModelFileError, load, metadata_path, train_default
from tests.classifiers.saving import save_now

KEYS = tuple(d.key for d in DEFAULT_DEPARTMENTS)


@pytest.fixture(scope="module")
def classifier() -> DepartmentClassifier:
    return train_default(KEYS)


def test_training_and_evaluation_data_are_kept_apart() -> None:
    train = {e.text for e in bundled_examples()}
    held_out = {e.text for e in evaluation_examples()}
    assert train.isdisjoint(held_out)
    labels = {e.label for e in bundled_examples()}
    assert labels == {*KEYS, OUT_OF_SCOPE}
    for language in ("ja", "en", "ko"):
        assert {e.label for e in bundled_examples() if e.language == language} == labels


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("配送が3日遅れています。注文番号12345", "logistics"),
        ("返品した商品の返金がまだありません。", "billing"),
        ("The parcel never arrived and the tracking has not moved for a week.", "logistics"),
        ("I was charged twice for the same order, please refund one.", "billing"),
        ("비밀번호를 바꿨는데 로그인이 안 됩니다.", "website"),
    ],
)
def test_clear_complaints_are_routed(classifier: DepartmentClassifier, text: str, department: str) -> None:
    prediction = classifier.predict(text)
    assert prediction.department == department
    assert prediction.ranking[0][0] == department
    assert 0 < prediction.confidence <= 1


def test_greetings_are_out_of_scope(classifier: DepartmentClassifier) -> None:
    assert classifier.predict("いつもお世話になっております。ありがとうございました！").department is None


def test_held_out_accuracy_stays_above_the_floor(classifier: DepartmentClassifier) -> None:
    report = evaluate(classifier, evaluation_examples(KEYS), threshold=0.3).figures
    # A floor well under what the model measures: it catches a real regression, not noise.
    assert report["accuracy"] >= 0.70
    assert set(report["per_language"]) == {"ja", "en", "ko"}
    assert report["examples"] == len(evaluation_examples())


def test_fewer_departments_turn_the_rest_out_of_scope() -> None:
    examples = bundled_examples(("logistics", "billing"))
    assert {e.label for e in examples} == {"logistics", "billing", OUT_OF_SCOPE}


def test_corrections_teach_the_model(classifier: DepartmentClassifier) -> None:
    phrase = "アンケートのお礼ギフトが届かない"  # a campaign gift: marketing, which the base model misses
    assert classifier.predict(phrase).department != "marketing"
    taught = train_default(KEYS, [Example(phrase, "marketing")] * 3)
    assert taught.predict(phrase).department == "marketing"


def test_model_round_trips_through_its_file(classifier: DepartmentClassifier, tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    save_now(classifier, path)
    loaded = load(path)
    for text in ("クーポンが使えませんでした", "배송이 늦어요 ㅠㅠ", "refund kab milega"):
        assert loaded.predict(text) == classifier.predict(text)
    assert loaded.thresholds == classifier.thresholds


def _forge(path: Path, blob: bytes) -> None:
    """Replaces a saved model's bytes and makes its checksum match, as an attacker could."""
    path.write_bytes(blob)
    meta = metadata_path(path)
    metadata = json.loads(meta.read_text(encoding="utf-8"))
    meta.write_text(json.dumps({**metadata, "checksum": checksum(blob)}), encoding="utf-8")


def test_hostile_damaged_or_broken_model_files_are_refused(
    classifier: DepartmentClassifier, tmp_path: Path
) -> None:
    path = tmp_path / "model.skops"
    save_now(classifier, path)
    path.write_bytes(path.read_bytes()[:-5] + b"xxxxx")
    with pytest.raises(ModelFileError, match="damaged: its checksum does not match"):
        load(path)
    # With a matching checksum, a pickled object (which could run code when loaded) is still refused.
    hostile = io.BytesIO()
    np.savez(hostile, coef=np.array([Path("/etc/passwd")], dtype=object), intercept=np.zeros(2))
    _forge(path, hostile.getvalue())
    with pytest.raises(ModelFileError, match="not a model of ours"):
        load(path)
    wrong = io.BytesIO()
    np.savez(
        wrong, coef=np.zeros((2, 3)), intercept=np.zeros(2), classes=np.array(["a", "b"]), idf=np.zeros(3)
    )
    _forge(path, wrong.getvalue())
    with pytest.raises(ModelFileError, match="arrays do not fit together"):
        load(path)
    _forge(path, b"not a zip file")
    with pytest.raises(ModelFileError, match="not a model of ours"):
        load(path)
    with pytest.raises(ModelFileError, match="not found"):
        load(tmp_path / "missing.skops")


def test_text_preparation() -> None:
    assert clean("\ufeff配送\u200bが\x00遅い\r\n") == "配送が遅い"
    assert normalize("ＡＢＣ　１２３ ｶﾀｶﾅ") == "abc 123 カタカナ"
    assert detect_language("配送が遅い、Amazon Prime より遅い") == "ja"
    assert detect_language("배송이 늦어요 ㅠㅠ") == "ko"
    assert detect_language("Where is my parcel?") == "en"
    assert detect_language("12345") == "en"


def test_data_files_are_well_formed(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("text\tlabel\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header"):
        read_examples(bad)
