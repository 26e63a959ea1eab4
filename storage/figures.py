"""The digest's figures, aggregated in SQL.

Every query reads one time window through the (created_at) index, or the unresolved tickets through
the partial index on them, and groups
by department, so building every team's digest costs a handful of queries whatever the size of the
history. Only the week's complaint texts (for themes) and first-response times (for percentiles)
come back as rows, and only for the window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import String, and_, case, func, literal_column, or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.domain import Status
from bot.core.ports import DayFigures, WeekRows
from storage.models import TicketEventRow, TicketRow

COMPLAINT = TicketRow.not_complaint.is_(False)
"""A ticket closed as "not a complaint" is left out of every figure."""

OVERDUE_LISTED = 10


class SqlFigures:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def day_figures(
        self, bounds: Sequence[tuple[datetime, datetime]], until: datetime
    ) -> list[dict[str | None, DayFigures]]:
        """For each [start, end) window: per department, complaints, those measurable against their
        deadline by ``until`` (answered, or deadline passed) and those answered in time."""
        answered = TicketRow.first_response_at.is_not(None)
        first_due = func.coalesce(TicketRow.first_due_at, TicketRow.due_at)  # a later round moves due_at
        measured = func.sum(case((or_(answered, first_due <= until), 1), else_=0))
        kept = func.sum(case((and_(answered, TicketRow.first_response_at <= first_due), 1), else_=0))
        results: list[dict[str | None, DayFigures]] = []
        with self.session_factory() as session:
            for start, end in bounds:
                rows = session.execute(
                    select(TicketRow.department, func.count(), measured, kept)
                    .where(TicketRow.created_at >= start, TicketRow.created_at < end, COMPLAINT)
                    .group_by(TicketRow.department)
                )
                results.append({dept: DayFigures(int(n), int(m or 0), int(k or 0)) for dept, n, m, k in rows})
        return results

    def texts(self, start: datetime, end: datetime) -> defaultdict[str | None, list[tuple[int, str]]]:
        """The window's complaints per department as (ref, text), for themes."""
        found: defaultdict[str | None, list[tuple[int, str]]] = defaultdict(list)
        with self.session_factory() as session:
            for ref, dept, text in session.execute(
                select(TicketRow.id, TicketRow.department, TicketRow.text).where(
                    TicketRow.created_at >= start, TicketRow.created_at < end, COMPLAINT
                )
            ):
                found[dept].append((ref, text))
        return found

    def week_rows(self, start: datetime, end: datetime, now: datetime) -> WeekRows:
        """What the digest lists one by one for the window: texts, response times, priority tickets,
        repeat customers; open and overdue counts with the longest-overdue tickets; reassignments."""
        rows = WeekRows()
        with self.session_factory() as session:
            _window_tickets(session, rows, start, end)
            _open_tickets(session, rows, end, now)
            _moves(session, rows, start, end)
        return rows


def _window_tickets(session: Session, rows: WeekRows, start: datetime, end: datetime) -> None:
    """One pass over the window's tickets serves texts, answers, waits, priority and repeat customers."""
    for ref, dept, text, customer, priority, created, responded, answer in session.execute(
        select(
            TicketRow.id,
            TicketRow.department,
            TicketRow.text,
            TicketRow.customer,
            TicketRow.priority,
            TicketRow.created_at,
            TicketRow.first_response_at,
            TicketRow.satisfaction,
        ).where(TicketRow.created_at >= start, TicketRow.created_at < end, COMPLAINT)
    ):
        rows.texts[dept].append((ref, text))
        if answer:
            rows.answers[dept].append((ref, answer))
        if responded is not None:
            rows.waits[dept].append(responded - created)
        if priority:
            rows.priority[dept] += 1
        if customer:
            rows.customers[dept][customer] += 1


def _open_tickets(session: Session, rows: WeekRows, end: datetime, now: datetime) -> None:
    """Open and overdue counts per department, with its longest-overdue tickets."""
    owed = or_(TicketRow.first_response_at.is_(None), TicketRow.awaiting_since.is_not(None))
    overdue = and_(owed, TicketRow.due_at < now)
    # Written as the partial index ix_tickets_unresolved's own condition, with the literal,
    # so SQLite and PostgreSQL read the few unresolved tickets from it instead of the whole
    # history (SQLite's statistics otherwise pick (department, created_at): 3 s at 1M).
    resolved = literal_column(f"'{Status.RESOLVED.value}'", String)
    still_open = and_(TicketRow.status != resolved, TicketRow.created_at < end)
    for dept, n, late in session.execute(
        select(TicketRow.department, func.count(), func.sum(case((overdue, 1), else_=0)))
        .where(still_open)
        .group_by(TicketRow.department)
    ):
        rows.open_count[dept] = int(n)
        rows.overdue_count[dept] = int(late or 0)
    rank = func.row_number().over(partition_by=TicketRow.department, order_by=TicketRow.due_at).label("rank")
    listed = select(TicketRow.department, TicketRow.id, TicketRow.due_at, rank).where(still_open, overdue)
    ranked = listed.subquery()
    for dept, ref, due, _rank in session.execute(select(ranked).where(ranked.c.rank <= OVERDUE_LISTED)):
        rows.overdue[dept].append((ref, due))


def _moves(session: Session, rows: WeekRows, start: datetime, end: datetime) -> None:
    """Reassignments in the window, from and to each department."""
    for detail in session.scalars(
        select(TicketEventRow.detail).where(
            TicketEventRow.action == "reassigned", TicketEventRow.at >= start, TicketEventRow.at < end
        )
    ):
        rows.moved_away[detail.get("from")] += 1
        rows.moved_to[detail.get("to")] += 1
