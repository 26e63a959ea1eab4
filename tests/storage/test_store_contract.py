"""One contract for every implementation of the store ports: the in-memory fake the core's unit tests
use, and the SQL store on SQLite and PostgreSQL. The same assertions run against each, so the fake
cannot drift from what the database does."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.domain import AuditEntry, DuplicateEvent, OutboundMessage, Status, Ticket
from bot.core.ports import DayFigures, Store
from tests.storage.conftest import Ports

T0 = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def ticket(created: datetime = T0, department: str | None = "logistics", **changes: object) -> Ticket:
    made = Ticket(
        ref=0,
        platform="console",
        channel="console",
        forwarder="U0STAFF",
        text="配送が遅い",
        language="ja",
        department=department,
        confidence=0.9,
        needs_triage=department is None,
        priority=False,
        created_at=created,
        due_at=created + 24 * HOUR,
        flags=("repeat",),
        guesses=(("logistics", 0.9),),
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def add(store: Store, *tickets: Ticket) -> list[int]:
    with store.transaction() as uow:
        uow.add_tickets(tickets)
    return [t.ref for t in tickets]


# -- tickets ----------------------------------------------------------------------------------------


def test_tickets_get_their_refs_and_come_back_as_stored(ports: Ports) -> None:
    first, second = ticket(), ticket(T0 + HOUR, "billing", customer="C1")
    assert add(ports.store, first, second) == [1, 2]
    with ports.store.transaction() as uow:
        assert uow.get_ticket(1) == first
        assert uow.get_ticket(2, for_update=True) == second
        assert uow.get_ticket(3) is None


def test_a_change_counts_once_saved_and_saving_an_unknown_ticket_fails(ports: Ports) -> None:
    add(ports.store, ticket())
    with ports.store.transaction() as uow:
        changed = uow.get_ticket(1)
        assert changed is not None
        changed.status, changed.acknowledged_by = Status.ACKNOWLEDGED, "U1"
        assert uow.get_ticket(1) != changed  # not yet saved
        uow.save_ticket(changed)
    with ports.store.transaction() as uow:
        assert uow.get_ticket(1) == changed
        with pytest.raises(LookupError):
            uow.save_ticket(replace(changed, ref=99))


def test_an_error_rolls_the_whole_unit_of_work_back(ports: Ports) -> None:
    with pytest.raises(RuntimeError), ports.store.transaction() as uow:
        uow.add_tickets([ticket()])
        uow.record_events({("slack", "ev-1"): T0})
        raise RuntimeError("boom")
    with ports.store.transaction() as uow:
        assert uow.get_ticket(1) is None
        assert uow.record_events({("slack", "ev-1"): T0}) == {("slack", "ev-1")}


def test_open_tickets_soonest_deadline_first_without_the_resolved(ports: Ports) -> None:
    add(
        ports.store,
        ticket(T0 + 2 * HOUR),
        ticket(T0),
        ticket(T0, "billing"),
        ticket(T0 - HOUR, status=Status.RESOLVED),
        ticket(T0 + HOUR, status=Status.ACKNOWLEDGED),
    )
    with ports.store.transaction() as uow:
        assert [t.ref for t in uow.open_tickets()] == [2, 3, 5, 1]
        assert [t.ref for t in uow.open_tickets("logistics")] == [2, 5, 1]
        assert [t.ref for t in uow.open_tickets(limit=2)] == [2, 3]


def test_tickets_created_in_a_window_and_customers_earlier_contacts(ports: Ports) -> None:
    add(
        ports.store,
        ticket(T0, customer="C1"),
        ticket(T0 + HOUR, "billing", customer="C1"),
        ticket(T0 + 2 * HOUR, customer="C2"),
    )
    with ports.store.transaction() as uow:
        assert [t.ref for t in uow.tickets_created_between(T0, T0 + 2 * HOUR, None)] == [1, 2]
        assert [t.ref for t in uow.tickets_created_between(T0, T0 + 3 * HOUR, "logistics")] == [1, 3]
        assert not uow.has_tickets_before(T0) and uow.has_tickets_before(T0 + timedelta(seconds=1))
        times = uow.customer_ticket_times(["C1", "C2", "C3"], T0 + timedelta(minutes=1))
        assert times == {"C1": [T0 + HOUR], "C2": [T0 + 2 * HOUR], "C3": []}


# -- inbound events -------------------------------------------------------------------------------


def test_an_event_key_is_recorded_once_per_platform(ports: Ports) -> None:
    events = {("slack", "ev-1"): T0, ("line", "ev-1"): T0}
    with ports.store.transaction() as uow:
        assert uow.record_events(events) == set(events)
    with ports.store.transaction() as uow:
        assert uow.record_events({**events, ("slack", "ev-2"): T0}) == {("slack", "ev-2")}
        with pytest.raises(DuplicateEvent):
            uow.record_event("slack", "ev-1", T0)
        uow.record_event("slack", "ev-3", T0)


def test_events_find_the_tickets_they_opened(ports: Ports) -> None:
    (ref,) = add(ports.store, ticket())
    with ports.store.transaction() as uow:
        uow.record_events({("slack", "ev-1"): T0, ("slack", "ev-2"): T0})
        uow.attach_events({("slack", "ev-1"): ref})
    with ports.store.transaction() as uow:
        found = uow.find_event_tickets([("slack", "ev-1"), ("slack", "ev-2"), ("line", "ev-1")])
        assert {key: t.ref for key, t in found.items()} == {("slack", "ev-1"): ref}


# -- audit ----------------------------------------------------------------------------------------


def test_history_in_order_and_corrections_in_their_window(ports: Ports) -> None:
    first, second = add(ports.store, ticket(), ticket(text="請求が二重"))
    with ports.store.transaction() as uow:
        uow.audit(first, T0, "U0STAFF", "created", {"department": "logistics"})
        uow.audit_many(
            [
                AuditEntry(second, T0, "U1", "reassigned", {"from": None, "to": "billing"}),
                AuditEntry(first, T0 + HOUR, "U2", "reassigned", {"from": "logistics", "to": "product"}),
                AuditEntry(first, T0 + 2 * HOUR, "U3", "resolved", {}),
            ]
        )
    with ports.store.transaction() as uow:
        assert [(e.actor, e.action) for e in uow.history(first)] == [
            ("U0STAFF", "created"),
            ("U2", "reassigned"),
            ("U3", "resolved"),
        ]
        assert uow.history(first)[1] == AuditEntry(
            first, T0 + HOUR, "U2", "reassigned", {"from": "logistics", "to": "product"}
        )
        assert uow.corrections(T0, T0 + HOUR) == [("", "billing", "請求が二重")]
        assert uow.corrections(T0, T0 + 2 * HOUR) == [
            ("", "billing", "請求が二重"),
            ("logistics", "product", "配送が遅い"),
        ]


# -- outbox ---------------------------------------------------------------------------------------


def card(ref: int, kind: str = "card", channel: str = "team:logistics") -> OutboundMessage:
    return OutboundMessage("console", channel, kind, f"#{ref}", {"ref": ref}, ref)


def test_a_card_update_waits_for_its_card_and_edits_it(ports: Ports) -> None:
    (ref,) = add(ports.store, ticket())
    with ports.store.transaction() as uow:
        uow.queue_many([card(ref), card(ref, "card_update")], T0)
        uow.queue(OutboundMessage("console", "console", "reply", "ok"), T0 + HOUR)
    (claimed,) = ports.outbox.claim(T0, 10)  # the update waits; the reply is not due yet
    assert claimed.message == card(ref) and claimed.edit_message_id is None
    assert ports.outbox.pending_count() == 3
    ports.outbox.delivered(claimed.id, T0, "m-1")
    (update, reply) = ports.outbox.claim(T0 + HOUR, 10)
    assert (update.message.kind, update.edit_message_id) == ("card_update", "m-1")
    assert reply.message.kind == "reply"


def test_a_ticket_is_found_by_its_delivered_card(ports: Ports) -> None:
    (ref,) = add(ports.store, ticket())
    with ports.store.transaction() as uow:
        uow.queue(card(ref), T0)
    (claimed,) = ports.outbox.claim(T0, 10)
    ports.outbox.delivered(claimed.id, T0, "m-1")
    with ports.store.transaction() as uow:
        found = uow.ticket_for_message("console", "team:logistics", "m-1")
        assert found is not None and found.ref == ref
        assert uow.ticket_for_message("console", "triage", "m-1") is None
        assert uow.ticket_for_message("console", "team:logistics", "m-2") is None


def test_a_failed_message_retries_then_is_dead_lettered(ports: Ports) -> None:
    with ports.store.transaction() as uow:
        uow.queue(OutboundMessage("console", "console", "reply", "ok"), T0)
    (claimed,) = ports.outbox.claim(T0, 10)
    ports.outbox.failed(claimed.id, T0, "timeout", T0 + HOUR)
    assert ports.outbox.claim(T0, 10) == []
    (again,) = ports.outbox.claim(T0 + HOUR, 10)
    assert again.attempts == 1
    ports.outbox.failed(again.id, T0 + HOUR, "timeout", None)
    assert [m.message.text for m in ports.outbox.dead_letters()] == ["ok"]
    assert ports.outbox.pending_count() == 0


# -- reminders ------------------------------------------------------------------------------------


def test_due_tickets_with_the_reminders_they_already_got(ports: Ports) -> None:
    add(
        ports.store,
        ticket(remind_at=T0 + 2 * HOUR),
        ticket(remind_at=T0 + HOUR),
        ticket(remind_at=T0 + HOUR, status=Status.ACKNOWLEDGED),
        ticket(remind_at=None),
        ticket(remind_at=T0 + 3 * HOUR),
    )
    with ports.store.transaction() as uow:
        assert uow.record_reminders([(1, "warning"), (1, "last_call"), (2, "warning")], T0) == {
            (1, "warning"),
            (1, "last_call"),
            (2, "warning"),
        }
        assert uow.record_reminders([(1, "warning"), (2, "last_call")], T0) == {(2, "last_call")}
    with ports.store.transaction() as uow:
        due = uow.due_for_reminder(T0 + 2 * HOUR, limit=10)
        assert [(t.ref, sent) for t, sent in due] == [
            (2, frozenset({"warning", "last_call"})),
            (1, frozenset({"warning", "last_call"})),
        ]
        assert [t.ref for t, _ in uow.due_for_reminder(T0 + 3 * HOUR, limit=1)] == [2]
        uow.schedule_reminders({2: None, 1: T0 + 5 * HOUR})
    with ports.store.transaction() as uow:
        assert [t.ref for t, _ in uow.due_for_reminder(T0 + 4 * HOUR, limit=10)] == [5]


def test_unanswered_tickets_due_in_a_window(ports: Ports) -> None:
    add(
        ports.store,
        ticket(T0),  # due T0 + 24 h
        ticket(T0 + HOUR),
        ticket(T0 + HOUR, first_response_at=T0 + HOUR),
        ticket(T0 + 2 * HOUR, status=Status.RESOLVED),
        ticket(T0 + 3 * HOUR),
    )
    with ports.store.transaction() as uow:
        uow.record_reminders([(2, "breach")], T0)
    with ports.store.transaction() as uow:
        found = uow.unanswered_due_between(T0 + 24 * HOUR, T0 + 27 * HOUR)
        assert [(t.ref, sent) for t, sent in found] == [(2, frozenset({"breach"})), (5, frozenset())]


# -- digests --------------------------------------------------------------------------------------


def test_a_digest_is_recorded_once_per_team_and_week(ports: Ports) -> None:
    with ports.store.transaction() as uow:
        assert uow.record_digest("logistics", "2026-W47", T0)
        assert uow.record_digest("billing", "2026-W47", T0, late=True)
        assert uow.record_digest("logistics", "2026-W48", T0)
    with ports.store.transaction() as uow:
        assert not uow.record_digest("logistics", "2026-W47", T0 + HOUR)
        assert uow.digests_sent("2026-W47") == {"logistics", "billing"}
        assert uow.digests_sent("2026-W49") == set()
        tokens = {uow.add_chart("logistics", "2026-W47", {"count": 3}, T0) for _ in range(3)}
        assert len(tokens) == 3 and all(len(token) >= 40 for token in tokens)


# -- the digest's figures -------------------------------------------------------------------------


def test_figures_of_a_week(ports: Ports) -> None:
    day = timedelta(days=1)
    add(
        ports.store,
        ticket(T0, customer="C1", priority=True, first_response_at=T0 + 2 * HOUR),  # in time
        ticket(T0 + HOUR, customer="C1", text="届かない", first_response_at=T0 + 30 * HOUR),  # late
        ticket(T0 + 2 * day, text="遅い"),  # never answered: overdue
        ticket(T0 + day, "billing", status=Status.RESOLVED, first_response_at=T0 + day + HOUR),
        ticket(T0 - 2 * day, None, text="?"),  # last week's, still open and overdue
        ticket(T0 + 8 * day),  # after the week
    )
    with ports.store.transaction() as uow:
        uow.audit(4, T0 + day, "U1", "reassigned", {"from": None, "to": "billing"})
        uow.audit(4, T0 - day, "U1", "reassigned", {"from": "logistics", "to": "billing"})
    end, now = T0 + 7 * day, T0 + 7 * day

    days = ports.figures.day_figures(
        [(T0, T0 + day), (T0 + day, T0 + 2 * day), (T0 + 2 * day, T0 + 3 * day)], now
    )
    assert days == [
        {"logistics": DayFigures(2, 2, 1)},
        {"billing": DayFigures(1, 1, 1)},
        {"logistics": DayFigures(1, 1, 0)},
    ]
    texts = {"logistics": [(1, "配送が遅い"), (2, "届かない"), (3, "遅い")], "billing": [(4, "配送が遅い")]}
    assert {dept: sorted(items) for dept, items in ports.figures.texts(T0, end).items()} == texts
    rows = ports.figures.week_rows(T0, end, now)
    assert {dept: sorted(items) for dept, items in rows.texts.items()} == texts
    assert {dept: sorted(waits) for dept, waits in rows.waits.items()} == {
        "logistics": [2 * HOUR, 29 * HOUR],
        "billing": [HOUR],
    }
    assert (dict(rows.priority), dict(rows.customers)) == ({"logistics": 1}, {"logistics": {"C1": 2}})
    assert (dict(rows.open_count), dict(rows.overdue_count)) == (
        {"logistics": 3, None: 1},
        {"logistics": 1, None: 1},
    )
    assert dict(rows.overdue) == {"logistics": [(3, T0 + 3 * day)], None: [(5, T0 - day)]}
    assert (rows.moved_away, rows.moved_to) == ({None: 1}, {"billing": 1})


def test_an_announced_reply_is_expected_until_taken(ports: Ports) -> None:
    (ref,) = add(ports.store, ticket())
    assert not ports.store.expects_reply("line", "U1", "U1")
    with ports.store.transaction() as uow:
        uow.expect_reply("line", "U1", "U1", ref, T0)
    assert ports.store.expects_reply("line", "U1", "U1")
    assert not ports.store.expects_reply("line", "U1", "U2")
    with ports.store.transaction() as uow:
        assert uow.take_expected_reply("line", "U1", "U1", T0) == ref
    assert not ports.store.expects_reply("line", "U1", "U1")
