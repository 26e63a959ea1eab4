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
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from bot.core.ports import Prediction
from classifiers.features import Settings
from classifiers.features import build_pipeline as _build
from classifiers.thresholds import CHOSEN, Thresholds

DATA = Path(__file__).with_name("data")
OUT_OF_SCOPE = "out_of_scope"


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


def build_pipeline(settings: Settings | None = None) -> Pipeline:
    """The pipeline chosen by cross-validation (see ``classifiers/README.md``)."""
    return _build(settings)


class DepartmentClassifier:
    """Implements :class:`bot.core.ports.Classifier` around a fitted scikit-learn pipeline."""

    def __init__(self, pipeline: Pipeline, thresholds: Thresholds | None = None) -> None:
        self.pipeline = pipeline
        self.labels: tuple[str, ...] = tuple(str(label) for label in pipeline.classes_)
        self.thresholds = thresholds or CHOSEN

    def routes(self, prediction: Prediction) -> bool:
        """Whether ``prediction`` is sure enough to route (else it goes to the triage queue)."""
        return self.thresholds.routes(prediction.department, prediction.confidence)

    @classmethod
    def train(
        cls,
        examples: Sequence[Example],
        weights: Sequence[float] | None = None,
        settings: Settings | None = None,
    ) -> DepartmentClassifier:
        """Fits a new pipeline; ``weights`` (one per example) make some examples count more."""
        if len({example.label for example in examples}) < 2:
            raise ValueError("training needs examples of at least two labels")
        pipeline = build_pipeline(settings)
        sample_weight = np.ones(len(examples)) if weights is None else np.asarray(weights, dtype=float)
        pipeline.fit(
            [e.text for e in examples], [e.label for e in examples], model__sample_weight=sample_weight
        )
        return cls(pipeline)

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: Iterable[str]) -> list[Prediction]:
        results = []
        for row in self.pipeline.predict_proba(list(texts)):
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
                results.append(Prediction(None, departments[0][1] if departments else 0.0, ranking))
            else:
                results.append(Prediction(best, confidence, ranking))
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
