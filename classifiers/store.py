"""A trained model as one blob with its metadata: what a database row or a model file holds.

Train once, load everywhere: the process that trains packs the model (:func:`pack`), the store keeps
the blob and its metadata (version, checksum, labels, thresholds, data hash), and every other
process unpacks it (:func:`unpack`). Unpacking checks, in order, the version (:data:`MODEL_VERSION`:
the pipeline's format and the scikit-learn version), the checksum of the blob and the types inside
it; any failure raises before a model object exists, so a model is loaded whole or not at all.
:func:`load_or_train` turns "stored by another version" into one retraining with a log line.

skops, not pickle: loading a pickle can run any code, skops loads only the types we trust.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sklearn

from classifiers.model import DepartmentClassifier, read_split
from classifiers.thresholds import Thresholds

log = logging.getLogger(__name__)

MODEL_FORMAT = 2
"""Bumped whenever the pipeline's parts or their meaning change (2: morphemes, thresholds)."""
MODEL_VERSION = f"{MODEL_FORMAT}/scikit-learn {sklearn.__version__}"

# Every type a model of ours holds (the pipeline of classifiers.features, both model choices).
# Pinned by name: anything else in a blob, however harmless it looks, is refused.
TRUSTED_TYPES = frozenset(
    {
        "builtins.slice",
        "classifiers.features.NgramAnalyzer",
        "classifiers.features.TextNormalizer",
        "collections.defaultdict",
        "numpy.dtype",
        "numpy.float32",
        "numpy.float64",
        "numpy.int64",
        "numpy.ndarray",
        "numpy.str_",
        "scipy.sparse._csr.csr_matrix",
        "sklearn.calibration.CalibratedClassifierCV",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.feature_extraction.text.HashingVectorizer",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.pipeline.FeatureUnion",
        "sklearn.pipeline.Pipeline",
        "sklearn.svm._classes.LinearSVC",
    }
)


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


def pack(
    classifier: DepartmentClassifier,
    *,
    created_at: datetime,
    data_hash: str,
    metrics: Mapping[str, Any] | None = None,
    bundled_hash: str | None = None,
) -> PackedModel:
    """The model as bytes (skops, deflated) and its metadata."""
    import skops.io as sio  # here: ~20 MB that a process which never stores a model does not need

    blob = sio.dumps(classifier.pipeline, compression=8)  # zipfile.ZIP_DEFLATED
    metadata = {
        "model_version": MODEL_VERSION,
        "sklearn_version": sklearn.__version__,
        "checksum": checksum(blob),
        "labels": list(classifier.labels),
        "thresholds": classifier.thresholds.to_json(),
        "training_data_hash": data_hash,
        "bundled_data_hash": bundled_hash,
        "metrics": dict(metrics or {}),
        "created_at": created_at.isoformat(),
    }
    return PackedModel(blob, metadata)


def check_version(metadata: Mapping[str, Any], where: str) -> None:
    """Raises :class:`ModelVersionError` unless ``metadata`` is of this version."""
    saved_sklearn = metadata.get("sklearn_version")
    if saved_sklearn != sklearn.__version__:
        raise ModelVersionError(
            f"{where} was saved by scikit-learn {saved_sklearn}, this is {sklearn.__version__}: "
            "retrain it with `triage-bot train --out PATH`"
        )
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
        ModelFileError: damaged (checksum), not skops, a type outside ``TRUSTED_TYPES``, or not a
            fitted classifier.
    """
    check_version(packed.metadata, where)
    if packed.metadata.get("checksum") != checksum(packed.blob):
        raise ModelFileError(f"{where} is damaged: its checksum does not match")
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(data=packed.blob)
    except Exception as exc:
        raise ModelFileError(f"{where} is not a skops model: {exc}") from None
    refused = sorted(name for name in untrusted if name not in TRUSTED_TYPES)
    if refused:
        raise ModelFileError(f"{where} contains types that are not trusted: {', '.join(refused)}")
    try:
        pipeline = sio.loads(packed.blob, trusted=untrusted)
    except Exception as exc:
        raise ModelFileError(f"{where} could not be loaded: {exc}") from None
    if not hasattr(pipeline, "predict_proba") or not hasattr(pipeline, "classes_"):
        raise ModelFileError(f"{where} does not hold a fitted classifier")
    thresholds = packed.metadata.get("thresholds")
    return DepartmentClassifier(pipeline, Thresholds.from_json(thresholds) if thresholds else None)


def load_or_train(
    read: Callable[[], PackedModel | None],
    train: Callable[[], PackedModel],
    write: Callable[[PackedModel], None],
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
