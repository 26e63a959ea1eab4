"""A customer who writes in themselves (a shop's customer channel): what they hear (their later
messages: :mod:`bot.core.followups`). No platform here: their chat is ``ticket.contact`` on
``ticket.platform``; staff see the conversation in the card's thread (outbox kind ``thread``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.config import Config
from bot.core.cards import CardWriter
from bot.core.domain import OutboundMessage, Ticket
from bot.core.draft import Draft
from bot.core.i18n import Translator
from bot.core.ports import UnitOfWork
from bot.core.routing import Directory
from bot.core.sla import SlaPolicies

log = logging.getLogger(__name__)

REPLY_TOKEN_SECONDS = 50
"""A customer's reply token is used for a reply from the card this long after their message. The
chat platform keeps it valid for a short while only and says how long may change; past this the
reply is pushed (and a token the platform refuses falls back to a push in its sender anyway)."""
SCALES = {"three": ("good", "ok", "bad"), "five": ("5", "4", "3", "2", "1")}
SATISFIED = frozenset({"good", "5", "4"})
UNHAPPY = frozenset({"bad", "2", "1"})


def answers(config: Config) -> tuple[str, ...]:
    """The satisfaction question's answers, best first."""
    return SCALES[config.customers.satisfaction_scale]


def satisfaction_lines(t: Translator, answers: Sequence[tuple[int, str]]) -> list[str]:
    """The digest's lines: the share of customers satisfied, and the unhappy ones by number."""
    if not answers:
        return []
    satisfied = sum(1 for _, answer in answers if answer in SATISFIED)
    lines = [t("digest.satisfaction", share=t.percent(satisfied / len(answers)), count=len(answers))]
    unhappy = sorted(ref for ref, answer in answers if answer in UNHAPPY)
    if unhappy:
        lines.append(t("digest.unhappy", refs=" ".join(f"#{ref}" for ref in unhappy)))
    return lines


def take_reply_token(ticket: Ticket, now: datetime) -> str | None:
    """The customer's free reply token while it is fresh; a token is good once, so it is cleared."""
    token, at = ticket.reply_token, ticket.reply_token_at
    ticket.reply_token = ticket.reply_token_at = None
    if token and at is not None and now - at < timedelta(seconds=REPLY_TOKEN_SECONDS):
        return token
    return None


class Conversation:
    def __init__(self, config: Config, writer: CardWriter, directory: Directory, sla: SlaPolicies) -> None:
        self.config = config
        self.writer = writer
        self.t = writer.t
        self.directory = directory
        self.sla = sla

    def fill(self, template: str, ticket: Ticket) -> str:
        """A template with the ticket's fields (checked at start: only these names occur)."""
        return template.format(
            customer=ticket.customer or self.t("customer.someone"),
            order_number=ticket.order_number or "-",
            ticket=f"#{ticket.ref}",
            deadline=self.writer.deadline(ticket),
        )

    def first_answer(self, draft: Draft) -> OutboundMessage:
        """What the writer of a new ticket hears at once (``draft.reply``): a customer who wrote in,
        the acknowledgement; staff, the reply with the department and a menu to correct it."""
        ticket, message = draft.created, draft.message
        if message.from_customer:
            draft.reply = self.acknowledgement(ticket)
            return self.to_customer(ticket, draft.reply, {}, message.reply_token)
        draft.reply = self.writer.reply(ticket)
        data = self.writer.reply_data(ticket)
        if message.reply_token:
            data["reply_token"] = message.reply_token
        return OutboundMessage(
            message.platform, message.channel, "reply", draft.reply, data, ticket.ref, message.thread
        )

    def acknowledgement(self, ticket: Ticket) -> str:
        """The customer's immediate answer: the ticket number and when they will hear back (the
        deadline of the team's policy, so business hours and holidays are respected)."""
        template = self.config.customers.acknowledgement or self.t.template("customer.acknowledgement")
        return self.fill(template, ticket)

    def templates(self, ticket: Ticket) -> list[str]:
        """The reply templates for ``ticket``, filled in: its department's, else the shop's default."""
        own = self.config.customers.templates
        texts = own.get(ticket.department or "") or own.get("default")
        if not texts:
            texts = (self.t.template(f"template.{ticket.department}"), self.t.template("template.default"))
            if ticket.department is None or texts[0] == f"template.{ticket.department}":
                texts = texts[1:]
        return [self.fill(text, ticket) for text in texts]

    def to_customer(
        self, ticket: Ticket, text: str, data: dict[str, Any], reply_token: str | None = None
    ) -> OutboundMessage:
        if ticket.contact is None:
            raise ValueError(f"#{ticket.ref} has no customer channel")
        data = {**data, "ref": ticket.ref, "customer": True}
        if reply_token:
            data["reply_token"] = reply_token
        return OutboundMessage(ticket.platform, ticket.contact, "customer", text, data, ticket.ref)

    def to_thread(
        self, ticket: Ticket, text: str, media: dict[str, Any] | None = None
    ) -> list[OutboundMessage]:
        """``text`` under the ticket's card on every team target (in its thread where threads exist);
        with ``media``, a customer's photo that a platform able to show it shows instead of ``text``."""
        data: dict[str, Any] = {"ref": ticket.ref} if media is None else {"ref": ticket.ref, "media": media}
        return [
            OutboundMessage(platform, channel, "thread", text, data, ticket.ref)
            for platform, channel in self.directory.ticket_targets(ticket)
        ]

    def ask_satisfaction(self, uow: UnitOfWork, ticket: Ticket, now: datetime) -> None:
        """On resolve: one quick question to a customer who wrote in themselves (never asked twice)."""
        if ticket.contact is None or ticket.satisfaction is not None:
            return
        choices = [[value, self.writer.satisfaction_label(value)] for value in answers(self.config)]
        text = self.t("customer.satisfaction.question", ref=ticket.ref)
        token = take_reply_token(ticket, now)
        uow.queue(self.to_customer(ticket, text, {"satisfaction": choices}, token), now)
