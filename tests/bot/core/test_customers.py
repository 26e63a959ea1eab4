"""Working a ticket with a customer who writes in themselves, on a real database: their ticket and
acknowledgement, follow-ups joining it, replies from the card, an owner, waiting for the customer,
the satisfaction question."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.config import parse_config
from bot.core.access import Forbidden
from bot.core.card import Card, Person
from bot.core.card_data import read_card
from bot.core.clock import FakeClock
from bot.core.customers import NotCustomerTicket
from bot.core.digest import Week
from bot.core.domain import IncomingMessage, InvalidArgument, OutboundMessage, Status
from bot.runtime.services import App, create_app
from tests.conftest import START
from tests.fakes import KeywordClassifier, RecordingSender, complaint

CUSTOMER = "U" + "c0" * 16
OTHER_CUSTOMER = "U" + "d1" * 16
TEAM, OUTSIDER = "U0TEAM", "U0NOBODY"
FIRST_TOKEN = "rt-1"
ROLES: dict[str, Any] = {"staff": ["U0STAFF"], "teams": {"logistics": [TEAM], "product": [TEAM]}}


@pytest.fixture
def staff() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def chat() -> RecordingSender:
    """The customers' chat platform."""
    return RecordingSender()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def build(
    database_url: str, clock: FakeClock, staff: RecordingSender, chat: RecordingSender, **raw: Any
) -> App:
    config = replace(parse_config({"roles": ROLES, **raw}, {}), database_url=database_url)
    senders = {"console": staff, "line": chat}
    return create_app(config, clock=clock, senders=senders, classifier=KeywordClassifier())


@pytest.fixture
def app(database_url: str, clock: FakeClock, staff: RecordingSender, chat: RecordingSender) -> Iterator[App]:
    application = build(database_url, clock, staff, chat)
    yield application
    application.close()


def written(
    clock: FakeClock, text: str, event: str, *, who: str = CUSTOMER, token: str | None = FIRST_TOKEN
) -> IncomingMessage:
    return IncomingMessage(
        platform="line",
        event_id=event,
        channel=who,
        forwarder=who,
        text=text,
        received_at=clock.now(),
        customer="山田太郎",
        reply_token=token,
        from_customer=True,
    )


def shown(app: App, message: OutboundMessage) -> Card:
    card = read_card(message.data, app.translator)
    assert card is not None
    return card


def action_ids(app: App, message: OutboundMessage) -> list[str]:
    return [action.id for action in shown(app, message).actions]


def field_text(app: App, message: OutboundMessage, field_id: str) -> str:
    field = shown(app, message).field(field_id)
    return str(field.text) if field is not None else ""


def to_customer(chat: RecordingSender) -> list[Any]:
    return [s.message for s in chat.sent if s.message.kind == "customer"]


def test_a_customers_message_opens_a_ticket_and_they_hear_its_number_and_deadline(
    app: App, clock: FakeClock, staff: RecordingSender, chat: RecordingSender
) -> None:
    result = app.service.intake(written(clock, "荷物が届きません。注文番号 A-15001", "ev-1"))
    app.dispatcher.drain()

    ticket = result.ticket
    assert ticket.contact == CUSTOMER and ticket.department == "logistics"
    [ack] = to_customer(chat)  # not a staff role: still a ticket, and nothing but the answer reaches them
    assert ack.channel == CUSTOMER and ack.data["reply_token"] == "rt-1"
    assert "#1" in ack.text and app.writer.deadline(ticket) in ack.text and "山田太郎様" in ack.text
    [card] = [s.message for s in staff.sent if s.message.kind == "card"]
    assert card.channel == "team:logistics" and "reply_customer" in action_ids(app, card)
    assert "山田太郎" not in card.text  # the customer's name is masked on the card
    assert all(s.message.kind == "customer" for s in chat.sent)  # no card in the customer's chat


def test_follow_ups_join_the_open_ticket_and_show_in_its_thread(
    app: App, clock: FakeClock, staff: RecordingSender
) -> None:
    ref = app.service.intake(written(clock, "荷物が届きません", "ev-1")).ticket.ref
    app.dispatcher.drain()
    card_id = next(s.message_id for s in staff.sent if s.message.kind == "card")
    again = app.service.intake(written(clock, "電話は 090-1234-5678 です", "ev-2", token="rt-2"))
    app.service.intake(written(clock, "電話は 090-1234-5678 です", "ev-2", token="rt-2"))  # a redelivery
    app.dispatcher.drain()

    assert again.ticket.ref == ref and not again.created
    [thread] = [s.message for s in staff.sent if s.message.kind == "thread"]
    assert thread.thread == card_id and "090-1234-5678" not in thread.text
    assert app.service.get(ref).reply_token == "rt-2"
    assert [e.action for e in app.service.history(ref)] == ["created", "customer_wrote"]
    other = app.service.intake(written(clock, "荷物が届きません", "ev-3", who=OTHER_CUSTOMER))
    assert other.created and other.ticket.ref != ref


def test_a_reply_from_the_card_reaches_the_customer_and_is_the_first_response(
    app: App, clock: FakeClock, staff: RecordingSender, chat: RecordingSender
) -> None:
    ref = app.service.intake(written(clock, "荷物が届きません", "ev-1")).ticket.ref
    clock.advance(timedelta(minutes=10))  # the acknowledgement used the token; none is fresh now
    words = "ご不便をおかけし申し訳ございません。本日発送いたします。"
    ticket = app.desk.reply(ref, TEAM, words)
    app.dispatcher.drain()

    reply = to_customer(chat)[-1]
    assert reply.text.startswith("ご不便をおかけし") and "reply_token" not in reply.data
    assert ticket.first_response_at == clock.now() and ticket.remind_at is None
    assert any(s.message.kind == "thread" and "本日発送" in s.message.text for s in staff.sent)
    entry = app.service.history(ref)[-1]
    assert (entry.actor, entry.action, entry.detail) == (TEAM, "replied_customer", {"chars": len(words)})
    assert app.sweep.run(clock.now() + timedelta(days=2)).count == 0  # answered: no reminders


def test_a_reply_uses_the_customers_fresh_reply_token_once(
    app: App, clock: FakeClock, chat: RecordingSender
) -> None:
    ref = app.service.intake(written(clock, "荷物が届きません", "ev-1")).ticket.ref
    app.service.intake(written(clock, "まだですか", "ev-2", token="rt-2"))
    clock.advance(timedelta(seconds=20))
    app.desk.reply(ref, TEAM, "確認いたします")
    app.desk.reply(ref, TEAM, "本日発送しました")
    app.dispatcher.drain()

    first, second = to_customer(chat)[-2:]
    assert first.data.get("reply_token") == "rt-2" and "reply_token" not in second.data


def test_replies_are_refused_without_permission_text_or_a_customer(app: App, clock: FakeClock) -> None:
    ref = app.service.intake(written(clock, "荷物が届きません", "ev-1")).ticket.ref
    staff_ref = app.service.intake(complaint("配送が遅い", "ev-staff")).ticket.ref

    with pytest.raises(Forbidden):
        app.desk.reply(ref, OUTSIDER, "こんにちは")
    with pytest.raises(InvalidArgument):
        app.desk.reply(ref, TEAM, "  \u200b ")
    with pytest.raises(InvalidArgument):
        app.desk.reply(ref, TEAM, "あ" * 5001)
    with pytest.raises(NotCustomerTicket):
        app.desk.reply(staff_ref, TEAM, "こんにちは")
    assert [e.action for e in app.service.history(ref)] == ["created", "refused"]
    assert app.service.get(ref).first_response_at is None


def test_resolving_asks_the_customer_once_and_their_answer_shows_on_the_card(
    app: App, clock: FakeClock, staff: RecordingSender, chat: RecordingSender
) -> None:
    ref = app.service.intake(written(clock, "荷物が届きません", "ev-1")).ticket.ref
    app.service.resolve(ref, TEAM)
    app.dispatcher.drain()

    question = to_customer(chat)[-1]
    assert [value for value, _ in question.data["satisfaction"]] == ["good", "ok", "bad"]
    assert [label for _, label in question.data["satisfaction"]] == ["満足", "普通", "不満"]
    with pytest.raises(Forbidden):
        app.desk.rate(ref, OTHER_CUSTOMER, "bad")
    app.desk.rate(ref, CUSTOMER, "good", reply_token="rt-9")
    app.desk.rate(ref, CUSTOMER, "bad")  # one answer per ticket
    app.dispatcher.drain()

    assert app.service.get(ref).satisfaction == "good"
    assert to_customer(chat)[-1].data["reply_token"] == "rt-9"
    assert "満足度：満足" in field_text(app, staff.sent[-1].message, "satisfaction")
    actions = [(e.actor, e.action) for e in app.service.history(ref)]
    assert actions[-2:] == [(OTHER_CUSTOMER, "refused"), (CUSTOMER, "rated")]
    with pytest.raises(InvalidArgument):
        app.desk.rate(ref, CUSTOMER, "7")


def test_a_five_point_scale_by_config(
    database_url: str, clock: FakeClock, staff: RecordingSender, chat: RecordingSender
) -> None:
    app = build(database_url, clock, staff, chat, customers={"satisfaction_scale": "five"})
    try:
        ref = app.service.intake(written(clock, "荷物が届きません", "ev-1")).ticket.ref
        app.service.resolve(ref, TEAM)
        app.dispatcher.drain()
        assert [v for v, _ in to_customer(chat)[-1].data["satisfaction"]] == ["5", "4", "3", "2", "1"]
    finally:
        app.close()


def test_a_staff_forwarded_ticket_asks_nobody(
    app: App, staff: RecordingSender, chat: RecordingSender
) -> None:
    ref = app.service.intake(complaint("配送が遅い", "ev-staff")).ticket.ref
    app.service.resolve(ref, TEAM)
    app.dispatcher.drain()
    assert chat.sent == [] and app.service.get(ref).satisfaction is None


def test_the_owner_is_the_clicker_until_a_reassignment(
    app: App, clock: FakeClock, staff: RecordingSender
) -> None:
    ref = app.service.intake(written(clock, "荷物が届きません", "ev-1")).ticket.ref
    assert app.desk.claim(ref, TEAM).owner == TEAM
    app.dispatcher.drain()
    assert field_text(app, staff.sent[-1].message, "owner") == f"担当者：{TEAM}"
    with pytest.raises(Forbidden):
        app.desk.claim(ref, OUTSIDER)

    assert app.service.reassign(ref, TEAM, "product").owner is None


def test_waiting_pauses_the_clock_and_the_customers_message_resumes_it_with_the_time_left(
    app: App, clock: FakeClock, staff: RecordingSender
) -> None:
    ticket = app.service.intake(written(clock, "荷物が届きません", "ev-1")).ticket
    clock.advance(timedelta(hours=2))
    app.desk.wait(ticket.ref, TEAM)
    clock.advance(timedelta(hours=30))  # past the original deadline: no reminder while waiting
    assert app.sweep.run(clock.now()).count == 0
    app.service.intake(written(clock, "写真を送ります", "ev-2"))

    resumed = app.service.get(ticket.ref)
    assert resumed.waiting_since is None
    assert resumed.due_at == clock.now() + timedelta(hours=22)  # 24 h less the 2 h before the pause
    assert resumed.remind_at == clock.now()
    app.dispatcher.drain()
    change = shown(app, staff.sent[-1].message).field("change")
    assert change is not None and "再開" in str(change.text) and CUSTOMER not in str(change.text)
    assert not any(isinstance(part, Person) for part in change.text.parts)  # the customer is not named
    assert app.sweep.run(clock.now() + timedelta(hours=19)).count == 1  # the warning, 4 h before


def test_tickets_waiting_too_long_are_resolved_with_a_note(
    app: App, clock: FakeClock, staff: RecordingSender, chat: RecordingSender
) -> None:
    ref = app.service.intake(written(clock, "荷物が届きません", "ev-1")).ticket.ref
    app.desk.wait(ref, TEAM)
    assert app.desk.close_waiting(clock.advance(timedelta(days=6))) == 0
    assert app.desk.close_waiting(clock.advance(timedelta(days=1, minutes=1))) == 1
    assert app.desk.close_waiting(clock.advance(timedelta(days=1))) == 0
    app.dispatcher.drain()

    assert app.service.get(ref).status is Status.RESOLVED
    assert app.service.history(ref)[-1].action == "auto_resolved"
    assert any(s.message.kind == "thread" and "7日間" in s.message.text for s in staff.sent)


def test_waiting_is_for_customer_tickets(app: App) -> None:
    ref = app.service.intake(complaint("配送が遅い", "ev-staff")).ticket.ref
    with pytest.raises(NotCustomerTicket):
        app.desk.wait(ref, TEAM)


def test_reply_templates_are_the_departments_filled_in(
    database_url: str, clock: FakeClock, staff: RecordingSender, chat: RecordingSender
) -> None:
    templates = {"logistics": ["{customer}様 {order_number} の件 {ticket}"], "default": ["x"]}
    app = build(database_url, clock, staff, chat, templates=templates)
    try:
        ref = app.service.intake(written(clock, "荷物が届きません 注文番号 A-15001", "ev-1")).ticket.ref
        assert app.desk.templates(ref, TEAM) == [f"山田太郎様 A-15001 の件 #{ref}"]
        with pytest.raises(Forbidden):
            app.desk.templates(ref, OUTSIDER)
    finally:
        app.close()
    assert isinstance(START, datetime)


def test_the_digest_reports_the_share_satisfied_and_the_unhappy_by_number(app: App, clock: FakeClock) -> None:
    refs = []
    for i, (who, answer) in enumerate([(CUSTOMER, "good"), (OTHER_CUSTOMER, "bad")]):
        ref = app.service.intake(written(clock, "荷物が届きません", f"ev-{i}", who=who)).ticket.ref
        app.service.resolve(ref, TEAM)
        app.desk.rate(ref, who, answer)
        refs.append(ref)
    clock.advance(timedelta(hours=1))

    digest = app.digests.build("logistics", Week.of(clock.now(), app.config.tz), clock.now())
    assert "お客様満足度：満足50%（回答2件）" in digest.text
    assert (
        f"不満の回答：#{refs[1]}" in digest.text and f"#{refs[0]}" not in digest.text.split("不満の回答")[1]
    )


def test_a_follow_up_in_the_same_batch_joins_the_ticket_the_batch_opens(
    app: App, clock: FakeClock, chat: RecordingSender
) -> None:
    first, again = app.service.intake_many(
        [written(clock, "荷物が届きません", "ev-1"), written(clock, "至急お願いします", "ev-2", token="rt-2")]
    )
    app.dispatcher.drain()

    assert not isinstance(first, Exception) and not isinstance(again, Exception)
    assert first.created and not again.created and again.ticket.ref == first.ticket.ref
    assert len(to_customer(chat)) == 1  # one acknowledgement
    assert app.service.get(first.ticket.ref).reply_token == "rt-2"
