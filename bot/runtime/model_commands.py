"""``triage-bot classify | train | evaluate``: the classifier from the command line.

Other tools read these outputs (``--json``), so their shape is part of the interface: see
``classifiers/README.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.config import Config
from bot.core.masking import DEFAULT_ORDER_PATTERNS
from bot.core.ports import Classifier
from bot.core.priority import detect_flags, extract_order_number

if TYPE_CHECKING:
    from bot.core.learning import Decision
    from classifiers.model import Example
    from storage.classifier_models import SqlModels
    from storage.labels import SqlLabels


def add_commands(commands: Any) -> None:
    """Registers the three commands on the CLI's subparsers."""
    classify = commands.add_parser("classify", help="show the department the classifier picks for a text")
    classify.add_argument("text", nargs="+")
    classify.add_argument("--model", metavar="PATH", help="a saved model (default: classifier.model_path)")
    classify.add_argument("--json", action="store_true", help="print JSON")
    classify.set_defaults(handler=cmd_classify)

    train = commands.add_parser("train", help="train the classifier and save it")
    train.add_argument(
        "--data",
        metavar="FILE",
        action="append",
        default=[],
        help="the shop's labelled history: .csv, .tsv or .jsonl (repeatable)",
    )
    _data_options(train)
    train.add_argument("--no-bundled", action="store_true", help="leave out the bundled examples")
    train.add_argument(
        "--with-corrections",
        action="store_true",
        help="add the shop's labels; save only if not worse than the model at --out on held-back labels",
    )
    train.add_argument(
        "--out",
        metavar="PATH",
        help="where to save the model (default: classifier.model_path, else the database, where every "
        "process of the bot picks it up)",
    )
    train.set_defaults(handler=cmd_train)

    evaluate = commands.add_parser("evaluate", help="score the classifier on labelled data")
    evaluate.add_argument(
        "--data",
        metavar="FILE",
        help="labelled .csv, .tsv or .jsonl rows (default: the bundled evaluation split)",
    )
    _data_options(evaluate)
    evaluate.add_argument("--model", metavar="PATH", help="a saved model (default: classifier.model_path)")
    evaluate.add_argument("--json", action="store_true", help="print JSON")
    evaluate.set_defaults(handler=cmd_evaluate)


def _data_options(parser: Any) -> None:
    parser.add_argument("--text-column", default="text", help="the column with the message (default: text)")
    parser.add_argument(
        "--label-column", default="department", help="the column with the label (default: department)"
    )
    parser.add_argument(
        "--map",
        metavar="TOML",
        help='labels.toml: [labels] "their label" = "department" (or out_of_scope); skip = [...]',
    )


def read_data(config: Config, args: argparse.Namespace, paths: list[str], report_to: Any = None) -> list[Any]:
    """Every ``--data`` file read whole (``classifiers.imports``) before anything is used: a bad file
    is an error and nothing of any file is imported. The report (counts, skipped rows) goes to stdout.

    Raises:
        DataFileError: a file or the map is unusable.
    """
    from classifiers.imports import import_file, read_label_map

    label_map = read_label_map(args.map, config.department_keys) if args.map else None
    reports = [
        import_file(
            path,
            config.department_keys,
            text_column=args.text_column,
            label_column=args.label_column,
            label_map=label_map,
        )
        for path in paths
    ]
    for report in reports:
        (report_to or sys.stdout).write("\n".join(report.lines()) + "\n")
    return reports


def _fail(message: str, code: int = 2) -> int:
    sys.stderr.write(f"triage-bot: {message}\n")
    return code


def _classifier(config: Config, model: str | None) -> Classifier:
    """``--model`` strictly (an unusable file is an error); else what the app would use."""
    from classifiers.training import load

    if model:
        return load(model)
    from bot.runtime.services import build_classifier, opened_database

    with opened_database(config) as sessions:
        return build_classifier(config, sessions)


def cmd_classify(config: Config, args: argparse.Namespace) -> int:
    text = " ".join(args.text)
    prediction = _classifier(config, args.model).predict(text)
    needs_triage = prediction.needs_triage(config.classifier_threshold)
    flags = list(detect_flags(text))
    result = {
        "department": prediction.department,
        "confidence": round(prediction.confidence, 4),
        "needs_triage": needs_triage,
        "flags": flags,
        "order_number": extract_order_number(text, config.order_patterns or DEFAULT_ORDER_PATTERNS),
        "top": [{"department": name, "probability": round(p, 4)} for name, p in prediction.ranking[:3]],
    }
    if args.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        return 0
    label = prediction.department or "out_of_scope"
    lines = [f"{label}\t{prediction.confidence:.3f}\t{'triage' if needs_triage else 'routed'}"]
    lines += [f"  {name}\t{p:.3f}" for name, p in prediction.ranking[:3]]
    if flags:
        lines.append(f"flags: {', '.join(flags)}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def cmd_train(config: Config, args: argparse.Namespace) -> int:
    from bot.core.clock import SystemClock
    from bot.runtime.services import opened_database
    from classifiers.imports import DataFileError
    from classifiers.store import MODEL_VERSION
    from storage.classifier_models import SqlModels
    from storage.labels import SqlLabels

    out = args.out or config.model_path
    try:
        rows: list[Example] = [e for report in read_data(config, args, args.data) for e in report.examples]
    except DataFileError as error:
        return _fail(str(error))
    if args.no_bundled and not rows and not args.with_corrections:
        return _fail("--no-bundled needs --data CSV (or --with-corrections)")
    now = SystemClock().now()
    with opened_database(config) as sessions:
        labels, models = SqlLabels(sessions), SqlModels(sessions, MODEL_VERSION)
        if rows:
            _import_history(labels, rows, now)
        if not args.with_corrections:
            return _train_and_save(config, rows, not args.no_bundled, out, models, now)
        decision = _retrain_on_corrections(config, labels, models, not args.no_bundled, out, now)
    _say_decision(decision, out)
    return 0


def _import_history(labels: SqlLabels, rows: list[Example], now: datetime) -> None:
    """Imported history joins the shop's labels, so later retrainings keep it."""
    from classifiers.model import OUT_OF_SCOPE

    added = labels.import_labels(
        ((e.text, None if e.label == OUT_OF_SCOPE else e.label) for e in rows), "import", now
    )
    sys.stdout.write(f"imported {added} new labelled rows\n")


def _train_and_save(
    config: Config, rows: list[Example], bundled: bool, out: str | None, models: SqlModels, now: datetime
) -> int:
    """A model trained on ``rows`` (and the bundled examples), saved to ``out`` or the database."""
    from classifiers.store import pack
    from classifiers.training import training_set, write_packed

    chosen = training_set(config.department_keys, rows, bundled=bundled)
    try:
        classifier = chosen.train()
    except ValueError as error:
        return _fail(str(error))
    metrics = {"examples": len(chosen.examples)}
    packed = pack(classifier, created_at=now, data_hash=chosen.digest(), metrics=metrics)
    if out:
        write_packed(packed, out)
        where = str(out)
    else:
        where = f"the database (model #{models.add(packed, now)})"
    sys.stdout.write(f"model saved to {where} ({', '.join(classifier.labels)})\n")
    return 0


def _retrain_on_corrections(
    config: Config, labels: SqlLabels, models: SqlModels, bundled: bool, out: str | None, now: datetime
) -> Decision:
    """``--with-corrections``: a candidate with the shop's labels, saved only if not worse than the
    model at ``out`` (or the stored one) on held-back labels."""
    from bot.core.learning import Learner
    from classifiers.training import ModelFileError, load

    current = None  # nothing usable to compare with: the new model is saved
    with contextlib.suppress(ModelFileError):
        current = load(out) if out else _stored(models)
    decision = Learner(config, labels, models=None if out else models).retrain(
        now, trigger="cli", bundled=bundled, out=out, current=current
    )
    assert decision is not None  # noqa: S101 - no run key, so never claimed by another worker
    return decision


def _say_decision(decision: Decision, out: str | None) -> None:
    kept = out or "the stored model"
    verdict = f"saved to {decision.saved_to}" if decision.promoted else f"not saved, {kept} is kept"
    sys.stdout.write(
        f"{verdict}: {decision.reason} ({decision.labels} shop labels, {decision.held_back} held back; "
        f"accuracy {_score(decision.current_accuracy)} -> {_score(decision.candidate_accuracy)})\n"
    )


def _stored(models: SqlModels) -> Classifier | None:
    from classifiers.store import unpack

    found = models.latest()
    return None if found is None else unpack(found[1], f"stored model {found[0]}")


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def cmd_evaluate(config: Config, args: argparse.Namespace) -> int:
    from classifiers.evaluation import DataFileError, evaluate, evaluation_examples
    from classifiers.model import DepartmentClassifier
    from classifiers.training import load, train_default

    try:
        examples = (
            # The import report goes to stderr: stdout is the figures (JSON with --json).
            read_data(config, args, [args.data], report_to=sys.stderr)[0].examples
            if args.data
            else evaluation_examples(config.department_keys)
        )
    except DataFileError as error:
        return _fail(str(error))
    model = args.model or config.model_path
    # Without a saved model: the bundled model, as a fresh install would have it.
    classifier: DepartmentClassifier = load(model) if model else train_default(config.department_keys)
    threshold = config.classifier_threshold
    report = evaluate(classifier, examples, classifier.thresholds if threshold is None else threshold)
    if args.json:
        sys.stdout.write(json.dumps(report.figures, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write("\n".join(report.lines()) + "\n")
    return 0
