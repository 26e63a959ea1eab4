"""Importing a shop's labelled history: CSV, TSV or JSON Lines exports, their labels mapped onto ours.

``triage-bot train --data FILE [--text-column C] [--label-column C] [--map labels.toml]`` reads
one export with :func:`import_file`. A row that cannot be used (no text, a label the map does not
know, a text seen before) is skipped and reported with its line and reason; a file that cannot be
read as a whole (not UTF-8, not the format its name says, a named column missing, nothing usable)
raises :class:`DataFileError` and nothing of it is imported.

The map (``labels.toml``)::

    [labels]                      # their label = our department, or out_of_scope
    "配送遅延" = "logistics"
    "返金" = "billing"
    "その他" = "out_of_scope"
    skip = ["テスト"]              # labels left out on purpose (reported as skipped)

Without a map, labels must be department keys already; an empty label means out of scope.
"""

from __future__ import annotations

import csv
import json
import tomllib
from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifiers.model import OUT_OF_SCOPE, Example
from classifiers.text import clean, detect_language

FORMATS = {".csv": "csv", ".tsv": "tsv", ".txt": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
MAX_TEXT = 5000
"""A longer "text" is a whole e-mail thread or a column mix-up, not one message."""


class DataFileError(ValueError):
    """A labelled file is missing, malformed, or has no row that could be used."""


@dataclass(frozen=True)
class LabelMap:
    """Their labels (folded: stripped, lower case) to our department keys or ``out_of_scope``."""

    labels: Mapping[str, str]
    skip: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Skipped:
    line: int
    reason: str


@dataclass
class ImportReport:
    """What one file gave: examples, counts per department, and every row skipped with its reason."""

    path: Path
    examples: list[Example] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(e.label for e in self.examples).items()))

    def lines(self) -> list[str]:
        """The report as a person reads it (no text of a row: only line numbers and labels)."""
        counts = ", ".join(f"{label} {n}" for label, n in self.counts.items())
        out = [f"{self.path}: {len(self.examples)} rows imported ({counts}), {len(self.skipped)} skipped"]
        out += [f"  line {s.line}: {s.reason}" for s in self.skipped]
        return out


def _fold_label(value: Any) -> str:
    return "" if value is None else str(value).strip().lower()


def read_label_map(path: str | Path, departments: Collection[str]) -> LabelMap:
    """Reads ``labels.toml``; every target must be one of ``departments`` or ``out_of_scope``.

    Raises:
        DataFileError: unreadable, not TOML, no ``[labels]`` table, or an unknown target.
    """
    source = Path(path)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError(f"{source}: no such file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise DataFileError(f"{source}: not a readable TOML file ({error})") from None
    table = data.get("labels")
    if not isinstance(table, dict):
        raise DataFileError(f'{source}: needs a [labels] table of "their label" = "department"')
    allowed = {*departments, OUT_OF_SCOPE}
    labels: dict[str, str] = {}
    skip: set[str] = set()
    for theirs, ours in table.items():
        if theirs == "skip" and isinstance(ours, list):
            skip |= {_fold_label(item) for item in ours}
            continue
        target = _fold_label(ours)
        if target not in allowed:
            raise DataFileError(
                f"{source}: {theirs!r} maps to {ours!r}, which is not a department; "
                f"use one of {', '.join(sorted(allowed))}"
            )
        labels[_fold_label(theirs)] = target
    return LabelMap(labels, frozenset(skip))


def _rows(source: Path, kind: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """(line number, row) for every data row; raises DataFileError on a structural fault."""
    with source.open(encoding="utf-8-sig", newline="") as handle:
        if kind == "jsonl":
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    raise DataFileError(f"{source}, line {number}: not JSON ({error.msg})") from None
                if not isinstance(row, dict):
                    raise DataFileError(f"{source}, line {number}: a JSON object per line is expected")
                yield number, row
            return
        reader = csv.DictReader(handle, delimiter="," if kind == "csv" else "\t", strict=True)
        if not reader.fieldnames:
            raise DataFileError(f"{source}: empty file")
        reader.fieldnames = [name.strip() for name in reader.fieldnames]
        for row in reader:
            if None in row:  # more fields than the header names: a broken quote or delimiter
                raise DataFileError(f"{source}, line {reader.line_num}: more fields than the header has")
            if None in row.values():
                raise DataFileError(f"{source}, line {reader.line_num}: fewer fields than the header has")
            yield reader.line_num, row


def _column(row: Mapping[str, Any], name: str) -> tuple[bool, Any]:
    if name in row:
        return True, row[name]
    folded = {key.strip().lower(): value for key, value in row.items() if isinstance(key, str)}
    return (True, folded[name.lower()]) if name.lower() in folded else (False, None)


def import_file(
    path: str | Path,
    departments: Collection[str],
    *,
    text_column: str = "text",
    label_column: str = "department",
    label_map: LabelMap | None = None,
) -> ImportReport:
    """Reads one labelled export (format by its suffix: .csv, .tsv, .jsonl).

    Raises:
        DataFileError: the file as a whole is unusable; nothing of it is imported.
    """
    source = Path(path)
    kind = FORMATS.get(source.suffix.lower())
    if kind is None:
        raise DataFileError(f"{source}: unknown format; name it .csv, .tsv or .jsonl")
    report = ImportReport(source)
    seen: set[str] = set()
    try:
        for number, row in _rows(source, kind):
            has_text, raw_text = _column(row, text_column)
            has_label, raw_label = _column(row, label_column)
            if not has_text or not has_label:
                missing = text_column if not has_text else label_column
                raise DataFileError(
                    f"{source}, line {number}: no column {missing!r} "
                    "(name the columns with --text-column and --label-column)"
                )
            _add(report, number, raw_text, raw_label, departments, label_map, seen)
    except FileNotFoundError:
        raise DataFileError(f"{source}: no such file") from None
    except UnicodeDecodeError as error:
        raise DataFileError(f"{source}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except csv.Error as error:
        raise DataFileError(f"{source}: not a readable {kind.upper()} file ({error})") from None
    if not report.examples:
        raise DataFileError(f"{source}: no usable rows ({len(report.skipped)} skipped)")
    return report


def _add(
    report: ImportReport,
    number: int,
    raw_text: Any,
    raw_label: Any,
    departments: Collection[str],
    label_map: LabelMap | None,
    seen: set[str],
) -> None:
    text = clean(raw_text) if isinstance(raw_text, str) else ""
    label = _fold_label(raw_label)
    if not text:
        report.skipped.append(Skipped(number, "empty text"))
        return
    if len(text) > MAX_TEXT:
        report.skipped.append(Skipped(number, f"text longer than {MAX_TEXT} characters"))
        return
    target = _target(label, departments, label_map)
    if target is None:
        reason = (
            f"label {label!r} is skipped by the map"
            if label_map is not None and label in label_map.skip
            else f"label {label!r} is not in the map"
            if label_map is not None
            else f"unknown department {label!r}"
        )
        report.skipped.append(Skipped(number, reason))
        return
    if text in seen:
        report.skipped.append(Skipped(number, "the same text again (the first one counts)"))
        return
    seen.add(text)
    report.examples.append(Example(text, target, detect_language(text)))


def _target(label: str, departments: Collection[str], label_map: LabelMap | None) -> str | None:
    if label_map is not None:
        if label in label_map.skip:
            return None
        return label_map.labels.get(label)
    if not label:
        return OUT_OF_SCOPE
    return label if label in departments or label == OUT_OF_SCOPE else None
