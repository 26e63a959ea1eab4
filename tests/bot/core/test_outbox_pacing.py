"""Pacing by destination on a real database: bursts then the platform's rate, rate limits that wait
without using attempts (for every worker), urgent messages first, and a look before posting again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.core.clock import FakeClock
from bot.core.domain import OutboundMessage
from bot.core.outbox import Dispatcher, RetryPolicy, next_slot
from bot.core.ports import Pace, SendError
from bot.runtime.services import App
from storage.models import OutboxGateRow, OutboxRow
from tests.conftest import START
from tests.fakes import RecordingSender, complaint

ONE_A_SECOND = Pace("channel", 1.0, 3)


def queue(app: App, count: int, kind: str = "notice") -> None:
    with app.store.transaction() as uow:
        for number in range(count):
            uow.queue(OutboundMessage("console", "C0TEAM", kind, f"message {number}"), app.clock.now())


def rows(app: App) -> list[OutboxRow]:
    with app.session_factory() as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def test_next_slot_lets_a_burst_through_then_one_per_interval() -> None:
    slots, open_at = [], None
    for _ in range(5):
        send_at, open_at = next_slot(open_at, ONE_A_SECOND, START)
        slots.append((send_at - START).total_seconds())
    # Two at once (the platform's third is kept in reserve), then 5 % wider than 1 a second.
    assert slots == [0.0, 0.0, 1.05, 2.1, 3.15]


def test_a_paused_destination_takes_one_message_when_it_opens_then_paces() -> None:
    paused_until = START + timedelta(seconds=30)
    first, open_at = next_slot(paused_until, ONE_A_SECOND, START)
    second, _ = next_slot(open_at, ONE_A_SECOND, START)
    assert (first, second) == (paused_until, paused_until + timedelta(seconds=1.05))


def test_a_burst_goes_out_at_the_destinations_pace(
    app: App, clock: FakeClock, sender: RecordingSender
) -> None:
    sender.limit = ONE_A_SECOND
    queue(app, 6)

    assert app.dispatcher.drain().sent == 2  # the burst, less one in reserve
    clock.advance(timedelta(seconds=1))
    assert app.dispatcher.drain().sent == 0  # 1 s is not yet 1.05 s
    clock.advance(timedelta(seconds=0.05))
    assert app.dispatcher.drain().sent == 1
    clock.advance(timedelta(seconds=3.15))
    assert app.dispatcher.drain().sent == 2  # quiet long enough for a burst again
    clock.advance(timedelta(seconds=1.05))
    assert app.dispatcher.drain().sent == 1
    assert sender.texts() == [f"message {n}" for n in range(6)]  # in order


def test_a_rate_limit_waits_for_every_worker_and_uses_no_attempt(
    app: App, clock: FakeClock, sender: RecordingSender
) -> None:
    sender.limit = ONE_A_SECOND
    queue(app, 3)
    sender.failures = [SendError("429", retry_after=30, rate_limited=True)] * 20
    other_worker = Dispatcher(app.outbox, {"console": sender}, clock, RetryPolicy(max_attempts=2))

    report = app.dispatcher.run_once()
    # The first got 429; the second, claimed with it, waits without being sent.
    assert (report.sent, report.limited, report.retried, report.dead) == (0, 2, 0, 0)
    assert sender.calls == 1
    assert other_worker.drain().sent == 0  # the pause is in the database, not in one worker
    assert sender.calls == 1

    for _ in range(10):  # rate limited again and again: still no attempt used, never dead
        clock.advance(timedelta(seconds=30))
        other_worker.run_once()
    assert [(row.status, row.attempts) for row in rows(app)] == [("pending", 0)] * 3
    assert list(app.outbox.dead_letters()) == []

    sender.failures = []
    clock.advance(timedelta(seconds=30))
    assert other_worker.drain().sent == 1  # one when the destination opens, then its pace
    clock.advance(timedelta(seconds=1.05))
    assert other_worker.drain().sent == 1
    clock.advance(timedelta(seconds=1.05))
    assert other_worker.drain().sent == 1


def test_cards_go_before_confirmations_to_a_backed_up_destination(
    app: App, clock: FakeClock, sender: RecordingSender
) -> None:
    sender.limit = Pace("everything", 1.0, 1)  # cards and replies count against one limit here
    for number in range(3):
        app.service.intake(complaint(f"配送が遅い {number}", f"ev-{number}"))

    for _ in range(6):
        app.dispatcher.drain()
        clock.advance(timedelta(seconds=1.05))

    assert sender.kinds() == ["card"] * 3 + ["reply"] * 3


def test_messages_behind_a_closed_destination_do_not_hold_up_others(app: App, clock: FakeClock) -> None:
    queue(app, 5)
    with app.store.transaction() as uow:
        uow.queue(OutboundMessage("console", "C0OTHER", "notice", "elsewhere"), clock.now())
    opens = START + timedelta(minutes=5)
    with app.session_factory() as session, session.begin():
        session.add(OutboxGateRow(key="console:channel", open_at=opens))

    def pace(message: OutboundMessage, editing: bool) -> Pace | None:
        return ONE_A_SECOND if message.channel == "C0TEAM" else None

    (claimed,) = app.outbox.claim(clock.now(), 1, pace=pace)
    assert claimed.message.text == "elsewhere"
    # Pushed to the opening: the next claims do not read them again before it.
    assert [row.next_attempt_at for row in rows(app) if row.channel == "C0TEAM"] == [opens] * 5


def test_an_unanswered_send_is_retried_as_unsure(app: App, clock: FakeClock, sender: RecordingSender) -> None:
    queue(app, 1)
    sender.failures = [SendError("slack: TimeoutError", unsure=True)]
    app.dispatcher.run_once()
    clock.advance(timedelta(seconds=5))
    app.dispatcher.run_once()

    (row,) = rows(app)
    assert sender.unsure == [row.id]  # the retry was told to look first
    assert (row.status, row.unsure) == ("sent", False)


def test_a_claim_whose_worker_died_is_taken_again_as_unsure(
    app: App, clock: FakeClock, sender: RecordingSender
) -> None:
    queue(app, 1)
    with app.session_factory() as session, session.begin():
        session.execute(update(OutboxRow).values(status="sending", claimed_at=clock.now()))
    clock.advance(app.outbox.lease)

    assert app.dispatcher.drain().sent == 1
    assert sender.unsure == [rows(app)[0].id]
