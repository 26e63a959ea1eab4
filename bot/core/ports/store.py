"""The store, split by concept: each port is one concept's rows, all inside one unit of work."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.core.domain import AuditEntry, OutboundMessage, Ticket

EventKey = tuple[str, str]
"""An inbound event: (platform, event id)."""


@dataclass(frozen=True)
class TicketQuery:
    """What ``/find`` looks for: a ticket number, else an order number, a customer or words."""

    ref: int | None = None
    text: str = ""
    """Matched against the order number, the customer's name and the complaint's text."""
    departments: frozenset[str] | None = None
    """Only these departments' tickets (``None``: every ticket)."""
    forwarder: str | None = None
    """Also the tickets this person forwarded, whatever their department."""


class EventLog(Protocol):
    """Inbound platform events, recorded once each: Slack retries and LINE redeliveries dedupe here."""

    def record_event(self, platform: str, event_id: str, at: datetime) -> None:
        """Records an event that opens no ticket.

        Raises:
            DuplicateEvent: it was recorded before.
        """
        ...

    def record_events(self, events: Mapping[EventKey, datetime]) -> set[EventKey]:
        """Records each event with its arrival time; returns those not recorded before."""
        ...

    def find_event_tickets(self, keys: Sequence[EventKey]) -> dict[EventKey, Ticket]:
        """The tickets that recorded events opened (events without a ticket are left out)."""
        ...

    def attach_events(self, refs: Mapping[EventKey, int]) -> None:
        """Notes the ticket each recorded event opened."""
        ...


class Tickets(Protocol):
    """The tickets themselves."""

    def record_originals(self, originals: Mapping[EventKey, int]) -> None:
        """Records each ticket's original message, ``(platform, message id) -> ref``; a message
        recorded before keeps its ticket."""
        ...

    def find_original(self, platform: str, message_id: str) -> Ticket | None:
        """The ticket whose original message this is."""
        ...

    def add_tickets(self, tickets: Sequence[Ticket]) -> None:
        """Stores new tickets and sets each one's ``ref``."""
        ...

    def get_ticket(self, ref: int, *, for_update: bool = False) -> Ticket | None:
        """The ticket ``ref``; ``for_update`` locks its row until the unit of work ends."""
        ...

    def save_ticket(self, ticket: Ticket) -> None:
        """Writes back a changed ticket.

        Raises:
            LookupError: there is no ticket ``ticket.ref``.
        """
        ...

    def open_tickets(self, department: str | None = None, *, limit: int = 50) -> list[Ticket]:
        """Tickets not resolved (of ``department``), soonest deadline first."""
        ...

    def ticket_for_message(self, platform: str, channel: str, message_id: str) -> Ticket | None:
        """The ticket whose card is the platform message ``message_id`` in ``channel``."""
        ...

    def tickets_created_between(self, start: datetime, end: datetime, department: str | None) -> list[Ticket]:
        """Tickets created in [``start``, ``end``) (of ``department`` unless ``None``), oldest first."""
        ...

    def has_tickets_before(self, at: datetime) -> bool: ...
    def customer_ticket_times(self, customers: Sequence[str], since: datetime) -> dict[str, list[datetime]]:
        """When each customer's tickets created since ``since`` were created (repeat contact)."""
        ...


class AuditTrail(Protocol):
    """What happened to each ticket, by whom: ``/history``, and the classifier's corrections."""

    def audit(self, ref: int, at: datetime, actor: str, action: str, detail: dict[str, Any]) -> None: ...
    def audit_many(self, entries: Sequence[AuditEntry]) -> None: ...
    def history(self, ref: int) -> list[AuditEntry]:
        """The ticket's entries in the order they were written."""
        ...

    def corrections(self, start: datetime, end: datetime) -> list[tuple[str, str, str]]:
        """Reassignments in the window as (from department, to department, complaint text)."""
        ...


class OutboxQueue(Protocol):
    """Chat messages queued in the transaction that causes them (the dispatcher sends them later)."""

    def queue(self, message: OutboundMessage, at: datetime) -> None: ...
    def queue_many(self, messages: Sequence[OutboundMessage], at: datetime) -> None: ...
    def erase_queued(self, ref: int, cards: Sequence[OutboundMessage]) -> None:
        """Forgets ticket ``ref``'s complaint in the outbox: its cards still waiting become ``cards``
        (by target), its other waiting messages but the forwarder's reply are dropped, and the
        stored copies of the messages already sent are blanked."""
        ...


class ReminderLog(Protocol):
    """Which reminders each ticket got (once per (ticket, reminder key)) and when to look at it next."""

    def due_for_reminder(self, now: datetime, *, limit: int) -> list[tuple[Ticket, frozenset[str]]]:
        """Claims open tickets whose ``remind_at`` has come, with the reminder keys already sent."""
        ...

    def unanswered_due_between(self, start: datetime, end: datetime) -> list[tuple[Ticket, frozenset[str]]]:
        """Open, unanswered tickets due in (``start``, ``end``], with the reminder keys already sent."""
        ...

    def record_reminders(self, entries: Sequence[tuple[int, str]], at: datetime) -> set[tuple[int, str]]:
        """Records (ticket, reminder key) pairs once each; returns the pairs this call inserted."""
        ...

    def schedule_reminders(self, schedule: Mapping[int, datetime | None]) -> None:
        """Sets each ticket's ``remind_at``."""
        ...


class DigestLog(Protocol):
    """The weekly digests sent (once per (team, week)) and their charts."""

    def digests_sent(self, week: str) -> set[str]:
        """The teams whose digest of ``week`` was recorded."""
        ...

    def record_digest(self, team: str, week: str, at: datetime, *, late: bool = False) -> bool:
        """Records (team, week) once; False when it was recorded before (another worker sent it)."""
        ...

    def add_chart(self, team: str, week: str, data: dict[str, Any], at: datetime) -> str:
        """Stores a digest's chart figures under a new unguessable token, which it returns."""
        ...


class CustomerTickets(Protocol):
    """Tickets of customers who write in themselves, and ``/find``."""

    def open_tickets_of(
        self, platform: str, contacts: Sequence[str], *, resolved_since: datetime | None = None
    ) -> dict[str, Ticket]:
        """Each customer's newest unresolved ticket, by their own chat on ``platform`` (``contact``);
        with ``resolved_since``, else their newest ticket resolved since then
        (:func:`bot.core.domain.newest_current`)."""
        ...

    def waiting_since_before(self, cutoff: datetime, *, limit: int) -> list[Ticket]:
        """Unresolved tickets waiting for their customer since before ``cutoff``, locked, oldest first."""
        ...

    def search_tickets(self, query: TicketQuery, *, limit: int) -> list[Ticket]:
        """Tickets matching ``query``, newest first."""
        ...


class PendingReplies(Protocol):
    """Staff who pressed お客様に返信 where there is no form: their next message is the reply."""

    def expect_reply(self, platform: str, chat: str, actor: str, ref: int, at: datetime) -> None:
        """``actor``'s next message in ``chat`` is their reply to ticket ``ref``'s customer."""
        ...

    def take_expected_reply(self, platform: str, chat: str, actor: str, since: datetime) -> int | None:
        """The ticket ``actor`` is replying to in ``chat`` (asked after ``since``), forgotten once read."""
        ...


class UnitOfWork(
    Tickets,
    EventLog,
    AuditTrail,
    OutboxQueue,
    ReminderLog,
    DigestLog,
    CustomerTickets,
    PendingReplies,
    Protocol,
):
    """One database transaction over every store port; each method works inside it."""


class Store(Protocol):
    def transaction(self) -> AbstractContextManager[UnitOfWork]:
        """A unit of work that commits on success and rolls back on error."""
        ...

    def expects_reply(self, platform: str, chat: str, actor: str) -> bool:
        """``actor`` has announced a reply in ``chat`` (:meth:`PendingReplies.expect_reply`): read
        outside any unit of work, so that an ordinary message costs no write transaction."""
        ...
