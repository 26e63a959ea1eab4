"""Scoring a classifier on labelled messages, the way ``triage-bot evaluate`` reports it."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.metrics import f1_score, precision_recall_fscore_support

from classifiers.imports import DataFileError
from classifiers.model import OUT_OF_SCOPE, DepartmentClassifier, Example, read_split
from classifiers.text import detect_language
from classifiers.thresholds import Thresholds

__all__ = ["DataFileError", "Report", "evaluate", "evaluation_examples", "read_labelled_csv"]


def read_labelled_csv(path: str | Path, departments: Collection[str]) -> list[Example]:
    """Reads ``text,department`` rows; an empty department means out of scope.

    Raises:
        DataFileError: with the file and line that is wrong.
    """
    source = Path(path)
    try:
        with source.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            fields = [name.strip().lower() for name in reader.fieldnames or []]
            if "text" not in fields or "department" not in fields:
                raise DataFileError(f"{source}: the first line must name the columns text,department")
            reader.fieldnames = fields
            examples = []
            for row in reader:
                text = (row.get("text") or "").strip()
                label = (row.get("department") or "").strip().lower()
                if not text:
                    raise DataFileError(f"{source}, line {reader.line_num}: the text is empty")
                if label and label not in departments:
                    raise DataFileError(
                        f"{source}, line {reader.line_num}: unknown department {label!r}; "
                        f"use one of {', '.join(departments)} or leave it empty for out of scope"
                    )
                examples.append(Example(text, label or OUT_OF_SCOPE, detect_language(text)))
    except FileNotFoundError:
        raise DataFileError(f"{source}: no such file") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise DataFileError(f"{source}: not a UTF-8 CSV file ({error})") from None
    if not examples:
        raise DataFileError(f"{source}: no rows")
    return examples


def evaluation_examples(departments: Sequence[str] | None = None) -> list[Example]:
    """The bundled evaluation split; labels outside ``departments`` count as out of scope."""
    examples = read_split("eval")
    if departments is None:
        return examples
    keep = {*departments, OUT_OF_SCOPE}
    return [e if e.label in keep else Example(e.text, OUT_OF_SCOPE, e.language) for e in examples]


@dataclass(frozen=True)
class Report:
    """What ``evaluate --json`` prints; see :func:`evaluate` for the meaning of each figure."""

    figures: dict[str, Any]

    def lines(self) -> list[str]:
        f = self.figures
        out = [
            f"examples: {f['examples']} ({f['in_scope']} in scope, {f['out_of_scope']} out of scope)",
            f"macro F1 (in scope, top prediction): {f['macro_f1']:.3f}",
            f"accuracy (in scope, top prediction): {f['accuracy']:.3f}",
            f"coverage (routed without triage): {f['coverage']:.1%}",
            f"accuracy of the routed ones: {f['routed_accuracy']:.3f}",
            f"routed precision (out of scope included): {f['routed_precision']:.3f}",
            f"out of scope sent to triage: {f['oos_rejection']:.1%}",
        ]
        out += [
            f"macro F1 ({lang}): {value['macro_f1']:.3f}, accuracy {value['accuracy']:.3f}, "
            f"coverage {value['coverage']:.1%}, routed precision {value['routed_precision']:.3f}"
            for lang, value in sorted(f["languages"].items())
        ]
        out += [
            f"  {name}: precision {d['precision']:.2f} recall {d['recall']:.2f} "
            f"f1 {d['f1']:.2f} ({d['support']})"
            for name, d in f["per_department"].items()
        ]
        return out


def _macro_f1(gold: Sequence[str], guessed: Sequence[str], labels: Sequence[str]) -> float:
    if not labels:
        return 0.0
    return float(f1_score(gold, guessed, labels=list(labels), average="macro", zero_division=0))


def evaluate(
    classifier: DepartmentClassifier, examples: Sequence[Example], threshold: float | Thresholds
) -> Report:
    """Scores ``classifier`` on labelled ``examples`` at the confidence ``threshold``.

    ``macro_f1`` and ``accuracy`` are over the in-scope rows by the top prediction (out of scope
    predicted for one of them counts as wrong); ``coverage`` is the share of in-scope rows routed
    without triage and ``routed_accuracy`` the accuracy of those; ``routed_precision`` is the share
    of all routed rows (out-of-scope ones included) that went to their department; ``oos_rejection``
    is the share of out-of-scope rows sent to triage. ``languages`` has macro-F1, accuracy, coverage
    and routed precision per language (``per_language``: its macro-F1 alone).
    """
    if not examples:
        raise ValueError("no examples to evaluate")
    rule = threshold if isinstance(threshold, Thresholds) else Thresholds(threshold)
    predictions = classifier.predict_many(e.text for e in examples)
    top = [p.ranking[0][0] for p in predictions]
    routed = [rule.routes(p.department, p.confidence) for p in predictions]
    inside = [i for i, e in enumerate(examples) if e.label != OUT_OF_SCOPE]
    outside = [i for i, e in enumerate(examples) if e.label == OUT_OF_SCOPE]
    departments = sorted({examples[i].label for i in inside})
    gold_in = [examples[i].label for i in inside]
    top_in = [top[i] for i in inside]
    routed_in = [i for i in inside if routed[i]]
    languages = {
        language: _language_figures(examples, top, routed, predictions, language)
        for language in sorted({examples[i].language for i in inside})
    }
    figures: dict[str, Any] = {
        "examples": len(examples),
        "in_scope": len(inside),
        "out_of_scope": len(outside),
        "threshold": rule.to_json() if rule.per_department else rule.default,
        "macro_f1": _macro_f1(gold_in, top_in, departments),
        "accuracy": _share(sum(g == t for g, t in zip(gold_in, top_in, strict=True)), len(inside)),
        "per_department": _per_department(gold_in, top_in, departments),
        "confusion": _confusion(examples, top, departments),
        "coverage": _share(len(routed_in), len(inside)),
        "routed_accuracy": _share(
            sum(examples[i].label == predictions[i].department for i in routed_in), len(routed_in)
        ),
        "routed_precision": _routed_precision(
            examples, predictions, [i for i in range(len(examples)) if routed[i]]
        ),
        "oos_rejection": _share(sum(not routed[i] for i in outside), len(outside)),
        "per_language": {language: f["macro_f1"] for language, f in languages.items()},
        "languages": languages,
    }
    return Report(figures)


def _share(count: float, total: int) -> float:
    return count / total if total else 0.0


def _per_department(
    gold: Sequence[str], guessed: Sequence[str], departments: Sequence[str]
) -> dict[str, dict[str, float | int]]:
    """Precision, recall, F1 and support of each department, by the top prediction."""
    if not gold:
        return {}
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, guessed, labels=departments, zero_division=0
    )
    return {
        name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for name, p, r, f, s in zip(departments, precision, recall, f1, support, strict=True)
    }


def _confusion(
    examples: Sequence[Example], top: Sequence[str], departments: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Rows by label, then by top prediction; only the pairs that occur."""
    labels = sorted({*departments, *top, *(e.label for e in examples)})
    pairs = Counter((e.label, guess) for e, guess in zip(examples, top, strict=True))
    return {gold: {guess: pairs[gold, guess] for guess in labels if pairs[gold, guess]} for gold in labels}


def _routed_precision(examples: Sequence[Example], predictions: Sequence[Any], rows: Sequence[int]) -> float:
    return _share(sum(examples[i].label == predictions[i].department for i in rows), len(rows))


def _language_figures(
    examples: Sequence[Example],
    top: Sequence[str],
    routed: Sequence[bool],
    predictions: Sequence[Any],
    language: str,
) -> dict[str, Any]:
    rows = [i for i, e in enumerate(examples) if e.language == language]
    inside = [i for i in rows if examples[i].label != OUT_OF_SCOPE]
    gold = [examples[i].label for i in inside]
    return {
        "examples": len(rows),
        "macro_f1": _macro_f1(gold, [top[i] for i in inside], sorted(set(gold))),
        "accuracy": _share(sum(examples[i].label == top[i] for i in inside), len(inside)),
        "coverage": _share(sum(routed[i] for i in inside), len(inside)),
        "routed_precision": _routed_precision(examples, predictions, [i for i in rows if routed[i]]),
    }
