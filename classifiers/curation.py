"""Checking and adding batches of written examples to the bundled data: ``python -m classifiers.curation``.

A batch (``label<TAB>lang<TAB>text``) is checked whole before anything is written: three fields a
line, a known label and language, no empty or padded text. Then its rows are compared with every
bundled split and with each other, on a folded key (NFKC, lower case, digits, punctuation, emoji and
spaces taken out) and on character-trigram cosine similarity, so a copy with a word or an emoji
changed counts as the same text:

- a row near a row of a held-apart split (``eval``, ``field``) is dropped from ``train``: nothing
  trained may be a copy of what measures it;
- a new ``field`` row near a training row is dropped from ``field`` for the same reason;
- a row near one already kept (in its split or earlier in the batch) is dropped as a duplicate.

Kept rows go into ``<split>/<lang>.tsv``, grouped by label in the guide's order, then language.
"""

from __future__ import annotations

import argparse
import csv
import sys
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sklearn.feature_extraction.text import HashingVectorizer

from classifiers.model import DATA, Example, read_examples

LABELS = ("logistics", "orders", "billing", "product", "website", "marketing", "support", "out_of_scope")
LANGUAGES = ("ja", "en", "ko")
SPLITS = ("train", "eval", "field")
HELD_APART = ("eval", "field")
NEAR = 0.85
"""Cosine similarity of character trigrams (binary) at or above which two texts are one text."""


class BatchError(ValueError):
    """A batch file is malformed; nothing of it is added."""


def read_batch(path: Path) -> list[Example]:
    """Every row of a batch, checked; raises :class:`BatchError` naming the first bad line."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or rows[0] != ["label", "lang", "text"]:
        raise BatchError(f"{path}: the first line must be label, lang, text")
    examples = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != 3:
            raise BatchError(f"{path}, line {number}: {len(row)} fields, not 3")
        label, lang, text = row
        if label not in LABELS or lang not in LANGUAGES:
            raise BatchError(f"{path}, line {number}: unknown label {label!r} or language {lang!r}")
        if not text or text != text.strip():
            raise BatchError(f"{path}, line {number}: empty or padded text")
        examples.append(Example(text, label, lang))
    return examples


def key(text: str) -> str:
    """The folded form two copies of one text share."""
    folded = unicodedata.normalize("NFKC", text).lower()
    letters = "".join("0" if ch.isdigit() else ch for ch in folded if unicodedata.category(ch)[0] in "LN")
    # A text of emoji and punctuation alone is its own key: 👍 and 📦✨ are two texts.
    return letters or "".join(folded.split())


_TRIGRAMS = HashingVectorizer(
    analyzer="char", ngram_range=(3, 3), n_features=2**20, alternate_sign=False, binary=True, norm="l2"
)


def near_pairs(texts: Sequence[str], others: Sequence[str]) -> list[set[int]]:
    """For each of ``texts``, the indices of ``others`` at least :data:`NEAR` alike (or the same key)."""
    result: list[set[int]] = [set() for _ in texts]
    if not texts or not others:
        return result
    keys: dict[str, set[int]] = {}
    for j, other in enumerate(others):
        keys.setdefault(key(other), set()).add(j)
    a = _TRIGRAMS.transform([key(t) for t in texts])
    b = _TRIGRAMS.transform([key(o) for o in others])
    similarity = (a @ b.T).tocoo()
    for i, j, value in zip(similarity.row, similarity.col, similarity.data, strict=True):
        if value >= NEAR:
            result[int(i)].add(int(j))
    for i, text in enumerate(texts):
        result[i] |= keys.get(key(text), set())
    return result


@dataclass(frozen=True)
class Decision:
    kept: list[Example]
    dropped: list[tuple[Example, str]]


def screen(batch: Sequence[Example], split: str, existing: dict[str, list[Example]]) -> Decision:
    """Which rows of ``batch`` may join ``split``, given the rows of every split in ``existing``."""
    guarded_by = HELD_APART if split == "train" else ("train",)
    guards = [(name, existing.get(name, [])) for name in guarded_by]
    texts = [e.text for e in batch]
    conflicts = [(name, near_pairs(texts, [e.text for e in rows])) for name, rows in guards]
    own = near_pairs(texts, [e.text for e in existing.get(split, [])])
    within = near_pairs(texts, texts)
    kept: list[Example] = []
    dropped: list[tuple[Example, str]] = []
    taken: set[int] = set()
    for i, example in enumerate(batch):
        reason = next((f"near a row of {name}" for name, pairs in conflicts if pairs[i]), None)
        if reason is None and own[i]:
            reason = f"near a row already in {split}"
        if reason is None and (within[i] - {i}) & taken:
            reason = "near an earlier row of the batch"
        if reason is None:
            kept.append(example)
            taken.add(i)
        else:
            dropped.append((example, reason))
    return Decision(kept, dropped)


def read_split_files(split: str) -> list[Example]:
    folder = DATA / split
    return (
        [e for path in sorted(folder.glob("*.tsv")) for e in read_examples(path)] if folder.exists() else []
    )


def write_split(split: str, examples: Sequence[Example]) -> None:
    """Writes ``examples`` into ``<split>/<lang>.tsv``, grouped by label (the guide's order)."""
    folder = DATA / split
    folder.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        rows = [e for e in examples if e.language == language]
        if not rows:
            continue
        rows.sort(key=lambda e: LABELS.index(e.label))  # stable: the written order within a label
        with (folder / f"{language}.tsv").open("w", encoding="utf-8", newline="") as handle:
            handle.write("label\tlang\ttext\n")
            handle.writelines(f"{e.label}\t{e.language}\t{e.text}\n" for e in rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classifiers.curation", description=__doc__)
    parser.add_argument("split", choices=SPLITS)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    args = parser.parse_args(argv)
    try:
        batch = [e for path in args.files for e in read_batch(path)]
    except (BatchError, OSError, UnicodeDecodeError) as error:
        sys.stderr.write(f"{error}\n")
        return 1
    existing = {split: read_split_files(split) for split in SPLITS}
    decision = screen(batch, args.split, existing)
    reasons = Counter(reason for _, reason in decision.dropped)
    by_label = Counter((e.language, e.label) for e in decision.kept)
    sys.stdout.write(
        f"{len(batch)} rows: {len(decision.kept)} kept, {len(decision.dropped)} dropped {dict(reasons)}\n"
    )
    for (language, label), n in sorted(by_label.items()):
        sys.stdout.write(f"  {language} {label}: {n}\n")
    if not args.dry_run:
        write_split(args.split, [*existing[args.split], *decision.kept])
    return 0


if __name__ == "__main__":
    sys.exit(main())
