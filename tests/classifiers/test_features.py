"""The pipeline's parts: the normaliser passes scikit-learn's estimator checks and folds what must
not be learned as a topic; the analyzer gives character n-grams everywhere, words where spaced."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from classifiers.features import (
    WORD_MARK,
    NgramAnalyzer,
    Settings,
    TextNormalizer,
    build_pipeline,
    fold,
    scorer_of,
)


@parametrize_with_checks([TextNormalizer(), TextNormalizer(fold_numbers=False)])
def test_normalizer_passes_the_estimator_checks(estimator: Any, check: Any) -> None:
    check(estimator)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("ＡＢＣ　１２３ ｶﾀｶﾅ", "abc 0 カタカナ"),
        ("注文番号：１２３４５６７ が届かない", "注文番号: ordertoken が届かない"),
        ("order A-5521 is late", "order ordertoken is late"),
        ("250-1234567-1234567 届かない", "ordertoken 届かない"),
        ("see https://shop.example.com/item?id=3 now", "see urltoken now"),
        ("mail me at taro.yamada+x@example.co.jp please", "mail me at mailtoken please"),
        ("3日遅れ", "0日遅れ"),
        ("配送\u200bが遅い", "配送が遅い"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_normalizer_folds_texts_and_tables() -> None:
    normalizer = TextNormalizer().fit(["x"])
    assert normalizer.transform(["ＡＢＣ １２３"]) == ["abc 0"]
    assert normalizer.transform(np.array(["Ｘ"])) == ["x"]
    table = np.array([["ＡＢ", 1.5]], dtype=object)
    assert TextNormalizer().fit(table).transform(table).tolist() == [["ab", 1.5]]
    assert TextNormalizer(fold_numbers=False).fit(["x"]).transform(["Order 12345"]) == ["order 12345"]
    with pytest.raises(TypeError, match="single string"):
        normalizer.transform("a whole text")


def test_analyzer_reads_every_script_and_words_only_where_spaced() -> None:
    grams = NgramAnalyzer((1, 2), (1, 2))("配送 late delivery 배송 지연")
    assert " 配" in grams and "配送" in grams
    assert f"{WORD_MARK}late delivery" in grams and f"{WORD_MARK}배송 지연" in grams
    japanese = NgramAnalyzer((1, 2), (1, 2))("配送が遅い")
    assert not [g for g in japanese if g.startswith(WORD_MARK)]
    assert NgramAnalyzer((1, 3), None)("ab") == [" ", "a", "b", " ", " a", "ab", "b ", " ab", "ab "]


def test_pipeline_gives_calibrated_probabilities() -> None:
    texts = ["配送が遅い", "荷物が届かない", "返金してほしい", "二重請求された"] * 5
    labels = ["logistics", "logistics", "billing", "billing"] * 5
    for model in ("logistic", "svm"):
        pipeline = build_pipeline(Settings(model=model, C=1.0)).fit(texts, labels)
        probabilities = pipeline.predict_proba(["配送がまだです"])
        assert probabilities.shape == (1, 2)
        assert probabilities.sum() == pytest.approx(1.0)
        assert pipeline.predict(["配送がまだです"])[0] == "logistics"


def test_the_numpy_scorer_gives_the_pipelines_probabilities() -> None:
    texts = ["配送が遅い", "荷物が届かない", "late delivery", "二重請求", "返金がない", "charged twice"]
    texts += ["こんにちは", "ありがとう", "hello there", "배송이 늦어요", "환불 해주세요", "안녕하세요"]
    labels = ["logistics", "logistics", "logistics", "billing", "billing", "billing"] + ["out_of_scope"] * 3
    labels += ["logistics", "billing", "out_of_scope"]
    for settings, y in ((Settings(), labels), (Settings(), [label == "billing" for label in labels])):
        pipeline = build_pipeline(settings).fit(texts, [str(v) for v in y])
        scorer = scorer_of(pipeline, settings)
        unseen = ["届いた箱が潰れていた", "refund please", "", "!!!", "비밀번호를 잊었어요", *texts]
        assert np.abs(scorer.predict_proba(unseen) - pipeline.predict_proba(unseen)).max() < 1e-12
        assert list(scorer.classes_) == [str(c) for c in pipeline.classes_]
