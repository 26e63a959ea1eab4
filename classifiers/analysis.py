"""The classifier's reading of a text, without scikit-learn: folding, n-grams, hashing and scoring.

Everything a process needs to *use* a trained model lives here and needs only NumPy: a web worker
or a console that loads a stored model never imports scikit-learn or SciPy (3 s and ~80 MB of a
start). Training (``classifiers.features``) builds its scikit-learn pipeline from the same parts, so
a model scores the same wherever it runs.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from classifiers.morphemes import morphemes

_URL = re.compile(r"(?:https?://|www\.)\S+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Order numbers: a digit run of five or more, or letters-and-digits joined by hyphens (A-5521,
# 250-1234567-1234567). Their value says nothing about the department.
_ORDER = re.compile(r"(?<![\w-])(?:[a-z]{0,3}-?[0-9]{5,}|[a-z0-9]{1,6}(?:-[a-z0-9]{2,})+)(?![\w-])")
_DIGITS = re.compile(r"[0-9]+")
_SPACES = re.compile(r"\s+")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff]")  # includes WORD_MARK

URL_SIGN = " urltoken "
EMAIL_SIGN = " mailtoken "
ORDER_SIGN = " ordertoken "
DIGIT_SIGN = "0"

# Word tokens only where words are spaced: Latin letters and digits (English) and Hangul (Korean).
# Japanese runs are left to the character n-grams, since a "word" there would be a whole clause.
WORD_PATTERN = r"[a-z0-9']{2,}|[\uac00-\ud7a3]{2,}"
_WORDS = re.compile(WORD_PATTERN)
WORD_MARK = "\u2063"  # invisible separator: fold() removes it, so no text contains it
MORPHEME_MARK = "\u2062"  # invisible times: the same, for Japanese lemmas and Korean morphemes


def fold_keeping_numbers(text: str) -> str:
    """:func:`fold` without folding order numbers and digits."""
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).lower()
    return _SPACES.sub(" ", _EMAIL.sub(EMAIL_SIGN, _URL.sub(URL_SIGN, text))).strip()


def fold(text: str) -> str:
    """NFKC, lower case, URLs, e-mail addresses, order numbers and digits folded, spaces collapsed."""
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).lower()
    text = _URL.sub(URL_SIGN, text)
    text = _EMAIL.sub(EMAIL_SIGN, text)
    text = _ORDER.sub(ORDER_SIGN, text)
    text = _DIGITS.sub(DIGIT_SIGN, text)
    return _SPACES.sub(" ", text).strip()


class NgramAnalyzer:
    """Character n-grams inside word boundaries for every script, plus word n-grams where words are
    spaced (English, Korean), as one feature space.

    One vectorizer over both views costs half what two in a ``FeatureUnion`` cost per message, which
    matters for the single-message latency. Word features are marked with a character the
    normaliser removes from texts, so a word can never collide with a character n-gram.
    """

    def __init__(
        self,
        char_ngrams: tuple[int, int] = (1, 4),
        word_ngrams: tuple[int, int] | None = (1, 2),
        morpheme_ngrams: tuple[int, int] | None = None,
    ) -> None:
        self.char_ngrams = char_ngrams
        self.word_ngrams = word_ngrams
        self.morpheme_ngrams = morpheme_ngrams

    def __call__(self, text: str) -> list[str]:
        low, high = self.char_ngrams
        grams: list[str] = []
        for word in text.split():
            padded = f" {word} "
            size = len(padded)
            for n in range(low, high + 1):
                if n > size:
                    break
                grams += [padded[i : i + n] for i in range(size - n + 1)]
        if self.word_ngrams is not None:
            words = _WORDS.findall(text)
            first, last = self.word_ngrams
            for n in range(first, last + 1):
                grams += [WORD_MARK + " ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
        # getattr: a model file saved before morphemes existed has no such attribute
        morpheme_ngrams = getattr(self, "morpheme_ngrams", None)
        if morpheme_ngrams is not None:
            tokens = morphemes(text)
            first, last = morpheme_ngrams
            for n in range(first, last + 1):
                grams += [MORPHEME_MARK + " ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        return grams

    def __repr__(self) -> str:
        return (
            f"NgramAnalyzer(char_ngrams={self.char_ngrams}, word_ngrams={self.word_ngrams}, "
            f"morpheme_ngrams={getattr(self, 'morpheme_ngrams', None)})"
        )


@dataclass(frozen=True)
class Settings:
    """The choices cross-validation made between (see ``classifiers.selection``)."""

    char_ngrams: tuple[int, int] = (1, 3)
    words: bool = True
    model: str = "logistic"  # or "svm": a linear SVM calibrated by sigmoid (Platt) scaling
    C: float = 300.0
    fold_numbers: bool = True
    n_features: int = 2**18
    morpheme_ngrams: tuple[int, int] | None = (1, 1)  # Japanese lemmas and Korean morphemes


def hashed_counts(
    texts: Sequence[str], analyzer: NgramAnalyzer, n_features: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """CSR parts (indptr, indices, counts) of the hashed n-gram counts of already folded ``texts``.

    A feature's column is the CRC-32 of its UTF-8 bytes modulo ``n_features``: deterministic in
    every process, in C, and no vocabulary to store (the model holds no readable fragment of a text).
    One pass over the whole batch: the (row, column) pairs are counted together.
    """
    lengths = np.zeros(len(texts), dtype=np.int64)
    hashes: list[int] = []
    for row, text in enumerate(texts):
        grams = analyzer(text)
        lengths[row] = len(grams)
        hashes += [zlib.crc32(gram.encode("utf-8")) for gram in grams]
    rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    keys = rows * n_features + np.asarray(hashes, dtype=np.int64) % n_features
    unique, counts = np.unique(keys, return_counts=True)
    indptr = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(unique // n_features, minlength=len(texts)), out=indptr[1:])
    return indptr, unique % n_features, counts.astype(np.float64)


class LinearScorer:
    """A trained model's numbers and the arithmetic of its pipeline: fold, hash, sublinear tf-idf,
    l2 norm, then the multinomial logistic regression's softmax (the binary one's sigmoid).

    Gives the same probabilities as the scikit-learn pipeline it was taken from.
    """

    def __init__(
        self,
        settings: Settings,
        coef: NDArray[np.float64],
        intercept: NDArray[np.float64],
        classes: Sequence[str],
        idf: NDArray[np.float64],
    ) -> None:
        self.settings = settings
        self.coef = np.ascontiguousarray(coef.T)  # (features, classes): one row read per feature
        self.intercept = intercept
        self.classes_ = np.asarray(classes, dtype=object)
        self.idf = idf
        self.analyzer = NgramAnalyzer(
            settings.char_ngrams, (1, 2) if settings.words else None, settings.morpheme_ngrams
        )

    def arrays(self) -> dict[str, Any]:
        return {
            "coef": self.coef.T,
            "intercept": self.intercept,
            "classes": np.asarray([str(c) for c in self.classes_]),
            "idf": self.idf,
        }

    def fold(self, text: str) -> str:
        return fold(text) if self.settings.fold_numbers else fold_keeping_numbers(text)

    def predict_proba(self, texts: Sequence[str]) -> NDArray[np.float64]:
        folded = [self.fold(str(text)) for text in texts]
        indptr, indices, counts = hashed_counts(folded, self.analyzer, self.settings.n_features)
        rows = np.repeat(np.arange(len(folded)), np.diff(indptr))
        values = (np.log(counts) + 1.0) * self.idf[indices]
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(folded)))
        values /= np.where(norms > 0, norms, 1.0)[rows]
        weights = self.coef[indices]  # (nonzeros, classes)
        scores: NDArray[np.float64] = (
            np.column_stack(
                [
                    np.bincount(rows, weights=values * weights[:, column], minlength=len(folded))
                    for column in range(weights.shape[1])
                ]
            ).astype(np.float64)
            + self.intercept
        )
        if scores.shape[1] == 1:  # two classes: scikit-learn keeps one row of coefficients
            positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.column_stack([1.0 - positive, positive])
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores
