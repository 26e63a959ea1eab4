"""Slack payloads as the adapter reads them: the checks before bolt, and answering whoever sent one."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.errors import SlackClientError
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookClient

from bot.platforms.slack import blocks as kit

log = logging.getLogger(__name__)

PLATFORM = "slack"
MALFORMED = (KeyError, TypeError, AttributeError, IndexError, ValueError)
"""What reading a signed payload that lacks what its type must carry raises (400, not 500)."""


def is_slack_payload(raw: bytes, content_type: str | None) -> bool:
    """True when bolt can read ``raw`` as it reads Slack's bodies (JSON, a form, or a form with a
    JSON ``payload``) and what it gets is an object, not nested deeper than Python parses, whose
    ids are as short as Slack's (the database keeps ids of up to 128 characters)."""
    try:
        body = raw.decode("utf-8")
        if not body:
            return True
        if content_type == "application/json" or body.startswith("{"):
            parsed: Any = json.loads(body)
        else:
            parsed = dict(parse_qsl(body, keep_blank_values=True))
            if "payload" in parsed:
                parsed = json.loads(parsed["payload"])
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return False
    return isinstance(parsed, dict) and _short_ids(parsed) and _typed_event(parsed)


READ_EVENTS = frozenset({"app_mention", "message", "app_home_opened"})
"""The events whose fields the bot reads (the others are acknowledged and ignored)."""
TEXT_FIELDS = (
    "type",
    "user",
    "channel",
    "ts",
    "thread_ts",
    "event_ts",
    "text",
    "channel_type",
    "subtype",
    "bot_id",
)
"""Fields of those events that Slack sends as text (or leaves out): an object there is refused."""


def _typed_event(body: dict[str, Any]) -> bool:
    """An event the bot reads carries text where Slack puts text: a signed event whose ``channel``
    or ``user`` is an object is refused (400) before anything is stored, instead of failing in the
    worker on every attempt."""
    if body.get("type") != "event_callback":
        return True
    event = body.get("event")
    if not isinstance(event, dict):
        return False
    if event.get("type") not in READ_EVENTS:
        return True
    return all(isinstance(event.get(name), str | None) for name in TEXT_FIELDS)


_ID_KEYS = frozenset({"id", "ts", "thread_ts", "event_ts", "message_ts", "bot_id"})
"""Keys whose value is an id (text) wherever Slack sends them, as are all ``*_id`` keys."""
_OWNER_KEYS = frozenset({"user", "channel", "team"})
"""An id in events, an object with an ``id`` in interactions."""
MAX_ID_CHARS = 128


def _short_ids(value: Any, depth: int = 0) -> bool:
    """Every id the bot reads (the event's or interaction's own, up to ``event.ts`` or ``user.id``)
    is text, or null, no longer than any Slack id could be. Deeper down, in attachments and blocks,
    Slack also numbers things (an attachment's ``"id": 1``): numbers are fine there."""
    if depth > 50:
        return False
    if isinstance(value, list):
        return all(_short_ids(item, depth + 1) for item in value)
    if not isinstance(value, dict):
        return True
    for key, item in value.items():
        if key in _ID_KEYS or key.endswith("_id") or key in _OWNER_KEYS:
            allowed: tuple[type, ...] = (str, dict, type(None)) if key in _OWNER_KEYS else (str, type(None))
            if depth >= 2 and isinstance(item, int) and not isinstance(item, bool):
                continue
            if not isinstance(item, allowed) or (isinstance(item, str) and len(item) > MAX_ID_CHARS):
                return False
        if not isinstance(item, str) and not _short_ids(item, depth + 1):
            return False
    return True


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def event_id_of(body: dict[str, Any]) -> str:
    view = _object(body.get("view"))
    return str(body.get("event_id") or body.get("trigger_id") or view.get("id") or "-")


def tell(body: dict[str, Any], client: WebClient, text: str) -> None:
    """An ephemeral answer to whoever caused the request, wherever it came from."""
    event = _object(body.get("event"))
    user = event.get("user") or _object(body.get("user")).get("id") or body.get("user_id")
    channel = event.get("channel") or _object(body.get("channel")).get("id") or body.get("channel_id")
    if not all(isinstance(value, str | None) for value in (user, channel, body.get("response_url"))):
        return
    try:
        if body.get("response_url"):  # buttons, shortcuts, commands: works in any channel
            WebhookClient(body["response_url"]).send(
                text=kit.fallback(text), response_type="ephemeral", replace_original=False
            )
        elif body.get("type") == "view_submission" and user:
            client.chat_postMessage(channel=user, text=kit.fallback(text))
        elif channel and user:
            client.chat_postEphemeral(channel=channel, user=user, text=kit.fallback(text))
    except (SlackClientError, OSError) as failure:
        log.warning(
            "could not answer on slack: %s", type(failure).__name__, extra={"event_id": event_id_of(body)}
        )
