"""An in-memory fake of the store ports, for the core's unit tests.

It keeps the contracts the SQL store keeps (tests/storage/test_store_contract.py runs the same
assertions against both): an event key is recorded once, a (ticket, reminder key) once, a digest
once per (team, week); a unit of work commits on success and rolls back on error; ``for_update``
is a no-op (one lock serializes the units of work). Tickets come out as copies, as rows do, so
a change counts only once it is saved. The outbox half (:class:`tests.memory_outbox.MemoryOutbox`) is the
dispatcher's view of the same queued messages, with the SQL outbox's rules: a claim is a lease, a
card update waits for its card and for the earlier updates, a digest's chart for its text.
"""

from __future__ import annotations

import copy
import secrets
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.core.access import AccessEntry
from bot.core.domain import AuditEntry, DuplicateEvent, OutboundMessage, Status, Ticket, newest_current
from bot.core.ports import EventKey, TicketQuery


@dataclass
class OutboxItem:
    """A queued message as the outbox table holds it."""

    id: int
    message: OutboundMessage
    created_at: datetime
    next_attempt_at: datetime
    status: str = "pending"
    attempts: int = 0
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    platform_message_id: str | None = None
    last_error: str | None = None
    unsure: bool = False


@dataclass
class MemoryState:
    """Everything the store holds; a unit of work changes a copy and commits by swapping it in."""

    tickets: dict[int, Ticket] = field(default_factory=dict)
    events: dict[EventKey, int | None] = field(default_factory=dict)
    """(platform, event id) -> the ticket it opened."""
    originals: dict[EventKey, int] = field(default_factory=dict)
    """(platform, message id) -> the ticket whose original message it is."""
    audit: list[AuditEntry] = field(default_factory=list)
    outbox: list[OutboxItem] = field(default_factory=list)
    reminders: dict[tuple[int, str], datetime] = field(default_factory=dict)
    digests: dict[tuple[str, str], bool] = field(default_factory=dict)
    """(team, week) -> sent late."""
    charts: dict[str, tuple[str, str, dict[str, Any]]] = field(default_factory=dict)
    pending_replies: dict[tuple[str, str, str], tuple[int, datetime]] = field(default_factory=dict)
    """(platform, chat, actor) -> (ticket, when) after お客様に返信 without a form."""


class MemoryUnitOfWork:
    """One unit of work over a private copy of the state; see :class:`bot.core.ports.UnitOfWork`."""

    def __init__(self, state: MemoryState) -> None:
        self.state = state

    # -- events ---------------------------------------------------------------------------------

    def record_event(self, platform: str, event_id: str, at: datetime) -> None:
        if not self.record_events({(platform, event_id): at}):
            raise DuplicateEvent(f"{platform}:{event_id}")

    def record_events(self, events: Mapping[EventKey, datetime]) -> set[EventKey]:
        recorded = {key for key in events if key not in self.state.events}
        self.state.events.update(dict.fromkeys(recorded))
        return recorded

    def find_event_tickets(self, keys: Sequence[EventKey]) -> dict[EventKey, Ticket]:
        refs = {key: self.state.events.get(key) for key in keys}
        return {key: copy.deepcopy(self.state.tickets[ref]) for key, ref in refs.items() if ref is not None}

    def attach_events(self, refs: Mapping[EventKey, int]) -> None:
        self.state.events.update(refs)

    # -- tickets --------------------------------------------------------------------------------

    def record_originals(self, originals: Mapping[EventKey, int]) -> None:
        for key, ref in originals.items():
            self.state.originals.setdefault(key, ref)

    def find_original(self, platform: str, message_id: str) -> Ticket | None:
        ref = self.state.originals.get((platform, message_id))
        return self.get_ticket(ref) if ref is not None else None

    def add_tickets(self, tickets: Sequence[Ticket]) -> None:
        for ticket in tickets:
            ticket.ref = max(self.state.tickets, default=0) + 1
            self.state.tickets[ticket.ref] = copy.deepcopy(ticket)

    def get_ticket(self, ref: int, *, for_update: bool = False) -> Ticket | None:
        ticket = self.state.tickets.get(ref)
        return copy.deepcopy(ticket) if ticket else None

    def save_ticket(self, ticket: Ticket) -> None:
        if ticket.ref not in self.state.tickets:
            raise LookupError(ticket.ref)
        self.state.tickets[ticket.ref] = copy.deepcopy(ticket)

    def open_tickets(self, department: str | None = None, *, limit: int = 50) -> list[Ticket]:
        found = self._tickets(
            lambda t: t.status is not Status.RESOLVED and department in (None, t.department),
            key=lambda t: (t.due_at, t.ref),
        )
        return found[:limit]

    def ticket_for_message(self, platform: str, channel: str, message_id: str) -> Ticket | None:
        for item in self.state.outbox:
            m = item.message
            if (m.kind, m.platform, m.channel, item.platform_message_id) == (
                "card",
                platform,
                channel,
                message_id,
            ):
                return self.get_ticket(m.ticket_ref) if m.ticket_ref is not None else None
        return None

    def tickets_created_between(self, start: datetime, end: datetime, department: str | None) -> list[Ticket]:
        return self._tickets(
            lambda t: start <= t.created_at < end and department in (None, t.department), key=lambda t: t.ref
        )

    def has_tickets_before(self, at: datetime) -> bool:
        return any(ticket.created_at < at for ticket in self.state.tickets.values())

    def customer_ticket_times(self, customers: Sequence[str], since: datetime) -> dict[str, list[datetime]]:
        times: dict[str, list[datetime]] = {customer: [] for customer in customers}
        for ticket in self.state.tickets.values():
            if ticket.customer in times and ticket.created_at >= since:
                times[ticket.customer].append(ticket.created_at)
        return times

    def _tickets(self, keep: Any, *, key: Any) -> list[Ticket]:
        return [copy.deepcopy(t) for t in sorted(filter(keep, self.state.tickets.values()), key=key)]

    # -- audit ----------------------------------------------------------------------------------

    def audit(self, ref: int, at: datetime, actor: str, action: str, detail: dict[str, Any]) -> None:
        self.audit_many([AuditEntry(ref, at, actor, action, detail)])

    def audit_many(self, entries: Sequence[AuditEntry]) -> None:
        for entry in entries:
            if entry.ticket_ref not in self.state.tickets:
                raise LookupError(entry.ticket_ref)  # the table's foreign key
            self.state.audit.append(copy.deepcopy(entry))

    def history(self, ref: int) -> list[AuditEntry]:
        return [copy.deepcopy(entry) for entry in self.state.audit if entry.ticket_ref == ref]

    def corrections(self, start: datetime, end: datetime) -> list[tuple[str, str, str]]:
        return [
            (str(e.detail.get("from") or ""), str(e.detail.get("to")), self.state.tickets[e.ticket_ref].text)
            for e in self.state.audit
            if e.action == "reassigned" and start <= e.at < end
        ]

    # -- outbox queue ---------------------------------------------------------------------------

    def queue(self, message: OutboundMessage, at: datetime) -> None:
        self.queue_many([message], at)

    def queue_many(self, messages: Sequence[OutboundMessage], at: datetime) -> None:
        for message in messages:
            item_id = max((item.id for item in self.state.outbox), default=0) + 1  # some may be dropped
            self.state.outbox.append(OutboxItem(item_id, copy.deepcopy(message), at, at))

    def erase_queued(self, ref: int, cards: Sequence[OutboundMessage]) -> None:
        by_target = {(card.platform, card.channel): card for card in cards}
        kept = []
        for item in self.state.outbox:
            message = item.message
            card = by_target.get((message.platform, message.channel))
            if message.ticket_ref != ref or message.kind == "reply":
                kept.append(item)  # the forwarder's receipt quotes nothing of the complaint
            elif message.kind in ("card", "card_update") and card is not None:
                item.message = replace(message, text=card.text, data=dict(card.data))
                kept.append(item)
            elif item.status not in ("pending", "dead"):
                item.message = replace(message, text="", data={})
                kept.append(item)
            # else dropped: a reminder's excerpt, a full text still to send
        self.state.outbox = kept

    # -- reminders ------------------------------------------------------------------------------

    def due_for_reminder(self, now: datetime, *, limit: int) -> list[tuple[Ticket, frozenset[str]]]:
        due = self._tickets(
            lambda t: t.status is Status.OPEN and t.remind_at is not None and t.remind_at <= now,
            key=lambda t: (t.remind_at, t.ref),
        )
        return self._with_sent(due[:limit])

    def unanswered_due_between(self, start: datetime, end: datetime) -> list[tuple[Ticket, frozenset[str]]]:
        return self._with_sent(
            self._tickets(
                lambda t: t.status is Status.OPEN and start < t.due_at <= end and not t.answered,
                key=lambda t: (t.due_at, t.ref),
            )
        )

    def _with_sent(self, tickets: list[Ticket]) -> list[tuple[Ticket, frozenset[str]]]:
        sent = self.state.reminders
        return [(t, frozenset(key for ref, key in sent if ref == t.ref)) for t in tickets]

    def record_reminders(self, entries: Sequence[tuple[int, str]], at: datetime) -> set[tuple[int, str]]:
        inserted = set()
        for entry in entries:
            if entry not in self.state.reminders:
                self.state.reminders[entry] = at
                inserted.add(entry)
        return inserted

    def schedule_reminders(self, schedule: Mapping[int, datetime | None]) -> None:
        for ref, at in schedule.items():
            self.state.tickets[ref].remind_at = at

    # -- digests --------------------------------------------------------------------------------

    def digests_sent(self, week: str) -> set[str]:
        return {team for team, sent_week in self.state.digests if sent_week == week}

    def record_digest(self, team: str, week: str, at: datetime, *, late: bool = False) -> bool:
        if (team, week) in self.state.digests:
            return False
        self.state.digests[team, week] = late
        return True

    def add_chart(self, team: str, week: str, data: dict[str, Any], at: datetime) -> str:
        token = secrets.token_urlsafe(32)
        self.state.charts[token] = (team, week, copy.deepcopy(data))
        return token

    # -- customers ------------------------------------------------------------------------------

    def open_tickets_of(
        self, platform: str, contacts: Sequence[str], *, resolved_since: datetime | None = None
    ) -> dict[str, Ticket]:
        def current(ticket: Ticket) -> bool:
            if ticket.status is not Status.RESOLVED:
                return True
            return (
                resolved_since is not None
                and ticket.resolved_at is not None
                and ticket.resolved_at >= resolved_since
            )

        return newest_current(
            copy.deepcopy(t)
            for t in self.state.tickets.values()
            if t.platform == platform and t.contact in contacts and current(t)
        )

    def waiting_since_before(self, cutoff: datetime, *, limit: int) -> list[Ticket]:
        waiting = [
            t
            for t in self.state.tickets.values()
            if t.waiting_since is not None and t.waiting_since < cutoff and t.status is not Status.RESOLVED
        ]
        waiting.sort(key=lambda t: (t.waiting_since or cutoff, t.ref))
        return [copy.deepcopy(t) for t in waiting[:limit]]

    def search_tickets(self, query: TicketQuery, *, limit: int) -> list[Ticket]:
        def matches(t: Ticket) -> bool:
            words = query.text.lower()
            found = (query.ref is not None and t.ref == query.ref) or bool(
                words
                and any(words in (value or "").lower() for value in (t.order_number, t.customer, t.text))
            )
            visible = (
                query.departments is None
                or t.department in query.departments
                or (query.forwarder is not None and t.forwarder == query.forwarder)
            )
            return found and visible

        hits = sorted(
            (t for t in self.state.tickets.values() if matches(t)), key=lambda t: (t.created_at, t.ref)
        )
        return [copy.deepcopy(t) for t in reversed(hits)][:limit]

    def expect_reply(self, platform: str, chat: str, actor: str, ref: int, at: datetime) -> None:
        self.state.pending_replies[platform, chat, actor] = (ref, at)

    def take_expected_reply(self, platform: str, chat: str, actor: str, since: datetime) -> int | None:
        pending = self.state.pending_replies.pop((platform, chat, actor), None)
        return pending[0] if pending is not None and pending[1] >= since else None


class MemoryStore:
    """Hands out units of work, one at a time; each commits on success and rolls back on error."""

    def __init__(self) -> None:
        self.state = MemoryState()
        self.lock = threading.RLock()
        self.access_entries: list[AccessEntry] = []
        self.transactions = 0
        """Units of work begun so far (a click should be one)."""

    @contextmanager
    def transaction(self) -> Iterator[MemoryUnitOfWork]:
        with self.lock:
            self.transactions += 1
            work = copy.deepcopy(self.state)
            yield MemoryUnitOfWork(work)
            self.state = work  # reached only without an error: the commit

    def expects_reply(self, platform: str, chat: str, actor: str) -> bool:
        with self.lock:
            return (platform, chat, actor) in self.state.pending_replies

    # -- the access log (bot.core.access.AccessLog) ---------------------------------------------

    def log_access(self, entry: AccessEntry) -> None:
        with self.lock:
            self.access_entries.append(entry)

    def access_log(self) -> list[AccessEntry]:
        with self.lock:
            return list(self.access_entries)

    # -- records (bot.core.records.RecordStore) -------------------------------------------------

    def tickets_since(self, since: datetime) -> list[Ticket]:
        with self.transaction() as uow:
            return uow._tickets(lambda t: t.created_at >= since, key=lambda t: t.ref)

    def erase_texts_before(self, cutoff: datetime, now: datetime) -> int:
        with self.transaction() as uow:
            erased = [t for t in uow.state.tickets.values() if t.created_at < cutoff and t.erased_at is None]
            for ticket in erased:
                ticket.text, ticket.customer, ticket.erased_at = "", None, now
                ticket.note, ticket.names = None, ()
            gone = {ref for ref, t in uow.state.tickets.items() if t.erased_at is not None}
            for item in uow.state.outbox:
                old = item.created_at < cutoff or item.message.ticket_ref in gone
                if old and item.status in ("sent", "dead") and item.message.text:
                    item.message = replace(item.message, text="", data={})
            return len(erased)

    # -- what a test reads ----------------------------------------------------------------------

    def queued(self, kind: str | None = None) -> list[OutboundMessage]:
        """Every message queued so far (of ``kind``), sent or not, in queue order."""
        with self.lock:
            return [item.message for item in self.state.outbox if kind in (None, item.message.kind)]
