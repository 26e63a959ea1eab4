"""Records outside the ticket's own life: the access log, exports, and retention's erasing."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.core.access import AccessEntry
from bot.core.domain import Ticket
from storage.models import AccessEventRow, OutboxRow, TicketRow
from storage.rows import to_ticket


class SqlRecords:
    """Each call is its own short transaction."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def log_access(self, entry: AccessEntry) -> None:
        with self.session_factory() as session, session.begin():
            session.add(
                AccessEventRow(
                    at=entry.at,
                    actor=entry.actor[:128],
                    action=entry.action,
                    allowed=entry.allowed,
                    detail=entry.detail,
                )
            )

    def access_log(self) -> list[AccessEntry]:
        with self.session_factory() as session:
            rows = session.scalars(select(AccessEventRow).order_by(AccessEventRow.id))
            return [AccessEntry(r.at, r.actor, r.action, r.allowed, dict(r.detail)) for r in rows]

    def tickets_since(self, since: datetime) -> list[Ticket]:
        with self.session_factory() as session:
            rows = session.scalars(
                select(TicketRow).where(TicketRow.created_at >= since).order_by(TicketRow.id)
            )
            return [to_ticket(row) for row in rows]

    def erase_texts_before(self, cutoff: datetime, now: datetime) -> int:
        """Erases complaint texts and customer names of tickets created before ``cutoff``, and the
        texts of delivered or dead outbox messages from then or about an erased ticket (the full
        text sent to a permitted person last week is one). Counts, deadlines, departments and the
        audit trail stay."""
        with self.session_factory() as session, session.begin():
            result = session.execute(
                update(TicketRow)
                .where(TicketRow.created_at < cutoff, TicketRow.erased_at.is_(None))
                .values(text="", customer=None, note=None, names=None, erased_at=now)
            )
            erased = cast(CursorResult[Any], result).rowcount
            session.execute(
                update(OutboxRow)
                .where(
                    or_(
                        OutboxRow.created_at < cutoff,
                        OutboxRow.ticket_id.in_(select(TicketRow.id).where(TicketRow.erased_at.is_not(None))),
                    ),
                    OutboxRow.status.in_(("sent", "dead")),
                    OutboxRow.text != "",
                )
                .values(text="", data={})
            )
        return int(erased or 0)
