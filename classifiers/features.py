"""The classifier's training pipeline: text normalisation, hashed n-grams, tf-idf, a linear model.

Everything here is a plain scikit-learn estimator, so ``Pipeline`` and cross-validation work on it.
Its parts come from :mod:`classifiers.analysis`, which also scores a trained model without
scikit-learn (:class:`~classifiers.analysis.LinearScorer`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted, validate_data

from classifiers.analysis import (
    MORPHEME_MARK,
    WORD_MARK,
    WORD_PATTERN,
    LinearScorer,
    NgramAnalyzer,
    Settings,
    fold,
    fold_keeping_numbers,
    hashed_counts,
)

__all__ = [
    "MORPHEME_MARK",
    "WORD_MARK",
    "WORD_PATTERN",
    "HashedNgrams",
    "NgramAnalyzer",
    "Settings",
    "TextNormalizer",
    "build_pipeline",
    "fold",
    "scorer_of",
]


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
        return fold(text) if self.fold_numbers else fold_keeping_numbers(text)

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


class HashedNgrams(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Hashed n-gram counts of folded texts (:func:`classifiers.analysis.hashed_counts`): stateless."""

    def __init__(self, analyzer: NgramAnalyzer | None = None, n_features: int = 2**18) -> None:
        self.analyzer = analyzer
        self.n_features = n_features

    def fit(self, X: Any, y: Any = None) -> HashedNgrams:
        return self

    def transform(self, X: Any) -> csr_matrix:
        analyzer = self.analyzer or NgramAnalyzer()
        indptr, indices, counts = hashed_counts([str(text) for text in X], analyzer, self.n_features)
        return csr_matrix((counts, indices, indptr), shape=(len(indptr) - 1, self.n_features))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.requires_fit = False
        return tags


def build_pipeline(settings: Settings | None = None) -> Pipeline:
    """The classifier's pipeline for ``settings`` (the chosen ones by default)."""
    s = settings or Settings()
    # Hashed n-grams: no vocabulary to store, so the model holds no readable fragments of the
    # shop's texts and loads in a moment (a 100,000-entry vocabulary took 30 s).
    hashed = HashedNgrams(
        NgramAnalyzer(s.char_ngrams, (1, 2) if s.words else None, s.morpheme_ngrams), s.n_features
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


def scorer_of(pipeline: Pipeline, settings: Settings) -> LinearScorer:
    """The fitted logistic-regression ``pipeline`` as a :class:`LinearScorer` (same probabilities).

    Raises:
        ValueError: the pipeline's model is not a logistic regression.
    """
    model, tfidf = pipeline.named_steps["model"], pipeline.named_steps["tfidf"]
    if not isinstance(model, LogisticRegression):
        raise ValueError("only a logistic-regression pipeline can be scored without scikit-learn")
    coef: NDArray[np.float64] = np.asarray(model.coef_, dtype=np.float64)
    return LinearScorer(
        settings,
        coef,
        np.asarray(model.intercept_, dtype=np.float64),
        [str(c) for c in model.classes_],
        np.asarray(tfidf.idf_, dtype=np.float64),
    )
