"""The ports the core depends on: classifier, clock, chat senders and storage.

Adapters and storage implement these; the core never imports their libraries.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.core.domain import Accepted, AuditEntry, IncomingMessage, OutboundMessage, QueuedMessage, Ticket


@dataclass(frozen=True)
class Prediction:
    """The classifier's answer: the best department, its probability, and the ranking."""

    department: str | None
    confidence: float
    ranking: tuple[tuple[str, float], ...] = ()


class Classifier(Protocol):
    def predict(self, text: str) -> Prediction:
        """Returns the department for ``text``; ``None`` when it is out of scope."""
        ...

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        """``predict`` for each text, in order: one call is much cheaper per text than many."""
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time as an aware UTC datetime."""
        ...


@dataclass(frozen=True)
class SendResult:
    message_id: str | None = None


class SendError(Exception):
    """A delivery failed. ``retry_after`` (seconds) is honoured; ``permanent`` skips retries."""

    def __init__(self, reason: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.permanent = permanent


class Sender(Protocol):
    def send(self, message: OutboundMessage, *, edit_message_id: str | None = None) -> SendResult:
        """Delivers ``message`` (or edits the earlier message ``edit_message_id``).

        Raises:
            SendError: the platform refused or could not be reached.
        """
        ...


EventKey = tuple[str, str]
"""An inbound event: (platform, event id)."""


class UnitOfWork(Protocol):
    """One database transaction; every method works inside it."""

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

    def attach_events(self, refs: Mapping[EventKey, int]) -> None: ...
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

    def get_ticket(self, ref: int, *, for_update: bool = False) -> Ticket | None: ...
    def save_ticket(self, ticket: Ticket) -> None: ...
    def open_tickets(self, department: str | None = None, *, limit: int = 50) -> list[Ticket]: ...
    def ticket_for_message(self, platform: str, channel: str, message_id: str) -> Ticket | None:
        """The ticket whose card is the platform message ``message_id`` in ``channel``."""
        ...

    def audit(self, ref: int, at: datetime, actor: str, action: str, detail: dict[str, Any]) -> None: ...
    def audit_many(self, entries: Sequence[AuditEntry]) -> None: ...
    def history(self, ref: int) -> list[AuditEntry]: ...
    def queue(self, message: OutboundMessage, at: datetime) -> None: ...
    def queue_many(self, messages: Sequence[OutboundMessage], at: datetime) -> None: ...
    def erase_queued(self, ref: int, cards: Sequence[OutboundMessage]) -> None:
        """Forgets ticket ``ref``'s complaint in the outbox: its cards still waiting become ``cards``
        (by target), its other waiting messages but the forwarder's reply are dropped, and the
        stored copies of the messages already sent are blanked."""
        ...

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

    def tickets_created_between(
        self, start: datetime, end: datetime, department: str | None
    ) -> list[Ticket]: ...
    def has_tickets_before(self, at: datetime) -> bool: ...
    def customer_ticket_times(self, customers: Sequence[str], since: datetime) -> dict[str, list[datetime]]:
        """When each customer's tickets created since ``since`` were created (repeat contact)."""
        ...

    def corrections(self, start: datetime, end: datetime) -> list[tuple[str, str, str]]:
        """Reassignments in the window as (from department, to department, complaint text)."""
        ...

    def digests_sent(self, week: str) -> set[str]: ...
    def record_digest(self, team: str, week: str, at: datetime, *, late: bool = False) -> bool: ...
    def add_chart(self, team: str, week: str, data: dict[str, Any], at: datetime) -> str:
        """Stores a digest's chart figures under a new unguessable token, which it returns."""
        ...


@dataclass(frozen=True)
class DayFigures:
    complaints: int
    measured: int
    kept: int


@dataclass
class WeekRows:
    """Per department (``None`` is the triage queue): what a digest lists one by one."""

    texts: defaultdict[str | None, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    waits: defaultdict[str | None, list[timedelta]] = field(default_factory=lambda: defaultdict(list))
    priority: defaultdict[str | None, int] = field(default_factory=lambda: defaultdict(int))
    customers: defaultdict[str | None, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    open_count: defaultdict[str | None, int] = field(default_factory=lambda: defaultdict(int))
    overdue_count: defaultdict[str | None, int] = field(default_factory=lambda: defaultdict(int))
    overdue: defaultdict[str | None, list[tuple[int, datetime]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    moved_away: Counter[str | None] = field(default_factory=Counter)
    moved_to: Counter[str | None] = field(default_factory=Counter)


class Figures(Protocol):
    """Digest aggregates, computed by storage."""

    def day_figures(
        self, bounds: Sequence[tuple[datetime, datetime]], until: datetime
    ) -> list[dict[str | None, DayFigures]]: ...
    def week_rows(self, start: datetime, end: datetime, now: datetime) -> WeekRows: ...
    def texts(self, start: datetime, end: datetime) -> defaultdict[str | None, list[tuple[int, str]]]: ...


class Store(Protocol):
    def transaction(self) -> AbstractContextManager[UnitOfWork]:
        """A unit of work that commits on success and rolls back on error."""
        ...


class Inbox(Protocol):
    """Storage side of the intake: complaints acknowledged and waiting for their tickets."""

    def add(self, message: IncomingMessage) -> None:
        """Stores ``message``; an event already waiting is kept once."""
        ...

    def claim(
        self, now: datetime, limit: int, *, platform: str | None = None, forwarder: str | None = None
    ) -> list[Accepted]: ...
    def done(self, ids: Sequence[int]) -> None: ...
    def failed(self, item_id: int, retry_at: datetime, error: str) -> None:
        """Processing failed unexpectedly: the complaint waits until ``retry_at``, never dropped."""
        ...

    def waiting(self) -> int: ...
    def waiting_for(self, platform: str, forwarder: str) -> int: ...


class Outbox(Protocol):
    """Storage side of the outbox dispatcher."""

    def claim(self, now: datetime, limit: int) -> list[QueuedMessage]: ...
    def delivered(self, item_id: int, now: datetime, message_id: str | None) -> None: ...
    def failed(self, item_id: int, now: datetime, error: str, retry_at: datetime | None) -> None:
        """Records a failed try: back to pending until ``retry_at``, or dead-lettered when ``None``."""
        ...

    def release(self, item_ids: Sequence[int]) -> None:
        """Hands claimed but unsent messages back to the queue (a worker shutting down)."""
        ...

    def pending_count(self) -> int: ...
    def dead_letters(self) -> Iterator[QueuedMessage]: ...
