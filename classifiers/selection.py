"""Model selection by cross-validation on the training data only: ``python -m classifiers.selection``.

Folds are drawn from our own bundled training examples (stratified by label and language, fixed
random state). Public rows, when a candidate uses them, are added to every training fold and never
scored: the question is how well each candidate routes *our* kind of message. The evaluation split
is never read here.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from classifiers.features import Settings, build_pipeline
from classifiers.model import OUT_OF_SCOPE, Example, read_split
from classifiers.public import read_public
from classifiers.thresholds import (
    Outcome,
    Routing,
    choose_global,
    choose_per_department,
    from_probabilities,
)
from classifiers.training import PublicUse, public_examples

RANDOM_STATE = 0


@dataclass(frozen=True)
class Candidate:
    name: str
    settings: Settings
    public: PublicUse | None = None


@dataclass(frozen=True)
class Score:
    macro_f1: float
    by_language: dict[str, float]
    seconds: float


def out_of_fold(
    candidate: Candidate, examples: Sequence[Example], folds: int = 5, extra: Sequence[Example] = ()
) -> tuple[list[str], NDArray[np.float64]]:
    """Each example's class probabilities from the model of the folds that did not hold it.

    ``extra`` rows (weight 1) join every training fold and are never scored.
    """
    strata = [f"{e.label}/{e.language}" for e in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=RANDOM_STATE)
    public = public_examples(read_public("train"), candidate.public) if candidate.public else []
    labels = sorted({e.label for e in examples})
    probabilities = np.zeros((len(examples), len(labels)))
    for train_index, test_index in splitter.split(np.zeros(len(examples)), strata):
        train = [examples[i] for i in train_index] + list(extra)
        texts = [e.text for e in train] + [e.text for e, _ in public]
        gold = [e.label for e in train] + [e.label for e, _ in public]
        weights = [1.0] * len(train) + [w for _, w in public]
        pipeline = build_pipeline(candidate.settings)
        pipeline.fit(texts, gold, model__sample_weight=np.asarray(weights))
        columns = [labels.index(str(label)) for label in pipeline.classes_]
        probabilities[np.ix_(test_index, columns)] = pipeline.predict_proba(
            [examples[i].text for i in test_index]
        )
    return labels, probabilities


def cross_validate(
    candidate: Candidate, examples: Sequence[Example], folds: int = 5, extra: Sequence[Example] = ()
) -> Score:
    """Macro-F1 of the out-of-fold predictions over ``folds`` stratified folds (and per language)."""
    started = time.perf_counter()
    labels, probabilities = out_of_fold(candidate, examples, folds, extra)
    gold = [e.label for e in examples]
    guessed = [labels[int(i)] for i in probabilities.argmax(axis=1)]
    languages = [e.language for e in examples]
    by_language = {
        language: float(
            f1_score(
                [g for g, lang in zip(gold, languages, strict=True) if lang == language],
                [p for p, lang in zip(guessed, languages, strict=True) if lang == language],
                average="macro",
                zero_division=0,
            )
        )
        for language in sorted(set(languages))
    }
    return Score(
        float(f1_score(gold, guessed, average="macro", zero_division=0)),
        by_language,
        time.perf_counter() - started,
    )


def threshold_study(examples: Sequence[Example], settings: Settings, folds: int = 5) -> list[str]:
    """One global threshold against one per department, both for routed precision >= 0.90.

    Out-of-fold probabilities of ``settings`` over the training data; then an outer split of those
    rows: the thresholds are chosen on four parts and measured on the fifth, so the comparison is
    not flattered by choosing and measuring on the same rows. The thresholds shipped are chosen on
    all rows.
    """
    labels, probabilities = out_of_fold(Candidate("chosen", settings), examples, folds)
    outcomes = from_probabilities(labels, probabilities, [e.label for e in examples])
    guessed = [labels[int(i)] for i in probabilities.argmax(axis=1)]
    gold = [e.label for e in examples]
    by_language = {
        language: f1_score(
            [g for g, e in zip(gold, examples, strict=True) if e.language == language],
            [p for p, e in zip(guessed, examples, strict=True) if e.language == language],
            average="macro",
            zero_division=0,
        )
        for language in ("ja", "en", "ko")
    }
    header = [
        f"cross-validated macro-F1 of the chosen model: {f1_score(gold, guessed, average='macro'):.3f} "
        + ", ".join(f"{language} {value:.3f}" for language, value in by_language.items()),
        "",
    ]
    strata = [f"{e.label}/{e.language}" for e in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=RANDOM_STATE + 1)
    lines = [*header, "| rule | coverage | routed precision | ja | en | ko |", "|---|---|---|---|---|---|"]
    for name, choose in (("one threshold", choose_global), ("per department", choose_per_department)):
        held: list[tuple[Outcome, str, bool]] = []
        for fit_index, test_index in splitter.split(np.zeros(len(examples)), strata):
            rule = choose([outcomes[i] for i in fit_index])
            held += [
                (
                    outcomes[i],
                    examples[i].language,
                    rule.routes(outcomes[i].department, outcomes[i].confidence),
                )
                for i in test_index
            ]
        cells = []
        for language in (None, "ja", "en", "ko"):
            rows = [(o, routed) for o, lang, routed in held if language in (None, lang)]
            result = _routing_of(rows)
            cells.append(f"{result.coverage:.1%} / {result.routed_precision:.3f}")
        lines.append(
            f"| {name} | {cells[0].split(' / ')[0]} | {cells[0].split(' / ')[1]} | "
            + " | ".join(cells[1:])
            + " |"
        )
        final = choose(outcomes)
        lines.append(f"|   chosen on all rows: {json.dumps(final.to_json())} | | | | | |")
    return lines


def _routing_of(rows: Sequence[tuple[Outcome, bool]]) -> Routing:
    routed = [o for o, r in rows if r]
    in_scope = [o for o, _ in rows if o.gold != OUT_OF_SCOPE]
    return Routing(
        coverage=sum(1 for o in routed if o.gold != OUT_OF_SCOPE) / len(in_scope) if in_scope else 0.0,
        routed_precision=sum(1 for o in routed if o.department == o.gold) / len(routed) if routed else 0.0,
        routed=len(routed),
    )


def candidates(stage: str) -> list[Candidate]:
    # The model before morphemes (2026-11): the base of the features and public stages, kept so their
    # tables in the README can be run again.
    base = replace(Settings(), C=100.0, morpheme_ngrams=None)
    if stage == "features":
        return [
            Candidate(
                "char 1-3, LR C=50, digits kept (the first model)",
                Settings((1, 3), False, "logistic", 50.0, False),
            ),
            Candidate("char 1-3 + words, LR C=10", replace(base, char_ngrams=(1, 3))),
            Candidate("char 1-3 + words, LR C=30", replace(base, char_ngrams=(1, 3), C=30.0)),
            Candidate("char 1-4 + words, LR C=10", replace(base, char_ngrams=(1, 4), C=10.0)),
            Candidate("char 1-4 + words, LR C=30", replace(base, char_ngrams=(1, 4), C=30.0)),
            Candidate("char 1-3 + words, LR C=100", replace(base, char_ngrams=(1, 3), C=100.0)),
            Candidate("char 1-3 + words, LR C=300", replace(base, char_ngrams=(1, 3), C=300.0)),
            Candidate("char 1-4 + words, LR C=100", replace(base, char_ngrams=(1, 4), C=100.0)),
            Candidate(
                "char 1-4 + words, LR C=30, digits kept",
                replace(base, char_ngrams=(1, 4), C=30.0, fold_numbers=False),
            ),
            Candidate(
                "char 1-3 + words, SVM C=1 + sigmoid", replace(base, char_ngrams=(1, 3), model="svm", C=1.0)
            ),
            Candidate(
                "char 1-4 + words, SVM C=1 + sigmoid", replace(base, char_ngrams=(1, 4), model="svm", C=1.0)
            ),
        ]
    if stage == "morphemes":
        return [
            Candidate("char 1-3 + words, LR C=100 (the model before)", base),
            Candidate("+ morphemes 1", replace(base, morpheme_ngrams=(1, 1))),
            Candidate("+ morphemes 1-2", replace(base, morpheme_ngrams=(1, 2))),
            Candidate("+ morphemes 1, LR C=30", replace(base, morpheme_ngrams=(1, 1), C=30.0)),
            Candidate("+ morphemes 1, LR C=300 (chosen)", replace(base, morpheme_ngrams=(1, 1), C=300.0)),
            Candidate("+ morphemes 1, char 1-4", replace(base, morpheme_ngrams=(1, 1), char_ngrams=(1, 4))),
            Candidate(
                "+ morphemes 1, public 30 a label w 0.5",
                replace(base, morpheme_ngrams=(1, 1)),
                PublicUse(per_label=30, weight=0.5),
            ),
            Candidate(
                "+ morphemes 1, public 100 a label w 0.3",
                replace(base, morpheme_ngrams=(1, 1)),
                PublicUse(per_label=100, weight=0.3),
            ),
        ]
    if stage == "chosen":
        return [Candidate("chosen", Settings())]
    return [
        Candidate("no public data", base),
        Candidate("public, all rows, weight 1", base, PublicUse(per_label=None, weight=1.0)),
        Candidate("public, 300 a label, weight 0.3", base, PublicUse(per_label=300, weight=0.3)),
        Candidate("public, 100 a label, weight 1", base, PublicUse(per_label=100, weight=1.0)),
        Candidate("public, 100 a label, weight 0.3", base, PublicUse(per_label=100, weight=0.3)),
        Candidate("public, 30 a label, weight 0.5", base, PublicUse(per_label=30, weight=0.5)),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classifiers.selection", description=__doc__)
    parser.add_argument(
        "--stage", choices=["features", "morphemes", "public", "thresholds", "chosen"], default="features"
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--only", type=int, nargs="*", help="run only these candidates (0-based)")
    args = parser.parse_args(argv)
    examples = read_split("train")
    sys.stdout.write(f"{len(examples)} training examples, {args.folds} folds, random_state={RANDOM_STATE}\n")
    if args.stage == "thresholds":
        sys.stdout.write("\n".join(threshold_study(examples, Settings(), args.folds)) + "\n")
        return 0
    sys.stdout.write("| candidate | macro-F1 | ja | en | ko | seconds |\n|---|---|---|---|---|---|\n")
    for number, candidate in enumerate(candidates(args.stage)):
        if args.only is not None and number not in args.only:
            continue
        score = cross_validate(candidate, examples, args.folds)
        langs = " | ".join(f"{score.by_language.get(lang, 0.0):.3f}" for lang in ("ja", "en", "ko"))
        sys.stdout.write(f"| {candidate.name} | {score.macro_f1:.3f} | {langs} | {score.seconds:.1f} |\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
