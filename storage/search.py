"""``/find``: tickets by number, order number, customer or words, newest first."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from bot.core.domain import Ticket
from bot.core.ports import TicketQuery
from storage.models import TicketRow
from storage.rows import to_ticket


def _like(text: str) -> str:
    """A LIKE pattern that matches ``text`` literally (``%`` and ``_`` typed by a person are text)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_tickets(session: Session, query: TicketQuery, *, limit: int) -> list[Ticket]:
    """Erased texts (retention) are not searched: their rows keep an empty text."""
    matches: list[ColumnElement[bool]] = []
    if query.ref is not None:
        matches.append(TicketRow.id == query.ref)
    if query.text:
        pattern = _like(query.text)
        matches += [
            TicketRow.order_number.ilike(pattern, escape="\\"),
            TicketRow.customer.ilike(pattern, escape="\\"),
            TicketRow.text.ilike(pattern, escape="\\"),
        ]
    if not matches:
        return []
    statement = select(TicketRow).where(or_(*matches))
    if query.departments is not None:
        visible: list[ColumnElement[bool]] = [TicketRow.department.in_(sorted(query.departments))]
        if query.forwarder:
            visible.append(TicketRow.forwarder == query.forwarder)
        statement = statement.where(or_(false(), *visible))
    rows = session.scalars(statement.order_by(TicketRow.created_at.desc(), TicketRow.id.desc()).limit(limit))
    return [to_ticket(row) for row in rows]
