"""A forwarded message on its way to a ticket (a :class:`Draft`): its checks, its ticket, its audit detail.

The use case that drives it is :class:`bot.core.intake.Intake`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config import Config
from bot.core.domain import (
    MAX_COMPLAINT_CHARS,
    EmptyComplaint,
    IncomingMessage,
    NotAComplaint,
    Ticket,
)
from bot.core.masking import DEFAULT_ORDER_PATTERNS
from bot.core.ports import EventKey, Prediction, UnitOfWork
from bot.core.priority import (
    REPEAT_CONTACTS,
    REPEAT_WINDOW_DAYS,
    detect_flags,
    extract_order_number,
    is_priority,
)
from bot.core.sla import SlaPolicies
from classifiers.text import detect_language
from classifiers.trivial import is_trivial


def trivial_language(text: str) -> str | None:
    """The language of a trivial text, when it has letters to tell (a lone 👍 has none)."""
    return detect_language(text) if any(ch.isalpha() for ch in text) else None


@dataclass
class Draft:
    """A message that passed the checks, on its way to an outcome."""

    index: int
    message: IncomingMessage
    text: str
    flags: tuple[str, ...]
    ticket: Ticket | None = None
    """The ticket this message opened."""
    duplicate_of: Ticket | None = None
    """The ticket an earlier delivery of the same event opened."""
    joined: Ticket | None = None
    """The customer's open ticket this follow-up joined (a customer channel)."""
    reply: str = ""
    chosen: str | None = None
    """The department the forwarder chose (the complaint form), over the classifier's."""
    moved: dict[str, Any] | None = None
    """The forwarder's choice over the classifier's department, as a reassignment's audit detail:
    a label for the classifier all the same."""
    created_as: dict[str, Any] | None = None
    """The ``created`` audit detail, taken before the forwarder's choice applied."""
    trivial: bool = False
    """A customer's greeting, thanks or acknowledgement: it joins their ticket, else is refused."""
    refused: NotAComplaint | None = None
    """Why a trivial message opened nothing: its customer has no ticket it could join."""

    @classmethod
    def of(cls, index: int, message: IncomingMessage) -> Draft:
        """The complaint, cleaned where it entered (:func:`bot.core.intake.cleaned`); a huge one is
        kept cut and flagged.

        Raises:
            EmptyComplaint: the text is empty.
            NotAComplaint: a greeting, thanks, acknowledgement, lone emoji or sticker.
        """
        text = message.text
        if not text:
            raise EmptyComplaint()
        if is_trivial(text):
            raise NotAComplaint(trivial_language(text))
        flags = detect_flags(text)
        if len(text) > MAX_COMPLAINT_CHARS:
            text, flags = text[:MAX_COMPLAINT_CHARS], (*flags, "truncated")
        return cls(index, message, text, flags)

    @classmethod
    def of_customer(cls, index: int, message: IncomingMessage) -> Draft:
        """:meth:`of`, except that a customer's thanks is kept (:attr:`trivial`) to join their ticket."""
        try:
            return cls.of(index, message)
        except NotAComplaint:
            if not message.from_customer:
                raise
            return cls(index, message, message.text, (), trivial=True)

    def refuse(self) -> None:
        """A trivial message with no ticket to join: refused as :meth:`of` would have."""
        self.refused = NotAComplaint(trivial_language(self.text))

    @property
    def key(self) -> EventKey:
        return self.message.platform, self.message.event_id

    @property
    def received_at(self) -> datetime:
        return self.message.received_at.astimezone(UTC)

    @property
    def created(self) -> Ticket:
        if self.ticket is None:
            raise LookupError(self.key)
        return self.ticket


def new_ticket(
    draft: Draft, prediction: Prediction, times: dict[str, list[datetime]], config: Config, sla: SlaPolicies
) -> Ticket:
    """The ticket for ``draft``, created (and its deadline counted) when the complaint arrived."""
    message, text, at = draft.message, draft.text, draft.received_at
    needs_triage = prediction.needs_triage(config.classifier_threshold)
    policy = sla.for_department(None if needs_triage else prediction.department)
    flags = repeat_flag(times, message.customer, at, draft.flags)
    due_at = policy.deadline(at)
    return Ticket(
        ref=0,
        platform=message.platform,
        channel=message.channel,
        thread=message.thread,
        forwarder=message.forwarder,
        customer=message.customer,
        text=text,
        language=detect_language(text),
        department=prediction.department,
        confidence=prediction.confidence,
        needs_triage=needs_triage,
        priority=is_priority(flags),
        flags=flags,
        created_at=at,
        due_at=due_at,
        remind_at=policy.first_reminder(due_at),
        source_url=message.source_url,
        source_author=message.source_author,
        note=message.note[:MAX_COMPLAINT_CHARS] if message.note else None,
        names=tuple(str(name)[:100] for name in message.names if name)[:5],
        order_number=extract_order_number(text, config.order_patterns or DEFAULT_ORDER_PATTERNS),
        guesses=tuple((name, round(p, 3)) for name, p in prediction.ranking[:3]),
        contact=message.channel if message.from_customer else None,
    )


def repeat_flag(
    times: dict[str, list[datetime]], customer: str | None, at: datetime, flags: tuple[str, ...]
) -> tuple[str, ...]:
    """Adds ``repeat`` when this is the customer's third ticket (or more) within seven days.

    ``times`` holds when the customer's recent tickets were created; this one is added to it.
    """
    if not customer:
        return flags
    since = at - timedelta(days=REPEAT_WINDOW_DAYS)
    earlier = sum(1 for created_at in times[customer] if created_at >= since)
    times[customer].append(at)
    return (*flags, "repeat") if earlier + 1 >= REPEAT_CONTACTS else flags


def choose_department(draft: Draft, sla: SlaPolicies) -> None:
    """Opens ``draft``'s new ticket in the department its forwarder chose, as a reassignment at
    creation would: the deadline stays, the chosen team's policy sets the reminders."""
    ticket, chosen = draft.created, draft.chosen
    if chosen is None or chosen == ticket.department:
        return
    draft.created_as = created_detail(draft)
    draft.moved = {"from": ticket.department, "to": chosen}
    ticket.department, ticket.needs_triage = chosen, False
    ticket.remind_at = sla.for_department(chosen).first_reminder(ticket.due_at)


def created_detail(draft: Draft) -> dict[str, Any]:
    """The audit detail of a new ticket."""
    if draft.created_as is not None:
        return draft.created_as
    ticket, message = draft.created, draft.message
    return {
        "department": ticket.department,
        "confidence": round(ticket.confidence, 3),
        "needs_triage": ticket.needs_triage,
        "event": f"{message.platform}:{message.event_id}",
    }


def record_originals(uow: UnitOfWork, created: Sequence[Draft]) -> None:
    """Records each new ticket's original message, so that its unsend, deletion or edit finds the
    ticket (:mod:`bot.core.originals`). An original that another ticket has (shared twice) stays
    with the first."""
    uow.record_originals(
        {
            (draft.message.platform, draft.message.message_id[:128]): draft.created.ref
            for draft in created
            if draft.message.message_id
        }
    )
