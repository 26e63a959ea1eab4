"""A trained model as one blob with its metadata: what a database row or a model file holds.

Train once, load everywhere: the process that trains packs the model (:func:`pack`), the store keeps
the blob and its metadata (version, checksum, settings, labels, thresholds, data hash), and every
other process unpacks it (:func:`unpack`). Unpacking checks, in order, the version
(:data:`MODEL_VERSION`: the pipeline's format), the checksum of the blob
and the shapes of its arrays; any failure raises before a model object exists, so a model is loaded
whole or not at all. :func:`load_or_train` turns "stored by another version" into one retraining
with a log line.

The blob is the fitted numbers only, as a NumPy ``.npz`` read with ``allow_pickle=False``: the
logistic regression's coefficients, intercepts and classes and the idf weights. Every other part of
the pipeline is rebuilt from its :class:`~classifiers.features.Settings`. Nothing in a blob can run
code, and loading takes a tenth of a second (skops took half a second after a second of import).
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

from classifiers.analysis import LinearScorer, Settings
from classifiers.model import DepartmentClassifier, read_split
from classifiers.thresholds import Thresholds

log = logging.getLogger(__name__)

MODEL_FORMAT = 3
"""Bumped whenever the pipeline's parts or their meaning change (3: arrays, CRC-32 hashing,
morphemes, thresholds). A blob is NumPy arrays scored by our own code, so a scikit-learn upgrade
does not make it another version."""
MODEL_VERSION = f"triage-bot model {MODEL_FORMAT}"
ARRAYS = ("coef", "intercept", "classes", "idf")


class ModelFileError(Exception):
    """A stored model is missing, unreadable, damaged or contains types we do not trust."""


class ModelVersionError(ModelFileError):
    """A stored model was made by another version (pipeline format or scikit-learn)."""


@dataclass(frozen=True)
class PackedModel:
    """A model's bytes and its metadata (JSON-ready), as a store keeps them."""

    blob: bytes
    metadata: Mapping[str, Any]

    @property
    def version(self) -> str:
        return str(self.metadata.get("model_version", ""))


def checksum(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def bundled_digest() -> str:
    """A hash of the bundled training data: a release with new data retrains its stored model once."""
    h = hashlib.sha256()
    for example in read_split("train"):
        h.update(f"{example.label}\t{example.language}\t{example.text}\n".encode())
    return h.hexdigest()


def _settings(data: Mapping[str, Any]) -> Settings:
    values = dict(data)
    for name in ("char_ngrams", "morpheme_ngrams"):
        if values.get(name) is not None:
            values[name] = tuple(values[name])
    return Settings(**values)


def pack(
    classifier: DepartmentClassifier,
    *,
    created_at: datetime,
    data_hash: str,
    metrics: Mapping[str, Any] | None = None,
    bundled_hash: str | None = None,
) -> PackedModel:
    """The model's numbers as bytes (deflated ``.npz``) and its metadata.

    Raises:
        ModelFileError: the model is not a :class:`LinearScorer` (the calibrated SVM of the model
            selection is never stored).
    """
    scorer = classifier.scorer
    if not isinstance(scorer, LinearScorer):
        raise ModelFileError("only a logistic-regression model can be stored")
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **scorer.arrays())
    blob = buffer.getvalue()
    metadata = {
        "model_version": MODEL_VERSION,
        "trained_with": f"scikit-learn {_sklearn_version()}",
        "checksum": checksum(blob),
        "settings": asdict(scorer.settings),
        "labels": list(classifier.labels),
        "thresholds": classifier.thresholds.to_json(),
        "training_data_hash": data_hash,
        "bundled_data_hash": bundled_hash,
        "metrics": dict(metrics or {}),
        "created_at": created_at.isoformat(),
    }
    return PackedModel(blob, metadata)


def _sklearn_version() -> str:
    try:
        return version("scikit-learn")
    except PackageNotFoundError:  # pragma: no cover - a dependency of the package
        return "unknown"


def check_version(metadata: Mapping[str, Any], where: str) -> None:
    """Raises :class:`ModelVersionError` unless ``metadata`` is of this version."""
    saved = metadata.get("model_version")
    if saved != MODEL_VERSION:
        raise ModelVersionError(
            f"{where} was saved as model version {saved or 'unknown'}, this is {MODEL_VERSION}: "
            "retrain it with `triage-bot train --out PATH`"
        )


def unpack(packed: PackedModel, where: str = "the stored model") -> DepartmentClassifier:
    """The classifier in ``packed``, checked whole before it is built.

    Raises:
        ModelVersionError: made by another version.
        ModelFileError: damaged (checksum), not a model's arrays, or arrays that do not fit together.
    """
    check_version(packed.metadata, where)
    if packed.metadata.get("checksum") != checksum(packed.blob):
        raise ModelFileError(f"{where} is damaged: its checksum does not match")
    try:
        settings = _settings(packed.metadata["settings"])
        with np.load(io.BytesIO(packed.blob), allow_pickle=False) as data:
            arrays = {name: data[name] for name in ARRAYS}
    except Exception as exc:  # a zip, npy or settings error: all mean "not one of our models"
        raise ModelFileError(f"{where} is not a model of ours: {type(exc).__name__}: {exc}") from None
    coef, intercept, classes, idf = (arrays[name] for name in ARRAYS)
    n_classes = len(classes)
    rows = 1 if n_classes == 2 else n_classes  # scikit-learn keeps one row for two classes
    if (
        settings.model != "logistic"
        or coef.shape != (rows, settings.n_features)
        or intercept.shape != (n_classes,)
        or idf.shape != (settings.n_features,)
        or classes.dtype.kind != "U"
        or n_classes < 2
    ):
        raise ModelFileError(f"{where} does not hold a fitted classifier (its arrays do not fit together)")
    scorer = LinearScorer(settings, coef, intercept, [str(c) for c in classes], idf)
    thresholds = packed.metadata.get("thresholds")
    return DepartmentClassifier(scorer, Thresholds.from_json(thresholds) if thresholds else None)


def load_or_train(
    read: Callable[[], PackedModel | None],
    train: Callable[[], PackedModel],
    write: Callable[[PackedModel], object],
    *,
    bundled_hash: str | None = None,
) -> tuple[DepartmentClassifier, bool]:
    """The stored model, or a new one trained, stored and returned: (classifier, trained now).

    A stored model of another version, a damaged one, or one trained on other bundled data (when
    ``bundled_hash`` is given) is replaced: trained once, with a log line saying why. ``read``
    returns None when nothing is stored.
    """
    packed = read()
    reason = "no model is stored"
    if packed is not None:
        try:
            if bundled_hash is not None and packed.metadata.get("bundled_data_hash") not in (
                None,
                bundled_hash,
            ):
                raise ModelVersionError("the stored model was trained on other bundled data")
            return unpack(packed), False
        except ModelFileError as error:
            reason = str(error)
    log.warning("classifier: %s; training a new model and storing it", reason)
    fresh = train()
    classifier = unpack(fresh, "the model just trained")
    write(fresh)
    return classifier, True
