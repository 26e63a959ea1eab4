"""The scheduled jobs' logs: which reminders each ticket got and when the sweep looks at it next;
which weekly digests were sent and their charts. Each is recorded once by a unique key."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.core.domain import Status, Ticket
from storage.models import DigestChartRow, DigestRow, ReminderRow, TicketRow
from storage.rows import CHUNK, dialect_insert, insert_ignoring_conflict, to_ticket


class SqlReminderLog:
    """See :class:`bot.core.ports.ReminderLog`."""

    session: Session

    def due_for_reminder(self, now: datetime, *, limit: int) -> list[tuple[Ticket, frozenset[str]]]:
        """Claims open tickets whose next reminder is due, with the reminder keys already sent.

        Reads the (status, remind_at) index, so it costs what is due, not what is stored. On
        PostgreSQL the rows stay locked until commit and other workers skip them.
        """
        statement = (
            select(TicketRow)
            .where(TicketRow.status == Status.OPEN.value, TicketRow.remind_at <= now)
            .order_by(TicketRow.remind_at)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        return self._with_sent(self.session.scalars(statement).all())

    def unanswered_due_between(self, start: datetime, end: datetime) -> list[tuple[Ticket, frozenset[str]]]:
        """Open, unanswered tickets due in (``start``, ``end``], with the reminder keys already sent."""
        rows = self.session.scalars(
            select(TicketRow)
            .where(
                TicketRow.status == Status.OPEN.value,
                TicketRow.due_at > start,
                TicketRow.due_at <= end,
                or_(TicketRow.first_response_at.is_(None), TicketRow.awaiting_since.is_not(None)),
                TicketRow.waiting_since.is_(None),
            )
            .order_by(TicketRow.due_at, TicketRow.id)
        ).all()
        return self._with_sent(rows)

    def _with_sent(self, rows: Sequence[TicketRow]) -> list[tuple[Ticket, frozenset[str]]]:
        sent: dict[int, set[str]] = {row.id: set() for row in rows}
        ids = list(sent)
        for i in range(0, len(ids), CHUNK):
            for ticket_id, key in self.session.execute(
                select(ReminderRow.ticket_id, ReminderRow.stage).where(
                    ReminderRow.ticket_id.in_(ids[i : i + CHUNK])
                )
            ):
                sent[ticket_id].add(key)
        return [(to_ticket(row), frozenset(sent[row.id])) for row in rows]

    def record_reminders(self, entries: Sequence[tuple[int, str]], at: datetime) -> set[tuple[int, str]]:
        """Records (ticket, reminder key) pairs; returns those this call inserted (not already there)."""
        if not entries:
            return set()
        # One cached statement, executed as "insertmanyvalues" batches: RETURNING names the rows
        # that were inserted, and a conflict (another worker's row) returns nothing.
        statement = dialect_insert(self.session, ReminderRow).on_conflict_do_nothing()
        returning = statement.returning(ReminderRow.ticket_id, ReminderRow.stage)
        values = [{"ticket_id": ref, "stage": key, "sent_at": at} for ref, key in entries]
        return {(ref, key) for ref, key in self.session.execute(returning, values)}

    def schedule_reminders(self, schedule: Mapping[int, datetime | None]) -> None:
        """Sets when the sweep next looks at each ticket (``None``: never again)."""
        if schedule:
            self.session.execute(
                update(TicketRow), [{"id": ref, "remind_at": at} for ref, at in schedule.items()]
            )


class SqlDigestLog:
    """See :class:`bot.core.ports.DigestLog`."""

    session: Session

    def digests_sent(self, week: str) -> set[str]:
        return set(self.session.scalars(select(DigestRow.team).where(DigestRow.week == week)))

    def record_digest(self, team: str, week: str, at: datetime, *, late: bool = False) -> bool:
        return insert_ignoring_conflict(self.session, DigestRow, team=team, week=week, sent_at=at, late=late)

    def add_chart(self, team: str, week: str, data: dict[str, Any], at: datetime) -> str:
        token = secrets.token_urlsafe(32)  # 256 random bits: the URL is the only key
        self.session.add(DigestChartRow(token=token, team=team, week=week, data=data, created_at=at))
        return token
