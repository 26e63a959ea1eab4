"""The shop's official account (``[line] mode = "customers"``): a 1:1 chat with anyone not named in
[roles] is a customer writing in, not staff forwarding a complaint."""

from __future__ import annotations

from typing import Any

from bot.core.domain import IncomingMessage
from bot.core.usecases import Services
from bot.platforms.line.chat import LINE, Chat
from bot.platforms.line.content import ATTACHABLE
from bot.platforms.line.sender import DisplayNames


class CustomerChats:
    def __init__(self, services: Services, chat: Chat, names: DisplayNames, *, enabled: bool) -> None:
        self.services = services
        self.chat = chat
        self.names = names
        """Asked while the webhook waits, so with a short timeout: a ticket never waits for a name."""
        self.enabled = enabled
        self.t = services.t

    def is_customer(self, source: Any) -> bool:
        """In customers mode, a 1:1 chat with anyone not named in [roles] is a customer's."""
        if not self.enabled or source.type != "user" or not source.user_id:
            return False
        return not self.services.is_staff(str(source.user_id))

    def accept(self, event: Any, text: str) -> None:
        """A customer's own message: a new ticket, or a follow-up of their open one (decided by the
        worker). The name on the ticket is their LINE display name, masked on cards."""
        user = str(event.source.user_id)
        name = self.names.lookup(user, user)
        incoming = IncomingMessage(
            platform=LINE,
            event_id=str(event.webhook_event_id),
            channel=user,
            forwarder=user,
            text=text,
            received_at=self.services.clock.now(),
            customer=None if name == user else name,
            reply_token=event.reply_token or None,
            from_customer=True,
        )
        self.services.accept(incoming)

    def media(self, event: Any) -> None:
        """A customer's photo (or file) joins their open ticket; with none they are asked to write.
        A sticker is left unanswered: customers send them to say thanks."""
        user, message = str(event.source.user_id), event.message
        if message.type not in ATTACHABLE:
            return
        self.services.settle(LINE, user)  # their message before the photo may still wait in the inbox
        ticket = self.services.desk.attach(LINE, user, str(message.type), str(message.id))
        if ticket is not None:
            self.chat.answer(event, self.t("customer.attached", ref=ticket.ref))
        else:
            self.chat.answer(event, self.t("customer.ask_text"))
