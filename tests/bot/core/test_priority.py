"""Priority flags from the wording, repeat contact from the store, and the order number a complaint
is about; the triage card shows the classifier's best guesses."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.config import Config
from bot.core.clock import FakeClock
from bot.core.masking import DEFAULT_ORDER_PATTERNS
from bot.core.ports import Prediction
from bot.core.priority import detect_flags, extract_order_number
from bot.runtime.services import App, create_app
from tests.fakes import RecordingSender, complaint


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("消費者センターに相談します", "legal"),
        ("弁護士に相談中です", "legal"),
        ("カード会社にチャージバックを申請します", "legal"),
        ("I will file a chargeback with my bank", "legal"),
        ("소비자원에 신고하겠습니다", "legal"),
        ("さっさと返金しろ", "angry"),
        ("SNSに書きますよ", "angry"),
        ("I'm going to post this on social media", "angry"),
        ("使用中に発火しました", "safety"),
        ("子どもがアレルギー反応を起こした", "safety"),
        ("the charger caught fire", "safety"),
        ("제품 때문에 화상을 입었어요", "safety"),
    ],
)
def test_escalation_and_safety_words(text: str, flag: str) -> None:
    assert flag in detect_flags(text)


def test_calm_complaints_raise_no_flag() -> None:
    assert detect_flags("配送が少し遅れているようです。確認をお願いします。") == ()


@pytest.mark.parametrize(
    ("text", "order"),
    [
        ("注文番号：１２３４５６７の件です", "1234567"),
        ("ご注文番号 A-5521 が届きません", "A-5521"),
        ("order no. 88231 never arrived", "88231"),
        ("주문번호 20261130 배송 문의", "20261130"),
        ("250-1234567-1234567 がまだ届かない", "250-1234567-1234567"),
        ("電話番号は03-1234-5678です", None),
    ],
)
def test_order_number_is_extracted(text: str, order: str | None) -> None:
    assert extract_order_number(text, DEFAULT_ORDER_PATTERNS) == order


def test_order_patterns_are_configurable() -> None:
    assert (
        extract_order_number("伝票 SHOP#000123 の件", [r"SHOP#[0-9]+"]) == "000123"
    )  # the ID after the keyword
    assert extract_order_number("伝票 SHOP-000123 の件", [r"SHOP-[0-9]+"]) == "SHOP-000123"


def test_third_contact_in_seven_days_is_flagged(app: App, clock: FakeClock) -> None:
    def contact(n: int) -> tuple[str, ...]:
        message = replace(complaint("配送が遅い", f"ev-{n}", at=clock.now()), customer="LINE:U123")
        return app.service.intake(message).ticket.flags

    assert contact(1) == ()
    clock.advance(timedelta(days=3))
    assert contact(2) == ()
    clock.advance(timedelta(days=3))
    assert contact(3) == ("repeat",)
    assert app.service.get(3).priority
    clock.advance(timedelta(days=7))
    assert contact(4) == ()  # only the third was within the last seven days
    other = replace(complaint("配送が遅い", "ev-x"), customer="LINE:U999")
    assert app.service.intake(other).ticket.flags == ()


def test_order_number_is_kept_and_shown_on_the_card(app: App, sender: RecordingSender) -> None:
    ticket = app.service.intake(complaint("注文番号：A-5521 の配送が遅い")).ticket
    app.dispatcher.drain()
    assert app.service.get(ticket.ref).order_number == "A-5521"
    card = next(s.message for s in sender.sent if s.message.kind == "card")
    assert "注文番号：A-5521" in card.text
    assert card.data["card"]["ref"] == ticket.ref


class Unsure:
    def predict(self, text: str) -> Prediction:
        return Prediction("billing", 0.25, (("billing", 0.25), ("orders", 0.2), ("out_of_scope", 0.15)))

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        return [self.predict(text) for text in texts]


@pytest.fixture
def unsure_app(config: Config, clock: FakeClock, sender: RecordingSender) -> Iterator[App]:
    application = create_app(config, clock=clock, senders={"console": sender}, classifier=Unsure())
    yield application
    application.close()


def test_triage_card_shows_the_best_guesses(unsure_app: App, sender: RecordingSender) -> None:
    ticket = unsure_app.service.intake(complaint("よくわからないのですが")).ticket
    unsure_app.dispatcher.drain()
    assert ticket.needs_triage
    assert unsure_app.service.get(ticket.ref).guesses == (
        ("billing", 0.25),
        ("orders", 0.2),
        ("out_of_scope", 0.15),
    )
    card = next(s.message for s in sender.sent if s.message.kind == "card")
    assert card.channel == "triage"
    assert "候補：決済・返金 25% / 受注・在庫 20%" in card.text
    assert card.data["card"]["choices"]["items"][0]["department"] == "billing"
    # One click: the chosen department moves the ticket, and it becomes a label.
    unsure_app.service.reassign(ticket.ref, "U1", "orders")
    assert (
        "候補" not in unsure_app.writer.card(unsure_app.service.get(ticket.ref), ticket.created_at).to_text()
    )
