"""What a Slack message carries besides its ``text``: shared messages and e-mails.

Slack's "Forward message" and "Share message" post a message whose ``text`` is empty (or the
forwarder's comment) and whose content is in ``attachments[]``: each shared message is an
attachment with ``is_share`` (or ``is_msg_unfurl``), its words in ``message_blocks`` (rich text), in
``text`` (mrkdwn) and in ``fallback`` ("[date] author: words"), its author in ``author_id``, its
place in ``channel_id``/``ts`` and its link in ``from_url`` (``original_url`` for a pasted link).
The Slack Email app posts a ``file_share`` whose file has ``filetype: email`` with ``subject``,
``from`` and ``plain_text``. Nothing here decides what is a complaint: see ``events.py``. A
complaint's original deleted or edited is told to :class:`~bot.core.usecases.Services` here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.core.usecases import Services
from bot.platforms.slack.blocks import to_plain
from bot.platforms.slack.settings import NAME

__all__ = [
    "SLACKBOT",
    "Email",
    "Shared",
    "email_of",
    "integration_text",
    "on_original_change",
    "rich_text",
    "shared_of",
]

PLATFORM = NAME
SLACKBOT = "USLACKBOT"
"""Slackbot's user id: its notices ("You have been removed from #...") come without a bot_id."""
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")

_FALLBACK_HEAD = re.compile(r"^\[[^\]\n]{1,80}\] [^:\n]{1,80}: ")
"""A share's fallback starts with "[August 29th, 2024 10:24 AM] lev: " before the words."""


@dataclass(frozen=True)
class Shared:
    """The messages a Slack message shares, as one complaint."""

    text: str
    """Every shared message's words, in order ("" when the bot may not read any of them)."""
    author: str | None
    url: str | None
    original: str | None
    """``channel:ts`` of the first shared message: its deletion or edit finds the ticket."""


@dataclass(frozen=True)
class Email:
    """A customer's e-mail as Slack's Email app posts it."""

    text: str
    """The subject, a blank line and the plain-text body."""
    sender: str | None
    """The sender as ``Name <address>`` (the customer's contact; both parts are masked)."""
    message_id: str
    """The e-mail's own Message-ID (else Slack's file id): the same e-mail is one ticket."""


def shared_of(event: dict[str, Any]) -> Shared | None:
    """The shared messages in a message event, or ``None`` when it shares none."""
    shares = [
        item
        for item in _list(event.get("attachments"))
        if isinstance(item, dict) and (item.get("is_share") or item.get("is_msg_unfurl"))
    ]
    if not shares:
        return None
    texts = [text for text in map(_share_text, shares) if text]
    first = shares[0]
    channel, ts = _text(first.get("channel_id")), _text(first.get("ts"))
    return Shared(
        text="\n\n".join(texts),
        author=_text(first.get("author_id")) or _text(first.get("bot_id")),
        url=_text(first.get("from_url")) or _text(first.get("original_url")),
        original=f"{channel}:{ts}" if channel and ts else None,
    )


def _share_text(share: dict[str, Any]) -> str:
    """One shared message's words: its rich text, else its mrkdwn text, else its fallback."""
    blocks = [
        block
        for item in _list(share.get("message_blocks"))
        if isinstance(item, dict)
        for block in _list(_dict(item.get("message")).get("blocks"))
    ]
    if text := rich_text(blocks).strip():
        return text
    if text := to_plain(_text(share.get("text")) or "").strip():
        return text
    return _FALLBACK_HEAD.sub("", to_plain(_text(share.get("fallback")) or "")).strip()


def rich_text(blocks: list[Any]) -> str:
    """Slack's ``rich_text`` blocks as plain text: sections, lists, quotes and code, with people,
    channels, links and emoji written out."""
    return "\n".join(
        _elements(_list(block.get("elements")))
        for block in blocks
        if isinstance(block, dict) and block.get("type") == "rich_text"
    )


def _elements(elements: list[Any]) -> str:
    out: list[str] = []
    for element in elements:
        if not isinstance(element, dict):
            continue
        kind = element.get("type")
        if kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote"):
            text = _inline(_list(element.get("elements")))
            out.append(text if text.endswith("\n") else text + "\n")
        elif kind == "rich_text_list":
            for index, item in enumerate(_list(element.get("elements")), start=1):
                bullet = f"{index}. " if element.get("style") == "ordered" else "• "
                out.append(bullet + _elements([item]).strip() + "\n")
    return "".join(out).strip("\n")


def _inline(elements: list[Any]) -> str:
    parts: list[str] = []
    for element in elements:
        if not isinstance(element, dict):
            continue
        kind = element.get("type")
        if kind == "text":
            parts.append(_text(element.get("text")) or "")
        elif kind == "link":
            url, label = _text(element.get("url")) or "", _text(element.get("text"))
            parts.append(f"{label} ({url})" if label and label != url else url)
        elif kind == "emoji":
            parts.append(_emoji(element))
        elif kind == "user":
            parts.append("@" + (_text(element.get("user_id")) or ""))
        elif kind == "channel":
            parts.append("#" + (_text(element.get("channel_id")) or ""))
        elif kind == "usergroup":
            parts.append("@" + (_text(element.get("usergroup_id")) or ""))
        elif kind == "broadcast":
            parts.append("@" + (_text(element.get("range")) or "here"))
        elif kind == "date":
            parts.append(_text(element.get("fallback")) or "")
    return "".join(parts)


def _emoji(element: dict[str, Any]) -> str:
    """The emoji itself when Slack gives its code points ("1f604"), else its :name:."""
    if code := _text(element.get("unicode")):
        try:
            return "".join(chr(int(point, 16)) for point in code.split("-"))
        except (ValueError, OverflowError):
            pass  # not code points: the name will do
    return f":{_text(element.get('name')) or ''}:"


def email_of(event: dict[str, Any]) -> Email | None:
    """The e-mail a message event carries (Slack's Email app), or ``None``."""
    for file in _list(event.get("files")):
        if not isinstance(file, dict) or file.get("filetype") != "email":
            continue
        subject = (_text(file.get("subject")) or "").strip()
        body = (_text(file.get("plain_text")) or _text(file.get("preview_plain_text")) or "").strip()
        senders = [_sender(_dict(item)) for item in _list(file.get("from"))]
        headers = _dict(file.get("headers"))
        message_id = _text(headers.get("message_id")) or _text(file.get("id")) or ""
        return Email(
            text="\n\n".join(part for part in (subject, body) if part),
            sender=next((sender for sender in senders if sender), None),
            message_id=message_id[:100],
        )
    return None


def integration_text(event: dict[str, Any]) -> str:
    """An integration's message as text: its own text, then each attachment's pretext, title and
    text (its fallback when it has none of those)."""
    parts = [to_plain(_text(event.get("text")) or "")]
    for item in _list(event.get("attachments")):
        attachment = _dict(item)
        own = [_text(attachment.get(key)) for key in ("pretext", "title", "text")]
        parts += [to_plain(part) for part in own if part] or [
            to_plain(_text(attachment.get("fallback")) or "")
        ]
    blocks = rich_text(_list(event.get("blocks")))
    if not any(part.strip() for part in parts):
        parts.append(blocks)
    return "\n".join(part.strip() for part in parts if part.strip())


def _sender(item: dict[str, Any]) -> str | None:
    address, name = _text(item.get("address")), (_text(item.get("name")) or "").strip()
    if not address:
        return None
    return (f"{name} <{address}>" if name and name != address else address)[:256]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def on_original_change(event: dict[str, Any], services: Services, bot_user_id: str | None) -> None:
    """A message deleted (``message_deleted``) or edited (``message_changed``): if it is a ticket's
    original, the ticket hears of it. Slack also sends ``message_changed`` when it unfurls a link
    or an app updates its message: only a person's edit (``edited``) counts."""
    channel, previous = event.get("channel", ""), _dict(event.get("previous_message"))
    if event.get("subtype") == "message_deleted":
        ts = _text(event.get("deleted_ts")) or _text(previous.get("ts"))
        if ts:
            services.deleted(PLATFORM, f"{channel}:{ts}", _text(previous.get("user")) or SLACKBOT)
        return
    message = _dict(event.get("message"))
    if message.get("bot_id") or not message.get("edited"):
        return
    shared = shared_of(message)
    if shared is not None:
        text, original = shared.text, shared.original
    else:
        mention = re.compile(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>") if bot_user_id else _MENTION
        text, original = mention.sub(" ", _text(message.get("text")) or ""), f"{channel}:{message.get('ts')}"
    actor = _text(_dict(message.get("edited")).get("user")) or _text(message.get("user")) or SLACKBOT
    if original:
        services.edited(PLATFORM, original, actor, to_plain(text))
