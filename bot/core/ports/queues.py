"""The two queues around the unit of work: the inbox before the ticket, the outbox after it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.domain import Accepted, IncomingMessage, OutboundMessage, QueuedMessage
from bot.core.ports.chat import Pace


class InboxStore(Protocol):
    """Storage side of the intake: complaints acknowledged and waiting for their tickets."""

    def add(self, message: IncomingMessage) -> None:
        """Stores ``message``, whose text is cleaned already; an event already waiting is kept once.
        The worker takes it back as it is (:attr:`~bot.core.domain.Accepted.cleaned`)."""
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
