"""The classifier the core asks for a department, and where its trained model is kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # classifiers.model imports this module (Prediction)
    from classifiers.store import PackedModel


DEFAULT_THRESHOLD = 0.3
"""The confidence a department needs when neither the config nor the classifier says otherwise."""


@dataclass(frozen=True)
class Prediction:
    """The classifier's answer: the best department, its probability, and the ranking.

    ``routed`` is the classifier's own verdict by the thresholds chosen for it (None: it has none).
    """

    department: str | None
    confidence: float
    ranking: tuple[tuple[str, float], ...] = ()
    routed: bool | None = None

    def needs_triage(self, threshold: float | None = None) -> bool:
        """Whether this goes to the triage queue: out of scope, or below ``threshold`` when one is
        configured, else below the classifier's own thresholds (else :data:`DEFAULT_THRESHOLD`)."""
        if self.department is None:
            return True
        if threshold is not None:
            return self.confidence < threshold
        if self.routed is not None:
            return not self.routed
        return self.confidence < DEFAULT_THRESHOLD


class Classifier(Protocol):
    def predict(self, text: str) -> Prediction:
        """Returns the department for ``text``; ``None`` when it is out of scope."""
        ...

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        """``predict`` for each text, in order: one call is much cheaper per text than many."""
        ...


class ModelStore(Protocol):
    """Where the trained classifier is kept for every process (the database)."""

    def latest_id(self) -> int | None:
        """The id of the newest stored model of this version; None when there is none."""
        ...

    def latest(self) -> tuple[int, PackedModel] | None:
        """The newest stored model (of this version first, else of any)."""
        ...

    def add(self, packed: PackedModel, at: datetime) -> int:
        """Stores a model as the newest; returns its id."""
        ...
