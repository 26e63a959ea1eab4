"""Training sets and model files of the department classifier.

A model file is the blob of :mod:`classifiers.store` (the fitted arrays, checked on load) and a JSON
file beside it with its metadata: version, checksum, labels, thresholds, a hash of the training data, metrics
and the creation time. A model saved by another version is refused, because its internals may not
mean the same thing any more.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from classifiers.model import DepartmentClassifier, Example, bundled_examples
from classifiers.public import _digest, read_public
from classifiers.store import (
    ModelFileError,
    ModelVersionError,
    PackedModel,
    check_version,
    pack,
    unpack,
)

__all__ = ["ModelFileError", "ModelVersionError", "load", "save", "training_set"]

SHOP_WEIGHT = 3.0
"""How much more one of the shop's own labels (a correction, an imported history row) counts."""


@dataclass(frozen=True)
class PublicUse:
    """How much of the mapped public data goes into training.

    Args:
        per_label: at most this many rows per label (chosen by a hash of the text), or all.
        weight: each row's sample weight; our own examples weigh 1.
    """

    per_label: int | None = 100
    weight: float = 0.3


CHOSEN_PUBLIC: PublicUse | None = None
"""The public-data use cross-validation chose: none. Every way of adding it scored below our own
examples alone on 2,563 of them (it helped slightly on the first 740); see ``classifiers/README.md``."""


def public_examples(rows: Sequence[tuple[Example, str]], use: PublicUse) -> list[tuple[Example, float]]:
    """A deterministic subsample of public ``rows`` with their weight."""
    by_label: dict[str, list[Example]] = {}
    for example, _source in rows:
        by_label.setdefault(example.label, []).append(example)
    chosen: list[tuple[Example, float]] = []
    for label in sorted(by_label):
        examples = sorted(by_label[label], key=lambda e: _digest(e.text))
        if use.per_label is not None:
            examples = examples[: use.per_label]
        chosen += [(e, use.weight) for e in examples]
    return chosen


@dataclass(frozen=True)
class TrainingSet:
    examples: list[Example]
    weights: list[float]

    def digest(self) -> str:
        """A hash of what the model learned from: texts, labels and weights, in order."""
        h = hashlib.sha256()
        for example, weight in zip(self.examples, self.weights, strict=True):
            h.update(f"{example.label}\t{weight:g}\t{example.text}\n".encode())
        return h.hexdigest()

    def train(self) -> DepartmentClassifier:
        return DepartmentClassifier.train(self.examples, self.weights)


def training_set(
    departments: Sequence[str] | None,
    shop: Sequence[Example] = (),
    *,
    bundled: bool = True,
    public: PublicUse | None = CHOSEN_PUBLIC,
    shop_weight: float = SHOP_WEIGHT,
) -> TrainingSet:
    """Bundled examples (limited to ``departments``), public rows, and the shop's own labels."""
    examples: list[Example] = []
    weights: list[float] = []
    if bundled:
        own = bundled_examples(departments)
        examples += own
        weights += [1.0] * len(own)
        if public is not None:
            keep = None if departments is None else {*departments}
            for example, weight in public_examples(read_public("train"), public):
                if keep is None or example.label in keep or example.label == "out_of_scope":
                    examples.append(example)
                    weights.append(weight)
    examples += shop
    weights += [shop_weight] * len(shop)
    return TrainingSet(examples, weights)


def train_default(departments: Sequence[str], corrections: Sequence[Example] = ()) -> DepartmentClassifier:
    """Trains on the bundled (and public) examples plus the team's corrections, weighted more."""
    return training_set(departments, corrections).train()


def metadata_path(path: str | Path) -> Path:
    model = Path(path)
    return model.with_name(model.name + ".json")


def save(
    classifier: DepartmentClassifier,
    path: str | Path,
    *,
    created_at: datetime,
    data_hash: str,
    metrics: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Writes the model and its metadata (``PATH.json``), each whole, by rename."""
    packed = pack(classifier, created_at=created_at, data_hash=data_hash, metrics=metrics)
    write_packed(packed, path)
    return dict(packed.metadata)


def write_packed(packed: PackedModel, path: str | Path) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(packed.blob)
    meta_partial = target.with_name(target.name + ".json.partial")
    meta_partial.write_text(
        json.dumps(dict(packed.metadata), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    # The model first, its metadata last: running copies reload when the metadata file changes.
    partial.replace(target)
    meta_partial.replace(metadata_path(target))


def read_metadata(path: str | Path) -> dict[str, Any]:
    source = metadata_path(path)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelVersionError(
            f"{source} is missing: the model's version is unknown; retrain it with "
            "`triage-bot train --out PATH`"
        ) from None
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{source} is not readable model metadata: {exc}") from None
    if not isinstance(data, dict):
        raise ModelFileError(f"{source} is not readable model metadata")
    return data


def read_packed(path: str | Path) -> PackedModel:
    """A model file and its metadata, unchecked (:func:`classifiers.store.unpack` checks)."""
    source = Path(path)
    if not source.exists():
        raise ModelFileError(f"model file not found: {source}")
    metadata = read_metadata(source)
    check_version(metadata, str(source))  # before reading what may be a large file of another version
    try:
        return PackedModel(source.read_bytes(), metadata)
    except OSError as exc:
        raise ModelFileError(f"{source} could not be read: {exc}") from None


def load(path: str | Path) -> DepartmentClassifier:
    """Loads a model saved by :func:`save`.

    Raises:
        ModelVersionError: saved by another version, or without metadata.
        ModelFileError: missing, damaged, or not a model of ours.
    """
    return unpack(read_packed(path), str(path))
