"""Priority flags: complaints that must not wait in line, found from their wording; and the order
number a complaint is about, to link the tickets of one order."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from classifiers.text import normalize

REPEAT_CONTACTS = 3
"""The same customer this many times (this ticket included) within ``REPEAT_WINDOW_DAYS``: flagged."""
REPEAT_WINDOW_DAYS = 7

# Kept as words people really write; the team extends them as they see new ones.
_FLAG_PATTERNS = {
    "legal": (
        r"弁護士|訴え|訴訟|裁判|消費者(?:センター|庁)|国民生活センター|警察|通報|景品表示法|特商法|少額訴訟|"
        r"内容証明|チャージバック|カード会社に(?:連絡|相談|異議)|"
        r"lawyer|attorney|\bsue\b|lawsuit|legal action|small claims|consumer (?:protection|affairs)|police|"
        r"chargeback|charge back|dispute (?:the|this) (?:charge|payment)|trading standards|\bbbb\b|"
        r"변호사|소송|고소|소비자원|소비자보호원|공정위|공정거래위원회|경찰|신고|차지백"
    ),
    "safety": (
        r"怪我|けが|ケガ|火傷|やけど|発火|発煙|爆発|感電|アレルギー|体調|救急|病院|誤飲|"
        r"injur|burn(?:ed|t)|fire|smok(?:e|ing)|explo|electric shock|allerg|hospital|"
        r"다쳤|부상|화상|화재|폭발|감전|알레르기|병원"
    ),
    "angry": (
        r"ふざけ|最悪|二度と(?:買|使|利用)|ありえない|あり得ない|許せ|炎上|sns|拡散|口コミ|レビューに書|"
        r"返金しろ|金返せ|返せよ|責任者(?:を|出)|誠意|"
        r"unacceptable|ridiculous|worst|never (?:again|buy)|furious|disgust|scam|"
        r"(?:post|write|tell).{0,20}(?:social media|twitter|review)|"
        r"최악|어이없|다시는|용납|화가|환불해내|사기|sns에|리뷰에"
    ),
}
_COMPILED = {flag: re.compile(pattern) for flag, pattern in _FLAG_PATTERNS.items()}


def detect_flags(text: str) -> tuple[str, ...]:
    """The priority flags ``text`` raises, in a fixed order."""
    normal = normalize(text)
    return tuple(flag for flag, pattern in _COMPILED.items() if pattern.search(normal))


def is_priority(flags: tuple[str, ...]) -> bool:
    return any(flag in ("legal", "safety", "angry", "repeat") for flag in flags)


_ORDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*$")


def extract_order_number(text: str, patterns: Sequence[str]) -> str | None:
    """The first order number ``patterns`` find in ``text`` (width-normalised), or ``None``.

    The patterns are the masking ones (``privacy.order_patterns``); a keyword-led match such as
    「注文番号：A-5521」 gives its trailing ID, ``A-5521``.
    """
    normal = unicodedata.normalize("NFKC", text)
    found: list[tuple[int, str]] = []
    for pattern in patterns:
        match = re.search(pattern, normal)
        if match:
            tail = _ORDER_ID.search(match.group(0))
            if tail:
                found.append((match.start(), tail.group(0).upper()))
    return min(found)[1] if found else None
