"""Tickets to rows and back, and the INSERT statements the stores share."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.core.domain import Status, Ticket
from storage.models import Base, DigestRow, ReminderRow, TicketRow

_TICKET_FIELDS = (
    "platform",
    "channel",
    "thread",
    "forwarder",
    "customer",
    "text",
    "language",
    "department",
    "confidence",
    "needs_triage",
    "priority",
    "created_at",
    "due_at",
    "first_response_at",
    "resolved_at",
    "snoozed_until",
    "acknowledged_by",
    "remind_at",
    "erased_at",
    "source_url",
    "source_author",
    "order_number",
    "contact",
    "owner",
    "waiting_since",
    "satisfaction",
    "reply_token",
    "reply_token_at",
    "note",
    "not_complaint",
    "awaiting_since",
    "answer_round",
    "first_due_at",
)


def to_ticket(row: TicketRow) -> Ticket:
    values = {name: getattr(row, name) for name in _TICKET_FIELDS}
    guesses = tuple((str(name), float(p)) for name, p in row.guesses or ())
    return Ticket(
        ref=row.id,
        status=Status(row.status),
        flags=tuple(row.flags or ()),
        guesses=guesses,
        names=tuple(row.names or ()),
        **values,
    )


def ticket_values(ticket: Ticket) -> dict[str, Any]:
    values = {name: getattr(ticket, name) for name in _TICKET_FIELDS}
    values.update(
        status=ticket.status.value,
        flags=list(ticket.flags),
        guesses=[[name, p] for name, p in ticket.guesses],
        names=list(ticket.names) or None,
    )
    return values


def update_row(row: TicketRow, ticket: Ticket) -> None:
    for name, value in ticket_values(ticket).items():
        setattr(row, name, value)


CHUNK = 500
"""Rows per IN list or multi-row INSERT: well inside SQLite's limit on bound parameters."""


def dialect_insert(session: Session, table: type[Base]) -> postgresql.Insert | sqlite.Insert:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database {dialect}")  # pragma: no cover - only these two


def insert_ignoring_conflict(session: Session, table: type[ReminderRow | DigestRow], **values: Any) -> bool:
    """INSERT that yields to an existing unique key; True when this call inserted the row."""
    statement = dialect_insert(session, table).values(**values).on_conflict_do_nothing()
    # RETURNING tells reliably whether the row was inserted; rowcount is not reported for
    # ON CONFLICT statements by every driver.
    return session.execute(statement.returning(table.id)).first() is not None
