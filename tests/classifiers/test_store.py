"""The model store's format: a blob with version and checksum, loaded whole or not at all, and a model
of another version (or other bundled data) retrained once with a log line."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from classifiers.model import DepartmentClassifier, Example
from classifiers.store import (
    MODEL_VERSION,
    ModelFileError,
    ModelVersionError,
    PackedModel,
    load_or_train,
    pack,
    unpack,
)
from classifiers.thresholds import Thresholds
from tests.classifiers.saving import SAVED_AT

ROWS = [
    *(Example(t, "logistics") for t in ("配送が遅い", "荷物が届かない", "late delivery", "parcel lost")),
    *(Example(t, "billing") for t in ("二重請求", "返金がない", "charged twice", "refund missing")),
    *(Example(t, "out_of_scope") for t in ("こんにちは", "ありがとう", "hello there", "thank you")),
]


@pytest.fixture(scope="module")
def packed() -> PackedModel:
    trained = DepartmentClassifier.train(ROWS * 2)
    classifier = DepartmentClassifier(trained.scorer, Thresholds(0.4, {"billing": 0.6}))
    return pack(classifier, created_at=SAVED_AT, data_hash="d", bundled_hash="b1")


def test_a_packed_model_unpacks_to_the_same_predictions_and_thresholds(packed: PackedModel) -> None:
    assert packed.version == MODEL_VERSION
    assert packed.metadata["labels"] == ["billing", "logistics", "out_of_scope"]
    model = unpack(packed)
    assert model.predict("refund missing again").department == "billing"
    assert model.thresholds == Thresholds(0.4, {"billing": 0.6})


def test_another_version_or_a_damaged_blob_is_refused(packed: PackedModel) -> None:
    old = PackedModel(packed.blob, {**packed.metadata, "model_version": "1/scikit-learn 1.5.0"})
    with pytest.raises(ModelVersionError, match=r"model version 1/scikit-learn 1\.5\.0"):
        unpack(old)
    damaged = replace(packed, blob=packed.blob[:-10] + b"\0" * 10)
    with pytest.raises(ModelFileError, match="checksum"):
        unpack(damaged)


class Store:
    def __init__(self, stored: PackedModel | None) -> None:
        self.stored = stored
        self.trained = 0

    def read(self) -> PackedModel | None:
        return self.stored

    def write(self, packed: PackedModel) -> None:
        self.stored = packed

    def train(self) -> PackedModel:
        self.trained += 1
        classifier = DepartmentClassifier.train(ROWS)
        return pack(classifier, created_at=SAVED_AT, data_hash="fresh", bundled_hash="b2")


def test_a_stored_model_of_this_version_is_loaded_not_trained(packed: PackedModel) -> None:
    store = Store(packed)
    model, trained = load_or_train(store.read, store.train, store.write, bundled_hash="b1")
    assert (trained, store.trained) == (False, 0)
    assert model.thresholds.default == 0.4


@pytest.mark.parametrize(
    ("metadata", "bundled", "why"),
    [
        ({"model_version": "1/scikit-learn 0.24"}, "b1", "model version 1/scikit-learn 0.24"),
        ({"checksum": "0" * 64}, "b1", "checksum"),
        ({}, "b2", "other bundled data"),
    ],
)
def test_another_version_is_retrained_once_with_a_log_line(
    packed: PackedModel, metadata: dict[str, str], bundled: str, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(PackedModel(packed.blob, {**packed.metadata, **metadata}))
    with caplog.at_level(logging.WARNING, logger="classifiers.store"):
        model, trained = load_or_train(store.read, store.train, store.write, bundled_hash=bundled)
    assert trained and store.trained == 1
    assert store.stored is not None and store.stored.metadata["training_data_hash"] == "fresh"
    assert model.thresholds.default != 0.4  # the new model, not a half-loaded old one
    assert why in caplog.text and "training a new model" in caplog.text
    _, trained_again = load_or_train(store.read, store.train, store.write, bundled_hash="b2")
    assert not trained_again and store.trained == 1  # once


def test_nothing_stored_trains_and_stores() -> None:
    store = Store(None)
    _, trained = load_or_train(store.read, store.train, store.write)
    assert trained and store.stored is not None and store.stored.version == MODEL_VERSION
