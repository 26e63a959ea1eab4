"""The held-out evaluation split is well formed, large enough to measure each department in each
language, and counts no text twice. It reads only the eval files, never the training ones."""

from __future__ import annotations

import csv
import unicodedata
from collections import Counter

import pytest

from bot.config import DEFAULT_DEPARTMENTS, LANGUAGES
from classifiers.model import DATA, OUT_OF_SCOPE

LABELS = (*(d.key for d in DEFAULT_DEPARTMENTS), OUT_OF_SCOPE)
# The floor of the split (classifiers/README.md): per department, and for out_of_scope.
MINIMUM = {"ja": (40, 30), "en": (25, 20), "ko": (25, 20)}


def raw_rows(language: str) -> list[list[str]]:
    path = DATA / "eval" / f"{language}.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_line_has_a_known_label_its_language_and_a_clean_text(language: str) -> None:
    header, *rows = raw_rows(language)
    assert header == ["label", "lang", "text"]
    for number, row in enumerate(rows, start=2):
        assert len(row) == 3, f"{language}.tsv line {number}: {len(row)} fields"
        label, lang, text = row
        assert label in LABELS, f"{language}.tsv line {number}: unknown label {label!r}"
        assert lang == language, f"{language}.tsv line {number}: language {lang!r}"
        assert text and text == text.strip(), f"{language}.tsv line {number}: empty or padded text"


@pytest.mark.parametrize("language", LANGUAGES)
def test_rows_are_grouped_by_label_in_the_guide_order(language: str) -> None:
    labels = [row[0] for row in raw_rows(language)[1:]]
    groups = [label for i, label in enumerate(labels) if i == 0 or labels[i - 1] != label]
    assert groups == list(LABELS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_department_has_enough_held_out_examples(language: str) -> None:
    counts = Counter(row[0] for row in raw_rows(language)[1:])
    per_department, out_of_scope = MINIMUM[language]
    short = {label: n for label, n in counts.items() if label != OUT_OF_SCOPE and n < per_department}
    assert not short, f"{language}: fewer than {per_department} examples for {short}"
    assert counts[OUT_OF_SCOPE] >= out_of_scope


def test_no_text_appears_twice_in_the_split() -> None:
    def key(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    texts = Counter(key(row[2]) for language in LANGUAGES for row in raw_rows(language)[1:])
    assert [text for text, n in texts.items() if n > 1] == []
