"""What admins do with quarantined complaints: list them, put them back for a worker, drop one.

A complaint is quarantined when opening its ticket failed too often (:mod:`bot.core.inbox`); it
stays here, with its text, until an admin decides. Every change is audited (``access_events``, and
by the caller in the log) with who did it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.domain import TriageError
from storage.models import AccessEventRow, InboxRow


class InboxAdminError(TriageError, LookupError):
    """An id that is not in the inbox, or not quarantined (``text_key`` and ``params`` as every
    TriageError, answered in the bot's language)."""


@dataclass(frozen=True)
class InboxEntry:
    id: int
    platform: str
    event_id: str
    attempts: int
    last_error: str | None
    text: str
    received_at: datetime
    quarantined_at: datetime | None


def _entry(row: InboxRow) -> InboxEntry:
    text = row.message.get("text") if isinstance(row.message, dict) else None
    return InboxEntry(
        id=row.id,
        platform=row.platform,
        event_id=row.event_id,
        attempts=row.attempts,
        last_error=row.last_error,
        text=text if isinstance(text, str) else "",
        received_at=row.received_at,
        quarantined_at=row.quarantined_at,
    )


def list_entries(session_factory: sessionmaker[Session], *, waiting: bool = False) -> list[InboxEntry]:
    """Quarantined complaints, oldest first; with ``waiting`` also the ones still in a worker's hands."""
    statement = select(InboxRow).order_by(InboxRow.id)
    if not waiting:
        statement = statement.where(InboxRow.quarantined_at.is_not(None))
    with session_factory() as session:
        return [_entry(row) for row in session.scalars(statement)]


def retry(session_factory: sessionmaker[Session], ids: Sequence[int], now: datetime, actor: str) -> list[int]:
    """Gives quarantined complaints back to the workers with a fresh set of attempts.

    Raises:
        InboxAdminError: an id is unknown or not quarantined (nothing is changed then).
    """
    with session_factory() as session, session.begin():
        rows = _quarantined(session, ids)
        for row in rows:
            row.quarantined_at = None
            row.attempts = 0
            row.available_at = now
            _audit(session, row, now, actor, "inbox_retried")
        return [row.id for row in rows]


def drop(session_factory: sessionmaker[Session], item_id: int, now: datetime, actor: str) -> InboxEntry:
    """Removes one quarantined complaint for good (it never becomes a ticket).

    Raises:
        InboxAdminError: the id is unknown or not quarantined.
    """
    with session_factory() as session, session.begin():
        (row,) = _quarantined(session, [item_id])
        entry = _entry(row)
        _audit(session, row, now, actor, "inbox_dropped")
        session.execute(delete(InboxRow).where(InboxRow.id == item_id))
        return entry


def _quarantined(session: Session, ids: Sequence[int]) -> list[InboxRow]:
    # Locked (FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite): no worker or other admin changes
    # them between this check and the change.
    chosen = select(InboxRow).where(InboxRow.id.in_(ids)).with_for_update()
    found = {row.id: row for row in session.scalars(chosen)}
    for item_id in ids:
        row = found.get(item_id)
        if row is None:
            raise InboxAdminError("inbox.unknown", id=item_id)
        if row.quarantined_at is None:
            raise InboxAdminError("inbox.not_quarantined", id=item_id)
    return [found[item_id] for item_id in dict.fromkeys(ids)]


def _audit(session: Session, row: InboxRow, now: datetime, actor: str, action: str) -> None:
    detail = {"inbox_id": row.id, "platform": row.platform, "event_id": row.event_id}
    session.add(AccessEventRow(at=now, actor=actor[:128], action=action, allowed=True, detail=detail))
