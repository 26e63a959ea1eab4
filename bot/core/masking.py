"""Personal-data masking for every text the bot posts to chat or writes to logs.

Matching runs on a width-normalised *copy* of the text (full-width ASCII such as ０９０ or ＠ folded to
ASCII, dash look-alikes folded to ``-``).  The copy has exactly one character per input character, so
spans found in it are spans of the original and everything that is not masked comes out byte-identical.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from itertools import accumulate

from bot.core.personal_names import name_spans

__all__ = ["DEFAULT_ORDER_PATTERNS", "KINDS", "Masker", "default_label"]

#: Every kind a label can be asked for, in priority order: when findings overlap, the earlier kind wins.
KINDS: tuple[str, ...] = ("email", "rrn", "card", "phone", "postal", "address", "name")

DEFAULT_ORDER_PATTERNS: tuple[str, ...] = (
    # Keyword-led IDs: 注文番号12345, ご注文番号：A-5521, order no. 88231, purchase 113542617735902,
    # 주문번호 123. The ID must contain a digit and must not run into an e-mail address, so
    # "注文番号 taro1@example.jp" is not shielded.
    r"(?i)(?:(?:注文|受注|オーダー)(?:番号|no\.?|id)"
    r"|(?<![a-z])(?:order|purchase)(?: ?(?:no\.?|number|id|#))?|주문 ?번호)"
    r"[\s:#=は、「『【(\[]{0,4}(?=[a-z-]{0,29}[0-9])[a-z0-9][a-z0-9-]{2,29}(?![a-z0-9@]|\.[a-z0-9])",
    # Shop-style IDs such as A-5521 or ABC-0012345: upper case only, not TEL-/FAX- prefixes, not in an e-mail.
    r"(?<![A-Za-z0-9._%+-])(?!(?:TEL|FAX)-)[A-Z]{1,3}-[0-9]{3,10}(?![A-Za-z0-9@-]|\.[A-Za-z0-9])",
    # Amazon (250-1234567-1234567) and Rakuten (123456-20261123-0000000001) order numbers.
    r"(?<![0-9-])[0-9]{3}-[0-9]{7}-[0-9]{7}(?![0-9-])",
    r"(?<![0-9-])[0-9]{6}-20[0-9]{6}-[0-9]{7,10}(?![0-9-])",
)
"""Order-number regexes whose matches always stay visible.

They are matched against the width-normalised copy, so write them with ASCII digits, ``@`` and ``-``.
"""


def _build_fold_table() -> dict[int, str]:
    # One output character per input character: this is what keeps spans valid for the original text.
    table = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}  # ！..～ -> !..~ (０-９, Ａ-ｚ, ＠, －)
    table.update({0x3000: " ", 0x00A0: " ", 0xFE6B: "@"})
    table.update(dict.fromkeys(map(ord, "‐‑‒–—―−﹣"), "-"))
    return table


_FOLD = _build_fold_table()
# IMEs turn "-" into the long-vowel mark ー (or half-width ｰ); treat it as a hyphen only between digits so
# that katakana words such as オーダー番号 stay intact for the order patterns.
_DIGIT_LONG_VOWEL = re.compile(r"(?<=[0-9])[ーｰ](?=[0-9])")
_NON_DIGIT = re.compile(r"[^0-9]")
_DIGIT_RUN = re.compile(r"[0-9]+")
_WORDLIKE = re.compile(r"[A-Za-z/_.=?&#%]")
_LUHN_DOUBLE = str.maketrans("0123456789", "0246813579")

# Linear time: a pattern that starts with an unbounded run (e-mail local part) or a digit run anchors it
# with a lookbehind, so a failed attempt is not retried from every position inside the run (what makes
# naive e-mail regexes quadratic); every other quantifier that could backtrack is bounded or possessive.
_EMAIL_AT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)+")
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])" + _EMAIL_AT.pattern)
_RRN = re.compile(r"(?<![0-9])[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])-[1-4][0-9]{6}(?![0-9])")
# Card layouts people actually type: one run, 4-4-4(-4)(-rest) groups, or Amex/Diners 4-6-4/5.
_CARD = re.compile(
    r"(?<![0-9])(?:[0-9]{13,19}|[0-9]{4}(?:[ -][0-9]{4}){2,3}(?:[ -][0-9]{1,3})?"
    r"|[0-9]{4}[ -][0-9]{6}[ -][0-9]{4,5})(?![0-9])"
)
_SEP = r"(?: ?[-.] ?| )?"  # "-", ".", " - " or a space between phone digit groups
_PHONE = re.compile(
    # No lookbehind before "+": a digit there may be the end of a number masked just before this one.
    r"(?:"
    r"\+[0-9]{1,3}(?:[-. ()]{0,3}+[0-9]++){1,6}+"  # +81 90-1234-5678, +82-10-..., +1 (415) 555-0123
    # Domestic: 090-1234-5678, 0120-123-456, (03)1234-5678, 03(1234)5678, 0312345678.
    rf"|(?<![0-9])(?:\(0[0-9]{{1,4}}\)|0[0-9]{{1,4}}){_SEP}\(?[0-9]{{1,4}}\)?{_SEP}[0-9]{{3,4}}(?![0-9])"
    r")"
)
_POSTAL = (
    re.compile(r"(?P<v>〒 ?[0-9]{3}-?[0-9]{4})(?![0-9])"),
    # After a keyword only the number is masked; the keyword itself keeps the sentence readable.
    re.compile(r"(?i:郵便番号|postal code|zip(?: ?code)?)[\s:は]{0,3}(?P<v>[0-9]{3}-?[0-9]{4})(?![0-9])"),
)
_PREFECTURE = (
    r"(?:北海道|東京都|(?:大阪|京都)府|(?:青森|岩手|宮城|秋田|山形|福島|茨城|栃木|群馬|埼玉|千葉|神奈川|新潟|富山|石川"
    r"|福井|山梨|長野|岐阜|静岡|愛知|三重|滋賀|兵庫|奈良|和歌山|鳥取|島根|岡山|広島|山口|徳島|香川|愛媛|高知|福岡|佐賀"
    r"|長崎|熊本|大分|宮崎|鹿児島|沖縄)県)"
)
_TOWN = r"[\u3041-\u3096\u30a1-\u30fa\u30fc\u4e00-\u9fff々〆ヶヵ・ -]"
# Block numbers need a digit (1-2-3, 1丁目2番3号, 5番地の2), so "東京都内で3日" is not an address.
_BLOCK = r"[0-9]{1,5}(?:(?:-|の)[0-9]{1,5}|(?:丁目|番地?|号|条[東西南北]?)[0-9]{0,5}){1,5}"  # 北1条西2丁目
_BUILDING = (
    r"(?: ?[\u30a1-\u30fa\u30fc・A-Za-z\u4e00-\u9fff]{0,20}?"
    r"(?:ビル|マンション|ハイツ|ハイム|コーポ|レジデンス|タワー|アパート|荘|[0-9]{1,5}(?:F|階|号室|号))"
    r"(?: ?[0-9]{1,5}(?:F|階|号室|号)?(?![0-9]))?)?"
)
# A city/ward/county/town/village marker (市区町村郡) must follow the prefecture within a few characters;
# (?![0-9]) keeps a match from ending inside a digit run that another detector should see whole.
_ADDRESS = re.compile(
    rf"{_PREFECTURE}{_TOWN}{{0,12}}?[市区町村郡]{_TOWN}{{0,20}}+ ?{_BLOCK}(?![0-9]){_BUILDING}"
)

_PROTECTED = 0xFF  # owner byte for order-number characters; 1..len(KINDS) mark a kind, 0 is free
_RUN = re.compile(rb"([\x01-\xfe])\1*")
_BLANK = "\ufffc"  # matched by no pattern, like the brackets around a label
_MAX_ROUNDS = 4  # rounds only ever add masked characters; the cap bounds time on contrived input


def default_label(kind: str) -> str:
    """Return the placeholder used for a masked span.

    Args:
        kind: One of ``KINDS``, e.g. ``"phone"``.

    Returns:
        The kind in square brackets, e.g. ``"[phone]"``.
    """
    return f"[{kind}]"


def _normalise(text: str) -> str:
    """Fold widths and dashes without changing the length (index i still means character i)."""
    return _DIGIT_LONG_VOWEL.sub("-", text.translate(_FOLD))


def _luhn_ok(digits: str) -> bool:
    # Every second digit from the right is doubled (and 9 subtracted if > 9): "0123456789" -> "0246813579".
    return sum(map(int, digits[-1::-2] + digits[-2::-2].translate(_LUHN_DOUBLE))) % 10 == 0


def _regex_spans(pattern: re.Pattern[str], norm: str) -> Iterator[tuple[int, int]]:
    group = "v" if "v" in pattern.groupindex else 0
    for m in pattern.finditer(norm):
        yield m.span(group)


def _email_spans(norm: str) -> Iterator[tuple[int, int]]:
    pos = 0
    while (m := _EMAIL.search(norm, pos)) is not None:
        while m is not None:
            yield m.span()
            pos = m.end()
            # In "a@b.jp..c@d.jp" the next local part starts right where this match ends, which the
            # lookbehind would reject; an anchored match there is still linear.
            m = _EMAIL_AT.match(norm, pos)


def _card_spans(norm: str) -> Iterator[tuple[int, int]]:
    pos = 0
    while (m := _CARD.search(norm, pos)) is not None:
        if found := _luhn_groups(m) or _card_like(m, norm):
            yield found
            pos = found[1]
        else:
            pos = m.start() + 1  # retry inside: a rejected candidate must not hide a later card


def _card_like(m: re.Match[str], norm: str) -> tuple[int, int] | None:
    """A 13-19 digit number laid out like a card that fails the Luhn check: a typo in a real card, or
    a made-up one, is still shown to no one. Not inside a word or a link (``/p1763851100000200``)."""
    start, end = m.span()
    if not 13 <= len(_NON_DIGIT.sub("", m[0])) <= 19:
        return None
    if _WORDLIKE.match(norm[start - 1 : start]) or _WORDLIKE.match(norm[end : end + 1]):
        return None
    return start, end


def _luhn_groups(m: re.Match[str]) -> tuple[int, int] | None:
    """Return the longest Luhn-valid 13-19 digit span of whole digit groups in a card candidate."""
    digits = _NON_DIGIT.sub("", m[0])
    if 13 <= len(digits) <= 19 and _luhn_ok(digits):
        return m.span()
    # A trailing "2 個" can glue onto a real card ("4111 1111 1111 1111 2"), so try dropping whole groups
    # (at most 6 groups: cheap), unless dropping the shorter end group already leaves too few digits.
    end_group = len(m[0]) - max(len(m[0].lstrip("0123456789")), len(m[0].rstrip("0123456789")))
    if len(digits) - end_group < 13:
        return None
    runs = [(g.start(), g.end(), g[0]) for g in _DIGIT_RUN.finditer(m[0])]
    before = list(accumulate((len(r[2]) for r in runs), initial=0))  # digits before group i
    for size in range(len(runs) - 1, 0, -1):
        counts = [before[i + size] - before[i] for i in range(len(runs) - size + 1)]
        if max(counts) < 13:
            break  # smaller windows only have fewer digits
        for i, count in enumerate(counts):
            if 13 <= count <= 19 and _luhn_ok("".join(r[2] for r in runs[i : i + size])):
                return m.start() + runs[i][0], m.start() + runs[i + size - 1][1]
    return None


def _phone_spans(norm: str) -> Iterator[tuple[int, int]]:
    pos = 0
    while (m := _PHONE.search(norm, pos)) is not None:
        n = len(_NON_DIGIT.sub("", m[0]))
        # E.164 allows at most 15 digits including the country code. JP numbers have 10-11 digits; KR
        # landlines (02-123-4567) have 9, accepted only when grouped.
        if (8 <= n <= 15) if m[0].startswith("+") else (10 <= n <= 11 or (n == 9 and n != len(m[0]))):
            yield m.span()
            pos = m.end()
        else:
            pos = m.start() + 1


def _pieces(text: str, owner: bytearray, replace: Callable[[re.Match[bytes]], str]) -> Iterator[str]:
    """Yield ``text`` with every run of one kind replaced by ``replace(run)``."""
    pos = 0
    for run in _RUN.finditer(owner):
        yield text[pos : run.start()]
        yield replace(run)
        pos = run.end()
    yield text[pos:]


@lru_cache(maxsize=128)
def _name_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    folded = {_normalise(n).strip() for n in names}
    alternatives = []
    for name in sorted(folded - {""}, key=lambda s: (-len(s), s)):  # longest first: 山田太郎 before 山田
        # Spacing varies ("山田 太郎" vs "山田太郎"): allow it between words and between CJK characters.
        parts = (re.escape(p) if p.isascii() else r"\s?".join(map(re.escape, p)) for p in name.split())
        body = r"\s*".join(parts)
        # Latin names get word boundaries ("Ken" must not hit "token"); Japanese has no spaces to rely on.
        if name[0].isascii() and name[0].isalnum():
            body = r"(?<![A-Za-z0-9])" + body
        if name[-1].isascii() and name[-1].isalnum():
            body += r"(?![A-Za-z0-9])"
        alternatives.append(body)
    return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None


class Masker:
    """Replaces personal data in free text with labels, keeping order numbers visible.

    Detected kinds: e-mail addresses, phone numbers (JP, KR, international), card-like numbers of 13-19
    digits (Luhn-valid or not), Japanese postal codes and addresses, Korean resident registration
    numbers, caller-supplied names and names given away by an honorific or a label
    (:mod:`bot.core.personal_names`). Full-width digits/letters and IME dashes (－ ー −) are
    recognised. Honorifics after a name (さん, 様) are left visible: "山田太郎様" becomes "[name]様".

    Example:
        >>> Masker().mask("連絡先は090-1234-5678、注文番号 A-5521")
        '連絡先は[phone]、注文番号 A-5521'
    """

    def __init__(
        self,
        order_patterns: Sequence[str] = DEFAULT_ORDER_PATTERNS,
        label: Callable[[str], str] = default_label,
    ) -> None:
        """Compile the order-number patterns once.

        Args:
            order_patterns: Regexes for order numbers that must never be masked. They are compiled as given
                (use ``(?i)`` for case-insensitivity) and matched against the width-normalised text.
            label: Maps a kind from ``KINDS`` to the replacement text, e.g. ``"phone"`` -> ``"［電話番号］"``.

        Raises:
            re.error: If an order pattern is not a valid regex.
        """
        self._order = tuple(re.compile(p) for p in order_patterns)
        self._label = label

    def mask(self, text: str, *, names: Sequence[str] = ()) -> str:
        """Return ``text`` with personal data replaced by ``label(kind)``.

        Characters inside order-number matches are never masked; a finding that only partly overlaps one is
        masked outside it. Adjacent findings of the same kind collapse into one label. Everything that is
        not masked is returned unchanged.

        Args:
            text: Any string (control characters, lone surrogates and emoji are fine).
            names: Customer names to mask wherever they occur; empty strings are ignored.

        Returns:
            The masked text.
        """
        if not text:
            return text
        name_re = _name_pattern((names,) if isinstance(names, str) else tuple(names))
        norm = _normalise(text)
        owner = bytearray(len(norm))  # per character: 0 free, _PROTECTED, or 1 + index into KINDS
        masked = 0
        # A finding can be hidden by its neighbours (a digit count that includes the next number, an e-mail
        # glued to a card). Masking the neighbour uncovers it, so mask(mask(x)) would mask more. Repeat on a
        # copy with masked characters blanked, as the label would, until nothing new turns up.
        for _ in range(_MAX_ROUNDS):
            self._claim(norm, owner, name_re)
            now = len(owner) - owner.count(0) - owner.count(_PROTECTED)
            if now == masked:
                break
            masked = now
            norm = "".join(_pieces(norm, owner, lambda run: _BLANK * (run.end() - run.start())))
        return "".join(_pieces(text, owner, lambda run: self._label(KINDS[run[0][0] - 1])))

    def _claim(self, norm: str, owner: bytearray, name_re: re.Pattern[str] | None) -> None:
        """Mark order numbers as protected, then claim free characters for each finding, by priority."""
        owner[:] = owner.replace(bytes((_PROTECTED,)), b"\x00")  # protection is re-derived on every copy
        for pattern in self._order:
            for m in pattern.finditer(norm):
                owner[m.start() : m.end()] = owner[m.start() : m.end()].replace(b"\x00", bytes((_PROTECTED,)))
        finders: tuple[Iterator[tuple[int, int]], ...] = (
            _email_spans(norm),
            _regex_spans(_RRN, norm),
            _card_spans(norm),
            _phone_spans(norm),
            (span for p in _POSTAL for span in _regex_spans(p, norm)),
            _regex_spans(_ADDRESS, norm),
            _regex_spans(name_re, norm) if name_re else iter(()),
            name_spans(norm),
        )
        for code, spans in enumerate(finders, start=1):
            code = min(code, KINDS.index("name") + 1)  # both name finders claim as "name"
            for start, end in spans:
                # Only free characters are claimed: protected ones stay visible and an overlap keeps the
                # higher-priority kind. The rest of an overlapping finding is still masked, because
                # dropping it could leave a fragment that a second pass would then mask.
                owner[start:end] = owner[start:end].replace(b"\x00", bytes((code,)))
