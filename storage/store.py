"""The core's store ports over one SQLAlchemy session: tickets, events, audit, outbox, customers (the
reminder and digest logs are in :mod:`storage.logs`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, exists, insert, or_, select, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

from bot.core.domain import AuditEntry, DuplicateEvent, OutboundMessage, Status, Ticket, newest_current
from bot.core.outbox import priority
from bot.core.ports import EventKey, TicketQuery
from storage.database import NUL_STAND_IN, READ_ONLY
from storage.logs import SqlDigestLog, SqlReminderLog
from storage.models import (
    InboundEventRow,
    OriginalMessageRow,
    OutboxRow,
    PendingReplyRow,
    TicketEventRow,
    TicketRow,
)
from storage.rows import CHUNK, dialect_insert, ticket_values, to_ticket, update_row
from storage.search import search_tickets


def _stored(key: EventKey) -> EventKey:
    """An event key as the database gives it back (PostgreSQL stores no NUL: see ``make_engine``)."""
    platform, event_id = key
    return platform.replace("\x00", NUL_STAND_IN), event_id.replace("\x00", NUL_STAND_IN)


class SqlUnitOfWork(SqlReminderLog, SqlDigestLog):
    """One transaction; see :class:`bot.core.ports.UnitOfWork`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def _connection(self) -> Connection:
        """Core statements skip the ORM's unit of work: intake writes many rows it never reads back."""
        return self.session.connection()

    def record_event(self, platform: str, event_id: str, at: datetime) -> None:
        if not self.record_events({(platform, event_id): at}):
            raise DuplicateEvent(f"{platform}:{event_id}")

    def record_events(self, events: Mapping[EventKey, datetime]) -> set[EventKey]:
        """Records each (platform, event id) with its arrival; returns the ones this call recorded.

        A key that another transaction is recording waits for its outcome: recorded there, it is
        not recorded here. Sorted keys make two batches that share events lock them in one order.
        """
        if not events:
            return set()
        statement = dialect_insert(self.session, InboundEventRow).on_conflict_do_nothing()
        returning = statement.returning(InboundEventRow.platform, InboundEventRow.event_id)
        values = [
            {"platform": platform, "event_id": event_id, "received_at": events[platform, event_id]}
            for platform, event_id in sorted(events)
        ]
        inserted = {
            _stored((platform, event_id))
            for platform, event_id in self._connection.execute(returning, values)
        }
        return {key for key in events if _stored(key) in inserted}

    def find_event_tickets(self, keys: Sequence[EventKey]) -> dict[EventKey, Ticket]:
        found: dict[EventKey, Ticket] = {}
        for i in range(0, len(keys), CHUNK):
            rows = self.session.execute(
                select(InboundEventRow.platform, InboundEventRow.event_id, TicketRow)
                .join(TicketRow, InboundEventRow.ticket_id == TicketRow.id)
                .where(tuple_(InboundEventRow.platform, InboundEventRow.event_id).in_(keys[i : i + CHUNK]))
            )
            found.update({_stored((platform, event_id)): to_ticket(row) for platform, event_id, row in rows})
        return {key: found[_stored(key)] for key in keys if _stored(key) in found}

    def attach_events(self, refs: Mapping[EventKey, int]) -> None:
        statement = (
            update(InboundEventRow)
            .where(InboundEventRow.platform == bindparam("key_platform"))
            .where(InboundEventRow.event_id == bindparam("key_event"))
            .values(ticket_id=bindparam("ref"))
        )
        values = [{"key_platform": p, "key_event": e, "ref": ref} for (p, e), ref in refs.items()]
        if values:
            self._connection.execute(statement, values)

    def record_originals(self, originals: Mapping[EventKey, int]) -> None:
        values = [
            {"platform": platform, "message_id": message_id, "ticket_id": ref}
            for (platform, message_id), ref in sorted(originals.items())
        ]
        if values:
            statement = dialect_insert(self.session, OriginalMessageRow).on_conflict_do_nothing()
            self._connection.execute(statement, values)

    def find_original(self, platform: str, message_id: str) -> Ticket | None:
        row = self.session.scalar(
            select(TicketRow)
            .join(OriginalMessageRow, OriginalMessageRow.ticket_id == TicketRow.id)
            .where(OriginalMessageRow.platform == platform, OriginalMessageRow.message_id == message_id)
        )
        return to_ticket(row) if row is not None else None

    def add_tickets(self, tickets: Sequence[Ticket]) -> None:
        if not tickets:
            return
        statement = insert(TicketRow).returning(TicketRow.id, sort_by_parameter_order=True)
        rows = self._connection.execute(statement, [ticket_values(ticket) for ticket in tickets])
        for ticket, (ref,) in zip(tickets, rows, strict=True):
            ticket.ref = ref

    def get_ticket(self, ref: int, *, for_update: bool = False) -> Ticket | None:
        statement = select(TicketRow).where(TicketRow.id == ref)
        if for_update:
            statement = statement.with_for_update()
        row = self.session.scalars(statement).first()
        return to_ticket(row) if row else None

    def save_ticket(self, ticket: Ticket) -> None:
        row = self.session.get(TicketRow, ticket.ref)
        if row is None:
            raise LookupError(ticket.ref)
        update_row(row, ticket)

    def open_tickets(self, department: str | None = None, *, limit: int = 50) -> list[Ticket]:
        statement = select(TicketRow).where(TicketRow.status != Status.RESOLVED.value)
        if department is not None:
            statement = statement.where(TicketRow.department == department)
        rows = self.session.scalars(statement.order_by(TicketRow.due_at, TicketRow.id).limit(limit))
        return [to_ticket(row) for row in rows]

    def ticket_for_message(self, platform: str, channel: str, message_id: str) -> Ticket | None:
        row = self.session.scalars(
            select(TicketRow)
            .join(OutboxRow, OutboxRow.ticket_id == TicketRow.id)
            .where(
                OutboxRow.kind == "card",
                OutboxRow.platform == platform,
                OutboxRow.channel == channel,
                OutboxRow.platform_message_id == message_id,
            )
            .limit(1)
        ).first()
        return to_ticket(row) if row else None

    def open_tickets_of(
        self, platform: str, contacts: Sequence[str], *, resolved_since: datetime | None = None
    ) -> dict[str, Ticket]:
        found: dict[str, Ticket] = {}
        unique = sorted(set(contacts))
        current = TicketRow.status != Status.RESOLVED.value
        if resolved_since is not None:
            current = or_(current, TicketRow.resolved_at >= resolved_since)
        for i in range(0, len(unique), CHUNK):
            rows = self.session.scalars(
                select(TicketRow)
                .where(TicketRow.platform == platform, TicketRow.contact.in_(unique[i : i + CHUNK]), current)
                .order_by(TicketRow.id)
            )
            found.update(newest_current(to_ticket(row) for row in rows))
        return found

    def waiting_since_before(self, cutoff: datetime, *, limit: int) -> list[Ticket]:
        statement = (
            select(TicketRow)
            .where(TicketRow.waiting_since < cutoff, TicketRow.status != Status.RESOLVED.value)
            .order_by(TicketRow.waiting_since, TicketRow.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        return [to_ticket(row) for row in self.session.scalars(statement)]

    def search_tickets(self, query: TicketQuery, *, limit: int) -> list[Ticket]:
        return search_tickets(self.session, query, limit=limit)

    def expect_reply(self, platform: str, chat: str, actor: str, ref: int, at: datetime) -> None:
        self.session.execute(
            delete(PendingReplyRow).where(
                PendingReplyRow.platform == platform,
                PendingReplyRow.chat == chat,
                PendingReplyRow.actor == actor,
            )
        )
        self.session.add(PendingReplyRow(platform=platform, chat=chat, actor=actor, ticket_id=ref, at=at))

    def take_expected_reply(self, platform: str, chat: str, actor: str, since: datetime) -> int | None:
        row = self.session.scalars(
            select(PendingReplyRow)
            .where(
                PendingReplyRow.platform == platform,
                PendingReplyRow.chat == chat,
                PendingReplyRow.actor == actor,
            )
            .with_for_update()
        ).first()
        if row is None:
            return None
        ref, at = row.ticket_id, row.at
        self.session.delete(row)
        return ref if at >= since else None

    def audit(self, ref: int, at: datetime, actor: str, action: str, detail: dict[str, Any]) -> None:
        self.audit_many([AuditEntry(ref, at, actor, action, detail)])

    def audit_many(self, entries: Sequence[AuditEntry]) -> None:
        values = [
            {"ticket_id": e.ticket_ref, "at": e.at, "actor": e.actor, "action": e.action, "detail": e.detail}
            for e in entries
        ]
        if values:
            self._connection.execute(insert(TicketEventRow), values)

    def history(self, ref: int) -> list[AuditEntry]:
        rows = self.session.scalars(
            select(TicketEventRow).where(TicketEventRow.ticket_id == ref).order_by(TicketEventRow.id)
        )
        return [AuditEntry(ref, row.at, row.actor, row.action, dict(row.detail)) for row in rows]

    def queue(self, message: OutboundMessage, at: datetime) -> None:
        self.queue_many([message], at)

    def queue_many(self, messages: Sequence[OutboundMessage], at: datetime) -> None:
        values = [
            {
                "platform": m.platform,
                "channel": m.channel,
                "thread": m.thread,
                "kind": m.kind,
                "ticket_id": m.ticket_ref,
                "text": m.text,
                "data": m.data,
                "status": "pending",
                "attempts": 0,
                "created_at": at,
                "next_attempt_at": at,
                "priority": priority(m.kind),
            }
            for m in messages
        ]
        if values:
            self._connection.execute(insert(OutboxRow), values)

    def erase_queued(self, ref: int, cards: Sequence[OutboundMessage]) -> None:
        by_target = {(card.platform, card.channel): card for card in cards}
        for row in self.session.scalars(select(OutboxRow).where(OutboxRow.ticket_id == ref)).all():
            card = by_target.get((row.platform, row.channel))
            if row.kind in ("card", "card_update") and card is not None:
                row.text, row.data = card.text, dict(card.data)
            elif row.kind == "reply":
                continue  # the forwarder's receipt quotes nothing of the complaint
            elif row.status in ("pending", "dead"):
                self.session.delete(row)  # a reminder's excerpt, a full text still to send
            else:
                row.text, row.data = "", {}
        self.session.flush()

    def tickets_created_between(self, start: datetime, end: datetime, department: str | None) -> list[Ticket]:
        statement = select(TicketRow).where(TicketRow.created_at >= start, TicketRow.created_at < end)
        if department is not None:
            statement = statement.where(TicketRow.department == department)
        return [to_ticket(row) for row in self.session.scalars(statement.order_by(TicketRow.id))]

    def has_tickets_before(self, at: datetime) -> bool:
        return self.session.scalar(select(TicketRow.id).where(TicketRow.created_at < at).limit(1)) is not None

    def customer_ticket_times(self, customers: Sequence[str], since: datetime) -> dict[str, list[datetime]]:
        times: dict[str, list[datetime]] = {customer: [] for customer in customers}
        for i in range(0, len(customers), CHUNK):
            rows = self.session.execute(
                select(TicketRow.customer, TicketRow.created_at).where(
                    TicketRow.customer.in_(customers[i : i + CHUNK]), TicketRow.created_at >= since
                )
            )
            for customer, created_at in rows:
                times[str(customer)].append(created_at)
        return times

    def corrections(self, start: datetime, end: datetime) -> list[tuple[str, str, str]]:
        rows = self.session.execute(
            select(TicketEventRow.detail, TicketRow.text)
            .join(TicketRow, TicketRow.id == TicketEventRow.ticket_id)
            .where(TicketEventRow.action == "reassigned", TicketEventRow.at >= start, TicketEventRow.at < end)
            .order_by(TicketEventRow.id)
        )
        return [(str(detail.get("from") or ""), str(detail.get("to")), text) for detail, text in rows]


class SqlStore:
    """Hands out units of work; each commits on success and rolls back on error."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory
        # Built once: every LINE text asks it, with only the values bound.
        self._expects_reply = select(
            exists().where(
                PendingReplyRow.platform == bindparam("platform"),
                PendingReplyRow.chat == bindparam("chat"),
                PendingReplyRow.actor == bindparam("actor"),
            )
        )

    @contextmanager
    def transaction(self) -> Iterator[SqlUnitOfWork]:
        with self.session_factory() as session, session.begin():
            yield SqlUnitOfWork(session)

    def expects_reply(self, platform: str, chat: str, actor: str) -> bool:
        """A read only, without SQLite's write lock: every LINE text asks, and few are replies."""
        values = {"platform": platform, "chat": chat, "actor": actor}
        with self.session_factory.kw["bind"].connect() as connection:
            return bool(connection.execution_options(**{READ_ONLY: True}).scalar(self._expects_reply, values))
