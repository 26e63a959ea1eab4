"""The ports the core depends on: classifier, clock, chat senders and the store, split by concept.

Adapters and storage implement these; the core never imports their libraries.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.core.domain import Accepted, AuditEntry, IncomingMessage, OutboundMessage, QueuedMessage, Ticket

if TYPE_CHECKING:  # classifiers.model imports this module (Prediction)
    from classifiers.store import PackedModel


DEFAULT_THRESHOLD = 0.3
"""The confidence a department needs when neither the config nor the classifier says otherwise."""


@dataclass(frozen=True)
class Prediction:
    """The classifier's answer: the best department, its probability, and the ranking.

    ``routed`` is the classifier's own verdict by the thresholds chosen for it (None: it has none).
    """

    department: str | None
    confidence: float
    ranking: tuple[tuple[str, float], ...] = ()
    routed: bool | None = None

    def needs_triage(self, threshold: float | None = None) -> bool:
        """Whether this goes to the triage queue: out of scope, or below ``threshold`` when one is
        configured, else below the classifier's own thresholds (else :data:`DEFAULT_THRESHOLD`)."""
        if self.department is None:
            return True
        if threshold is not None:
            return self.confidence < threshold
        if self.routed is not None:
            return not self.routed
        return self.confidence < DEFAULT_THRESHOLD


class Classifier(Protocol):
    def predict(self, text: str) -> Prediction:
        """Returns the department for ``text``; ``None`` when it is out of scope."""
        ...

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        """``predict`` for each text, in order: one call is much cheaper per text than many."""
        ...


class ModelStore(Protocol):
    """Where the trained classifier is kept for every process (the database)."""

    def latest_id(self) -> int | None:
        """The id of the newest stored model of this version; None when there is none."""
        ...

    def latest(self) -> tuple[int, PackedModel] | None:
        """The newest stored model (of this version first, else of any)."""
        ...

    def add(self, packed: PackedModel, at: datetime) -> int:
        """Stores a model as the newest; returns its id."""
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time as an aware UTC datetime."""
        ...


@dataclass(frozen=True)
class SendResult:
    message_id: str | None = None


class SendError(Exception):
    """A delivery failed. ``retry_after`` (seconds) is honoured; ``permanent`` skips retries;
    ``rate_limited`` is the platform asking to wait, which is not a failure and uses no attempt;
    ``unsure`` means the platform may have taken the message although no answer came (a timeout):
    the next try looks for it before posting again."""

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        rate_limited: bool = False,
        unsure: bool = False,
    ) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.permanent = permanent
        self.rate_limited = rate_limited
        self.unsure = unsure


@dataclass(frozen=True)
class Pace:
    """A platform's published limit for one destination: ``per_second`` messages a second to
    ``key`` (a channel and API method, in the platform's words), with bursts of ``burst``."""

    key: str
    per_second: float
    burst: int = 1


class Sender(Protocol):
    def send(
        self,
        message: OutboundMessage,
        *,
        edit_message_id: str | None = None,
        outbox_id: int | None = None,
        unsure: bool = False,
    ) -> SendResult:
        """Delivers ``message`` (or edits the earlier message ``edit_message_id``).

        Args:
            outbox_id: the outbox row, for a platform that can label a message with it.
            unsure: an earlier try may have been delivered: find it instead of posting again.

        Raises:
            SendError: the platform refused or could not be reached.
        """
        ...

    def pace(self, message: OutboundMessage, *, editing: bool) -> Pace | None:
        """The limit that sending ``message`` counts against; ``None``: no limit to keep."""
        ...


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


class Names(Protocol):
    def display_name(self, platform: str, user_id: str, chat: str) -> str:
        """The name people know ``user_id`` of ``platform`` by in ``chat``; the id itself when the
        platform does not tell (or the person is not of this platform). Never raises: a name is a
        nicety, never a reason to fail a delivery."""
        ...


EventKey = tuple[str, str]
"""An inbound event: (platform, event id)."""


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

    def open_tickets_of(self, platform: str, contacts: Sequence[str]) -> dict[str, Ticket]:
        """Each customer's newest unresolved ticket, by their own chat on ``platform`` (``contact``)."""
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
    answers: defaultdict[str | None, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    """Customers' satisfaction answers as (ticket, answer), for the tickets of the window."""


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

    def quarantine(self, item_id: int, now: datetime, error: str) -> None:
        """Failed too often: kept for the admins, taken by no worker until one retries it."""
        ...

    def waiting(self) -> int: ...
    def waiting_for(self, platform: str, forwarder: str) -> int: ...


class Outbox(Protocol):
    """Storage side of the outbox dispatcher."""

    def claim(
        self,
        now: datetime,
        limit: int,
        *,
        pace: Callable[[OutboundMessage, bool], Pace | None] | None = None,
        horizon: timedelta = timedelta(0),
    ) -> list[QueuedMessage]:
        """Takes what is due, most urgent first, each with a send time within ``horizon`` that keeps
        its destination's ``pace`` (shared by every worker through the database)."""
        ...

    def limited(self, item_id: int, gate: str | None, until: datetime) -> None:
        """A rate limit: the message waits until ``until`` without using an attempt, and so does
        every message to its destination ``gate``, in every worker."""
        ...

    def delivered(self, item_id: int, now: datetime, message_id: str | None) -> None: ...
    def failed(
        self, item_id: int, now: datetime, error: str, retry_at: datetime | None, *, unsure: bool = False
    ) -> None:
        """Records a failed try: back to pending until ``retry_at``, or dead-lettered when ``None``;
        ``unsure``: the platform may have it, so the next try looks first."""
        ...

    def release(self, item_ids: Sequence[int]) -> None:
        """Hands claimed but unsent messages back to the queue (a worker shutting down)."""
        ...

    def pending_count(self) -> int: ...
    def dead_letters(self) -> Iterator[QueuedMessage]: ...
