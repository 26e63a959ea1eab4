"""Delivery to LINE through line-bot-sdk v3's Messaging API client.

A message carrying a reply token is answered with it first (free of quota); when LINE refuses the
token (expired, used) the message is pushed instead. Every push carries an ``X-Line-Retry-Key``
derived from the outbox message, so a push the dispatcher retries after a timeout or a 5xx is
delivered once: LINE answers a repeated key with 409, which counts as delivered.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    PushMessageRequest,
    ReplyMessageRequest,
)

from bot.config import Config
from bot.core.card_data import CardFormatError, read_card
from bot.core.domain import OutboundMessage
from bot.core.i18n import Translator
from bot.core.ports import Pace, SendError, SendResult
from bot.platforms.line.flex import FlexWriter
from bot.platforms.line.settings import NAME, settings

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.line.me"
RETRY_KEY_NAMESPACE = uuid.UUID("5b0e7d1c-6a43-4d8e-9a51-3c2f4f0d7e21")
TIMEOUT = (3.0, 10.0)
"""Connect and read timeouts (seconds) for calls to LINE; deliveries read ``outbox.send_timeout_seconds``."""
MESSAGES_PER_SECOND = 2000
"""The Messaging API's limit for push and reply messages, per LINE channel (the bot)."""
USER_ID = re.compile(r"(?<![0-9A-Za-z])U[0-9a-f]{32}(?![0-9a-f])")  # Japanese text may touch it: 「U…さんが」
CARD_KINDS = ("card", "card_update")


def api_client(config: Config, default_host: str = DEFAULT_API_URL) -> ApiClient:
    """The SDK's HTTP client for ``[line] api_url`` (``default_host``, LINE itself, when unset),
    with the channel token."""
    host = (settings(config).api_url or default_host).rstrip("/")
    configuration = Configuration(host=host, access_token=config.secrets.get("LINE_CHANNEL_ACCESS_TOKEN"))
    return ApiClient(configuration)


def make_api(config: Config) -> MessagingApi:
    """The Messaging API (pushes, replies, profiles, quota)."""
    return MessagingApi(api_client(config))


def retry_key(message: OutboundMessage, outbox_id: int | None) -> str:
    """A UUID that is the same for every attempt at one outbox message, and differs between two.

    Two replies of the same words to one customer are two messages, so the key names the outbox
    row. A message that several processes may queue on their own (the quota warning) names what it
    is in ``data["once"]`` instead, and LINE delivers it once within its 24 h retry window.
    """
    once = message.data.get("once")
    identity: list[object] = [message.platform, message.channel]
    if once is not None:
        identity += ["once", once]
    elif outbox_id is not None:
        identity += ["outbox", outbox_id]
    else:  # sent outside the outbox: its content is all that names it
        identity += [message.kind, message.ticket_ref, message.text, message.data]
    return str(uuid.uuid5(RETRY_KEY_NAMESPACE, json.dumps(identity, sort_keys=True, default=str)))


def to_send_error(exc: ApiException) -> SendError:
    """429 waits for ``Retry-After``; 5xx is retried; any other refusal (400/401/403...) is permanent."""
    status = int(exc.status or 0)
    if status == 429:
        return SendError("LINE 429 rate limited", retry_after=_retry_after(exc.headers), rate_limited=True)
    if status >= 500 or status == 0:
        return SendError(f"LINE {status} {exc.reason or ''}".strip())
    return SendError(f"LINE {status} {exc.reason or ''}".strip(), permanent=True)


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    value = (headers or {}).get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


class DisplayNames:
    """Display names from LINE's profile API, cached in memory (a cache: any copy can refill it)."""

    def __init__(
        self, api: MessagingApi, size: int = 1024, *, timeout: tuple[float, float] = TIMEOUT
    ) -> None:
        self.api = api
        self.timeout = timeout
        self.size = size
        self._names: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def display_name(self, platform: str, user_id: str, chat: str) -> str:
        """The :class:`~bot.core.ports.Names` port: LINE's users only (others keep their id)."""
        return self.lookup(user_id, chat) if platform == NAME and USER_ID.fullmatch(user_id) else user_id

    def lookup(self, user_id: str, chat: str) -> str:
        """The user's name as shown in ``chat`` (a group ``C…``, a room ``R…``, else 1:1); the id
        itself when LINE does not tell."""
        with self._lock:
            if user_id in self._names:
                self._names.move_to_end(user_id)
                return self._names[user_id]
        try:
            if chat.startswith("C"):
                profile = self.api.get_group_member_profile(chat, user_id, _request_timeout=self.timeout)
            elif chat.startswith("R"):
                profile = self.api.get_room_member_profile(chat, user_id, _request_timeout=self.timeout)
            else:
                profile = self.api.get_profile(user_id, _request_timeout=self.timeout)
            name = str(profile.display_name)
        except Exception:  # a name is a nicety: never fail an action or a delivery for it
            log.warning("LINE profile lookup failed", exc_info=True)
            return user_id
        with self._lock:
            self._names[user_id] = name
            while len(self._names) > self.size:
                self._names.popitem(last=False)
        return name


class LineSender:
    def __init__(self, config: Config, *, api: MessagingApi | None = None) -> None:
        self.api = api or make_api(config)
        self.flex = FlexWriter(config, Translator(config.language))
        timeout = config.outbox_send_timeout_seconds
        self.timeout = (min(TIMEOUT[0], timeout), timeout)
        self.names = DisplayNames(self.api, timeout=self.timeout)

    def pace(self, message: OutboundMessage, *, editing: bool) -> Pace:
        """LINE limits the bot's channel as a whole (2,000 pushes or replies a second), not each chat."""
        return Pace("messaging", MESSAGES_PER_SECOND, MESSAGES_PER_SECOND // 10)

    def send(
        self,
        message: OutboundMessage,
        *,
        edit_message_id: str | None = None,
        outbox_id: int | None = None,
        unsure: bool = False,
    ) -> SendResult:
        """LINE cannot edit a message: a card update is a new message that says what changed. A
        retry needs no looking first: its ``X-Line-Retry-Key`` makes LINE deliver the push once."""
        messages = self.render(message)
        token = message.data.get("reply_token")
        try:
            if isinstance(token, str) and token:
                try:
                    return self._reply(token, messages)
                except ApiException as exc:
                    if exc.status != 400:
                        raise
                    log.info("LINE refused the reply token; pushing instead", extra={"kind": message.kind})
            private = message.data.get("private_to")  # LINE has no ephemeral messages: 1:1 instead
            to = private if isinstance(private, str) and private else message.channel
            return self._push(to, messages, retry_key(message, outbox_id))
        except ApiException as exc:
            raise to_send_error(exc) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise SendError(f"LINE unreachable: {type(exc).__name__}") from None

    def render(self, message: OutboundMessage) -> list[dict[str, Any]]:
        """The message as LINE messages; a card names the LINE users in it instead of their ids."""
        try:
            card = read_card(message.data, self.flex.t) if message.kind in CARD_KINDS else None
        except CardFormatError as error:  # a newer version's row: retried, and dead-lettered if it stays
            raise SendError(f"LINE: {error}") from None
        if card is None:
            return self.flex.to_messages(message)
        return [self.flex.to_card(card.named(self.names, NAME, message.channel))]

    def _reply(self, token: str, messages: list[dict[str, Any]]) -> SendResult:
        request = ReplyMessageRequest.from_dict({"replyToken": token, "messages": messages})
        response = self.api.reply_message(request, _request_timeout=self.timeout)
        return SendResult(_first_id(response))

    def _push(self, to: str, messages: list[dict[str, Any]], key: str) -> SendResult:
        request = PushMessageRequest.from_dict({"to": to, "messages": messages})
        try:
            response = self.api.push_message(request, x_line_retry_key=key, _request_timeout=self.timeout)
        except ApiException as exc:
            if exc.status == 409:  # an earlier attempt with this retry key was accepted
                log.info("LINE already accepted this push", extra={"retry_key": key})
                return SendResult(None)
            raise
        return SendResult(_first_id(response))


def _first_id(response: Any) -> str | None:
    sent = getattr(response, "sent_messages", None) or []
    return str(sent[0].id) if sent and getattr(sent[0], "id", None) else None
