"""SQLAlchemy 2.0 typed models. Unique keys are what make retries and concurrent workers harmless."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always returns an aware UTC datetime, on SQLite (which keeps no zone) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class TicketRow(Base):
    __tablename__ = "tickets"
    # The id is the reference people see as #123: short, unique, never reused.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(128))
    thread: Mapped[str | None] = mapped_column(String(128))
    forwarder: Mapped[str] = mapped_column(String(128))
    customer: Mapped[str | None] = mapped_column(String(256))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    department: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[float] = mapped_column(Float)
    needs_triage: Mapped[bool] = mapped_column(Boolean)
    priority: Mapped[bool] = mapped_column(Boolean)
    flags: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(128))
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the retention job erased the complaint's text and the customer's name."""
    source_url: Mapped[str | None] = mapped_column(String(512))
    """The forwarded message's permalink (Slack's "Send to triage" shortcut)."""
    source_author: Mapped[str | None] = mapped_column(String(128))
    """Who wrote the forwarded message, when that is not the forwarder."""
    order_number: Mapped[str | None] = mapped_column(String(64), index=True)
    guesses: Mapped[list[list[Any]] | None] = mapped_column(JSON)
    contact: Mapped[str | None] = mapped_column(String(128))
    """The customer's own chat when they wrote in themselves (a customer channel)."""
    owner: Mapped[str | None] = mapped_column(String(128))
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """Waiting for the customer since then: the deadline clock is paused."""
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    reply_token: Mapped[str | None] = mapped_column(String(256))
    reply_token_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    """The forwarder's comment on a shared message (erased with the text)."""
    names: Mapped[list[str] | None] = mapped_column(JSON)
    """Names to mask in the text besides the customer (erased with the text)."""
    not_complaint: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))
    """Closed as "not a complaint": out of the digest's figures."""
    awaiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """The customer wrote again after an answer: another answer is owed by ``due_at``."""
    answer_round: Mapped[int] = mapped_column(Integer, default=0, server_default=sql_text("0"))
    first_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """The first response's deadline once a later round moved ``due_at``."""

    __table_args__ = (
        # The reminder sweep reads the open tickets whose next reminder is due, so it costs what is
        # due, not what is stored; the "will breach" notice and the digest read open tickets by
        # deadline, and the digest a team's week.
        Index("ix_tickets_status_remind", "status", "remind_at"),
        Index("ix_tickets_status_due", "status", "due_at"),
        Index("ix_tickets_department_created", "department", "created_at"),
        Index("ix_tickets_created", "created_at"),
        # The digest's open and overdue figures: the unresolved tickets only, a few thousand of a
        # history of millions.
        Index(
            "ix_tickets_unresolved",
            "department",
            "due_at",
            sqlite_where=sql_text("status != 'resolved'"),
            postgresql_where=sql_text("status != 'resolved'"),
        ),
    )


class InboundEventRow(Base):
    __tablename__ = "inbound_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(128))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("platform", "event_id", name="uq_inbound_events_platform_event"),)


class InboxRow(Base):
    """A complaint accepted from a platform and not yet made a ticket: the web process stores the
    signed event here and acknowledges; a worker claims it, opens the ticket and deletes the row.
    The unique key makes a platform's retry of an event still waiting here a no-op; once the row is
    gone, ``inbound_events`` catches the retry."""

    __tablename__ = "inbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(128))
    forwarder: Mapped[str] = mapped_column(String(128))
    message: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    """When a worker may take it: at once, then after a claim's lease or a failure's backoff."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    quarantined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """Set when the row failed in the worker too often: no worker takes it until an admin retries it."""

    __table_args__ = (
        UniqueConstraint("platform", "event_id", name="uq_inbox_platform_event"),
        Index("ix_inbox_available_at", "available_at"),
        Index("ix_inbox_platform_forwarder", "platform", "forwarder"),
    )


class OriginalMessageRow(Base):
    """A ticket's original message on its platform (LINE's message id, Slack's ``channel:ts``): its
    unsend, deletion or edit finds the ticket. An original shared twice stays with the first."""

    __tablename__ = "original_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[str] = mapped_column(String(128))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))

    __table_args__ = (
        UniqueConstraint("platform", "message_id", name="uq_original_messages_platform_message"),
    )


class TicketEventRow(Base):
    """The audit log: who did what to which ticket, and when."""

    __tablename__ = "ticket_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (Index("ix_ticket_events_action_at", "action", "at"),)


class ReminderRow(Base):
    __tablename__ = "reminders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("ticket_id", "stage", name="uq_reminders_ticket_stage"),)


class OutboxRow(Base):
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(128))
    thread: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # pending, sending, sent, dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    platform_message_id: Mapped[str | None] = mapped_column(String(128))
    priority: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    """0 goes before 1 when a destination is backed up (team cards before forwarders' confirmations)."""
    unsure: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))
    """A send may have reached the platform without its answer reaching us: look before posting again."""

    __table_args__ = (
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        Index("ix_outbox_ticket_kind", "ticket_id", "kind"),
        # A reply in a thread finds its card by the card's platform message id (ticket_for_message).
        Index("ix_outbox_platform_message_id", "platform_message_id"),
    )


class OutboxGateRow(Base):
    """When a destination (a channel and API method, as its platform's sender names it) takes its
    next message: the pacing state shared by every worker, pushed on by a rate limit's Retry-After."""

    __tablename__ = "outbox_gates"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    open_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DigestRow(Base):
    __tablename__ = "digests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team: Mapped[str] = mapped_column(String(32))
    week: Mapped[str] = mapped_column(String(10))  # ISO week, 2026-W47
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (UniqueConstraint("team", "week", name="uq_digests_team_week"),)


class AccessEventRow(Base):
    """The audit of what concerns no single ticket: refused complaints and actions, exports."""

    __tablename__ = "access_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    allowed: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (Index("ix_access_events_at", "at"),)


class DigestChartRow(Base):
    """A digest's chart, served at an unguessable URL (LINE fetches images by URL)."""

    __tablename__ = "digest_charts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64))
    team: Mapped[str] = mapped_column(String(32))
    week: Mapped[str] = mapped_column(String(10))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The digest's figures: the chart is drawn from them on the first request."""
    png: Mapped[bytes | None] = mapped_column(LargeBinary)
    preview: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("token", name="uq_digest_charts_token"),)


# Repeat contact (the same customer three times in seven days) counts a customer's recent tickets.
Index("ix_tickets_customer_created", TicketRow.customer, TicketRow.created_at)
# A customer's follow-up finds their open ticket; the waiting job finds the tickets waiting longest.
Index("ix_tickets_platform_contact", TicketRow.platform, TicketRow.contact)
Index("ix_tickets_waiting_since", TicketRow.waiting_since)


class PendingReplyRow(Base):
    """A person who pressed お客様に返信 on a LINE card: their next message there is the reply."""

    __tablename__ = "pending_replies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat: Mapped[str] = mapped_column(String(128))
    actor: Mapped[str] = mapped_column(String(128))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("platform", "chat", "actor", name="uq_pending_replies_platform_chat"),)


class ClassifierLabelRow(Base):
    """A department label the shop gave a text outside the tickets: its imported history."""

    __tablename__ = "classifier_labels"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(32))  # None: out of scope
    source: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    # Importing the same history twice adds nothing.
    __table_args__ = (UniqueConstraint("source", "text_hash", name="uq_classifier_labels_source_text"),)


class ClassifierTrainingRow(Base):
    """Each retraining from the shop's labels and whether its model was promoted: the audit trail."""

    __tablename__ = "classifier_trainings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_key: Mapped[str | None] = mapped_column(String(64), unique=True)  # weekly:2026-W48, once per week
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    trigger: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # running, promoted, kept
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class ClassifierModelRow(Base):
    """A trained model, stored once for every process to load: the newest row of this version is the
    one in use. Older rows are pruned when a new one is stored."""

    __tablename__ = "classifier_models"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(64), index=True)  # classifiers.store.MODEL_VERSION
    checksum: Mapped[str] = mapped_column(String(64))  # sha256 of blob
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)  # the model's metadata
    blob: Mapped[bytes] = mapped_column(LargeBinary)
