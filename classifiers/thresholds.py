"""When a prediction is sure enough to route: the triage threshold, chosen by cross-validation.

The rule (issue 14): routed precision at least :data:`TARGET_PRECISION` at the highest coverage.
``routed precision`` is the share of routed messages that went to the right department, counting a
message that should have gone to triage (out of scope) and was routed as wrong; ``coverage`` is the
share of in-scope messages routed without triage. Both come from out-of-fold predictions on the
training data (``python -m classifiers.selection --stage thresholds``); the evaluation and field
sets are never read to choose them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

OUT_OF_SCOPE = "out_of_scope"  # classifiers.model.OUT_OF_SCOPE, which imports this module

TARGET_PRECISION = 0.90
GRID = tuple(round(0.05 + 0.01 * i, 2) for i in range(91))  # 0.05 .. 0.95
MIN_ROUTED = 20
"""A department's own threshold needs at least this many routed rows behind it, else the global one."""


@dataclass(frozen=True)
class Thresholds:
    """The confidence a prediction needs to be routed: one for all, or one per department.

    Args:
        default: for every department without one of its own.
        per_department: department key -> its own threshold.
    """

    default: float
    per_department: Mapping[str, float] = field(default_factory=dict)

    def for_department(self, department: str) -> float:
        return self.per_department.get(department, self.default)

    def routes(self, department: str | None, confidence: float) -> bool:
        """Whether a prediction of ``department`` at ``confidence`` is routed (else: triage)."""
        return department is not None and confidence >= self.for_department(department)

    def to_json(self) -> dict[str, Any]:
        return {"default": self.default, "per_department": dict(sorted(self.per_department.items()))}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Thresholds:
        per = data.get("per_department") or {}
        return cls(float(data["default"]), {str(k): float(v) for k, v in per.items()})


@dataclass(frozen=True)
class Outcome:
    """Out-of-fold predictions: the top department (None: out of scope), its confidence, the gold label."""

    department: str | None
    confidence: float
    gold: str


def lowest_threshold(outcomes: Sequence[Outcome], target: float = TARGET_PRECISION) -> float | None:
    """The lowest grid threshold whose routed precision over ``outcomes`` reaches ``target``.

    Lowest means the most routed, so the highest coverage that keeps the precision. None when no
    threshold on the grid reaches it with :data:`MIN_ROUTED` rows routed.
    """
    rows = [o for o in outcomes if o.department is not None]
    if not rows:
        return None
    confidence = np.array([o.confidence for o in rows])
    correct = np.array([o.department == o.gold for o in rows])
    for threshold in GRID:
        routed = confidence >= threshold
        count = int(routed.sum())
        if count < MIN_ROUTED:
            return None
        if correct[routed].mean() >= target:
            return threshold
    return None


def choose_global(outcomes: Sequence[Outcome], target: float = TARGET_PRECISION) -> Thresholds:
    chosen = lowest_threshold(outcomes, target)
    return Thresholds(GRID[-1] if chosen is None else chosen)


def choose_per_department(outcomes: Sequence[Outcome], target: float = TARGET_PRECISION) -> Thresholds:
    """Each department its own lowest threshold reaching ``target`` on the rows routed to it.

    Each department at ``target`` keeps the whole at ``target`` too; a department with too few rows
    takes the global threshold.
    """
    overall = choose_global(outcomes, target)
    per: dict[str, float] = {}
    for department in sorted({o.department for o in outcomes if o.department is not None}):
        chosen = lowest_threshold([o for o in outcomes if o.department == department], target)
        if chosen is not None:
            per[department] = chosen
    return Thresholds(overall.default, per)


@dataclass(frozen=True)
class Routing:
    coverage: float
    routed_precision: float
    routed: int


def routing(outcomes: Sequence[Outcome], thresholds: Thresholds) -> Routing:
    """Coverage of the in-scope rows and precision of all routed rows under ``thresholds``."""
    routed = [o for o in outcomes if thresholds.routes(o.department, o.confidence)]
    in_scope = [o for o in outcomes if o.gold != OUT_OF_SCOPE]
    covered = sum(1 for o in routed if o.gold != OUT_OF_SCOPE)
    correct = sum(1 for o in routed if o.department == o.gold)
    return Routing(
        coverage=covered / len(in_scope) if in_scope else 0.0,
        routed_precision=correct / len(routed) if routed else 0.0,
        routed=len(routed),
    )


def from_probabilities(labels: Sequence[str], probabilities: Any, gold: Sequence[str]) -> list[Outcome]:
    """Outcomes from a ``predict_proba`` matrix whose columns are ``labels``."""
    outcomes = []
    for row, truth in zip(np.asarray(probabilities), gold, strict=True):
        best = int(np.argmax(row))
        department = None if labels[best] == OUT_OF_SCOPE else str(labels[best])
        outcomes.append(Outcome(department, float(row[best]), truth))
    return outcomes


CHOSEN = Thresholds(0.05)
"""Chosen by ``python -m classifiers.selection --stage thresholds`` (README): out of fold, every
in-scope prediction routed already gives routed precision 0.926 on the held parts (English 0.903),
so the lowest threshold of the grid wins; one per department scored no better (98.5 % coverage
against 99.1 %, precision 0.929 against 0.926), so one threshold for all."""
