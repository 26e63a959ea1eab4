"""Training, evaluation and persistence of the department classifier.

Models are saved with skops, not pickle: loading a pickle can run any code, while skops loads only
the types we allow (scikit-learn, NumPy, SciPy), so a tampered model file is refused.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import skops.io as sio
from sklearn.metrics import f1_score

from classifiers.model import (
    OUT_OF_SCOPE,
    DepartmentClassifier,
    Example,
    bundled_examples,
    read_split,
)

_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


class ModelFileError(Exception):
    """A model file is missing, unreadable or contains types we do not trust."""


def save(classifier: DepartmentClassifier, path: str | Path) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(classifier.pipeline, target)


def load(path: str | Path) -> DepartmentClassifier:
    source = Path(path)
    try:
        untrusted = sio.get_untrusted_types(file=source)
    except FileNotFoundError:
        raise ModelFileError(f"model file not found: {source}") from None
    except Exception as exc:
        raise ModelFileError(f"{source} is not a skops model file: {exc}") from None
    refused = [name for name in untrusted if not name.startswith(_TRUSTED_PREFIXES)]
    if refused:
        raise ModelFileError(f"{source} contains types that are not trusted: {', '.join(refused)}")
    return DepartmentClassifier(sio.load(source, trusted=untrusted))


def train_default(departments: Sequence[str], corrections: Sequence[Example] = ()) -> DepartmentClassifier:
    """Trains on the bundled examples plus the team's corrections (each a reassigned ticket)."""
    return DepartmentClassifier.train([*bundled_examples(departments), *corrections])


@dataclass
class Evaluation:
    total: int
    accuracy: float
    macro_f1: float
    by_language: dict[str, float] = field(default_factory=dict)
    triage_rate: float = 0.0
    routed_accuracy: float = 0.0
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [
            f"examples: {self.total}",
            f"accuracy: {self.accuracy:.3f}",
            f"macro F1: {self.macro_f1:.3f}",
            f"sent to triage at the threshold: {self.triage_rate:.1%}",
            f"accuracy of the ones routed automatically: {self.routed_accuracy:.3f}",
        ]
        out += [f"accuracy ({language}): {value:.3f}" for language, value in sorted(self.by_language.items())]
        mistakes = sorted(
            ((n, pair) for pair, n in self.confusion.items() if pair[0] != pair[1]), reverse=True
        )
        out += [f"confused {gold} -> {guess}: {n}" for n, (gold, guess) in mistakes[:10]]
        return out


def evaluate(classifier: DepartmentClassifier, examples: Sequence[Example], threshold: float) -> Evaluation:
    """Scores ``classifier`` on held-out ``examples``; out-of-scope counts as a label of its own."""
    if not examples:
        raise ValueError("no examples to evaluate")
    predictions = classifier.predict_many(e.text for e in examples)
    gold = [e.label for e in examples]
    guessed = [p.department or OUT_OF_SCOPE for p in predictions]
    right_by_language: dict[str, list[bool]] = defaultdict(list)
    for example, guess in zip(examples, guessed, strict=True):
        right_by_language[example.language].append(guess == example.label)
    routed = [
        (g, e.label)
        for g, e, p in zip(guessed, examples, predictions, strict=True)
        if p.department is not None and p.confidence >= threshold
    ]
    return Evaluation(
        total=len(examples),
        accuracy=sum(g == y for g, y in zip(guessed, gold, strict=True)) / len(examples),
        macro_f1=float(f1_score(gold, guessed, average="macro", zero_division=0)),
        by_language={k: sum(v) / len(v) for k, v in right_by_language.items()},
        triage_rate=1 - len(routed) / len(examples),
        routed_accuracy=sum(g == y for g, y in routed) / len(routed) if routed else 0.0,
        confusion=dict(Counter(zip(gold, guessed, strict=True))),
    )


def evaluation_examples(departments: Sequence[str] | None = None) -> list[Example]:
    examples = read_split("eval")
    if departments is None:
        return examples
    keep = {*departments, OUT_OF_SCOPE}
    return [e if e.label in keep else Example(e.text, OUT_OF_SCOPE, e.language) for e in examples]
