"""Themes: the phrases that grew most this week, found in the complaints themselves.

Japanese has no spaces, so Japanese and Korean are read as character n-grams within runs of one
script (which also lets 配送 match 配送が and 배송 match 배송이); English as words and word pairs.
A phrase's weight is how many complaints contain it; it is a theme when it grew against last week.
A fragment is grown to the longest phrase its complaints share, and phrases inside one already
chosen are dropped, so the list reads as phrases, not fragments.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from classifiers.text import normalize

_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]+|[\uac00-\ud7af]+|[a-z][a-z']+")
_EN_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "you",
        "your",
        "with",
        "this",
        "that",
        "have",
        "has",
        "was",
        "were",
        "are",
        "not",
        "but",
        "all",
        "any",
        "can",
        "our",
        "out",
        "get",
        "got",
        "from",
        "they",
        "them",
        "their",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "how",
        "its",
        "it's",
        "i'm",
        "i've",
        "im",
        "ive",
        "just",
        "been",
        "very",
        "there",
        "here",
        "would",
        "could",
        "should",
        "about",
        "into",
        "than",
        "then",
        "also",
        "only",
        "still",
        "even",
        "please",
        "thanks",
        "thank",
        "hello",
        "dear",
        "one",
        "two",
        "day",
        "days",
        "week",
        "order",
        "ordered",
        "item",
        "items",
    ]
)
_KO_STOP = frozenset(["습니다", "니다", "했는데", "있습", "어요", "해요", "에서", "으로", "주세요", "세요"])
# Words every complaint to a shop contains say nothing about what grew.
_JA_STOP = frozenset(["注文", "番号", "注文番号", "お客様", "客様", "商品", "確認", "連絡", "対応", "様より"])
# A phrase that starts or ends with a particle is a fragment (が遅, 配送が), not a phrase.
_PARTICLES = frozenset("がをにはのでともへやかねよ")


@dataclass(frozen=True)
class Theme:
    phrase: str
    count: int
    previous: int
    example_ref: int


def _terms(text: str) -> set[str]:
    found: set[str] = set()
    words: list[str] = []
    for run in _RUN.findall(normalize(text)):
        if run[0].isascii():
            if run not in _EN_STOP and len(run) > 2:
                words.append(run)
            continue
        # Hiragana counts before each position: a gram is hiragana only when its count is its size
        # (a sum instead of a regular expression per gram: the digest reads ~10,000 texts a week).
        hiragana = [0]
        for char in run:
            hiragana.append(hiragana[-1] + ("\u3040" <= char <= "\u309f"))
        for size in range(2, 6):
            for i in range(len(run) - size + 1):
                end = i + size
                if hiragana[end] - hiragana[i] == size or run[i] in _PARTICLES or run[end - 1] in _PARTICLES:
                    continue
                gram = run[i:end]
                if gram not in _KO_STOP and gram not in _JA_STOP:
                    found.add(gram)
    found.update(words)
    found.update(f"{a} {b}" for a, b in pairwise(words))
    return found


def _frequencies(documents: Iterable[tuple[int, str]]) -> tuple[Counter[str], dict[str, list[int]]]:
    counts: Counter[str] = Counter()
    holders: dict[str, list[int]] = {}
    for ref, text in documents:
        for term in _terms(text):
            counts[term] += 1
            holders.setdefault(term, []).append(ref)
    return counts, holders


def _expand(term: str, texts: list[str]) -> str:
    """Grows a fragment to the longest phrase its complaints all share (追跡番 -> 配送の追跡番号が反映),
    then trims hiragana at either end: endings and particles, not the theme."""
    phrase = term
    while len(phrase) < 24:
        start = texts[0].find(phrase)
        grown = None
        if start > 0 and all(texts[0][start - 1 : start + len(phrase)] in text for text in texts):
            grown = texts[0][start - 1 : start + len(phrase)]
        elif start + len(phrase) < len(texts[0]) and all(
            texts[0][start : start + len(phrase) + 1] in text for text in texts
        ):
            grown = texts[0][start : start + len(phrase) + 1]
        if grown is None or not _RUN.fullmatch(grown):
            break
        phrase = grown
    trimmed = re.sub(r"^[\u3040-\u309f]+|[\u3040-\u309f]+$", "", phrase) if not phrase.isascii() else phrase
    return trimmed if len(trimmed) >= 2 else term


def growing_themes(
    this_week: Sequence[tuple[int, str]], last_week: Sequence[tuple[int, str]], *, limit: int = 5
) -> list[Theme]:
    """The phrases found in at least two of this week's complaints that grew most against last week.

    Args:
        this_week: (ticket ref, complaint text) pairs.
        last_week: the same for the week before.
        limit: how many themes to return at most.
    """
    now, holders = _frequencies(this_week)
    before, _ = _frequencies(last_week)
    return themes_from(TermCounts(now, holders), TermCounts(before, {}), this_week, limit=limit)


@dataclass
class TermCounts:
    """How many complaints hold each term, and which (refs in order), for one group of complaints."""

    counts: Counter[str]
    holders: dict[str, list[int]]

    @classmethod
    def of(cls, documents: Iterable[tuple[int, str]]) -> TermCounts:
        return cls(*_frequencies(documents))

    @classmethod
    def merged(cls, parts: Iterable[TermCounts]) -> TermCounts:
        """The counts of several disjoint groups together (a team of teams), without re-reading texts."""
        counts: Counter[str] = Counter()
        holders: dict[str, list[int]] = {}
        for part in parts:
            counts.update(part.counts)
            for term, refs in part.holders.items():
                holders.setdefault(term, []).extend(refs)
        return cls(counts, holders)


def themes_from(
    this_week: TermCounts, last_week: TermCounts, texts: Sequence[tuple[int, str]], *, limit: int = 5
) -> list[Theme]:
    """:func:`growing_themes` from counted terms; ``texts`` are this week's (ref, text) pairs."""
    now, holders, before = this_week.counts, this_week.holders, last_week.counts
    raw = dict(texts)
    normal: dict[int, str] = {}

    def normalized(ref: int) -> str:
        if ref not in normal:
            normal[ref] = normalize(raw[ref])
        return normal[ref]

    candidates = [(term, n) for term, n in now.items() if n >= 2 and n > before.get(term, 0)]
    # Most growth first; among equals the longer phrase (more specific), then the phrase itself.
    candidates.sort(key=lambda pair: (-(pair[1] - before.get(pair[0], 0)), -len(pair[0]), pair[0]))
    chosen: list[Theme] = []
    for term, n in candidates:
        phrase = _expand(term, [normalized(ref) for ref in holders[term]])
        if any(phrase in theme.phrase for theme in chosen):
            continue
        chosen.append(Theme(phrase, n, before.get(term, 0), holders[term][0]))
        if len(chosen) == limit:
            break
    return chosen
