"""Outbox delivery on a real database: retries with backoff and Retry-After, dead letters, card order."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from bot.config import Config
from bot.core.clock import FakeClock
from bot.core.ports import SendError
from bot.runtime.services import App, create_app
from storage.models import OutboxRow
from tests.fakes import KeywordClassifier, RecordingSender, complaint


def rows(app: App) -> list[OutboxRow]:
    with app.session_factory() as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def test_failed_send_is_retried_with_backoff_then_delivered(
    app: App, clock: FakeClock, sender: RecordingSender
) -> None:
    app.service.intake(complaint("配送が遅い"))
    sender.failures = [SendError("HTTP 500"), None, SendError("HTTP 500")]  # the card fails twice

    first = app.dispatcher.run_once()
    assert (first.sent, first.retried) == (1, 1)  # the card (first: the team's) failed, the reply went out
    assert app.dispatcher.run_once().sent == 0  # not due again before its backoff

    clock.advance(timedelta(seconds=5))  # base delay for the first retry
    assert app.dispatcher.run_once().retried == 1
    clock.advance(timedelta(seconds=9))
    assert app.dispatcher.run_once().sent == 0  # second backoff is 10 s
    clock.advance(timedelta(seconds=1))
    assert app.dispatcher.run_once().sent == 1

    assert sorted(sender.kinds()) == ["card", "reply"]
    assert [(r.kind, r.status, r.attempts) for r in rows(app)] == [("reply", "sent", 0), ("card", "sent", 2)]
    assert all(r.platform_message_id for r in rows(app))


def test_retry_after_is_honoured(app: App, clock: FakeClock, sender: RecordingSender) -> None:
    app.service.intake(complaint("配送が遅い"))
    sender.failures = [SendError("HTTP 429", retry_after=120)]
    app.dispatcher.run_once()

    clock.advance(timedelta(seconds=119))
    assert app.dispatcher.run_once().sent == 0
    clock.advance(timedelta(seconds=1))
    assert app.dispatcher.run_once().sent == 1


def test_message_is_dead_lettered_after_the_last_attempt_never_dropped(
    app: App, clock: FakeClock, sender: RecordingSender
) -> None:
    app.service.intake(complaint("配送が遅い"))
    sender.failures = [SendError("HTTP 500"), None] + [SendError("HTTP 500")] * 5
    for _ in range(6):
        app.dispatcher.run_once()
        clock.advance(timedelta(hours=2))

    dead = list(app.outbox.dead_letters())
    assert [d.message.kind for d in dead] == ["card"]  # the card goes first, so it got the failures
    assert dead[0].attempts == 6
    assert rows(app)[1].last_error == "HTTP 500"
    assert app.dispatcher.run_once().sent == 0  # a dead letter is not sent again by itself


def test_permanent_error_and_crashing_sender(app: App, clock: FakeClock, sender: RecordingSender) -> None:
    app.service.intake(complaint("配送が遅い"))
    sender.failures = [SendError("channel_not_found", permanent=True), ValueError("bug in sender")]

    report = app.dispatcher.run_once()

    assert (report.dead, report.retried) == (1, 1)
    assert rows(app)[0].last_error == "ValueError: bug in sender"  # the reply, sent after the card


def test_message_for_a_platform_without_sender_is_dead_lettered(app: App) -> None:
    app.service.intake(complaint("配送が遅い", platform="slack"))
    report = app.dispatcher.run_once()
    # The card goes to the team's console channel; the reply belongs to Slack, which this app
    # has no sender for: kept as a dead letter, not dropped.
    assert (report.sent, report.dead) == (1, 1)
    assert [(d.message.platform, d.message.kind) for d in app.outbox.dead_letters()] == [("slack", "reply")]


def test_card_update_waits_for_its_card_and_edits_it(
    app: App, clock: FakeClock, sender: RecordingSender
) -> None:
    ref = app.service.intake(complaint("配送が遅い")).ticket.ref
    sender.failures = [SendError("HTTP 500"), SendError("HTTP 500")]  # reply and card both fail once
    app.dispatcher.run_once()
    app.service.acknowledge(ref, "U1")

    assert app.dispatcher.run_once().sent == 0  # the update may not overtake the card
    clock.advance(timedelta(seconds=5))
    app.dispatcher.drain()

    kinds = sender.kinds()
    assert kinds.index("card") < kinds.index("card_update")
    card = next(s for s in sender.sent if s.message.kind == "card")
    update = next(s for s in sender.sent if s.message.kind == "card_update")
    assert update.edit_message_id == card.message_id


def test_claim_is_a_lease_so_a_crashed_worker_does_not_lose_messages(
    app: App, clock: FakeClock, sender: RecordingSender
) -> None:
    app.service.intake(complaint("配送が遅い"))
    claimed = app.outbox.claim(clock.now(), 10)  # a worker claims, then dies before sending
    assert len(claimed) == 2
    assert app.dispatcher.run_once().sent == 0  # still leased

    clock.advance(timedelta(minutes=3))
    assert app.dispatcher.run_once().sent == 2
    assert app.outbox.pending_count() == 0


def test_a_batch_cut_short_by_a_database_restart_goes_on_when_it_is_back(
    config: Config, clock: FakeClock, sender: RecordingSender
) -> None:
    """The database goes away just after the batch's first message is sent (#15). What the batch
    did is recorded, and what it never tried is sent, as soon as the database is back: not a lease
    later, and not as if its sending had been in doubt."""
    app = create_app(
        replace(config, outbox_lease_seconds=1.0),  # a short lease: recording is retried for a quarter
        clock=clock,
        senders={"console": sender},
        classifier=KeywordClassifier(),
    )
    try:
        for number, text in enumerate(("配送が遅い", "荷物が届かない", "請求が二重")):
            app.service.intake(complaint(text, f"ev-{number}"))
        database = Restarting(app)
        sender.on_send = lambda _message: database.go_away()
        with pytest.raises(OperationalError):
            app.dispatcher.run_once()
        assert len(sender.sent) == 1
        with pytest.raises(OperationalError):
            app.dispatcher.run_once()  # still away: nothing is claimed, nothing is sent
        assert len(sender.sent) == 1

        sender.on_send = None
        database.come_back()
        assert app.dispatcher.drain().sent == 5  # at once: the clock has not moved
        assert [(r.status, r.unsure) for r in rows(app)] == [("sent", False)] * 6
        assert sender.unsure == []  # the untried ones were never in doubt
        assert len({s.message.text for s in sender.sent}) == 6  # each once
    finally:
        app.close()


class Restarting:
    """Every statement on the app's engine fails, as on a connection to a server that went away,
    until :meth:`come_back`."""

    def __init__(self, app: App) -> None:
        self.away = False
        event.listen(app.engine, "before_cursor_execute", self._check)

    def go_away(self) -> None:
        self.away = True

    def come_back(self) -> None:
        self.away = False

    def _check(self, *_args: object) -> None:
        if self.away:
            raise OperationalError("SELECT", {}, ConnectionError("server closed the connection unexpectedly"))
