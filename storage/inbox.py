"""The inbox: complaints accepted from Slack and LINE, waiting for a worker to open their tickets.

The web process only stores the signed event (one INSERT) and acknowledges; classifying, the
ticket, its audit row and its messages happen in a worker (:mod:`bot.core.inbox`). A row is deleted
once its ticket is committed; a crash in between leaves it to be claimed again after its lease,
and the ticket's event key (``inbound_events``) makes that second try a no-op.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.domain import Accepted, IncomingMessage
from storage.database import SQLITE_BUSY_SECONDS
from storage.models import InboxRow

SQLITE_RETRY_SECONDS = 0.0005
UNREADABLE_RETRY = timedelta(hours=1)
"""A row this version cannot read (a newer version wrote it) is looked at again this much later."""
DEFAULT_LEASE = timedelta(seconds=60)
"""How long a claim keeps other workers off a row: far longer than a batch takes."""


FIELDS = tuple(field.name for field in fields(IncomingMessage))


CLEANED = "cleaned"
"""Marks a message stored already cleaned (see :attr:`Accepted.cleaned`); rows without it are older."""


def to_json(message: IncomingMessage) -> dict[str, Any]:
    data = {name: getattr(message, name) for name in FIELDS}
    data["received_at"] = message.received_at.isoformat()
    data["names"] = list(message.names)
    data[CLEANED] = True
    return data


class WrongTypes(ValueError):
    """A stored message with something other than text where text belongs: no version reads it."""


FLAGS = frozenset({"from_customer"})
"""The message's fields that are true or false, not text."""


def from_json(data: dict[str, Any]) -> IncomingMessage:
    """The stored message; fields it does not know (from a newer version of the bot) are left out.

    Raises:
        WrongTypes: a field holds something other than text (or null).
    """
    known = {name: data[name] for name in FIELDS if name in data and name not in ("received_at", "names")}
    flags = {name: known.pop(name) for name in FLAGS if name in known}
    if not all(isinstance(value, str | None) for value in known.values()):
        raise WrongTypes("a field is not text")
    if not all(isinstance(value, bool) for value in flags.values()):
        raise WrongTypes("a flag is not true or false")
    names = data.get("names") or []
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise WrongTypes("names are not a list of text")
    known.update(flags)
    return IncomingMessage(
        **known, names=tuple(names), received_at=datetime.fromisoformat(data["received_at"])
    )


Row = dict[str, Any]


@dataclass
class _Waiting:
    row: Row
    done: bool = False
    error: BaseException | None = None


class GroupCommit:
    """Writes the rows of many request threads in one transaction (a group commit). The first
    caller writes at once; callers arriving meanwhile wait, and the next of them writes all their
    rows together. Each caller returns only once the transaction holding its row has committed (or
    raises its error), so an acknowledgement still means "stored", at a fraction of a commit each."""

    def __init__(
        self, write: Callable[[list[Row]], None], *, divisible: tuple[type[Exception], ...] = ()
    ) -> None:
        self._write = write
        self._divisible = divisible
        """Errors that one row can cause (a value the database refuses): the group's rows are then
        written one by one, so that only the bad row's request fails."""
        self._turn = threading.Condition()
        self._queue: list[_Waiting] = []
        self._writing = False

    def add(self, row: Row) -> None:
        mine = _Waiting(row)
        with self._turn:
            self._queue.append(mine)
            self._turn.wait_for(lambda: mine.done or not self._writing)
            leader = not mine.done
            if leader:
                self._writing = True
                batch, self._queue = self._queue, []
        if leader:
            self._write_batch(batch)
        if mine.error is not None:
            raise mine.error

    def _write_batch(self, batch: list[_Waiting]) -> None:
        try:
            self._write([waiting.row for waiting in batch])
        except self._divisible:
            for waiting in batch:
                try:
                    self._write([waiting.row])
                except BaseException as error:
                    waiting.error = error
        except BaseException as error:  # the database away, or interrupted: no row is stored
            for waiting in batch:
                waiting.error = error
        with self._turn:
            for waiting in batch:
                waiting.done = True
            self._writing = False
            self._turn.notify_all()


class SqlInbox:
    def __init__(self, session_factory: sessionmaker[Session], *, lease: timedelta = DEFAULT_LEASE) -> None:
        self.session_factory = session_factory
        self.lease = lease
        self.engine: Engine = session_factory.kw["bind"]
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        # Built once: the acknowledgement path runs it for every event, with only the values bound.
        self._insert = insert(InboxRow).on_conflict_do_nothing()
        self._group = GroupCommit(self._insert_rows, divisible=(DataError, IntegrityError))

    def add(self, message: IncomingMessage) -> None:
        """Stores ``message``, cleaned already (an event already waiting here is kept once). This is
        all the work before Slack or LINE hears "OK"."""
        self._group.add(
            {
                "platform": message.platform,
                "event_id": message.event_id,
                "forwarder": message.forwarder,
                "message": to_json(message),
                "received_at": message.received_at,
                "available_at": message.received_at,
                "attempts": 0,
            }
        )

    def _insert_rows(self, rows: list[Row]) -> None:
        if self.engine.dialect.name == "sqlite":
            self._insert_rows_sqlite(rows)
            return
        with self.engine.begin() as connection:
            connection.execute(self._insert, rows)

    def _insert_rows_sqlite(self, rows: list[Row]) -> None:
        """SQLite has one writer at a time, and a writer that finds the file locked waits 1, 2, 5,
        10... ms before it looks again: behind a stream of short transactions from the other web
        processes and the worker it can wait hundreds of ms. The acknowledgement asks every half
        millisecond instead (for at most the usual 30 s)."""
        deadline = time.monotonic() + SQLITE_BUSY_SECONDS
        with self.engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            if raw is None:  # pragma: no cover - a checked-out connection always has one
                raise RuntimeError("no driver connection")
            raw.execute("PRAGMA busy_timeout=0")  # on the driver: no transaction begins for it
            try:
                while True:
                    try:
                        with connection.begin():
                            connection.execute(self._insert, rows)
                        return
                    except OperationalError as error:
                        connection.rollback()
                        if "locked" not in str(error.orig) or time.monotonic() > deadline:
                            raise
                    time.sleep(SQLITE_RETRY_SECONDS)
            finally:
                raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")

    def claim(
        self, now: datetime, limit: int, *, platform: str | None = None, forwarder: str | None = None
    ) -> list[Accepted]:
        """Takes up to ``limit`` waiting rows, oldest first, for one lease; optionally only one
        forwarder's (their complaint must be a ticket before their photo can be attached to it)."""
        with self.session_factory() as session, session.begin():
            statement = (
                select(InboxRow)
                .where(InboxRow.available_at <= now, InboxRow.quarantined_at.is_(None))
                .order_by(InboxRow.id)
                .limit(limit)
            )
            if platform is not None and forwarder is not None:
                statement = statement.where(InboxRow.platform == platform, InboxRow.forwarder == forwarder)
            if session.get_bind().dialect.name == "postgresql":
                statement = statement.with_for_update(skip_locked=True)
            claimed = []
            for row in session.scalars(statement).all():
                row.attempts += 1
                try:
                    message = from_json(row.message)
                except WrongTypes:
                    row.quarantined_at, row.last_error = now, "unreadable: a field is not text"
                    continue
                except (KeyError, TypeError, ValueError) as error:  # never the oldest row forever
                    row.available_at = now + UNREADABLE_RETRY
                    row.last_error = f"unreadable: {type(error).__name__}"
                    continue
                row.available_at = now + self.lease
                cleaned = row.message.get(CLEANED) is True
                claimed.append(Accepted(row.id, message, row.attempts, cleaned))
            return claimed

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

    def quarantine(self, item_id: int, now: datetime, error: str) -> None:
        with self.session_factory() as session, session.begin():
            session.execute(
                update(InboxRow)
                .where(InboxRow.id == item_id)
                .values(quarantined_at=now, last_error=error[:200])
            )

    def waiting_for(self, platform: str, forwarder: str) -> int:
        """One forwarder's complaints not yet tickets (also those a worker is opening now)."""
        with self.session_factory() as session:
            statement = select(func.count()).where(
                InboxRow.platform == platform,
                InboxRow.forwarder == forwarder,
                InboxRow.quarantined_at.is_(None),
            )
            return int(session.scalar(statement) or 0)

    def waiting(self) -> int:
        """Rows not yet made tickets (including claimed and failing ones, not quarantined ones)."""
        with self.session_factory() as session:
            statement = select(func.count()).where(InboxRow.quarantined_at.is_(None))
            return int(session.scalar(statement) or 0)
