"""The department classifier: the pipeline of ``classifiers.features`` behind the ``Classifier`` port.

Character n-grams read Japanese and Korean without a tokenizer (Japanese has no spaces) and shrug
off typos and mixed scripts; word n-grams add English and Korean words. Calibrated probabilities
send uncertain complaints to the human triage queue.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bot.core.ports import Prediction
from classifiers.analysis import LinearScorer, Settings
from classifiers.thresholds import CHOSEN, Thresholds

DATA = Path(__file__).with_name("data")
OUT_OF_SCOPE = "out_of_scope"


class Scorer(Protocol):
    """What scores texts: a :class:`~classifiers.analysis.LinearScorer`, or any fitted scikit-learn
    classifier pipeline (the calibrated SVM of the model selection)."""

    classes_: Any

    def predict_proba(self, texts: Any) -> Any: ...


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    language: str = ""


def read_examples(path: Path) -> list[Example]:
    """Reads a ``label<TAB>lang<TAB>text`` file with a header line."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows, None)
        if header != ["label", "lang", "text"]:
            raise ValueError(f"{path}: expected the header label, lang, text")
        return [Example(text=row[2], label=row[0], language=row[1]) for row in rows if len(row) == 3]


class DepartmentClassifier:
    """Implements :class:`bot.core.ports.Classifier` around a trained scorer.

    A model trained here or loaded from the store scores with a :class:`LinearScorer`, which needs
    NumPy only: a process that uses a model never imports scikit-learn.
    """

    def __init__(self, scorer: Scorer, thresholds: Thresholds | None = None) -> None:
        self.scorer = scorer
        self.labels: tuple[str, ...] = tuple(str(label) for label in scorer.classes_)
        self.thresholds = thresholds or CHOSEN

    @property
    def settings(self) -> Settings | None:
        """The settings the model was built with (None: a scorer that cannot be stored)."""
        return self.scorer.settings if isinstance(self.scorer, LinearScorer) else None

    @classmethod
    def train(
        cls,
        examples: Sequence[Example],
        weights: Sequence[float] | None = None,
        settings: Settings | None = None,
    ) -> DepartmentClassifier:
        """Fits a new model; ``weights`` (one per example) make some examples count more."""
        from classifiers.features import build_pipeline, scorer_of  # scikit-learn: training only

        if len({example.label for example in examples}) < 2:
            raise ValueError("training needs examples of at least two labels")
        chosen = settings or Settings()
        pipeline = build_pipeline(chosen)
        sample_weight = np.ones(len(examples)) if weights is None else np.asarray(weights, dtype=float)
        pipeline.fit(
            [e.text for e in examples], [e.label for e in examples], model__sample_weight=sample_weight
        )
        if chosen.model != "logistic":
            return cls(pipeline)
        return cls(scorer_of(pipeline, chosen))

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: Iterable[str]) -> list[Prediction]:
        results = []
        for row in self.scorer.predict_proba(list(texts)):
            ranking = tuple(
                sorted(
                    zip(self.labels, (float(p) for p in row), strict=True),
                    key=lambda pair: pair[1],
                    reverse=True,
                )
            )
            best, confidence = ranking[0]
            if best == OUT_OF_SCOPE:
                # Out of scope: no department, and the best real department as the triage hint.
                departments = [pair for pair in ranking if pair[0] != OUT_OF_SCOPE]
                results.append(Prediction(None, departments[0][1] if departments else 0.0, ranking, False))
            else:
                routed = self.thresholds.routes(best, confidence)
                results.append(Prediction(best, confidence, ranking, routed))
        return results

    @property
    def departments(self) -> tuple[str, ...]:
        return tuple(label for label in self.labels if label != OUT_OF_SCOPE)

    def describe(self) -> dict[str, Any]:
        return {"labels": list(self.labels)}


def read_split(split: str) -> list[Example]:
    """All bundled examples of one split (``train`` or ``eval``): one TSV file per language."""
    return [example for path in sorted((DATA / split).glob("*.tsv")) for example in read_examples(path)]


def bundled_examples(departments: Sequence[str] | None = None) -> list[Example]:
    """The bundled training examples, limited to ``departments`` (others count as out of scope)."""
    examples = read_split("train")
    if departments is None:
        return examples
    keep = set(departments)
    return [
        e if e.label in keep or e.label == OUT_OF_SCOPE else Example(e.text, OUT_OF_SCOPE, e.language)
        for e in examples
    ]
