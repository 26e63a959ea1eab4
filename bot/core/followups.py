"""A customer's later messages (a shop's customer channel): which ticket each belongs to and what it
does there, as a support person would read it.

- On an open ticket a message joins its card's thread. When the team had answered, it owes another
  answer: a new deadline counted from the message, reminders again (a new round). A paused clock
  (お客様の返信待ち) restarts with the time that was left.
- A greeting, thanks or acknowledgement (:mod:`classifiers.trivial`) joins the thread and owes
  nothing: no new deadline, a paused clock stays paused, and no answer to the customer (a bot's
  "you're welcome" invites another thank-you, and the satisfaction question has just asked them).
- Within ``[customers] reopen_hours`` of a resolve the customer's message belongs to that ticket
  too: a thanks joins it as above; anything more reopens it, as Zendesk reopens a solved ticket
  when the customer replies (one conversation, one number, the history in one thread). The
  customer hears that their ticket is open again and by when they will hear back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.core.card_data import card_data
from bot.core.conversation import Conversation
from bot.core.domain import AuditEntry, OutboundMessage, Status, Ticket
from bot.core.draft import Draft
from bot.core.ports import UnitOfWork
from bot.core.sla import SlaPolicy

log = logging.getLogger(__name__)


def resume(ticket: Ticket, policy: SlaPolicy, now: datetime) -> timedelta | None:
    """Restarts a paused deadline clock with the time that was left; returns how long it was paused."""
    since = ticket.waiting_since
    if since is None:
        return None
    ticket.waiting_since = None
    if ticket.due_at > since:
        ticket.due_at = policy.calendar.add(now, policy.working_left(ticket.due_at, since))
    else:  # already overdue when paused: still as much overdue
        ticket.due_at = now - (since - ticket.due_at)
    if not ticket.answered:
        ticket.remind_at = now  # the sweep schedules the reminders from the new deadline
    return now - since


def ask_again(ticket: Ticket, policy: SlaPolicy, now: datetime) -> bool:
    """The customer wrote after the team answered: another answer is owed by a deadline counted
    from ``now``, with its own reminders. False when an answer is owed already (nothing changes)."""
    if not ticket.answered:
        return False
    ticket.first_due_at = ticket.first_due_at or ticket.due_at
    ticket.awaiting_since = now
    ticket.answer_round += 1
    ticket.due_at = policy.deadline(now)
    ticket.remind_at = now
    ticket.snoozed_until = None  # a snooze was for the last round's reminders
    if ticket.status is Status.ACKNOWLEDGED:  # the sweep reminds open tickets: it needs an answer again
        ticket.status = Status.OPEN
    return True


@dataclass
class CustomerThreads:
    """Within one intake batch: which customer messages join a ticket instead of opening one."""

    window: timedelta
    """How long after a resolve the customer's message still belongs to the resolved ticket."""
    open: dict[tuple[str, str], Ticket | Draft] = field(default_factory=dict)
    joined: list[tuple[Draft, Ticket | Draft]] = field(default_factory=list)

    @classmethod
    def of(cls, uow: UnitOfWork, drafts: Sequence[Draft], window: timedelta) -> CustomerThreads:
        """The current tickets of the batch's customers, found in one query per platform."""
        contacts: dict[str, set[str]] = {}
        for draft in drafts:
            if draft.message.from_customer:
                contacts.setdefault(draft.message.platform, set()).add(draft.message.channel)
        threads = cls(window)
        if not contacts:
            return threads
        since = min(draft.received_at for draft in drafts) - window if window else None
        for platform, chats in contacts.items():
            for chat, ticket in uow.open_tickets_of(platform, sorted(chats), resolved_since=since).items():
                threads.open[(platform, chat)] = ticket
        return threads

    def join(self, draft: Draft) -> bool:
        """True when ``draft`` belongs to its customer's ticket (or to one this batch opens)."""
        message = draft.message
        target = self.open.get((message.platform, message.channel)) if message.from_customer else None
        if target is None or not self._takes(target, draft):
            return False
        self.joined.append((draft, target))
        return True

    def _takes(self, target: Ticket | Draft, draft: Draft) -> bool:
        if isinstance(target, Draft) or target.status is not Status.RESOLVED:
            return True
        if target.resolved_at is None or draft.received_at - target.resolved_at > self.window:
            return False
        return draft.trivial or not target.not_complaint  # closed as not a complaint: never reopened

    def opened(self, draft: Draft) -> None:
        if draft.message.from_customer:
            self.open[(draft.message.platform, draft.message.channel)] = draft


class FollowUps:
    """What a customer's later message does to the ticket it joins (see the module)."""

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.writer = conversation.writer
        self.t = conversation.t
        self.sla = conversation.sla

    def join(self, uow: UnitOfWork, joined: Sequence[tuple[Draft, Ticket | Draft]], now: datetime) -> None:
        """Each message on its ticket: the thread, the audit trail, the clock; the newest reply token
        is kept for a reply from the card."""
        entries: list[AuditEntry] = []
        queued: list[OutboundMessage] = []
        for draft, target in joined:
            ref = target.created.ref if isinstance(target, Draft) else target.ref
            ticket = uow.get_ticket(ref, for_update=True)
            if ticket is None:  # pragma: no cover - the ticket was read or written in this transaction
                raise LookupError(ref)
            draft.joined = ticket
            entry, messages = self._follow_up(draft, ticket, now)
            uow.save_ticket(ticket)
            entries.append(entry)
            queued += messages
            log.info(
                "customer follow-up joined its ticket", extra={"ref": ref, "event_id": draft.message.event_id}
            )
        if joined:
            uow.attach_events(
                {draft.key: draft.joined.ref for draft, _ in joined if draft.joined is not None}
            )
            uow.audit_many(entries)
            uow.queue_many(queued, now)

    def _follow_up(
        self, draft: Draft, ticket: Ticket, now: datetime
    ) -> tuple[AuditEntry, list[OutboundMessage]]:
        message = draft.message
        detail: dict[str, Any] = {"event": f"{message.platform}:{message.event_id}", "chars": len(draft.text)}
        text = self.writer.masker.mask(draft.text, names=[ticket.customer] if ticket.customer else [])
        if draft.trivial:
            detail["acknowledgement"] = True  # a thanks: nothing owed
            self._keep_token(draft, ticket)
            note = self.t("thread.customer_thanked", ref=ticket.ref, text=text)
            return self._entry(ticket, message.forwarder, "customer_wrote", detail, now), self._thread(
                ticket, note
            )
        if ticket.status is Status.RESOLVED:
            return self._reopen(draft, ticket, now, detail, text)
        self._keep_token(draft, ticket)
        policy = self.sla.for_ticket(ticket)
        queued = self._thread(ticket, self.t("thread.customer_wrote", ref=ticket.ref, text=text))
        paused = resume(ticket, policy, now)
        if paused is not None:
            detail["paused_minutes"] = int(paused.total_seconds() // 60)
        if ask_again(ticket, policy, now):
            detail["round"] = ticket.answer_round
            queued += self._cards(ticket, now, "asked_again")
        elif paused is not None:
            queued += self._cards(ticket, now, "resumed")
        return self._entry(ticket, message.forwarder, "customer_wrote", detail, now), queued

    def _reopen(
        self, draft: Draft, ticket: Ticket, now: datetime, detail: dict[str, Any], text: str
    ) -> tuple[AuditEntry, list[OutboundMessage]]:
        """A resolved ticket opens again with a new deadline; the team and the customer are told."""
        detail["resolved_at"] = ticket.resolved_at.isoformat() if ticket.resolved_at else None
        ticket.status, ticket.resolved_at, ticket.waiting_since = Status.OPEN, None, None
        ask_again(ticket, self.sla.for_ticket(ticket), now)
        detail["round"] = ticket.answer_round
        deadline = self.writer.deadline(ticket)
        note = self.t("thread.customer_reopened", ref=ticket.ref, deadline=deadline, text=text)
        customer = ticket.customer or self.t("customer.someone")
        told = self.t("customer.reopened", customer=customer, ref=ticket.ref, deadline=deadline)
        queued = [
            self.conversation.to_customer(ticket, told, {}, draft.message.reply_token),
            *self._thread(ticket, note),
            *self._cards(ticket, now, "reopened"),
        ]
        return self._entry(ticket, draft.message.forwarder, "reopened", detail, now), queued

    @staticmethod
    def _keep_token(draft: Draft, ticket: Ticket) -> None:
        if draft.message.reply_token:
            ticket.reply_token, ticket.reply_token_at = draft.message.reply_token, draft.received_at

    @staticmethod
    def _entry(ticket: Ticket, actor: str, action: str, detail: dict[str, Any], now: datetime) -> AuditEntry:
        return AuditEntry(ticket.ref, now, actor, action, detail)

    def _thread(self, ticket: Ticket, text: str) -> list[OutboundMessage]:
        return self.conversation.to_thread(ticket, text)

    def _cards(self, ticket: Ticket, now: datetime, action: str) -> list[OutboundMessage]:
        """The card updated with the customer's doing as its last change (the card names no customer)."""
        change = {
            "actor": ticket.contact,
            "action": action,
            "at": now,
            "action_text": self.t(f"action.{action}"),
            "by_customer": True,
        }
        card = self.writer.card(ticket, now, change)
        text, data = card.to_text(), card_data(card)
        return [
            OutboundMessage(platform, channel, "card_update", text, data, ticket.ref)
            for platform, channel in self.conversation.directory.ticket_targets(ticket)
        ]
