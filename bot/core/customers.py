"""Working a ticket with the customer: reply to them from the card, take the ticket (an owner), wait
for the customer (the deadline clock pauses), and their answer to the satisfaction question.

Each action is one :meth:`TriageService.perform`: one permission check, the change, its audit
event, the card updates and the messages to the customer, in one transaction through the outbox.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from bot.core.access import Forbidden, Permission
from bot.core.conversation import answers, take_reply_token
from bot.core.domain import DuplicateEvent, InvalidArgument, Status, Ticket, TriageError, UnknownTicket
from bot.core.ports import UnitOfWork
from bot.core.triage import TriageService
from classifiers.text import clean

log = logging.getLogger(__name__)

MAX_REPLY_CHARS = 5000
"""The longest text message the customer channels take (5000); a longer reply is refused, never cut."""
SYSTEM_ACTOR = "bot"
REPLY_WINDOW = timedelta(minutes=10)
"""How long after お客様に返信 without a form the person's next message is taken as the reply."""
WAITING_BATCH = 200
MEDIA_KINDS = frozenset({"image", "video", "audio", "file"})
MAX_PHOTO_BYTES = 10 * 1024 * 1024
"""The largest photo copied into a card's thread (10 MB: a phone's photo as LINE delivers it is
well under it, and the worker holds it in memory); a larger one is a note, seen in LINE."""


class NotCustomerTicket(TriageError):
    def __init__(self, ref: int) -> None:
        super().__init__("error.not_customer_ticket", ref=ref)


class CustomerDesk:
    def __init__(self, service: TriageService) -> None:
        self.service = service
        self.conversation = service.conversation
        self.t = service.t
        self.clock = service.clock

    def templates(self, ref: int, actor: str) -> list[str]:
        """The filled-in reply templates for the ticket's department, for someone who may reply.

        Raises:
            UnknownTicket, NotCustomerTicket: no such ticket, or its customer did not write in.
            Forbidden: ``actor`` may not act on the ticket (audited).
        """
        ticket = self.service.get(ref)
        if ticket.contact is None:
            raise NotCustomerTicket(ref)
        if self.service.guard is not None:
            self.service.guard.require(actor, Permission.ACT, "reply_customer", ticket)
        return self.conversation.templates(ticket)

    def reply(self, ref: int, actor: str, text: str) -> Ticket:
        """Sends ``text`` to the customer (free reply token while fresh, else a push), shows it in
        the card's thread and records the first response, which stops the reminders.

        Raises:
            InvalidArgument: empty, or longer than a chat message may be.
            NotCustomerTicket: the ticket was forwarded by staff: nobody to send it to.
            Forbidden: the actor may not act on the ticket (audited).
        """
        body = clean(text)
        if not body:
            raise InvalidArgument("error.empty_reply")
        if len(body) > MAX_REPLY_CHARS:
            raise InvalidArgument("error.long_reply", limit=MAX_REPLY_CHARS)

        def change(ticket: Ticket, now: datetime) -> dict[str, Any]:
            if ticket.contact is None:
                raise NotCustomerTicket(ticket.ref)
            ticket.mark_answered(now)
            ticket.remind_at = None
            return {"chars": len(body)}  # the words are in the customer's chat, not in the audit trail

        def send(uow: UnitOfWork, ticket: Ticket, now: datetime) -> None:
            token = take_reply_token(ticket, now)
            uow.queue(self.conversation.to_customer(ticket, body, {}, token), now)
            masked = self.service.writer.masker.mask(body, names=[ticket.customer] if ticket.customer else [])
            shown = self.t("thread.replied", actor=actor, text=masked)
            uow.queue_many(self.conversation.to_thread(ticket, shown), now)

        return self.service.perform(ref, actor, "replied_customer", change, "reply_customer", after=send)

    def expect_reply(self, ref: int, actor: str, platform: str, chat: str) -> Ticket:
        """お客様に返信 where there is no form (a staff group): ``actor``'s next message in ``chat``
        within ``REPLY_WINDOW`` is the reply. Checked now, and again when the reply comes.

        Raises:
            NotCustomerTicket, Forbidden: as for :meth:`reply`.
        """
        ticket = self.service.get(ref)
        if ticket.contact is None:
            raise NotCustomerTicket(ref)
        if self.service.guard is not None:  # refused: audited, nothing remembered
            self.service.guard.require(actor, Permission.ACT, "reply_customer", ticket)
        with self.service.store.transaction() as uow:
            uow.expect_reply(platform, chat, actor, ref, self.clock.now())
        return ticket

    def reply_expected(self, platform: str, chat: str, actor: str, text: str, event_id: str) -> Ticket | None:
        """The reply ``actor`` announced with :meth:`expect_reply`, else ``None`` (an ordinary message).
        The message's event is recorded with it, so a redelivery is never a complaint of its own."""
        if not self.service.store.expects_reply(platform, chat, actor):
            return None
        since = self.clock.now() - REPLY_WINDOW
        with self.service.store.transaction() as uow:
            ref = uow.take_expected_reply(platform, chat, actor, since)
            if ref is None:
                return None
            try:
                uow.record_event(platform, event_id, self.clock.now())
            except DuplicateEvent:
                return None
        return self.reply(ref, actor, text)

    def attach(self, platform: str, contact: str, kind: str, reference: str) -> Ticket | None:
        """A customer's photo, video, audio or file: noted on their open ticket and in its card's
        thread, where a platform that can show a photo shows it (up to ``MAX_PHOTO_BYTES``)."""
        now = self.clock.now()
        with self.service.store.transaction() as uow:
            ticket = uow.open_tickets_of(platform, [contact]).get(contact)
            if ticket is None:
                return None
            uow.audit(ticket.ref, now, contact, "attached", {"kind": kind, "reference": reference})
            what = self.t(f"media.{kind}") if kind in MEDIA_KINDS else self.t("media.file")
            note = self.t("thread.customer_attached", ref=ticket.ref, what=what)
            media = None
            if kind == "image":
                caption = self.t("thread.customer_photo", ref=ticket.ref)
                media = {"platform": platform, "id": reference, "caption": caption, "limit": MAX_PHOTO_BYTES}
            uow.queue_many(self.conversation.to_thread(ticket, note, media), now)
        return ticket

    def claim(self, ref: int, actor: str) -> Ticket:
        """担当する: ``actor`` owns the ticket; the card and its reminders name them."""

        def change(ticket: Ticket, now: datetime) -> dict[str, Any]:
            previous, ticket.owner = ticket.owner, actor
            return {"from": previous}

        return self.service.perform(ref, actor, "owned", change, "claim")

    def wait(self, ref: int, actor: str) -> Ticket:
        """お客様の返信待ち: the deadline clock pauses until the customer writes again (or the
        ticket is resolved after ``[customers] waiting_days``)."""

        def change(ticket: Ticket, now: datetime) -> dict[str, Any]:
            if ticket.contact is None:
                raise NotCustomerTicket(ticket.ref)
            if ticket.waiting_since is None:
                ticket.waiting_since = now
            ticket.remind_at = None
            return {}

        return self.service.perform(ref, actor, "waiting", change, "wait")

    def rate(self, ref: int, actor: str, answer: str, reply_token: str | None = None) -> Ticket:
        """The customer's answer to the satisfaction question, once; thanked by ``reply_token``.

        Raises:
            UnknownTicket, InvalidArgument: no such ticket, or not an answer the question offered.
            Forbidden: ``actor`` is not the ticket's customer (audited).
        """
        if answer not in answers(self.service.config):
            raise InvalidArgument("error.bad_satisfaction")
        now = self.clock.now()
        with self.service.store.transaction() as uow:
            ticket = uow.get_ticket(ref, for_update=True)
            if ticket is None:
                raise UnknownTicket(f"#{ref}")
            if ticket.contact != actor:
                uow.audit(ref, now, actor, "refused", {"attempted": "rate"})
            elif ticket.satisfaction is None:
                ticket.satisfaction = answer
                uow.save_ticket(ticket)
                uow.audit(ref, now, actor, "rated", {"answer": answer})
                thanks = self.t("customer.satisfaction.thanks")
                uow.queue(self.conversation.to_customer(ticket, thanks, {}, reply_token), now)
                change = {**self.service._change(actor, "rated", now, {}), "by_customer": True}
                targets = self.service._card_targets(ticket)
                self.service._queue_cards(uow, ticket, now, "card_update", targets, change)
        if ticket.contact != actor:
            log.info("satisfaction answer refused", extra={"ref": ref})
            raise Forbidden()
        return ticket

    def close_waiting(self, now: datetime) -> int:
        """Resolves the tickets that have waited for their customer longer than ``waiting_days``,
        each with a note on its card; returns how many (the scheduler runs this hourly)."""
        days = self.service.config.customers.waiting_days
        closed = 0
        with self.service.store.transaction() as uow:
            for ticket in uow.waiting_since_before(now - timedelta(days=days), limit=WAITING_BATCH):
                if ticket.status is Status.RESOLVED:
                    continue
                ticket.status, ticket.resolved_at, ticket.waiting_since = Status.RESOLVED, now, None
                ticket.mark_answered(now)
                uow.save_ticket(ticket)
                detail = {"days": days}
                uow.audit(ticket.ref, now, SYSTEM_ACTOR, "auto_resolved", detail)
                note = self.t("thread.auto_resolved", ref=ticket.ref, days=days)
                uow.queue_many(self.conversation.to_thread(ticket, note), now)
                change = self.service._change(SYSTEM_ACTOR, "auto_resolved", now, detail)
                targets = self.service._card_targets(ticket)
                self.service._queue_cards(uow, ticket, now, "card_update", targets, change)
                closed += 1
        if closed:
            log.info("tickets resolved after waiting for the customer", extra={"tickets": closed})
        return closed
