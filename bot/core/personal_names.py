"""Finding people's names in a complaint by the words around them: honorifics and labels.

A name alone ("山田太郎") cannot be told from any other word without a dictionary; what gives it away
is how people write about a person: an honorific after it (山田太郎様, 佐藤 花子 さん, 김민수 님,
Mr. Smith) or a label before it (お名前：山田太郎, 이름: 김민수, Name: John Smith). Role words
that take the same honorifics (お客様, 配達員さん, 担当者さま, 기사님, 고객님) and carriers
addressed like people (佐川さん) are not names. Spans are of the width-normalised text that
:mod:`bot.core.masking` works on; the honorific itself stays visible.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["CUES", "name_spans"]

_KANJI = r"[\u4e00-\u9fff々〆ヶ]"
_KATAKANA = r"[\u30a1-\u30fa\u30fc]"
_HANGUL = r"[\uac00-\ud7a3]"

# Japanese: 2-4 kanji (a surname, or surname and given name with or without one space) or a
# katakana full name with a middle dot or space, then an honorific. 氏 before 名 is 氏名 (a label).
_JA_HONORIFIC = re.compile(
    rf"(?P<v>{_KANJI}{{2,4}}(?: {_KANJI}{{1,3}})?|{_KATAKANA}{{2,10}}(?:[・ ]{_KATAKANA}{{2,10}})+)"
    r" ?(?:様|さま|さん|殿|氏(?!名))"
)
# Korean: a three-syllable full name starting with a common surname, then 님, 씨 or 고객님.
_KO_HONORIFIC = re.compile(rf"(?<!{_HANGUL})(?P<v>{_HANGUL}{{3}}) ?(?:고객님|님|씨)")
_KO_SURNAMES = frozenset(
    "김이박최정강조윤장임한오서신권황안송류유전홍고문양손배백허남심노하곽성차주우구민진나지엄변채원천방공현함염여추도소석선설마길연위표명기반라왕금옥육인맹제모탁국어은편용예경봉"
)
# English: a title, then one or two capitalised words.
_EN_TITLE = re.compile(
    r"(?<![A-Za-z])(?:Mr|Ms|Mrs|Miss|Mx|Dr)\.? ?(?P<v>[A-Z][A-Za-z'-]+(?: [A-Z][A-Za-z'-]+)?)"
)
# Labels: お名前：山田太郎, 氏名 山田 太郎, 이름: 김민수, Name: John Smith. The value runs to the end
# of its words: at most three, none ending in a colon (that is the next label).
_LABEL = re.compile(
    r"(?i)(?P<label>お名前|御名前|氏名|名前|お客様名|顧客名|이름|성명|고객명|(?<![A-Za-z])name)"
    r"(?P<sep> ?[:：] ?)"
)
_LABEL_WORD = re.compile(r"[^\s:：、。，,.;；/|()（）「」『』\[\]<>\"'!?！？0-9@]+")
_NAME_AFTER = re.compile(r"(?:様|さま|さん|殿|님|씨)$")
_TRAILING_KANA = re.compile(r"(?<=[^\u3041-\u3096 ])[\u3041-\u3096]+$")
"""です, と申します, から: hiragana after a kanji or katakana name is the sentence going on."""

CUES = "様さま殿氏님씨:："
"""Characters without one of which (or a Latin title) no name is found: the property tests use it."""

_ROLE_ENDINGS = frozenset("員者長客主方人係部課店社屋手師士官様当局所院側達皆社")
"""A kanji word ending in one of these is a role (配達員, 担当者, 店長...), not a name."""
_NOT_NAMES = frozenset(
    {
        # family and roles
        "息子", "娘", "旦那", "家族", "両親", "先生", "新人", "業者", "営業", "担当", "窓口", "警備",
        "配達", "配送", "運送", "宅配", "お客", "大家", "近所", "隣人", "友達", "奥様", "神様",
        # carriers and shops people address like persons
        "佐川", "西濃", "日通", "福山", "郵便", "楽天", "黒猫", "飛脚", "ヤマト", "アマゾン",
        # Korean role words of three syllables
        "담당자", "관리자", "판매자", "상담원", "배송원", "사장님", "선생님", "어머님", "아버님",
        "기사님", "고객센",
    }
)  # fmt: skip
_NOT_NAME_PREFIXES = ("お", "ご", "御")
_PRECEDES_ROLE_LABEL = (
    *("商品", "品", "ファイル", "会社", "店"),
    *("file ", "product ", "user ", "company ", "shop ", "item ", "department "),
)
_PERSON_BEFORE_NAME_WORD = ("の", "客", " ", "\n", "、", "。", "【", "(")


def name_spans(norm: str) -> Iterator[tuple[int, int]]:
    """Yield the spans of names found by their honorifics or labels in ``norm``.

    Args:
        norm: The width-normalised text (full-width letters and colons folded to ASCII).
    """
    for pattern in (_JA_HONORIFIC, _KO_HONORIFIC, _EN_TITLE):
        for m in pattern.finditer(norm):
            if _is_name(m["v"], pattern is _KO_HONORIFIC):
                yield m.span("v")
    for m in _LABEL.finditer(norm):
        if not _labelled_by_role(norm, m):
            yield from _label_value(norm, m.end())


def _is_name(value: str, korean: bool) -> bool:
    word = value.replace(" ", "").replace("・", "")
    if korean:
        return word[0] in _KO_SURNAMES and word not in _NOT_NAMES
    if word in _NOT_NAMES or word[-1] in _ROLE_ENDINGS or word.startswith(_NOT_NAME_PREFIXES):
        return False
    # "ご担当の佐川" is one match of four kanji only when nothing else is: check its tail too.
    return not any(word.endswith(stop) or word.startswith(stop) for stop in _NOT_NAMES)


def _labelled_by_role(norm: str, m: re.Match[str]) -> bool:
    """商品名 or "Product name:" label a product, not a person; 名前 is a person's when it follows
    nothing, a space, punctuation, お/御 or a customer word."""
    before = norm[max(0, m.start() - 10) : m.start()].lower()
    if before.endswith(_PRECEDES_ROLE_LABEL):
        return True
    return bool(m["label"] == "名前" and before and not before.endswith(_PERSON_BEFORE_NAME_WORD))


def _label_value(norm: str, start: int) -> Iterator[tuple[int, int]]:
    """The value after a label: up to three words on the same line, without the honorific."""
    pos, end, words = start, start, 0
    while words < 3 and (m := _LABEL_WORD.match(norm, pos)) is not None:
        after = norm[m.end() : m.end() + 1]
        if after in (":", "："):
            break  # the next label
        end, words = m.end(), words + 1
        if after != " " or _NAME_AFTER.search(m[0]):
            break
        pos = m.end() + 1
    value = _TRAILING_KANA.sub("", _NAME_AFTER.sub("", norm[start:end]))
    if value.strip():
        yield start, start + len(value.rstrip())
