"""Behaviour tests for bot.core.masking: what is masked, what stays, and that nothing else changes."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.core.masking import DEFAULT_ORDER_PATTERNS, KINDS, Masker, default_label
from bot.core.personal_names import CUES

MASKER = Masker()
FAST = settings(max_examples=200, deadline=None)

ACCEPTANCE = (
    "山田太郎です。連絡先は090-1234-5678か０９０－８７６５－４３２１、メールtaro.yamada@example.jp。"
    "カード4111 1111 1111 1111で二重に請求されました。韓国の番号は010-2345-6789。注文番号 A-5521"
)


def to_full_width(text: str) -> str:
    """Turn printable ASCII into its full-width twin, the way a Japanese IME types it."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def luhn_complete(body: str) -> str:
    """Append the check digit that makes ``body`` Luhn-valid."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


# --- the acceptance sentence ------------------------------------------------------------------------


def test_acceptance_sentence() -> None:
    out = MASKER.mask(ACCEPTANCE, names=["山田太郎"])
    for secret in (
        "山田太郎",
        "090-1234-5678",
        "０９０－８７６５－４３２１",
        "taro.yamada@example.jp",
        "4111 1111 1111 1111",
        "010-2345-6789",
    ):
        assert secret not in out
    assert "A-5521" in out
    assert out == (
        "[name]です。連絡先は[phone]か[phone]、メール[email]。"
        "カード[card]で二重に請求されました。韓国の番号は[phone]。注文番号 A-5521"
    )


# --- each kind, several real-world formats ----------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "taro.yamada@example.jp",
        "a.b+tag@sub.example.co.jp",
        "user_01@mail-host.com",
        "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ",
        "taro＠example.jp",
        "taro﹫example.com",
        "090-1234-5678@docomo.ne.jp",
    ],
)
def test_email_masked(value: str) -> None:
    assert MASKER.mask(f"メールは{value}です。") == "メールは[email]です。"


@pytest.mark.parametrize(
    "value",
    [
        "090-1234-5678",
        "08012345678",
        "070 1234 5678",
        "03-1234-5678",
        "06-1234-5678",
        "0312345678",
        "(03)1234-5678",
        "03(1234)5678",
        "03 - 1234 - 5678",
        "0120-123-456",
        "0570-012-345",
        "050.1234.5678",
        "０９０－１２３４－５６７８",
        "０９０ー１２３４ー５６７８",
        "090−1234−5678",
        "090‐1234‐5678",
        "（０３）１２３４－５６７８",
        "+81 90-1234-5678",
        "+81-3-1234-5678",
        "+81 (0)90 1234 5678",
        "+819012345678",
        "010-2345-6789",
        "02-123-4567",
        "+82 10-2345-6789",
        "+1 (415) 555-0123",
        "+44 20 7946 0958",
    ],
)
def test_phone_masked(value: str) -> None:
    assert MASKER.mask(f"電話は{value}まで") == "電話は[phone]まで"


@pytest.mark.parametrize(
    "value",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "5555 5555 5555 4444",
        "3782 822463 10005",  # Amex 4-6-5
        "3056 930902 5904",  # Diners 4-6-4
        "6011000990139424",
        "４１１１　１１１１　１１１１　１１１１",
        "４１１１－１１１１－１１１１－１１１１",
        "4222222222222",  # 13 digits
    ],
)
def test_card_masked(value: str) -> None:
    assert MASKER.mask(f"カード{value}で決済") == "カード[card]で決済"


def test_card_followed_by_quantity_still_masked() -> None:
    assert MASKER.mask("4111 1111 1111 1111 2個") == "[card] 2個"


@pytest.mark.parametrize("value", ["4111 1111 1111 1112", "4111111111111112", "1234-5678-9012-3456"])
def test_card_like_number_failing_luhn_masked(value: str) -> None:
    # A typo in a real card, or a made-up one, is still nobody's business.
    assert MASKER.mask(f"番号{value}です") == "番号[card]です"


@pytest.mark.parametrize(
    "text",
    [
        "https://shop.slack.com/archives/C0CUSTOMERS/p1763851100000200",  # a permalink's message id
        "id=4111111111111112&x",
        "purchase 113542617735902 status",  # an order number by the keyword patterns
        "注文番号 4111111111111112",
        "お問い合わせ番号1234-5678-9012",  # 12 digits: too short for a card
    ],
)
def test_card_like_number_in_a_link_or_order_number_kept(text: str) -> None:
    assert MASKER.mask(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("〒150-0041", "[postal]"),
        ("〒1500041", "[postal]"),
        ("〒 １５０－００４１ 東京", "[postal] 東京"),
        ("郵便番号 150-0041", "郵便番号 [postal]"),
        ("郵便番号：1500041", "郵便番号：[postal]"),
        ("郵便番号は530-0001です", "郵便番号は[postal]です"),
    ],
)
def test_postal_masked(text: str, expected: str) -> None:
    assert MASKER.mask(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("東京都渋谷区神南1-2-3 サンプルビル4Fに送って", "[address]に送って"),
        ("大阪府大阪市北区梅田１丁目２番３号", "[address]"),
        ("住所：北海道札幌市中央区北1条西2丁目1番地です", "住所：[address]です"),
        ("神奈川県横浜市西区みなとみらい2-3-1 グリーンハイツ101号室", "[address]"),
        ("京都府京都市中京区烏丸通1-2-3、", "[address]、"),
        ("〒150-0041 東京都渋谷区神南1-2-3", "[postal] [address]"),
    ],
)
def test_address_masked(text: str, expected: str) -> None:
    assert MASKER.mask(text) == expected


@pytest.mark.parametrize("text", ["東京都内で3-4日かかる", "東京都から発送、3日後", "大阪府の店舗で12345円"])
def test_prefecture_without_address_not_masked(text: str) -> None:
    assert MASKER.mask(text) == text


@pytest.mark.parametrize("value", ["900101-1234567", "851231-2345678", "０１０１０１－３２３４５６７"])
def test_rrn_masked(value: str) -> None:
    assert MASKER.mask(f"주민등록번호 {value}") == "주민등록번호 [rrn]"


@pytest.mark.parametrize("value", ["900101-5234567", "901301-1234567", "900132-1234567"])
def test_rrn_invalid_not_masked(value: str) -> None:
    assert MASKER.mask(value) == value


def test_names_masked_with_honorific_left_visible() -> None:
    out = MASKER.mask("山田太郎様、山田 太郎さん、山田　太郎さま", names=["山田太郎", ""])
    assert out == "[name]様、[name]さん、[name]さま"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("お客様の山田太郎様より", "お客様の[name]様より"),
        ("佐藤花子さんにも同じことが", "[name]さんにも同じことが"),
        ("お客様 佐藤 太郎 さまから", "お客様 [name] さまから"),
        ("田中殿、鈴木氏に確認", "[name]殿、[name]氏に確認"),
        ("ジョン・スミス様から", "[name]様から"),
        ("김민수 님이 문의하셨습니다", "[name] 님이 문의하셨습니다"),
        ("이영희씨 주문", "[name]씨 주문"),
        ("박지훈 고객님 요청", "[name] 고객님 요청"),
        ("Mr. Smith called", "Mr. [name] called"),
        ("from Ms. Jane Doe.", "from Ms. [name]."),
        ("Mrs Brown", "Mrs [name]"),
        ("お名前：山田太郎\n電話なし", "お名前：[name]\n電話なし"),
        ("氏名: 山田 太郎、住所未記入", "氏名: [name]、住所未記入"),
        ("お名前：山田太郎です", "お名前：[name]です"),
        ("이름: 김민수", "이름: [name]"),
        ("Name: John Smith, order 88231", "Name: [name], order 88231"),
        ("Customer name: John Smith Phone: none", "Customer name: [name] Phone: none"),
        ("ＮＡＭＥ：Ｊｏｈｎ", "ＮＡＭＥ：[name]"),
    ],
)
def test_names_found_by_honorific_or_label(text: str, expected: str) -> None:
    assert MASKER.mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "お客様から、配達員さんの対応について",
        "担当者さま、店長さん、ドライバーさん、スタッフの皆さん",
        "佐川さんの追跡では配達完了",
        "息子さんの分も注文",
        "先着100名様限定、お一人様1点",
        "変更できない仕様です",
        "会員情報の氏名を変えたい",
        "商品名：アロマディフューザー",
        "Product name: Aroma Diffuser",
        "file name: receipt.pdf",
        "택배 기사님이 고객님 물건을",
        "배송기사님, 사장님, 선생님",
        "物流チームさん、経理部さん、カスタマーサポートさん",
    ],
)
def test_roles_departments_and_products_are_not_names(text: str) -> None:
    assert MASKER.mask(text) == text


def test_names_variants() -> None:
    assert MASKER.mask("Taro Yamada / taro  yamada", names=["Taro Yamada"]) == "[name] / [name]"
    assert MASKER.mask("token Ken", names=["Ken"]) == "token [name]"  # latin names need word boundaries
    assert MASKER.mask("ＴＡＲＯさん", names=["Taro"]) == "[name]さん"
    assert MASKER.mask("山田太郎と山田", names="山田太郎") == "[name]と山田"  # a bare str is one name
    assert MASKER.mask("山田太郎", names=["", "  "]) == "山田太郎"


# --- things that must stay visible ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "注文番号12345",
        "注文番号 A-5521",
        "ご注文番号：Ａ－５５２１",
        "order 88231",
        "Order No. 0312345678",
        "注文番号は 4111111111111111 です",
        "オーダー番号#09012345678",
        "주문번호 12345",
        "A-5521",
        "ABC-0312345678",
        "250-1234567-1234567",
        "123456-20261123-0000000001",
    ],
)
def test_order_numbers_kept(text: str) -> None:
    assert MASKER.mask(text) == text


def test_order_protection_does_not_shield_email_or_tel() -> None:
    assert MASKER.mask("注文番号 taro1@example.jp") == "注文番号 [email]"
    assert MASKER.mask("AB-1234@example.com") == "[email]"
    assert MASKER.mask("TEL-0312345678") == "TEL-[phone]"


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-23に届くはずでした",
        "11/23 10:30に連絡",
        "¥12,800と3,980円",
        "3日待ちました",
        "12345",
        "在庫は2個、送料500円",
        "お問い合わせ番号1234-5678-9012",
        "2026年11月23日 14:05",
        "v1.2.3",
        "3-4日",
    ],
)
def test_normal_text_kept(text: str) -> None:
    assert MASKER.mask(text) == text


def test_unmasked_parts_identical() -> None:
    text = "ラーメン　１２個、ＡＢＣ（全角）\t改行\nあり😀 電話０９０ー１２３４ー５６７８です　ｵｰﾀﾞｰ"
    assert MASKER.mask(text) == "ラーメン　１２個、ＡＢＣ（全角）\t改行\nあり😀 電話[phone]です　ｵｰﾀﾞｰ"


def test_custom_label() -> None:
    labels = {"phone": "［電話番号］", "email": "［メール］", "name": "［氏名］"}
    masker = Masker(label=lambda kind: labels.get(kind, f"<{kind}>"))
    out = masker.mask("山田様 090-1234-5678 a@b.jp 〒150-0041", names=["山田"])
    assert out == "［氏名］様 ［電話番号］ ［メール］ <postal>"


def test_custom_order_patterns() -> None:
    masker = Masker(order_patterns=[r"INV\d{10}"])
    assert masker.mask("INV0312345678 と 0312345678") == "INV0312345678 と [phone]"
    # Only the part outside the protected span is masked.
    assert Masker(order_patterns=["0312"]).mask("0312345678") == "0312[phone]"
    assert Masker(order_patterns=()).mask("注文番号 A-5521") == "注文番号 A-5521"


def test_default_label_and_kinds() -> None:
    assert default_label("phone") == "[phone]"
    assert set(KINDS) == {"email", "phone", "card", "postal", "address", "rrn", "name"}
    assert DEFAULT_ORDER_PATTERNS


@pytest.mark.parametrize(
    "text", ["", "\x00\x01\x7f", "\ud800\udfff", "😀" * 5, "\u200b090-1234-5678\ufeff", "＠", "+"]
)
def test_odd_input_never_raises(text: str) -> None:
    assert isinstance(MASKER.mask(text, names=["\ud800"]), str)


def test_large_input() -> None:
    plain = "ご注文の商品が届きません。2026-11-23に注文、¥12,800。" * 3_000
    assert len(plain) >= 100_000
    assert MASKER.mask(plain) == plain
    noisy = (ACCEPTANCE + "\n") * (100_000 // len(ACCEPTANCE) + 1)
    out = MASKER.mask(noisy, names=["山田太郎"])
    assert 0 < len(out) < len(noisy)
    assert out.count("[phone]") == 3 * noisy.count("\n")


# --- property tests ---------------------------------------------------------------------------------

JA_CONTEXT = st.text(
    alphabet=st.sampled_from(
        # No さ: "確認さん" would be a name by its honorific (names have their own property test).
        "あいうえおかきくけこしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
        "アイウエオカキクケコサシスセソラーメン電話連絡先返品交換遅配送料金額確認願商品、。！？「」（）　 \n"
    ),
    max_size=30,
)
SEPARATORS = st.sampled_from(["-", "", " ", "－", "ー", "−", "‐", "　"])
MIXED = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "090-1234-5678",
                "４１１１ １１１１ １１１１ １１１１",
                "a@b.jp",
                "〒150-0041",
                "東京都渋谷区神南1-2-3",
                "注文番号 A-5521",
                "900101-1234567",
                "+81 ",
                "山田",
            ]
        ),
        st.text(
            alphabet="0123456789０１２３４５６７８９-ー－ ()+@.〒abcXYZ東京都区丁目番号注文あア", max_size=12
        ),
    ),
    max_size=8,
).map("".join)


@FAST
@given(st.text(alphabet=st.characters(exclude_categories=())), st.lists(st.text(max_size=5), max_size=3))
def test_never_raises(text: str, names: list[str]) -> None:
    assert isinstance(MASKER.mask(text, names=names), str)


@FAST
@given(st.one_of(MIXED, st.text()))
@example("a@b.jp..a@b.jp")  # second local part starts where the first match ends
@example("090-1234-5678+0090-1234-5678")
@example("東京都渋谷区神南1-2-3900101-1234567")  # an address must not end inside a digit run
@example("+４１１１ １１１１ １１１１ １１１１090-1234-5678a@b.jp")  # needs a second detection round
def test_idempotent(text: str) -> None:
    once = MASKER.mask(text, names=["山田"])
    assert MASKER.mask(once, names=["山田"]) == once


@FAST
@given(
    JA_CONTEXT,
    JA_CONTEXT,
    st.sampled_from(["070", "080", "090"]),
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    SEPARATORS,
    SEPARATORS,
    st.booleans(),
)
def test_jp_mobile_removed(
    before: str, after: str, prefix: str, rest: str, sep1: str, sep2: str, wide: bool
) -> None:
    number = f"{prefix}{sep1}{rest[:4]}{sep2}{rest[4:]}"
    if wide:
        number = to_full_width(number)
    out = MASKER.mask(before + number + after)
    assert number not in out
    assert out == f"{before}[phone]{after}"


@FAST
@given(
    JA_CONTEXT,
    JA_CONTEXT,
    st.text(alphabet="0123456789", min_size=12, max_size=18),
    st.sampled_from(["", " ", "-", "　", "－"]),
    st.booleans(),
)
def test_luhn_valid_card_removed(before: str, after: str, body: str, sep: str, wide: bool) -> None:
    digits = luhn_complete(body)
    card = sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))
    if wide:
        card = to_full_width(card)
    out = MASKER.mask(before + card + after)
    assert card not in out
    assert out == f"{before}[card]{after}"


EMAIL = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join(labels)}.{tld}",
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._+-", min_size=1, max_size=20),
    st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=10),
        min_size=1,
        max_size=3,
    ),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6),
)


@FAST
@given(JA_CONTEXT, JA_CONTEXT, EMAIL, st.booleans())
def test_email_removed(before: str, after: str, email: str, wide: bool) -> None:
    if wide:
        email = to_full_width(email)
    out = MASKER.mask(before + email + after)
    assert email not in out
    assert out == f"{before}[email]{after}"


@FAST
@given(st.one_of(MIXED, MIXED.map(to_full_width)).filter(lambda s: "\x00" not in s))
def test_unmasked_pieces_come_out_in_order_and_unchanged(text: str) -> None:
    pieces = Masker(label=lambda kind: "\x00").mask(text, names=["山田"]).split("\x00")
    assert text.startswith(pieces[0])
    assert text.endswith(pieces[-1])
    pos = 0
    for piece in pieces:
        found = text.find(piece, pos)
        assert found >= pos
        pos = found + len(piece)


# Every detector needs at least one of these: a digit or "@", or for a name an honorific, a colon
# after a label, or a title (Mr, Ms, Mrs, Miss, Mx, Dr all contain "M" or "D").
CUE_CHARACTERS = "0123456789０１２３４５６７８９@＠﹫" + CUES + "さ고MmＭｍDＤ"


@FAST
@given(st.text(alphabet=st.characters(exclude_categories=(), exclude_characters=CUE_CHARACTERS)))
def test_text_without_cues_unchanged(text: str) -> None:
    assert MASKER.mask(text) == text


KANJI_NAME = st.text(alphabet="山田佐藤鈴木高橋渡辺伊太郎花子美咲健一翔", min_size=2, max_size=4)


@FAST
@given(JA_CONTEXT, JA_CONTEXT, KANJI_NAME, st.sampled_from(["様", "さま", "さん", "殿", " 様", " さん"]))
def test_kanji_name_before_honorific_removed(before: str, after: str, name: str, honorific: str) -> None:
    out = MASKER.mask(f"{before}。{name}{honorific}{after}")
    assert out == f"{before}。[name]{honorific}{after}"
