"""Platform-neutral records the core works with, and its errors.

Adapters turn platform events into these; storage turns them into rows. Nothing here knows Slack,
LINE or SQL.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_COMPLAINT_CHARS = 20_000
"""Longer complaints are kept up to this length (the rest is noted as cut), so a pasted mail
thread still becomes a ticket instead of an error."""


class Status(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Stage(enum.StrEnum):
    """Reminder stages, in the order a ticket reaches them. Each nudge is its own (ticket, stage)
    key: ``nudge_1``, ``nudge_2``... (see :class:`bot.core.sla.Milestone`)."""

    WARNING = "warning"
    LAST_CALL = "last_call"
    OVERDUE = "overdue"
    NUDGE = "nudge"
    BREACH = "breach"
    """Listed in the "will breach before we reopen" notice before a closing."""


@dataclass(frozen=True)
class IncomingMessage:
    """One forwarded complaint, as any adapter delivers it."""

    platform: str
    event_id: str
    channel: str
    forwarder: str
    text: str
    received_at: datetime
    customer: str | None = None
    thread: str | None = None
    reply_token: str | None = None
    """A platform's one-time token for answering this message for free (LINE); the core copies it
    into the forwarder's reply so the sender can use it before it expires."""
    source_url: str | None = None
    """A link to the forwarded message itself (Slack's "Send to triage" shortcut)."""
    source_author: str | None = None
    """Who wrote the forwarded message, when someone else forwards it."""
    from_customer: bool = False
    """The customer wrote this themselves (a shop's customer channel): answers go back to them,
    and their later messages join their open ticket instead of opening new ones."""
    note: str | None = None
    """The forwarder's own words on a message they share (Slack's "Forward message" comment)."""
    names: tuple[str, ...] = ()
    """Names the platform knows of the people in the complaint (a LINE customer's display name):
    masked wherever the text is shown."""
    message_id: str | None = None
    """The platform's id of the complaint's original message (LINE's message id, Slack's
    ``channel:ts`` of the shared original): an unsend, delete or edit of it finds the ticket."""


WITHDRAWN = "withdrawn"
"""Flag: the customer took the original message back (its text is erased)."""
WITHDRAWN_BY_FORWARDER = "withdrawn_by_forwarder"
SOURCE_DELETED = "source_deleted"
EDITED_LATE = "edited_late"
NOTICE_FLAGS = (WITHDRAWN, WITHDRAWN_BY_FORWARDER, SOURCE_DELETED, EDITED_LATE)
"""Flags that say what became of the original message: notices on the card, not priorities."""


@dataclass
class Ticket:
    ref: int
    platform: str
    channel: str
    forwarder: str
    text: str
    language: str
    department: str | None
    confidence: float
    needs_triage: bool
    priority: bool
    created_at: datetime
    due_at: datetime
    status: Status = Status.OPEN
    customer: str | None = None
    flags: tuple[str, ...] = ()
    thread: str | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    snoozed_until: datetime | None = None
    acknowledged_by: str | None = None
    remind_at: datetime | None = None
    """When the reminder sweep next needs to look at this ticket (``None``: never again)."""
    erased_at: datetime | None = None
    """When retention erased the complaint's text (``None``: the text is kept)."""
    source_url: str | None = None
    source_author: str | None = None
    order_number: str | None = None
    """The order number found in the text (configurable patterns), to link tickets about one order."""
    guesses: tuple[tuple[str, float], ...] = ()
    """The classifier's best departments with their probabilities, shown on a triage card."""
    contact: str | None = None
    """The customer's own chat on ``platform`` when they wrote in themselves (``None``: forwarded
    by staff). Replies from the card and the satisfaction question go there."""
    owner: str | None = None
    """Who took the ticket (担当する); reminders name them."""
    waiting_since: datetime | None = None
    """Waiting for the customer since then: the deadline clock is paused (``None``: running)."""
    satisfaction: str | None = None
    """The customer's answer to the satisfaction question (``good``/``ok``/``bad`` or ``1``..``5``)."""
    reply_token: str | None = None
    """The customer's latest unused free reply token (LINE) and when it came: a reply from the card
    within its lifetime uses it instead of a paid push."""
    reply_token_at: datetime | None = None
    note: str | None = None
    """The forwarder's comment on a shared message (masked on cards, erased with the text)."""
    names: tuple[str, ...] = ()
    """Names to mask in the text besides the customer (erased with the text)."""
    not_complaint: bool = False
    """Closed as "not a complaint": left out of the digest's figures, and an out-of-scope label."""
    awaiting_since: datetime | None = None
    """The customer wrote again after an answer (or after the resolve) then: the team owes another
    answer by ``due_at`` (``None``: nothing owed beyond the first response)."""
    answer_round: int = 0
    """How many times the customer wrote again after an answer: each round's reminders are its own."""
    first_due_at: datetime | None = None
    """The first response's deadline, kept when a later round moves ``due_at`` (the digest's figure)."""

    @property
    def answered(self) -> bool:
        """The team answered and the customer has not written since (no reminders are owed)."""
        return self.first_response_at is not None and self.awaiting_since is None

    def mark_answered(self, now: datetime) -> None:
        """The team answered now: the first response, or the answer a later round owed."""
        self.first_response_at = self.first_response_at or now
        self.awaiting_since = None


def newest_current(tickets: Iterable[Ticket]) -> dict[str, Ticket]:
    """Each customer's ticket their next message belongs to, by ``contact``: the newest unresolved
    one, else the newest resolved one (``tickets`` holds only those resolved recently)."""
    found: dict[str, Ticket] = {}
    for ticket in sorted(tickets, key=lambda t: (t.status is not Status.RESOLVED, t.ref)):
        if ticket.contact is not None:
            found[ticket.contact] = ticket
    return found


@dataclass(frozen=True)
class OutboundMessage:
    """A chat message waiting in the outbox.

    ``kind`` says what it is (``card``, ``card_update``, ``reply``, ``reminder``, ``digest``,
    ``notice``); ``text`` is the localized, masked plain text every platform can show; ``data``
    carries the structured fields a platform sender renders richer (Block Kit, Flex).
    """

    platform: str
    channel: str
    kind: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)
    ticket_ref: int | None = None
    thread: str | None = None


@dataclass(frozen=True)
class Accepted:
    """A complaint from the inbox, claimed by a worker to open its ticket."""

    id: int
    message: IncomingMessage
    attempts: int
    cleaned: bool = True
    """Its text was cleaned when it was accepted. ``False``: accepted by a version that left the
    cleaning to the worker (before the inbox stored the cleaned text), so the worker cleans it."""


@dataclass(frozen=True)
class QueuedMessage:
    """An outbox row claimed for delivery."""

    id: int
    message: OutboundMessage
    attempts: int
    edit_message_id: str | None = None
    """For a ``card_update``: the platform id of the card it edits (``None``: post it anew)."""
    send_at: datetime | None = None
    """When its destination's pace lets it go (``None``: now)."""
    gate: str | None = None
    """The destination whose pace it keeps (``None``: no limit)."""
    unsure: bool = False
    """An earlier try may have reached the platform: look for it before posting again."""


@dataclass(frozen=True)
class AuditEntry:
    ticket_ref: int
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


class TriageError(Exception):
    """Base of every error the core raises on purpose; adapters answer it in the user's language.

    ``text_key`` names the i18n text, ``params`` fill it in.
    """

    language: str | None = None
    """The language to answer in when it is not the configured one (the sender's own)."""

    def __init__(self, text_key: str, **params: Any) -> None:
        super().__init__(text_key)
        self.text_key = text_key
        self.params = params


class EmptyComplaint(TriageError):
    def __init__(self) -> None:
        super().__init__("error.empty")


class NotAComplaint(TriageError):
    """A greeting, thanks, acknowledgement, lone emoji or sticker (:mod:`classifiers.trivial`): no
    ticket; the forwarder is asked, in the language they wrote in, for the complaint itself."""

    def __init__(self, language: str | None) -> None:
        super().__init__("error.not_a_complaint")
        self.language = language


class UnknownTicket(TriageError):
    def __init__(self, ref: str | int) -> None:
        super().__init__("error.unknown_ticket", ref=ref)


class UnknownDepartment(TriageError):
    def __init__(self, key: str, known: str) -> None:
        super().__init__("error.unknown_department", key=key, known=known)


class InvalidArgument(TriageError):
    """A command's argument is malformed (bad hours, missing reference...)."""


class DuplicateEvent(Exception):
    """Storage saw an inbound event id that another transaction recorded first."""
