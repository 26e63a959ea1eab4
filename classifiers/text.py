"""Text preparation shared by intake and the classifier: cleaning, normalising, language guess."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SPACES = re.compile(r"[ \t\u3000]+")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_KANA_KANJI = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_LATIN = re.compile(r"[A-Za-z]")


def clean(text: str) -> str:
    """Removes control and invisible characters (IME and copy-paste debris), keeps line breaks.

    Lone surrogates (from broken input decoding) are dropped so the text can always be stored.
    """
    text = _SURROGATE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL.sub("", text).strip()


def normalize(text: str) -> str:
    """The form the classifier sees: NFKC (full-width digits and letters, half-width kana), lower case,
    runs of spaces (also the ideographic space) folded."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).lower().strip()


def detect_language(text: str) -> str:
    """``ko`` when Hangul dominates, ``ja`` for kana/kanji, else ``en``. Mixed scripts are common
    (Japanese with English product names), so the count of each script decides."""
    hangul = len(_HANGUL.findall(text))
    japanese = len(_KANA_KANJI.findall(text))
    if hangul and hangul >= japanese:
        return "ko"
    if japanese and japanese * 3 >= len(_LATIN.findall(text)):
        return "ja"
    return "en"
