"""Digest themes read with MeCab: whole words and noun phrases a manager can act on, never fragments,
without the words every complaint holds or order numbers."""

from __future__ import annotations

from classifiers.themes import growing_themes

THIS_WEEK = [
    (1, "注文番号12345の荷物が届きません。追跡番号が反映されない"),
    (2, "追跡番号が反映されないままです（注文番号 A-99881）"),
    (3, "配達員の態度が悪い。インターホンも鳴らさない"),
    (4, "配達員の態度が悪いです"),
    (5, "パスワード再設定のメールが来ない"),
    (6, "パスワード再設定メールが届きません"),
    (7, "배송 지연이 너무 심해요. 주문번호 12345"),
    (8, "배송 지연 때문에 화가 나요"),
]


def test_themes_are_whole_words_and_phrases_with_counts_this_week_and_last() -> None:
    themes = growing_themes(THIS_WEEK, [(9, "追跡番号が反映されない")], limit=10)
    found = {theme.phrase: (theme.count, theme.previous) for theme in themes}

    assert found["追跡番号"] == (2, 1)
    assert found["配達員"] == (2, 0) and found["態度が悪い"] == (2, 0)
    assert found["パスワード再設定"] == (2, 0)
    assert found["배송 지연"] == (2, 0)
    for phrase in found:  # no fragment, no word every complaint holds, no order number
        assert phrase not in {"注文番号", "注文", "番号", "주문번호", "イン", "ード", "問い合"}
        assert not any(char.isdigit() for char in phrase)
        assert phrase[-1] not in "がをにはので"


def test_each_theme_points_at_a_complaint_that_holds_it() -> None:
    texts = dict(THIS_WEEK)
    for theme in growing_themes(THIS_WEEK, [], limit=10):
        words = theme.phrase.split("が")[0]
        assert words in texts[theme.example_ref]
