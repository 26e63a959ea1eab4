"""TriageService.intake_many on a real database: a batch behaves like intake once per message."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.config import Config, parse_config
from bot.core.access import Forbidden
from bot.core.clock import FakeClock
from bot.core.domain import DuplicateEvent, EmptyComplaint, IncomingMessage
from bot.core.intake import IntakeResult
from bot.runtime.services import App, create_app
from storage.models import InboundEventRow, OutboxRow, TicketEventRow, TicketRow
from tests.conftest import START
from tests.fakes import KeywordClassifier, RecordingSender, complaint


def count(app: App, model: type) -> int:
    with app.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def result(outcome: object) -> IntakeResult:
    assert isinstance(outcome, IntakeResult), outcome
    return outcome


def test_results_come_in_input_order_with_each_messages_error(app: App) -> None:
    outcomes = app.service.intake_many(
        [
            complaint("請求が二重です", "a"),
            complaint("", "b"),  # cleaned already: a blank text is empty
            complaint("配送が遅い", "c"),
        ]
    )

    first, empty, third = outcomes
    assert isinstance(empty, EmptyComplaint)
    assert (result(first).ticket.ref, result(first).ticket.department) == (1, "billing")
    assert (result(third).ticket.ref, result(third).ticket.department) == (2, "logistics")
    assert result(first).created and "#1" in result(first).reply
    assert count(app, TicketRow) == 2
    assert count(app, InboundEventRow) == 2  # the empty complaint's event is not recorded
    assert count(app, TicketEventRow) == 2
    assert count(app, OutboxRow) == 4  # a reply and a team card each


def test_a_refused_forwarder_does_not_roll_back_the_others(database_url: str) -> None:
    tables = {"roles": {"staff": ["U0STAFF"]}}
    config = replace(parse_config(tables, {}), database_url=database_url)
    app = create_app(
        config, clock=FakeClock(START), senders={"console": RecordingSender()}, classifier=KeywordClassifier()
    )
    try:
        outsider = replace(complaint("配送が遅い", "b"), forwarder="U0NOBODY")
        outcomes = app.service.intake_many(
            [complaint("配送が遅い", "a"), outsider, complaint("返金して", "c")]
        )

        assert isinstance(outcomes[1], Forbidden)
        assert [result(outcomes[0]).ticket.ref, result(outcomes[2]).ticket.ref] == [1, 2]
        (entry,) = app.records.guard.log_store.access_log()
        assert (entry.actor, entry.action, entry.allowed) == ("U0NOBODY", "forward", False)
    finally:
        app.close()


def test_an_event_twice_in_one_batch_is_one_ticket(app: App) -> None:
    first, again, other = app.service.intake_many(
        [complaint("配送が遅い", "dup"), complaint("配送が遅い", "dup"), complaint("返金して", "x")]
    )

    assert result(first).created and not result(again).created
    assert result(again).ticket.ref == result(first).ticket.ref == 1
    assert "#1" in result(again).reply
    assert result(other).ticket.ref == 2
    assert count(app, TicketRow) == 2
    assert count(app, OutboxRow) == 4


def test_an_event_of_an_earlier_batch_gives_its_ticket(app: App) -> None:
    app.service.intake_many([complaint("配送が遅い", "a"), complaint("返金して", "b")])
    again, new = app.service.intake_many([complaint("返金して", "b"), complaint("壊れています", "c")])

    assert not result(again).created and result(again).ticket.ref == 2
    assert result(again).ticket.department == "billing"
    assert result(new).created and result(new).ticket.ref == 3
    assert count(app, TicketRow) == 3


def test_an_event_recorded_without_a_ticket_is_a_duplicate_event(app: App) -> None:
    with app.store.transaction() as uow:
        uow.record_event("console", "seen", START)  # e.g. a LINE event that was not a complaint

    seen, new = app.service.intake_many([complaint("配送が遅い", "seen"), complaint("配送が遅い", "new")])

    assert isinstance(seen, DuplicateEvent)
    assert result(new).created
    with pytest.raises(DuplicateEvent):
        app.service.intake(complaint("配送が遅い", "seen"))


def test_the_third_contact_in_one_batch_is_a_repeat(app: App) -> None:
    def contact(n: int, hours: int) -> IncomingMessage:
        message = complaint("配送が遅い", f"c{n}", at=START + timedelta(hours=hours))
        return replace(message, customer="LINE:U123")

    app.service.intake(contact(1, 0))
    outcomes = app.service.intake_many([contact(2, 1), contact(2, 1), contact(3, 2), contact(4, 200)])

    flags = [result(outcome).ticket.flags for outcome in outcomes]
    assert flags == [(), (), ("repeat",), ()]  # the retry counts once; the fourth is 8 days later
    assert result(outcomes[2]).ticket.priority


def test_the_deadline_counts_from_when_the_complaint_arrived(app: App, clock: FakeClock) -> None:
    clock.advance(timedelta(hours=5))  # the batch is taken in five hours after the first complaint
    early, late = app.service.intake_many(
        [complaint("配送が遅い", "a", at=START), complaint("配送が遅い", "b", at=START + timedelta(hours=4))]
    )

    assert result(early).ticket.created_at == START
    assert result(early).ticket.due_at == START + timedelta(hours=24)
    assert result(late).ticket.due_at == START + timedelta(hours=28)
    stored = app.service.get(result(early).ticket.ref)
    assert (stored.created_at, stored.due_at) == (START, START + timedelta(hours=24))
    assert [entry.at for entry in app.service.history(stored.ref)] == [clock.now()]  # audited now


def test_an_empty_batch_does_nothing(app: App) -> None:
    assert app.service.intake_many([]) == []
    assert app.service.intake_many([complaint("", "a")])[0].__class__ is EmptyComplaint
    assert count(app, InboundEventRow) == 0


@pytest.fixture
def two_workers(config: Config, clock: FakeClock) -> Iterator[list[App]]:
    senders = [RecordingSender(), RecordingSender()]
    apps = [
        create_app(config, clock=clock, senders={"console": s}, classifier=KeywordClassifier())
        for s in senders
    ]
    yield apps
    for app in apps:
        app.close()


def test_two_workers_with_overlapping_batches_make_one_ticket_per_event(two_workers: list[App]) -> None:
    batch = [complaint("配送が遅い", f"e{i}") for i in range(30)]
    outcomes: list[list[object]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(app: App, messages: list[IncomingMessage]) -> None:
        try:
            barrier.wait()
            outcomes.append(list(app.service.intake_many(messages)))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [
        threading.Thread(target=work, args=(two_workers[0], batch)),
        threading.Thread(target=work, args=(two_workers[1], batch[::-1])),  # the other order
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    refs = [{result(o).ticket.ref for o in found} for found in outcomes]
    assert refs[0] == refs[1] and len(refs[0]) == 30
    assert sum(result(o).created for found in outcomes for o in found) == 30
    assert count(two_workers[0], TicketRow) == 30
