"""Messages that are not a complaint at all: greetings, thanks, acknowledgements, a lone emoji or
sticker, punctuation. They open no ticket; the forwarder is asked to send the complaint itself.

This is a fixed rule, not something the model learns: a text is trivial when, once emoji, symbols,
punctuation and spaces are taken out, nothing is left, or what is left is made up entirely of the
phrases below (はい + ありがとうございます, "ok thanks", 네 감사합니다). Any other word, a digit
included, makes it a message to read, so "ありがとう、でも届いてない" and "not ok" are not trivial.
Because no correction can change a rule, one person's "not a complaint" (or reassignment) can never
flip how a trivial text is read.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 60
"""Longer texts are never trivial: a real message that happens to be all pleasantries is rare, a
complaint lost to this rule would be costly."""

_JAPANESE = (
    "はい",
    "はーい",
    "はいはい",
    "ハイ",
    "うん",
    "ええ",
    "いいえ",
    "ありがとう",
    "ありがと",
    "ありがとうございます",
    "ありがとうございました",
    "ありがとうござます",
    "有難うございます",
    "有り難うございます",
    "どうもありがとう",
    "どうも",
    "あざす",
    "あざっす",
    "サンキュー",
    "感謝します",
    "了解",
    "了解です",
    "了解しました",
    "了解いたしました",
    "りょ",
    "りょうかい",
    "りょーかい",
    "承知しました",
    "承知いたしました",
    "承知です",
    "かしこまりました",
    "わかりました",
    "分かりました",
    "大丈夫です",
    "大丈夫",
    "助かりました",
    "おはよう",
    "おはようございます",
    "こんにちは",
    "こんにちわ",
    "こんばんは",
    "こんばんわ",
    "よろしく",
    "よろしくです",
    "よろしくお願いします",
    "よろしくお願いいたします",
    "宜しくお願いします",
    "宜しくお願い致します",
    "よろしくお願い致します",
    "お疲れ様です",
    "お疲れさまです",
    "おつかれさまです",
    "お世話になっております",
    "お世話になります",
    "失礼します",
    "失礼いたします",
    "すみません",
    "了解っす",
    "いいね",
    "確認しました",
    "おけ",
    "おっけー",
    "オッケー",
    "スタンプ",
    "画像スタンプ",
)
_ENGLISH = (
    "ok",
    "okay",
    "okey",
    "okie",
    "kk",
    "k",
    "yes",
    "yeah",
    "yep",
    "yup",
    "ya",
    "no",
    "nope",
    "thanks",
    "thank you",
    "thankyou",
    "thank u",
    "thanks a lot",
    "thanks so much",
    "thank you so much",
    "thank you very much",
    "many thanks",
    "thx",
    "thnx",
    "thanx",
    "ty",
    "tysm",
    "cheers",
    "hi",
    "hello",
    "hey",
    "hii",
    "hiii",
    "good morning",
    "good afternoon",
    "good evening",
    "good night",
    "bye",
    "goodbye",
    "noted",
    "got it",
    "sure",
    "alright",
    "all right",
    "fine",
    "great",
    "cool",
    "nice",
    "understood",
    "will do",
    "np",
    "no problem",
    "welcome",
    "you are welcome",
    "youre welcome",
    "sticker",
    "sent a sticker",
    "emoji",
    "dear",
    "sir",
    "madam",
    "mam",
    "maam",
    "please",
    "pls",
)
_KOREAN = (
    "네",
    "넵",
    "넹",
    "네네",
    "예",
    "응",
    "웅",
    "ㅇㅇ",
    "ㅇㅋ",
    "오케이",
    "옙",
    "감사합니다",
    "감사해요",
    "감사",
    "감사드립니다",
    "고맙습니다",
    "고마워요",
    "고마워",
    "땡큐",
    "ㄱㅅ",
    "ㄳ",
    "알겠습니다",
    "알겠어요",
    "알았어요",
    "알겠어",
    "확인했습니다",
    "확인했어요",
    "확인",
    "안녕하세요",
    "안녕",
    "수고하세요",
    "수고하셨습니다",
    "수고많으세요",
    "좋아요",
    "좋네요",
    "좋습니다",
    "괜찮아요",
    "괜찮습니다",
    "이모티콘",
    "스티커",
    "넵넵",
    "감사용",
)
# Laughter, crying and filler: alone or around the phrases above, they add nothing to route.
_FILLER = r"ㅋ+|ㅎ+|ㅠ+|ㅜ+|w{2,}|笑+|草|ha(?:ha)+|a?ha+|he(?:he)+|lo+l|hm+|m+|です|ます|요|~+|ー+"
_PHRASES = sorted(
    {
        unicodedata.normalize("NFKC", phrase).lower().replace(" ", "")
        for phrase in (*_JAPANESE, *_ENGLISH, *_KOREAN)
    },
    key=len,
    reverse=True,
)
# NFKC turns the compatibility jamo people type (ㅋ, ㅠ) into conjoining ones: fold the rule the same way.
_TRIVIAL = re.compile(
    "(?:" + "|".join([*(re.escape(p) for p in _PHRASES), unicodedata.normalize("NFKC", _FILLER)]) + ")+"
)


def _content(text: str) -> str:
    """``text`` folded, without emoji, symbols, punctuation, marks, controls and spaces."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PSZMC")


def is_trivial(text: str) -> bool:
    """Whether ``text`` is a greeting, thanks, acknowledgement, lone emoji or sticker, or empty.

    Args:
        text: the message as the customer or forwarder wrote it.
    """
    if len(text.strip()) > MAX_LENGTH:
        return False
    content = _content(text)
    # "[sticker]", "(スタンプ)" and the like lose their brackets above and match a phrase.
    return not content or _TRIVIAL.fullmatch(content) is not None
