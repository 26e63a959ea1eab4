"""The buttons of a LINE card: a postback becomes one use case. The actor is the user id in LINE's
signed event, never anything in the postback's data."""

from __future__ import annotations

import logging
from typing import Any

from bot.core.usecases import Services
from bot.core.wording import snoozed
from bot.platforms.line.chat import LINE, Chat, chat_id
from bot.platforms.line.flex import BadPostback, Postback, parse_postback
from bot.platforms.line.sender import DisplayNames

log = logging.getLogger(__name__)


class Postbacks:
    def __init__(self, services: Services, chat: Chat, names: DisplayNames) -> None:
        self.services = services
        self.chat = chat
        self.names = names
        self.t = services.t

    def handle_postback(self, event: Any) -> None:
        source = event.source
        if source is None or not self.chat.first_time(event):
            return
        try:
            postback = parse_postback(str(event.postback.data or ""), self.services.config.department_keys)
        except BadPostback as exc:
            log.warning("LINE postback refused: %s", exc, extra={"event_id": event.webhook_event_id})
            self.chat.answer(event, self.t("line.bad_postback"))
            return
        if not source.user_id:  # the actor comes from LINE's event, never from the data
            self.chat.answer(event, self.t("line.bad_postback"))
            return
        if postback.action == "sat":  # a customer's answer: thanked by the event's reply token
            self.services.desk.rate(
                postback.ref, str(source.user_id), str(postback.answer), event.reply_token or None
            )
            return
        if postback.action == "rm":
            self.chat.answer(
                event, self.t("line.reassign.prompt", ref=postback.ref), reassign_menu=postback.ref
            )
            return
        if postback.action == "reply_customer":  # the person's next message in this chat is the reply
            self.services.desk.expect_reply(postback.ref, str(source.user_id), LINE, chat_id(source))
            name = self.names.lookup(str(source.user_id), chat_id(source))
            self.chat.answer(event, self.t("line.reply_prompt", actor=name, ref=postback.ref))
            return
        actor = str(source.user_id)
        if postback.action == "ft":
            self.send_full_text(event, postback.ref, actor)
            return
        done = self.act(postback, actor)
        name = self.names.lookup(actor, chat_id(source))
        self.chat.answer(event, self.t("line.done", actor=name, text=done))

    def act(self, postback: Postback, actor: str) -> str:
        service, ref = self.services, postback.ref
        if postback.action == "ack":
            return self.t("done.acknowledged", ref=service.acknowledge(ref, actor).ref)
        if postback.action == "res":
            return self.t("done.resolved", ref=service.resolve(ref, actor).ref)
        if postback.action == "not_complaint":
            return self.t("done.not_complaint", ref=service.not_a_complaint(ref, actor).ref)
        if postback.action == "sn":
            ticket = service.snooze(ref, actor, float(postback.hours or 0))
            return snoozed(self.t, ticket, self.services.config.tz)
        if postback.action == "claim":
            return self.t("done.owned", ref=self.services.desk.claim(ref, actor).ref)
        if postback.action == "wait":
            return self.t("done.waiting", ref=self.services.desk.wait(ref, actor).ref)
        ticket = service.reassign(ref, actor, str(postback.department))
        name = self.services.writer.department_name(ticket.department)
        return self.t("done.reassigned", ref=ref, department=name)

    def send_full_text(self, event: Any, ref: int, actor: str) -> None:
        """The unmasked complaint as a 1:1 push to the person who asked (never to the group)."""
        text = self.services.full_text(ref, actor)
        self.chat.send_privately(event, actor, text, self.t("line.full_text.sent", ref=ref), ref)
