"""What admins do with the outbox: list dead letters (and pending messages), retry, drop.

Every change is audited: on the ticket's audit trail when the message belongs to a ticket, and
always in the log (by the caller) with the message id and who did it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.domain import TriageError
from storage.models import OutboxRow, TicketEventRow


class OutboxAdminError(TriageError, LookupError):
    """An id that is not in the outbox, or not in a state the action applies to (``text_key`` and
    ``params`` as every TriageError, answered in the bot's language)."""


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    status: str
    platform: str
    kind: str
    channel: str
    attempts: int
    ticket_ref: int | None
    last_error: str | None
    text: str
    created_at: datetime


def _entry(row: OutboxRow) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        status=row.status,
        platform=row.platform,
        kind=row.kind,
        channel=row.channel,
        attempts=row.attempts,
        ticket_ref=row.ticket_id,
        last_error=row.last_error,
        text=row.text,
        created_at=row.created_at,
    )


def list_entries(session_factory: sessionmaker[Session], *, pending: bool = False) -> list[OutboxEntry]:
    """Dead letters, oldest first; with ``pending`` also what still waits to be sent."""
    statuses: Sequence[str] = ("dead", "pending", "sending") if pending else ("dead",)
    with session_factory() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.status.in_(statuses)).order_by(OutboxRow.id))
        return [_entry(row) for row in rows]


def retry(
    session_factory: sessionmaker[Session], ids: Sequence[int] | None, now: datetime, actor: str
) -> list[int]:
    """Puts dead letters back in the queue with a fresh set of attempts; ``None`` means all of them.

    Raises:
        OutboxAdminError: an id is unknown or not a dead letter (nothing is changed then).
    """
    with session_factory() as session, session.begin():
        rows = _dead(session, ids)
        for row in rows:
            row.status = "pending"
            row.attempts = 0
            row.next_attempt_at = now
            row.claimed_at = None
            _audit(session, row, now, actor, "outbox_retried")
        return [row.id for row in rows]


def drop(session_factory: sessionmaker[Session], item_id: int, now: datetime, actor: str) -> OutboxEntry:
    """Removes one dead letter for good.

    Raises:
        OutboxAdminError: the id is unknown or not a dead letter.
    """
    with session_factory() as session, session.begin():
        (row,) = _dead(session, [item_id])
        entry = _entry(row)
        _audit(session, row, now, actor, "outbox_dropped")
        session.execute(delete(OutboxRow).where(OutboxRow.id == item_id))
        return entry


def _dead(session: Session, ids: Sequence[int] | None) -> list[OutboxRow]:
    statement = select(OutboxRow).where(OutboxRow.status == "dead").order_by(OutboxRow.id)
    if ids is None:
        return list(session.scalars(statement.with_for_update()))
    # Locked (FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite) so a dispatcher or another admin
    # cannot change them between this check and the change.
    chosen = select(OutboxRow).where(OutboxRow.id.in_(ids)).with_for_update()
    found = {row.id: row for row in session.scalars(chosen)}
    for item_id in ids:
        row = found.get(item_id)
        if row is None:
            raise OutboxAdminError("outbox.unknown", id=item_id)
        if row.status != "dead":
            raise OutboxAdminError("outbox.not_dead", id=item_id, status=row.status)
    return [found[item_id] for item_id in dict.fromkeys(ids)]


def _audit(session: Session, row: OutboxRow, now: datetime, actor: str, action: str) -> None:
    if row.ticket_id is None:
        return  # a digest belongs to no ticket: the log line is its record
    session.add(
        TicketEventRow(
            ticket_id=row.ticket_id,
            at=now,
            actor=actor[:128],
            action=action,
            detail={"outbox_id": row.id, "kind": row.kind, "platform": row.platform},
        )
    )
