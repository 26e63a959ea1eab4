"""Greetings, thanks, acknowledgements, a lone emoji or sticker open no ticket; anything with content
does, however short or polite."""

from __future__ import annotations

import pytest

from classifiers.trivial import MAX_LENGTH, is_trivial


@pytest.mark.parametrize(
    "text",
    [
        "はい",
        "ありがとう",
        "了解です",
        "OK",
        "네",
        "감사합니다",
        "👍",
        "😭😭",
        "ありがとうございます！",
        "はい、ありがとうございます。",
        "おはようございます。よろしくお願いします",
        "かしこまりました〜",
        "はい笑",
        "ｗｗｗ",
        "Ok thanks 🙏",
        "Thank you so much!!",
        "hi",
        "네 감사합니다 ㅎㅎ",
        "넵 알겠습니다~",
        "ㅋㅋㅋ",
        "ㅠㅠ",
        "[スタンプ]",
        "(sticker)",
        "[이모티콘]",
        "(^_^)",
        "!!!",
        "",
        " \u3000 ",
    ],
)
def test_pleasantries_emoji_and_empty_texts_are_trivial(text: str) -> None:
    assert is_trivial(text)


@pytest.mark.parametrize(
    "text",
    [
        "ありがとう、でも届いてない",
        "届いてない",
        "はい、まだ返金されていません",
        "not ok",
        "ok but refund?",
        "thanks for nothing",
        "when will it come",
        "hi, my parcel is late",
        "cod available?",
        "ㅠㅠ 환불",
        "배송 ㅠㅠ",
        "네 배송이 늦어요",
        "별로예요",
        "12345",  # an order number alone: something to follow up, not a pleasantry
        "👍 but the box was crushed",
    ],
)
def test_a_text_with_any_content_is_not_trivial(text: str) -> None:
    assert not is_trivial(text)


def test_a_long_text_is_never_trivial_even_if_all_pleasantries() -> None:
    text = "ありがとうございます。" * (MAX_LENGTH // 10 + 1)
    assert len(text) > MAX_LENGTH
    assert is_trivial("ありがとうございます。")
    assert not is_trivial(text)
