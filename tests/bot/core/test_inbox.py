"""The inbox between the acknowledgement and the ticket: stored once, opened once, never lost, on
SQLite and PostgreSQL, with workers failing, dying and racing."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import parse_config
from bot.core.clock import FakeClock
from bot.core.domain import EmptyComplaint, IncomingMessage
from bot.core.inbox import QUARANTINE_AFTER, refusal, retry_at
from bot.runtime.services import App, create_app
from storage.models import InboxRow, TicketRow
from tests.conftest import START
from tests.fakes import KeywordClassifier, RecordingSender

STAFF, OUTSIDER = "U0STAFF", "U0NOBODY"


def message(number: int, text: str = "配送が遅れています", **fields: Any) -> IncomingMessage:
    values: dict[str, Any] = {
        "platform": "console",
        "event_id": f"ev-{number}",
        "channel": "C0INTAKE",
        "forwarder": STAFF,
        "text": f"{text} ({number})",
        "received_at": START,
        **fields,
    }
    return IncomingMessage(**values)


def tickets(app: App) -> list[tuple[int, str]]:
    """Every ticket's (ref, text), oldest first."""
    with app.session_factory() as session:
        return [(row.id, row.text) for row in session.scalars(select(TicketRow).order_by(TicketRow.id))]


def refs(app: App) -> list[int]:
    return [ref for ref, _ in tickets(app)]


def test_a_complaint_is_stored_once_and_opened_once(app: App) -> None:
    app.intake.accept(message(1))
    app.intake.accept(message(1))  # Slack's retry while it still waits
    assert app.service.open_tickets() == [] and app.intake.inbox.waiting() == 1

    assert app.intake.drain() == 1
    (ticket,) = app.service.open_tickets()
    assert ticket.department == "logistics" and app.intake.inbox.waiting() == 0

    app.intake.accept(message(1))  # a retry after the ticket: stored again...
    assert app.intake.inbox.waiting() == 1
    app.intake.drain()
    assert refs(app) == [ticket.ref]  # ...and recognised by its event key: no second ticket


def test_an_empty_complaint_is_refused_at_once_and_not_stored(app: App) -> None:
    with pytest.raises(EmptyComplaint):
        app.intake.accept(replace(message(1), text=" \u3000\t\x07\n"))  # full-width space, a bell
    assert app.intake.inbox.waiting() == 0


DIRTY = "\ufeff配送が\u200b遅れています\r\n箱が\x07潰れていました  "
"""What IME and copy-paste leave in a complaint: a BOM, a zero-width space, CRLF, a bell, spaces."""
CLEAN = "配送が遅れています\n箱が潰れていました"


def stored_texts(app: App) -> list[str]:
    with app.session_factory() as session:
        return [row.message["text"] for row in session.scalars(select(InboxRow).order_by(InboxRow.id))]


def test_the_inbox_stores_the_text_cleaned_when_it_is_accepted(app: App) -> None:
    app.intake.accept(replace(message(1), text=DIRTY, note="\u200bお客様から\r\n"))
    assert stored_texts(app) == [CLEAN]
    app.intake.drain()
    (ticket,) = app.service.open_tickets()
    assert (ticket.text, ticket.note) == (CLEAN, "お客様から")


def test_the_worker_opens_the_ticket_of_the_text_as_stored_without_cleaning_it_again(app: App) -> None:
    # Stored through the port, past accept: only a second cleaning in the worker would remove the
    # zero-width space, and there is none.
    app.intake.inbox.add(replace(message(1), text="配送が\u200b遅れています"))
    app.intake.drain()
    assert [text for _, text in tickets(app)] == ["配送が\u200b遅れています"]


def test_a_complaint_an_older_version_accepted_uncleaned_is_cleaned_by_the_worker(app: App) -> None:
    app.intake.inbox.add(replace(message(1), text=DIRTY))
    with app.session_factory() as session, session.begin():
        (row,) = session.scalars(select(InboxRow))
        row.message = {name: value for name, value in row.message.items() if name != "cleaned"}
    app.intake.drain()
    assert [text for _, text in tickets(app)] == [CLEAN]


def test_complaints_become_tickets_in_the_order_they_arrived(app: App) -> None:
    for number in range(120):  # more than one batch
        app.intake.accept(message(number))
    assert app.intake.drain() == 120
    assert [text for _, text in tickets(app)] == [f"配送が遅れています ({n})" for n in range(120)]


def test_one_failing_complaint_waits_while_the_rest_of_its_batch_is_opened(
    app: App, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real_intake = app.service.intake_many

    def sometimes(messages: list[IncomingMessage]) -> Any:
        for incoming in messages:
            if incoming.event_id == "ev-2":
                raise RuntimeError(f"constraint failed for {incoming.text}")
        return real_intake(messages)

    monkeypatch.setattr(app.service, "intake_many", sometimes)
    for number in range(5):
        app.intake.accept(message(number, text="山田花子 090-1234-5678 配送が遅い"))
    app.intake.drain()

    assert len(app.service.open_tickets()) == 4 and app.intake.inbox.waiting() == 1
    assert "ev-2" in caplog.text and "RuntimeError" in caplog.text
    assert "090-1234-5678" not in caplog.text and "山田花子" not in caplog.text
    assert app.intake.process() == 0  # it waits out its retry delay...
    clock.advance(timedelta(seconds=2))
    assert app.intake.process() == 1  # ...and fails again: never dropped
    monkeypatch.setattr(app.service, "intake_many", real_intake)
    clock.advance(timedelta(seconds=4))
    app.intake.drain()
    assert len(app.service.open_tickets()) == 5 and app.intake.inbox.waiting() == 0


def test_a_worker_that_dies_mid_batch_leaves_its_complaints_to_another(app: App, clock: FakeClock) -> None:
    for number in range(3):
        app.intake.accept(message(number))
    claimed = app.intake.inbox.claim(clock.now(), 2)  # taken, then the worker is killed
    assert len(claimed) == 2
    assert app.intake.drain() == 1  # the third; the dead worker's two are leased

    clock.advance(app.intake.inbox.lease + timedelta(seconds=1))
    assert app.intake.drain() == 2
    assert len(app.service.open_tickets()) == 3 and app.intake.inbox.waiting() == 0


def test_a_worker_that_dies_after_the_ticket_but_before_clearing_the_row_opens_nothing_twice(
    app: App, clock: FakeClock
) -> None:
    app.intake.accept(message(1))
    (item,) = app.intake.inbox.claim(clock.now(), 10)
    app.service.intake(item.message)  # committed; the worker dies before the row is deleted
    clock.advance(app.intake.inbox.lease + timedelta(seconds=1))
    app.intake.drain()
    assert len(app.service.open_tickets()) == 1 and app.intake.inbox.waiting() == 0


def test_two_workers_racing_open_every_complaint_once(app: App) -> None:
    for number in range(200):
        app.intake.accept(message(number))
    workers = [threading.Thread(target=app.intake.drain) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert refs(app) == list(range(1, 201))
    assert app.intake.inbox.waiting() == 0


def test_a_forwarder_without_a_role_is_told_why_and_nothing_is_kept(database_url: str) -> None:
    raw = {"roles": {"staff": [STAFF]}}
    config = replace(parse_config(raw, {}), database_url=database_url)
    sender = RecordingSender()
    app = create_app(
        config, clock=FakeClock(START), senders={"console": sender}, classifier=KeywordClassifier()
    )
    try:
        app.intake.accept(message(1, forwarder=OUTSIDER, thread="1763850000.000100"))
        app.intake.accept(message(2, forwarder=OUTSIDER, reply_token="rt-2"))
        app.intake.drain()
        app.dispatcher.drain()

        assert app.service.open_tickets() == [] and app.intake.inbox.waiting() == 0
        first, second = (sent.message for sent in sender.sent)
        assert first.kind == second.kind == "notice"
        # for their eyes only: each platform's sender delivers ``private_to`` as privately as it can
        assert first.channel == "C0INTAKE" and first.data == {"private_to": OUTSIDER}
        assert second.channel == "C0INTAKE" and second.data == {"reply_token": "rt-2"}
        assert first.text == app.translator("error.forbidden")
    finally:
        app.close()


def test_on_slack_a_refusal_is_shown_only_to_the_forwarder_in_the_thread() -> None:
    incoming = message(1, platform="slack", forwarder=OUTSIDER, thread="1763850000.000100")
    notice = refusal(incoming, "not allowed")
    assert (notice.channel, notice.thread, notice.data) == (
        "C0INTAKE",
        "1763850000.000100",
        {"private_to": OUTSIDER},
    )


def test_a_complaint_that_keeps_failing_is_quarantined_and_never_fails_a_batch_again(
    app: App, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = app.service.intake_many
    batches: list[int] = []

    def broken_for_one(messages: list[IncomingMessage]) -> Any:
        batches.append(len(messages))
        if any(m.event_id == "ev-1" for m in messages):
            raise RuntimeError("always")
        return opened(messages)

    monkeypatch.setattr(app.service, "intake_many", broken_for_one)
    app.intake.accept(message(1))
    app.intake.accept(message(2))
    assert app.intake.process() == 2
    assert batches == [2, 1, 1]  # the batch failed once; each on its own, the good one opened
    for number in range(3, 3 + QUARANTINE_AFTER):
        clock.advance(timedelta(minutes=10))
        app.intake.accept(message(number))
        batches.clear()
        app.intake.drain()
        if number < 2 + QUARANTINE_AFTER:
            assert sorted(batches) == [1, 1]  # tried before: on its own, the new one in a batch
    assert len(tickets(app)) == 1 + QUARANTINE_AFTER
    assert app.intake.inbox.waiting() == 0  # quarantined: no worker takes it any more
    clock.advance(timedelta(days=1))
    assert app.intake.process() == 0
    assert retry_at(START, 60) - START == timedelta(minutes=10)  # the backoff never overflows


def test_a_stored_complaint_with_an_object_where_text_belongs_is_quarantined_at_once(
    app: App, clock: FakeClock
) -> None:
    app.intake.accept(message(1))
    app.intake.accept(message(2))
    with app.session_factory() as session, session.begin():
        oldest = session.scalars(select(InboxRow).order_by(InboxRow.id)).first()
        assert oldest is not None
        oldest.message = {**oldest.message, "channel": {"id": "C0INTAKE"}}
    assert app.intake.drain() == 1
    assert app.intake.inbox.waiting() == 0
    with app.session_factory() as session:
        row = session.get(InboxRow, oldest.id)
        assert row is not None and row.quarantined_at is not None


def test_a_row_this_version_cannot_read_does_not_block_the_others(app: App, clock: FakeClock) -> None:
    app.intake.accept(message(1))
    app.intake.accept(message(2))
    with app.session_factory() as session, session.begin():
        oldest = session.scalars(select(InboxRow).order_by(InboxRow.id)).first()
        assert oldest is not None
        oldest.message = {"text": "新しい形式"}  # no event fields: written by another version
    assert app.intake.drain() == 1
    assert [text for _, text in tickets(app)] == ["配送が遅れています (2)"]
    assert app.intake.inbox.waiting() == 1  # kept, looked at again later


def test_a_photo_waits_briefly_for_its_complaint_that_a_worker_is_opening(app: App, clock: FakeClock) -> None:
    app.intake.accept(message(1, platform="line", forwarder="U1"))
    (item,) = app.intake.inbox.claim(clock.now(), 10)  # a worker took it and is opening it now

    def worker() -> None:
        app.service.intake_many([item.message])
        app.intake.inbox.done([item.id])

    threading.Timer(0.2, worker).start()
    app.intake.settle("line", "U1")
    assert len(tickets(app)) == 1 and app.intake.inbox.waiting() == 0
