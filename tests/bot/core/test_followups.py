"""A customer's later messages, on a real database: a thanks after the resolve joins the ticket and
owes nothing, anything more reopens it (within [customers] reopen_hours), and a message after the
team's answer owes another answer with its own deadline and reminders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.core.clock import FakeClock
from bot.core.domain import NotAComplaint, OutboundMessage, Status
from bot.core.sla import SlaPolicy
from bot.runtime.services import App
from tests.bot.core.test_customers import (
    CUSTOMER,
    TEAM,
    build,
    chat,
    clock,
    field_text,
    shown,
    staff,
    to_customer,
    written,
)
from tests.conftest import START
from tests.fakes import RecordingSender

__all__ = ["chat", "clock", "staff"]  # the fixtures, shared with the customer channel's tests


@pytest.fixture
def app(database_url: str, clock: FakeClock, staff: RecordingSender, chat: RecordingSender) -> Iterator[App]:
    application = build(database_url, clock, staff, chat)
    yield application
    application.close()


def resolved_ticket(app: App, clock: FakeClock) -> int:
    """A customer's ticket, answered and resolved an hour later, its messages delivered."""
    ref = app.service.intake(written(clock, "荷物が届きません", "ev-1")).ticket.ref
    clock.advance(timedelta(minutes=30))
    app.desk.reply(ref, TEAM, "本日発送いたしました")
    clock.advance(timedelta(minutes=30))
    app.service.resolve(ref, TEAM)
    app.dispatcher.drain()
    return ref


def last_card(staff: RecordingSender) -> OutboundMessage:
    return [s.message for s in staff.sent if s.message.kind == "card_update"][-1]


def threads(staff: RecordingSender) -> list[str]:
    return [s.message.text for s in staff.sent if s.message.kind == "thread"]


@pytest.mark.parametrize("thanks", ["ありがとうございました！", "了解です、助かりました", "👍"])
def test_a_thanks_after_the_resolve_joins_the_ticket_and_owes_nothing(
    app: App, clock: FakeClock, staff: RecordingSender, chat: RecordingSender, thanks: str
) -> None:
    ref = resolved_ticket(app, clock)
    told = len(to_customer(chat))
    clock.advance(timedelta(hours=5))
    result = app.service.intake(written(clock, thanks, "ev-thanks", token="rt-9"))
    app.dispatcher.drain()

    assert result.ticket.ref == ref and not result.created
    ticket = app.service.get(ref)
    assert ticket.status is Status.RESOLVED and ticket.awaiting_since is None and ticket.answer_round == 0
    assert len(to_customer(chat)) == told  # no answer to a thank-you
    assert "お礼・了解" in threads(staff)[-1] and "返信は不要" in threads(staff)[-1]
    entry = app.service.history(ref)[-1]
    assert (entry.action, entry.detail["acknowledgement"]) == ("customer_wrote", True)
    app.desk.rate(ref, CUSTOMER, "good", reply_token="rt-10")  # the satisfaction answer still counts
    assert app.service.get(ref).satisfaction == "good"


def test_a_thanks_on_an_open_ticket_joins_it_without_a_new_deadline(
    app: App, clock: FakeClock, staff: RecordingSender
) -> None:
    ref = app.service.intake(written(clock, "荷物が届きません", "ev-1")).ticket.ref
    app.desk.reply(ref, TEAM, "本日発送いたします")
    before = app.service.get(ref)
    clock.advance(timedelta(hours=1))
    assert app.service.intake(written(clock, "了解しました", "ev-2")).ticket.ref == ref

    after = app.service.get(ref)
    assert (after.due_at, after.answered) == (before.due_at, True)
    assert app.sweep.run(clock.now() + timedelta(days=2)).count == 0


def test_a_thanks_from_a_customer_without_a_ticket_is_still_refused(app: App, clock: FakeClock) -> None:
    with pytest.raises(NotAComplaint):
        app.service.intake(written(clock, "こんにちは", "ev-1"))
    assert app.service.intake(written(clock, "荷物が届きません", "ev-2")).created  # no event in the way


def test_a_new_question_after_the_resolve_reopens_the_ticket_with_a_new_deadline(
    app: App, clock: FakeClock, staff: RecordingSender, chat: RecordingSender
) -> None:
    ref = resolved_ticket(app, clock)
    clock.advance(timedelta(hours=20))
    result = app.service.intake(written(clock, "届いた商品が壊れていました", "ev-2", token="rt-2"))
    app.dispatcher.drain()

    ticket = app.service.get(ref)
    assert result.ticket.ref == ref and not result.created
    assert ticket.status is Status.OPEN and ticket.resolved_at is None
    assert ticket.due_at == clock.now() + timedelta(hours=24) and ticket.awaiting_since == clock.now()
    assert ticket.first_due_at is not None and ticket.first_due_at < ticket.due_at
    told = to_customer(chat)[-1]
    assert told.data["reply_token"] == "rt-2" and f"#{ref}" in told.text and "再開" in told.text
    assert app.writer.deadline(ticket) in told.text
    assert "再開" in threads(staff)[-1] and "壊れて" in threads(staff)[-1]
    card = last_card(staff)
    assert "resolve" in [a.id for a in shown(app, card).actions]
    assert "返信が必要" in field_text(app, card, "awaiting") and "再開" in field_text(app, card, "change")
    assert app.service.history(ref)[-1].action == "reopened"
    assert app.sweep.run(clock.now() + timedelta(hours=20)).count == 1  # the warning, as for a new ticket


def test_after_the_window_or_a_not_a_complaint_close_a_message_opens_a_new_ticket(
    app: App, clock: FakeClock
) -> None:
    ref = resolved_ticket(app, clock)
    clock.advance(timedelta(hours=72, minutes=1))
    later = app.service.intake(written(clock, "別の注文も届きません", "ev-2"))
    assert later.created and later.ticket.ref != ref
    app.service.not_a_complaint(later.ticket.ref, TEAM)
    again = app.service.intake(written(clock, "やはり届いていません", "ev-3"))
    assert again.created and again.ticket.ref not in (ref, later.ticket.ref)


def test_a_window_of_zero_opens_a_new_ticket_for_every_later_message(
    database_url: str, clock: FakeClock, staff: RecordingSender, chat: RecordingSender
) -> None:
    app = build(database_url, clock, staff, chat, customers={"reopen_hours": 0})
    try:
        ref = resolved_ticket(app, clock)
        assert app.service.intake(written(clock, "もう一件あります", "ev-2")).ticket.ref != ref
    finally:
        app.close()


def test_a_message_after_the_answer_owes_another_answer_with_its_own_reminders(
    app: App, clock: FakeClock, staff: RecordingSender
) -> None:
    ref = app.service.intake(written(clock, "荷物が届きません", "ev-1")).ticket.ref
    first_due = app.service.get(ref).due_at
    assert app.sweep.run(clock.advance(timedelta(hours=20, minutes=1))).count == 1  # the first warning
    app.desk.reply(ref, TEAM, "確認いたします")
    clock.advance(timedelta(hours=2))
    app.service.intake(written(clock, "いつ届きますか？", "ev-2"))
    app.dispatcher.drain()

    ticket = app.service.get(ref)
    assert ticket.due_at == clock.now() + timedelta(hours=24) and ticket.first_due_at == first_due
    assert ticket.answer_round == 1 and ticket.remind_at == clock.now() and not ticket.answered
    assert "返信が必要" in field_text(app, last_card(staff), "awaiting")
    assert app.service.history(ref)[-1].detail["round"] == 1
    clock.advance(timedelta(hours=1))
    app.service.intake(written(clock, "至急お願いします", "ev-3"))  # still the same answer owed
    assert app.service.get(ref).due_at == ticket.due_at
    warning = ticket.due_at - timedelta(hours=4)
    assert app.sweep.run(warning).count == 1  # the warning again, for this round
    app.desk.reply(ref, TEAM, "明日お届けします")
    answered = app.service.get(ref)
    assert answered.answered and answered.first_response_at < answered.due_at
    assert app.sweep.run(ticket.due_at + timedelta(hours=1)).count == 0


def test_a_later_round_paused_for_the_customer_is_reminded_again_when_they_write(
    app: App, clock: FakeClock
) -> None:
    ref = app.service.intake(written(clock, "荷物が届きません", "ev-1")).ticket.ref
    app.desk.reply(ref, TEAM, "確認いたします")
    clock.advance(timedelta(hours=2))
    app.service.intake(written(clock, "いつ届きますか？", "ev-2"))  # round 1: an answer owed
    clock.advance(timedelta(hours=1))
    app.desk.wait(ref, TEAM)  # お客様の返信待ち before answering: the clock pauses
    clock.advance(timedelta(hours=5))
    app.service.intake(written(clock, "注文番号はA-15001です", "ev-3"))

    ticket = app.service.get(ref)
    assert ticket.waiting_since is None and not ticket.answered
    assert ticket.remind_at == clock.now()  # the sweep looks at it again
    assert app.sweep.run(ticket.due_at).count == 1  # the owed answer is chased, as in round 0


def test_an_acknowledged_ticket_is_open_again_when_the_customer_writes(app: App, clock: FakeClock) -> None:
    ref = app.service.intake(written(clock, "荷物が届きません", "ev-1")).ticket.ref
    app.service.acknowledge(ref, TEAM)
    clock.advance(timedelta(hours=1))
    app.service.intake(written(clock, "まだ届きません", "ev-2"))

    ticket = app.service.get(ref)
    assert ticket.status is Status.OPEN and ticket.answer_round == 1
    assert app.sweep.run(ticket.due_at).count == 1  # reminded: the sweep reads open tickets
    app.service.acknowledge(ref, TEAM)  # 対応中 again answers this round
    assert app.service.get(ref).answered


def test_a_later_rounds_reminders_have_their_own_keys() -> None:
    due = START + timedelta(hours=24)
    first = [m.key for m in SlaPolicy().milestones(due)]
    later = [m.key for m in SlaPolicy().milestones(due, 2)]
    assert first[0] == "warning" and later[0] == "warning#2" and not set(first) & set(later)
