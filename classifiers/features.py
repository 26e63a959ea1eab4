"""The classifier's pipeline: text normalisation, character and word n-grams, a calibrated linear model.

Everything here is a plain scikit-learn estimator, so ``Pipeline``, cross-validation and skops
persistence work on it; ``TextNormalizer`` is the one type of ours a model file may hold.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted, validate_data

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


def fold(text: str) -> str:
    """NFKC, lower case, URLs, e-mail addresses, order numbers and digits folded, spaces collapsed."""
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).lower()
    text = _URL.sub(URL_SIGN, text)
    text = _EMAIL.sub(EMAIL_SIGN, text)
    text = _ORDER.sub(ORDER_SIGN, text)
    text = _DIGITS.sub(DIGIT_SIGN, text)
    return _SPACES.sub(" ", text).strip()


class TextNormalizer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Folds texts so that what does not tell the department is not learned as a topic.

    Takes a 1-D sequence of texts (what the pipeline passes) and returns a list of folded texts. It
    also accepts a 2-D array (a table of text columns) and folds every string cell, leaving other
    values as they are, so it can stand before a ``ColumnTransformer`` too.

    Args:
        fold_numbers: fold order numbers and digit runs (``True``), or keep them.
    """

    def __init__(self, fold_numbers: bool = True) -> None:
        self.fold_numbers = fold_numbers

    def fit(self, X: Any, y: Any = None) -> TextNormalizer:
        if not _is_text_list(X):
            validate_data(self, X, dtype=None, ensure_all_finite=False, reset=True)
        self.fitted_ = True
        return self

    def transform(self, X: Any) -> Any:
        check_is_fitted(self)
        if _is_text_list(X):
            return [self._fold(str(text)) for text in X]
        table: NDArray[Any] = validate_data(
            self, X, dtype=None, ensure_all_finite=False, reset=False, copy=True
        )
        if table.dtype.kind in "OUS":
            table = table.astype(object)
            for index, value in np.ndenumerate(table):
                if isinstance(value, str):
                    table[index] = self._fold(value)
        return table

    def _fold(self, text: str) -> str:
        if self.fold_numbers:
            return fold(text)
        text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).lower()
        return _SPACES.sub(" ", _EMAIL.sub(EMAIL_SIGN, _URL.sub(URL_SIGN, text))).strip()

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        tags.requires_fit = True
        return tags


def _is_text_list(X: Any) -> bool:
    if isinstance(X, str):
        raise TypeError("expected a sequence of texts, got a single string")
    # Anything else goes to validate_data, which explains what shape it expected.
    if isinstance(X, np.ndarray) and X.ndim != 1:
        return False
    return isinstance(X, np.ndarray | list | tuple) and all(isinstance(item, str) for item in X)


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
    C: float = 100.0
    fold_numbers: bool = True
    n_features: int = 2**18
    morpheme_ngrams: tuple[int, int] | None = None  # Japanese lemmas and Korean morphemes


def build_pipeline(settings: Settings | None = None) -> Pipeline:
    """The classifier's pipeline for ``settings`` (the chosen ones by default)."""
    s = settings or Settings()
    # Hashed n-grams: no vocabulary to store, so the model file holds no readable fragments of the
    # shop's texts and skops saves and loads it in a moment (a 100,000-entry vocabulary took 30 s).
    hashed = HashingVectorizer(
        analyzer=NgramAnalyzer(s.char_ngrams, (1, 2) if s.words else None, s.morpheme_ngrams),
        lowercase=False,  # the normaliser did it
        n_features=s.n_features,
        alternate_sign=False,
        norm=None,
    )
    model: Any
    if s.model == "svm":
        model = CalibratedClassifierCV(
            LinearSVC(C=s.C, class_weight="balanced", random_state=0), method="sigmoid", cv=3, ensemble=False
        )
    else:
        # Multinomial logistic regression is calibrated by construction (it fits log-loss).
        model = LogisticRegression(C=s.C, solver="newton-cg", max_iter=1000, class_weight="balanced")
    return Pipeline(
        [
            ("normalize", TextNormalizer(fold_numbers=s.fold_numbers)),
            ("features", hashed),
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
            ("model", model),
        ]
    )
