"""Tickets to rows and back."""

from __future__ import annotations

from typing import Any

from bot.core.domain import Status, Ticket
from storage.models import TicketRow

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
