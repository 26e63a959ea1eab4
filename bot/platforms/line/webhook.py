"""The LINE adapter: ``POST /line/webhook`` events <-> core calls. Delivery is in ``line_sender``; a
card's buttons are in :mod:`.postbacks`, the customer channel in :mod:`.customers`, answering in
:mod:`.chat`.

The SDK's ``WebhookParser`` checks the signature with the channel secret and parses the events
(unknown types become ``UnknownEvent``). Each event is handled once: its ``webhookEventId`` is
recorded in the database, so LINE's redeliveries change nothing. A complaint is stored in the
inbox and a worker opens its ticket (:mod:`bot.core.inbox`), so the webhook answers at once. Every
answer goes through the outbox with the event's reply token, which the sender uses before falling
back to a push.
"""

from __future__ import annotations

import logging
import re
import traceback
import unicodedata
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, request
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.models.events import UnknownEvent

from bot.core.domain import IncomingMessage, InvalidArgument, TriageError
from bot.core.usecases import Services
from bot.platforms.line.chat import LINE, Chat, chat_id
from bot.platforms.line.content import ATTACHABLE, MEDIA, expand_emojis
from bot.platforms.line.customers import CustomerChats
from bot.platforms.line.postbacks import Postbacks
from bot.platforms.line.sender import DisplayNames, LineSender, make_api
from bot.platforms.line.settings import ALSO_ACCEPTED, settings

__all__ = ["LINE", "DisplayNames", "LineSender", "LineWebhook", "register"]

log = logging.getLogger(__name__)

NAME_TIMEOUT = (1.0, 2.0)
"""Connect and read timeouts for a customer's display name, asked while LINE waits for the webhook."""
ATTACH_WINDOW = timedelta(minutes=5)
"""An image the forwarder sends this soon after a complaint belongs to that complaint."""
HISTORY = re.compile(r"^/history(?:\s+#?(\d{1,9}))?\s*$", re.IGNORECASE)
"""``/history #N`` typed to the bot, 1:1 or in a group: the ticket's audit trail."""


def register(web: Flask, services: Services) -> None:
    """Mounts ``POST /line/webhook`` on ``web``."""
    secret = services.config.secrets.get("LINE_CHANNEL_SECRET") or ""
    api = make_api(services.config)
    webhook = LineWebhook(
        services, WebhookParser(secret), DisplayNames(api), DisplayNames(api, timeout=NAME_TIMEOUT)
    )
    if webhook.customers.enabled and not services.staff_see_tickets():
        log.warning(
            "[line] mode = customers, but no team channel or group, triage target or managers' channel"
            " is configured: customers' tickets will be shown to nobody"
        )

    @web.post("/line/webhook")
    def line_webhook() -> tuple[str, int]:
        return webhook.handle_request(request.get_data(), request.headers.get("X-Line-Signature"))


class LineWebhook:
    def __init__(
        self,
        services: Services,
        parser: WebhookParser,
        names: DisplayNames,
        customer_names: DisplayNames | None = None,
    ) -> None:
        self.services = services
        self.parser = parser
        self.names = names
        self.t = services.t
        self.keywords = (settings(services.config).complaint_keyword, *ALSO_ACCEPTED)
        self.chat = Chat(services)
        self.customers = CustomerChats(
            services,
            self.chat,
            customer_names or names,
            enabled=settings(services.config).mode == "customers",
        )
        """The official account: 1:1 chats are customers writing in (except staff named in [roles])."""
        self.postbacks = Postbacks(services, self.chat, names)
        self.handlers: dict[str, Callable[[Any], None]] = {
            "message": self.handle_message,
            "unsend": self.handle_unsend,
            "messageEdited": self.handle_message_edited,
            "follow": self.handle_follow,
            "join": self.handle_join,
            "postback": self.postbacks.handle_postback,
        }

    def handle_request(self, body: bytes, signature: str | None) -> tuple[str, int]:
        """400 for a bad signature or body; 500 only when an event failed unexpectedly (LINE may
        redeliver it, and what was done already is deduplicated)."""
        if not signature:
            return "missing signature", 400
        try:
            events = self.parser.parse(body.decode("utf-8"), signature)
        except InvalidSignatureError:
            log.warning("LINE webhook with a bad signature refused")
            return "bad signature", 400
        except Exception as exc:  # invalid UTF-8, not JSON, not LINE's shape: nothing to handle
            log.warning("malformed LINE webhook body refused: %s", type(exc).__name__)
            return "malformed body", 400
        failed = False
        for event in events:
            if not self.handle_event(event):
                failed = True
        return ("error", 500) if failed else ("OK", 200)

    def handle_event(self, event: Any) -> bool:
        """Handles one event; False when it failed unexpectedly (logged, answered when possible)."""
        event_id = str(getattr(event, "webhook_event_id", ""))
        kind = str(getattr(event, "type", ""))
        mode = getattr(event, "mode", None)
        if getattr(mode, "value", mode) == "standby":
            return True  # another channel owns this chat for now
        handler = self.handlers.get(kind)
        if not _short_ids(event):
            log.warning("LINE event with overlong ids ignored", extra={"event_id": event_id[:40]})
            return True
        if handler is None or isinstance(event, UnknownEvent):  # a type, or a shape, the SDK does not know
            log.info("LINE event ignored", extra={"event_type": kind[:40], "event_id": event_id})
            return True
        try:
            handler(event)
        except TriageError as error:
            self.chat.answer(event, self.t(error.text_key, **error.params))
        except Exception as exc:
            # Where it failed, not the message: a database error's text can quote the complaint.
            where = "".join(traceback.format_tb(exc.__traceback__))
            log.error("LINE event failed: %s\n%s", type(exc).__name__, where, extra={"event_id": event_id})
            try:
                self.chat.answer(event, self.t("error.internal", event=event_id[-8:]))
            except Exception as again:
                log.error("could not answer the failed LINE event: %s", type(again).__name__)
            return False
        return True

    def handle_message(self, event: Any) -> None:
        message, source = event.message, event.source
        if source is None:
            return
        if message.type == "text":
            self.handle_text(event)
        elif message.type in MEDIA:
            self.handle_media(event)
        else:
            log.info("LINE message type ignored", extra={"message_type": str(message.type)[:40]})

    def handle_text(self, event: Any) -> None:
        source, message = event.source, event.message
        text, shift = expand_emojis(
            str(message.text or ""), getattr(message, "emojis", None), self.t("line.emoji")
        )
        if self.customers.is_customer(source):
            self.customers.accept(event, text)
            return
        if source.user_id and self.reply_to_customer(event, text):
            return
        command = unicodedata.normalize("NFKC", text).strip()
        if command.lower().startswith("/history"):
            self.handle_history(event, command)
            return
        if source.type != "user":
            addressed = self.addressed(text, getattr(message, "mention", None), shift)
            if addressed is None:
                return  # the team's own talk
            text = addressed
        incoming = IncomingMessage(
            platform=LINE,
            event_id=str(event.webhook_event_id),
            channel=chat_id(source),
            forwarder=str(source.user_id or chat_id(source)),
            text=text,
            received_at=self.services.clock.now(),
            reply_token=event.reply_token or None,
            message_id=str(message.id),
            names=self.customer_name(source),
        )
        # Stored for a worker, which opens the ticket and answers with the reply token (valid
        # for a minute; the sender falls back to a push). A redelivery is a no-op here or there.
        self.services.accept(incoming)

    def reply_to_customer(self, event: Any, text: str) -> bool:
        """The message after お客様に返信 on a card is that reply (True when it was)."""
        actor = str(event.source.user_id)
        ticket = self.services.desk.reply_expected(
            LINE, chat_id(event.source), actor, text, str(event.webhook_event_id)
        )
        if ticket is None:
            return False
        self.chat.answer(event, self.t("done.replied", ref=ticket.ref))
        return True

    def customer_name(self, source: Any) -> tuple[str, ...]:
        """In a 1:1 chat the writer may be the customer: their display name is masked wherever the
        complaint is shown (a staff member's name masked in their own forward does no harm)."""
        if source.type != "user" or not source.user_id:
            return ()
        name = self.names.lookup(str(source.user_id), chat_id(source))
        return (name,) if name != source.user_id else ()

    def handle_history(self, event: Any, command: str) -> None:
        if not self.chat.first_time(event):
            return
        match = HISTORY.match(command)
        if match is None or match[1] is None:
            raise InvalidArgument("error.usage", usage=self.t("usage.history"))
        actor = str(event.source.user_id or "")  # from LINE's signed event, never from the text
        ref = int(match[1])
        history = self.services.history_text(ref, actor)
        if event.source.type == "user":
            self.chat.answer(event, history)
        else:  # the group may hold people who may not see it: only the asker gets it
            self.chat.send_privately(event, actor, history, self.t("line.history.sent", ref=ref), ref)

    def addressed(self, text: str, mention: Any, shift: Callable[[int], int] = int) -> str | None:
        """The complaint in a group message meant for the bot, else ``None``. ``shift`` maps the
        mention's place in LINE's text to ``text`` (emoji placeholders written out before it)."""
        stripped = text.lstrip()
        for keyword in self.keywords:
            if stripped.startswith(keyword):
                return stripped[len(keyword) :].strip()
        for mentionee in getattr(mention, "mentionees", None) or []:
            if getattr(mentionee, "is_self", False):
                start, end = shift(mentionee.index), shift(mentionee.index + mentionee.length)
                if text[start:end].startswith("@"):
                    text = text[:start] + text[end:]
                return text.strip()
        return None

    def handle_media(self, event: Any) -> None:
        if not self.chat.first_time(event):
            return
        source, message = event.source, event.message
        if self.customers.is_customer(source):
            self.customers.media(event)
            return
        ticket = None
        if message.type in ATTACHABLE and source.user_id:
            # The complaint this photo follows may still wait in the inbox (often the same webhook).
            ticket = self.services.attach(
                LINE, str(source.user_id), str(message.type), str(message.id), within=ATTACH_WINDOW
            )
        image_set = getattr(message, "image_set", None)
        if image_set is not None and not self.chat.first_of_set(str(image_set.id)):
            return  # the photos of one send are answered once
        if ticket is not None and image_set is not None:
            count = image_set.total or 1
            self.chat.answer(event, self.t("line.attached_many", ref=ticket.ref, count=count))
        elif ticket is not None:
            self.chat.answer(event, self.t("line.attached", ref=ticket.ref))
        elif source.type == "user":
            self.chat.answer(event, self.t("line.ask_text"))
        # in a group, a sticker or photo not following a complaint is the team's own talk

    def handle_unsend(self, event: Any) -> None:
        """A message taken back: if it became a ticket, its text is erased everywhere. Unsent in
        a 1:1 chat it was the customer's own; in a group or room, the forwarder's."""
        source = event.source
        if source is None or not self.chat.first_time(event):
            return
        actor = str(source.user_id or chat_id(source))
        message_id = str(event.unsend.message_id)
        # The complaint may still wait in the inbox (often the same webhook): withdraw settles it.
        self.services.withdraw(LINE, message_id, actor, by_customer=source.type == "user")

    def handle_message_edited(self, event: Any) -> None:
        """A text edited after it was sent: a complaint's edit soon after corrects the ticket, a
        later one is noted on its card (:class:`~bot.core.originals.Originals`)."""
        source, message = event.source, event.message
        if source is None or getattr(message, "type", "") != "text" or not self.chat.first_time(event):
            return
        text, shift = expand_emojis(
            str(message.text or ""), getattr(message, "emojis", None), self.t("line.emoji")
        )
        if source.type != "user":
            text = self.addressed(text, getattr(message, "mention", None), shift) or text
        actor = str(source.user_id or chat_id(source))
        self.services.edited(LINE, str(message.id), actor, text)

    def handle_follow(self, event: Any) -> None:
        """Added as a friend (or unblocked): how to send a complaint, once."""
        if self.chat.first_time(event):
            self.chat.answer(event, self.t("line.follow"))

    def handle_join(self, event: Any) -> None:
        if self.chat.first_time(event):
            key = "line.joined_room" if getattr(event.source, "type", "") == "room" else "line.joined"
            self.chat.answer(event, self.t(key, group_id=chat_id(event.source)))


MAX_ID_CHARS = 128
"""LINE's ids are 33 characters (event ids 26); the database keeps up to this many."""


def _short_ids(event: Any) -> bool:
    source = getattr(event, "source", None)
    ids = [getattr(event, "webhook_event_id", None)]
    ids += [getattr(source, name, None) for name in ("user_id", "group_id", "room_id")]
    return all(len(str(value)) <= MAX_ID_CHARS for value in ids if value is not None)
