"""Learning from the shop's corrections: retrain, compare on held-back labels, promote or keep.

Every reassignment (and every department chosen for a triage-queue ticket, which is a
reassignment too) is a label, and so is "not a complaint" (out of scope). A fifth of the labels,
chosen by a hash of the text, is held back and never trained on: the new model is promoted only if
it is at least as accurate as the current one on those. The decision is logged and stored
(``classifier_trainings``); a promoted model is stored (``classifier_models``) and every process
picks it up within :data:`CHECK_SECONDS`.

A worker retrains whenever the labels changed (checked every :data:`QUICK_SECONDS`), so a
correction reaches the model within a minute; the weekly job is the full rebuild. Labels of trivial
texts (はい, 👍: :mod:`classifiers.trivial`) are never trained on: such a text is read by a fixed
rule before the model, so no one's correction can change how it is read.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from bot.config import Config
from bot.core.ports import Classifier, ModelStore, Prediction
from classifiers.model import OUT_OF_SCOPE, DepartmentClassifier, Example
from classifiers.store import PackedModel, bundled_digest, pack, unpack
from classifiers.training import (
    ModelFileError,
    TrainingSet,
    load,
    metadata_path,
    training_set,
    write_packed,
)
from classifiers.trivial import is_trivial

log = logging.getLogger(__name__)

HELD_BACK_SHARE = 5
"""One label in this many is held back for the promotion check."""
CHECK_SECONDS = 10.0
"""How often a process asks the store whether a newer model was promoted."""
QUICK_SECONDS = 20
"""How often a worker looks for new labels to retrain on (training itself takes 5 to 20 s)."""


@dataclass(frozen=True)
class Label:
    """A department someone chose for a text."""

    text: str
    department: str | None  # None: out of scope
    source: str  # "correction" or the import's source name


class LabelSource(Protocol):
    def labels(self) -> list[Label]: ...
    def claim_training(self, run_key: str | None, trigger: str, at: datetime) -> int | None: ...
    def finish_training(self, training_id: int, status: str, detail: dict[str, Any]) -> None: ...


def is_held_back(text: str) -> bool:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % HELD_BACK_SHARE == 0


def to_examples(labels: Sequence[Label], departments: Sequence[str]) -> list[Example]:
    """Labels as training examples; departments the config no longer has, and trivial texts (read by
    rule, never by the model), are skipped."""
    keep = set(departments)
    return [
        Example(label.text, label.department or OUT_OF_SCOPE)
        for label in labels
        if (label.department is None or label.department in keep) and not is_trivial(label.text)
    ]


def labels_digest(labels: Sequence[Label]) -> str:
    """A hash of the labels: a retraining runs once per state of them."""
    h = hashlib.sha256()
    for label in labels:
        h.update(f"{label.department}\t{label.text}\n".encode())
    return h.hexdigest()


def split_labels(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """(trained on, held back)."""
    trained = [e for e in examples if not is_held_back(e.text)]
    held = [e for e in examples if is_held_back(e.text)]
    return trained, held


def accuracy(classifier: Classifier, examples: Sequence[Example]) -> float:
    predictions = classifier.predict_many([example.text for example in examples])
    right = sum(
        (prediction.department or OUT_OF_SCOPE) == example.label
        for prediction, example in zip(predictions, examples, strict=True)
    )
    return right / len(examples) if examples else 0.0


class ModelHolder:
    """The app's classifier: swapped in place when a model is promoted here, and reloaded when another
    process promotes one (a newer row in the model store, or a changed model file).

    The store is asked at most every ``check_seconds`` (one indexed query); a model that cannot be
    used is logged and the current one kept, so a process never serves half a model.
    """

    def __init__(
        self,
        classifier: Classifier,
        path: str | Path | None = None,
        *,
        models: ModelStore | None = None,
        model_id: int | None = None,
        check_seconds: float = CHECK_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._current = classifier
        self._path = Path(path) if path else None
        self._seen = self._stamp()
        self._lock = threading.Lock()
        self._models = models
        self._model_id = model_id
        self._check_seconds = check_seconds
        self._monotonic = monotonic
        self._checked = monotonic()

    @property
    def current(self) -> Classifier:
        self._reload_if_changed()
        self._reload_if_stored()
        return self._current

    @property
    def model_id(self) -> int | None:
        return self._model_id

    def predict(self, text: str) -> Prediction:
        return self.current.predict(text)

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        return self.current.predict_many(texts)

    def swap(self, classifier: Classifier, model_id: int | None = None) -> None:
        with self._lock:
            self._current = classifier
            self._seen = self._stamp()
            if model_id is not None:
                self._model_id = model_id

    def _stamp(self) -> int | None:
        if self._path is None:
            return None
        try:
            return metadata_path(self._path).stat().st_mtime_ns
        except OSError:
            return None

    def _reload_if_changed(self) -> None:
        stamp = self._stamp()
        if stamp is None or stamp == self._seen or self._path is None:
            return
        with self._lock:
            if stamp == self._seen:
                return
            try:
                self._current = load(self._path)
                log.info("classifier reloaded from %s", self._path)
            except ModelFileError as error:
                log.error("classifier not reloaded, keeping the current one: %s", error)
            self._seen = stamp

    def _reload_if_stored(self) -> None:
        if self._models is None or self._monotonic() - self._checked < self._check_seconds:
            return
        with self._lock:
            if self._monotonic() - self._checked < self._check_seconds:
                return
            self._checked = self._monotonic()
            try:
                newest = self._models.latest_id()
                if newest is None or newest == self._model_id:
                    return
                found = self._models.latest()
                if found is None:
                    return
                model_id, packed = found
                self._current = unpack(packed, f"stored model {model_id}")
                self._model_id = model_id
                log.info("classifier %d loaded from the store", model_id)
            except ModelFileError as error:
                log.error("stored classifier not loaded, keeping the current one: %s", error)
            except Exception as error:  # the database away: keep serving with the current model
                log.warning("could not check for a newer classifier: %s", type(error).__name__)


@dataclass(frozen=True)
class Decision:
    promoted: bool
    reason: str
    labels: int
    held_back: int
    current_accuracy: float | None
    candidate_accuracy: float | None
    data_hash: str
    saved_to: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def detail(self) -> dict[str, Any]:
        return {
            "promoted": self.promoted,
            "reason": self.reason,
            "labels": self.labels,
            "held_back": self.held_back,
            "current_accuracy": self.current_accuracy,
            "candidate_accuracy": self.candidate_accuracy,
            "training_data_hash": self.data_hash,
            "saved_to": self.saved_to,
            **self.extra,
        }


class Learner:
    """Retrains the classifier from the bundled data plus the shop's labels, guarded by held-back labels."""

    def __init__(
        self,
        config: Config,
        source: LabelSource,
        holder: ModelHolder | None = None,
        models: ModelStore | None = None,
    ) -> None:
        self.config = config
        self.source = source
        self.holder = holder
        self.models = models
        self._labels_seen: str | None = None

    def initial_set(self, labels: Sequence[Label] | None = None) -> TrainingSet:
        """What a freshly started app trains on: bundled data and the labels that are not held back."""
        examples = to_examples(
            self.source.labels() if labels is None else labels, self.config.department_keys
        )
        trained, _held = split_labels(examples)
        return training_set(self.config.department_keys, trained)

    def _stored_model_knows(self, labels: Sequence[Label]) -> bool:
        """Whether the newest stored model was trained on the bundled data and exactly ``labels``, as
        the start trains it: retraining on them would only make the same model again."""
        found = self.models.latest() if self.models is not None else None
        trained_on = found[1].metadata.get("training_data_hash") if found is not None else None
        return trained_on is not None and trained_on == self.initial_set(labels).digest()

    def retrain_weekly(self, now: datetime) -> Decision | None:
        """The weekly job, a full rebuild: once per ISO week across all workers (the run key is unique)."""
        year, week, _ = now.astimezone(self.config.tz).isocalendar()
        return self.retrain(now, trigger="weekly", run_key=f"weekly:{year}-W{week:02d}")

    def retrain_on_new_labels(self, now: datetime) -> Decision | None:
        """The quick job: retrains when the labels changed since the last look, once per state of the
        labels across all workers (the run key is their hash). None when nothing changed."""
        labels = self.source.labels()
        digest = labels_digest(labels)
        if digest == self._labels_seen:
            return None
        if self._labels_seen is None and self._stored_model_knows(labels):
            self._labels_seen = digest  # a worker's first look: the stored model has learnt these
            return None
        decision = self.retrain(now, trigger="corrections", run_key=f"labels:{digest[:48]}")
        self._labels_seen = digest
        return decision

    def retrain(
        self,
        now: datetime,
        *,
        trigger: str,
        run_key: str | None = None,
        extra: Sequence[Example] = (),
        bundled: bool = True,
        out: str | Path | None = None,
        current: Classifier | None = None,
    ) -> Decision | None:
        """Trains a candidate and promotes it if it is not worse on the held-back labels.

        ``current`` defaults to the holder's model; with none at all the candidate is promoted.
        Returns ``None`` when another worker already ran ``run_key``.
        """
        training_id = self.source.claim_training(run_key, trigger, now)
        if training_id is None:
            return None
        target = out or self.config.model_path
        try:
            decision = self._decide(now, extra, bundled, target, current)
        except Exception as error:
            self.source.finish_training(training_id, "failed", {"error": type(error).__name__})
            raise
        self.source.finish_training(
            training_id, "promoted" if decision.promoted else "kept", decision.detail()
        )
        log.info(
            "classifier %s (%s): %d labels, %d held back, accuracy %s -> %s",
            "promoted" if decision.promoted else "kept",
            decision.reason,
            decision.labels,
            decision.held_back,
            decision.current_accuracy,
            decision.candidate_accuracy,
        )
        return decision

    def _decide(
        self,
        now: datetime,
        extra: Sequence[Example],
        bundled: bool,
        target: str | Path | None,
        current: Classifier | None,
    ) -> Decision:
        examples = [*to_examples(self.source.labels(), self.config.department_keys), *extra]
        trained, held = split_labels(examples)
        chosen = training_set(self.config.department_keys, trained, bundled=bundled)
        candidate = chosen.train()
        current = current or (self.holder.current if self.holder else None)
        candidate_accuracy = accuracy(candidate, held) if held else None
        current_accuracy = accuracy(current, held) if held and current is not None else None
        if current is None:
            promoted, reason = True, "no current model"
        elif candidate_accuracy is None or current_accuracy is None:
            promoted, reason = False, "no held-back labels to compare on"
        elif candidate_accuracy >= current_accuracy:
            promoted, reason = True, "not worse on the held-back labels"
        else:
            promoted, reason = False, "worse on the held-back labels"
        saved_to = None
        if promoted:
            metrics = {
                "held_back": len(held),
                "held_back_accuracy": candidate_accuracy,
                "labels": len(examples),
            }
            saved_to = self._store(candidate, now, chosen, metrics, target, bundled)
        return Decision(
            promoted,
            reason,
            len(examples),
            len(held),
            current_accuracy,
            candidate_accuracy,
            chosen.digest(),
            saved_to,
        )

    def _store(
        self,
        candidate: DepartmentClassifier,
        now: datetime,
        chosen: TrainingSet,
        metrics: dict[str, Any],
        target: str | Path | None,
        bundled: bool,
    ) -> str | None:
        """Stores a promoted model (the store, the model file) and swaps it in; returns where it went."""
        packed = pack(
            candidate,
            created_at=now,
            data_hash=chosen.digest(),
            metrics=metrics,
            bundled_hash=bundled_digest() if bundled else None,
        )
        places = []
        model_id = None
        if self.models is not None:
            model_id = self.models.add(packed, now)
            places.append(f"store #{model_id}")
        if target:
            write_packed(packed, target)
            places.append(str(target))
        if self.holder is not None:
            self.holder.swap(candidate, model_id)
        return ", ".join(places) or None


def packed_initial(learner: Learner, now: datetime) -> PackedModel:
    """A new model on the bundled data and the shop's labels (not the held-back ones), packed to store."""
    chosen = learner.initial_set()
    return pack(
        chosen.train(),
        created_at=now,
        data_hash=chosen.digest(),
        metrics={"examples": len(chosen.examples)},
        bundled_hash=bundled_digest(),
    )
