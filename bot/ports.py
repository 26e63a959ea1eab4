"""The ports the core depends on: classifier, clock, chat senders and storage.

Adapters and storage implement these; the core never imports their libraries.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.domain import AuditEntry, OutboundMessage, QueuedMessage, Stage, Ticket


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


class UnitOfWork(Protocol):
    """One database transaction; every method works inside it."""

    def find_event_ticket(self, platform: str, event_id: str) -> Ticket | None: ...
    def record_event(self, platform: str, event_id: str, at: datetime) -> None: ...
    def attach_event(self, platform: str, event_id: str, ref: int) -> None: ...
    def add_ticket(self, ticket: Ticket) -> Ticket: ...
    def get_ticket(self, ref: int, *, for_update: bool = False) -> Ticket | None: ...
    def save_ticket(self, ticket: Ticket) -> None: ...
    def open_tickets(self, department: str | None = None, *, limit: int = 50) -> list[Ticket]: ...
    def audit(self, ref: int, at: datetime, actor: str, action: str, detail: dict[str, Any]) -> None: ...
    def history(self, ref: int) -> list[AuditEntry]: ...
    def queue(self, message: OutboundMessage, at: datetime) -> None: ...
    def unanswered_due_before(self, until: datetime) -> list[tuple[Ticket, frozenset[Stage]]]:
        """Open, unanswered tickets due before ``until``, with the reminder stages already sent."""
        ...

    def record_reminder(self, ref: int, stage: Stage, at: datetime) -> bool: ...
    def tickets_created_between(
        self, start: datetime, end: datetime, department: str | None
    ) -> list[Ticket]: ...
    def has_tickets_before(self, at: datetime) -> bool: ...
    def corrections(self, start: datetime, end: datetime) -> list[tuple[str, str, str]]:
        """Reassignments in the window as (from department, to department, complaint text)."""
        ...

    def digests_sent(self, week: str) -> set[str]: ...
    def record_digest(self, team: str, week: str, at: datetime, *, late: bool = False) -> bool: ...


class Store(Protocol):
    def transaction(self) -> AbstractContextManager[UnitOfWork]:
        """A unit of work that commits on success and rolls back on error."""
        ...


class Outbox(Protocol):
    """Storage side of the outbox dispatcher."""

    def claim(self, now: datetime, limit: int) -> list[QueuedMessage]: ...
    def delivered(self, item_id: int, now: datetime, message_id: str | None) -> None: ...
    def failed(self, item_id: int, now: datetime, error: str, retry_at: datetime | None) -> None:
        """Records a failed try: back to pending until ``retry_at``, or dead-lettered when ``None``."""
        ...

    def pending_count(self) -> int: ...
    def dead_letters(self) -> Iterator[QueuedMessage]: ...
