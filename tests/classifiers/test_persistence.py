"""Model files: metadata beside them, refused when saved by another scikit-learn version, and the
app trains a fresh model instead of stopping when its configured file cannot be used."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import sklearn

from bot.config import DEFAULT_DEPARTMENTS, Config
from bot.core.learning import ModelHolder
from bot.runtime.services import build_classifier, prepare_database
from classifiers.model import DepartmentClassifier
from classifiers.store import MODEL_VERSION
from classifiers.training import ModelVersionError, load, metadata_path, train_default
from storage.database import make_engine, make_session_factory
from tests.classifiers.saving import save_now

KEYS = tuple(d.key for d in DEFAULT_DEPARTMENTS)


@pytest.fixture(scope="module")
def classifier() -> DepartmentClassifier:
    return train_default(KEYS)


def test_metadata_is_written_beside_the_model(classifier: DepartmentClassifier, tmp_path: Path) -> None:
    path = tmp_path / "models" / "departments.skops"
    save_now(classifier, path)
    metadata = json.loads(metadata_path(path).read_text(encoding="utf-8"))
    assert metadata_path(path).name == "departments.skops.json"
    assert (
        metadata["model_version"] == MODEL_VERSION
        and metadata["trained_with"] == f"scikit-learn {sklearn.__version__}"
    )
    assert metadata["labels"] == sorted([*KEYS, "out_of_scope"])
    assert metadata["training_data_hash"] == "test"
    assert metadata["created_at"] == "2026-11-30T09:00:00+00:00"
    assert "metrics" in metadata
    assert not list(path.parent.glob("*.partial"))


def test_a_model_from_another_version_is_refused(classifier: DepartmentClassifier, tmp_path: Path) -> None:
    path = tmp_path / "old.skops"
    save_now(classifier, path)
    meta = metadata_path(path)
    meta.write_text(
        json.dumps({**json.loads(meta.read_text()), "model_version": "2/scikit-learn 1.0.2"}),
        encoding="utf-8",
    )
    with pytest.raises(ModelVersionError, match=r"model version 2/scikit-learn 1\.0\.2, this is .*retrain"):
        load(path)
    meta.unlink()
    with pytest.raises(ModelVersionError, match="version is unknown"):
        load(path)


def test_the_app_retrains_when_its_model_file_is_from_another_version(
    classifier: DepartmentClassifier, tmp_path: Path, config: Config
) -> None:
    path = tmp_path / "old.skops"
    save_now(classifier, path)
    meta = metadata_path(path)
    meta.write_text(
        json.dumps({**json.loads(meta.read_text()), "model_version": "1/scikit-learn 0.24.0"}),
        encoding="utf-8",
    )
    engine = make_engine(config.database_url)
    try:
        prepare_database(config, engine)
        fresh = build_classifier(replace(config, model_path=str(path)), make_session_factory(engine))
    finally:
        engine.dispose()
    assert fresh.predict("返品した商品の返金がまだありません。").department == "billing"


def test_the_holder_picks_up_a_model_another_process_promoted(
    classifier: DepartmentClassifier, tmp_path: Path
) -> None:
    path = tmp_path / "departments.skops"
    save_now(classifier, path)
    holder = ModelHolder(load(path), path)
    assert holder.predict("返金がまだです").department == "billing"
    only_two = train_default(("logistics", "website"))
    save_now(only_two, path)  # what the weekly job in a worker does
    assert holder.predict("返金がまだです").department in (None, "logistics", "website")
    assert isinstance(holder.current, DepartmentClassifier)
    assert holder.current.departments == ("logistics", "website")
