"""Priority flags: complaints that must not wait in line, found from their wording."""

from __future__ import annotations

import re

from classifiers.text import normalize

# Kept as words people really write; the team extends them as they see new ones.
_FLAG_PATTERNS = {
    "legal": (
        r"弁護士|訴え|訴訟|裁判|消費者(?:センター|庁)|国民生活センター|警察|通報|景品表示法|特商法|"
        r"lawyer|attorney|sue\b|lawsuit|legal action|consumer (?:protection|affairs)|police|"
        r"변호사|소송|고소|소비자원|경찰|신고"
    ),
    "safety": (
        r"怪我|けが|ケガ|火傷|やけど|発火|発煙|爆発|感電|アレルギー|体調|救急|病院|誤飲|"
        r"injur|burn(?:ed|t)|fire|smok(?:e|ing)|explo|electric shock|allerg|hospital|"
        r"다쳤|부상|화상|화재|폭발|감전|알레르기|병원"
    ),
    "angry": (
        r"ふざけ|最悪|二度と(?:買|使|利用)|ありえない|あり得ない|許せ|炎上|sns|拡散|口コミ|レビューに書|"
        r"unacceptable|ridiculous|worst|never (?:again|buy)|furious|disgust|"
        r"최악|어이없|다시는|용납|화가"
    ),
}
_COMPILED = {flag: re.compile(pattern) for flag, pattern in _FLAG_PATTERNS.items()}


def detect_flags(text: str) -> tuple[str, ...]:
    """The priority flags ``text`` raises, in a fixed order."""
    normal = normalize(text)
    return tuple(flag for flag, pattern in _COMPILED.items() if pattern.search(normal))


def is_priority(flags: tuple[str, ...]) -> bool:
    return any(flag in ("legal", "safety", "angry") for flag in flags)
