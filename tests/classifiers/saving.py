"""Saving a model in tests: the metadata a real save writes, at a fixed time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from classifiers.model import DepartmentClassifier
from classifiers.training import save

SAVED_AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def save_now(classifier: DepartmentClassifier, path: Path) -> None:
    save(classifier, path, created_at=SAVED_AT, data_hash="test", metrics={})
