"""The inbox: complaints accepted from Slack and LINE, waiting for a worker to open their tickets.

The web process only stores the signed event (one INSERT) and acknowledges; classifying, the
ticket, its audit row and its messages happen in a worker (:mod:`bot.inbox`). A row is deleted
once its ticket is committed; a crash in between leaves it to be claimed again after its lease,
and the ticket's event key (``inbound_events``) makes that second try a no-op.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot.domain import IncomingMessage
from storage.models import InboxRow

DEFAULT_LEASE = timedelta(seconds=60)
"""How long a claim keeps other workers off a row: far longer than a batch takes."""


@dataclass(frozen=True)
class Accepted:
    """An inbox row claimed for processing."""

    id: int
    message: IncomingMessage
    attempts: int


def to_json(message: IncomingMessage) -> dict[str, Any]:
    data = asdict(message)
    data["received_at"] = message.received_at.isoformat()
    return data


def from_json(data: dict[str, Any]) -> IncomingMessage:
    return IncomingMessage(**{**data, "received_at": datetime.fromisoformat(data["received_at"])})


class SqlInbox:
    def __init__(self, session_factory: sessionmaker[Session], *, lease: timedelta = DEFAULT_LEASE) -> None:
        self.session_factory = session_factory
        self.lease = lease
        self.engine: Engine = session_factory.kw["bind"]
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        # Built once: the acknowledgement path runs it for every event, with only the values bound.
        self._add = insert(InboxRow).on_conflict_do_nothing().returning(InboxRow.id)

    def add(self, message: IncomingMessage) -> bool:
        """Stores ``message``; False when the same platform event is already waiting here. One
        statement on a plain connection: this is all the work before Slack or LINE hears "OK"."""
        values = {
            "platform": message.platform,
            "event_id": message.event_id,
            "forwarder": message.forwarder,
            "message": to_json(message),
            "received_at": message.received_at,
            "available_at": message.received_at,
            "attempts": 0,
        }
        with self.engine.begin() as connection:
            return connection.execute(self._add, values).first() is not None

    def claim(
        self, now: datetime, limit: int, *, platform: str | None = None, forwarder: str | None = None
    ) -> list[Accepted]:
        """Takes up to ``limit`` waiting rows, oldest first, for one lease; optionally only one
        forwarder's (their complaint must be a ticket before their photo can be attached to it)."""
        with self.session_factory() as session, session.begin():
            statement = (
                select(InboxRow).where(InboxRow.available_at <= now).order_by(InboxRow.id).limit(limit)
            )
            if platform is not None and forwarder is not None:
                statement = statement.where(InboxRow.platform == platform, InboxRow.forwarder == forwarder)
            if session.get_bind().dialect.name == "postgresql":
                statement = statement.with_for_update(skip_locked=True)
            rows = session.scalars(statement).all()
            for row in rows:
                row.available_at = now + self.lease
                row.attempts += 1
            return [Accepted(row.id, from_json(row.message), row.attempts) for row in rows]

    def done(self, ids: Sequence[int]) -> None:
        """The tickets of these rows are committed: the rows go (with the complaint texts in them)."""
        if ids:
            with self.session_factory() as session, session.begin():
                session.execute(delete(InboxRow).where(InboxRow.id.in_(ids)))

    def failed(self, item_id: int, retry_at: datetime, error: str) -> None:
        """Processing failed unexpectedly: the row waits until ``retry_at``; it is never dropped."""
        with self.session_factory() as session, session.begin():
            session.execute(
                update(InboxRow)
                .where(InboxRow.id == item_id)
                .values(available_at=retry_at, last_error=error[:200])
            )

    def waiting(self) -> int:
        """Rows not yet made tickets (including claimed and failing ones)."""
        with self.session_factory() as session:
            return int(session.scalar(select(func.count()).select_from(InboxRow)) or 0)
