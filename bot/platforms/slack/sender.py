"""Delivers outbox messages to Slack: Block Kit through ``chat.postMessage`` and ``chat.update``.

Slack's answers become :class:`~bot.core.ports.SendError` for the dispatcher: a 429 is a rate limit
with its ``Retry-After`` (a wait, not a failure), server errors and timeouts are retried, and
errors no retry can fix (a channel that does not exist, a bot not in it, a revoked token) are
permanent, so they are dead-lettered at once instead of hammering Slack.

The pace each message keeps is Slack's published limits: ``chat.postMessage`` about one message a
second per channel with short bursts, the other methods by their tier (per workspace). Every
posted message carries ``metadata`` naming its outbox row (event type ``triage_outbox``); after a
send whose answer never came, the retry looks for that message in the channel (or thread) first
and records it instead of posting a second copy.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import WebClient

from bot.config import Config
from bot.core.card_data import CardFormatError, read_card
from bot.core.charts import render_chart
from bot.core.domain import OutboundMessage
from bot.core.ports import MediaSource, Pace, SendError, SendResult
from bot.platforms.slack.blocks import Block, BlockWriter, fallback
from bot.platforms.slack.settings import NAME, settings

log = logging.getLogger(__name__)

PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "no_permission",
        "restricted_action",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "user_not_found",
        "channel_is_archived",
    }
)


METADATA_TYPE = "triage_outbox"
POST_PER_SECOND, POST_BURST = 1.0, 3
"""chat.postMessage: "1 message per second per channel, short bursts allowed" (Slack's rate limits)."""
TIER_3, TIER_4 = 50 / 60, 100 / 60
"""Per minute per workspace: chat.update (tier 3); chat.postEphemeral and the file upload methods
(tier 4). A quarter of a minute's allowance may go at once (a week's digest charts, say)."""
PHOTO_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
LOOKBACK = 100
"""How many of a channel's (or thread's) latest messages a retry after an unanswered post reads."""


def make_client(config: Config, token: str | None = None) -> WebClient:
    """A Web API client for the configured base URL (the tests' fake Slack, or Slack itself)."""
    kwargs: dict[str, Any] = {
        "token": token or config.secrets.get("SLACK_BOT_TOKEN"),
        "timeout": config.outbox_send_timeout_seconds,
    }
    if settings(config).api_url:
        url = str(settings(config).api_url)
        kwargs["base_url"] = url if url.endswith("/") else url + "/"
    return WebClient(**kwargs)


def _metadata(outbox_id: int | None) -> dict[str, Any] | None:
    if outbox_id is None:
        return None
    return {"event_type": METADATA_TYPE, "event_payload": {"outbox_id": outbox_id}}


def _maybe_taken(error: BaseException) -> bool:
    """Whether Slack may have taken a message whose send raised ``error``: yes unless the
    connection was refused, which happens before anything is sent."""
    reason = getattr(error, "reason", None)
    return not isinstance(error, ConnectionRefusedError) and not isinstance(reason, ConnectionRefusedError)


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value[0] if isinstance(value, list | tuple) else value)
    return None


def to_send_error(error: SlackApiError) -> SendError:
    """Maps a Slack API failure onto the outbox's retry rules."""
    response = error.response
    status = response.status_code
    code = (
        str(response.get("error") or f"http {status}")
        if isinstance(response.data, dict)
        else f"http {status}"
    )
    if status == 429 or code == "ratelimited":
        after = _header(response.headers or {}, "Retry-After")
        try:
            retry_after = float(after) if after is not None else None
        except ValueError:
            retry_after = None
        return SendError(f"slack: rate limited ({code})", retry_after=retry_after, rate_limited=True)
    if status >= 500:
        return SendError(f"slack: server error {status}")
    return SendError(f"slack: {code}", permanent=code in PERMANENT_ERRORS)


SETTLED_REFUSALS = frozenset(
    {"user_not_found", "user_not_visible", "missing_scope", "not_allowed_token_type"}
)
"""users.info errors that asking again will not change."""


class UserNames:
    """People's names from ``users.info``, cached in memory (a cache: any copy can refill it)."""

    def __init__(self, client: WebClient, size: int = 1024) -> None:
        self.client = client
        self.size = size
        self._names: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def display_name(self, platform: str, user_id: str, chat: str) -> str:
        """The :class:`~bot.core.ports.Names` port: Slack's users only (others keep their id)."""
        return self.lookup(user_id) if platform == NAME and user_id else user_id

    def lookup(self, user_id: str) -> str:
        """The user's display name (else real name, else handle); the id itself when Slack does not tell."""
        with self._lock:
            if user_id in self._names:
                self._names.move_to_end(user_id)
                return self._names[user_id]
        try:
            user = self.client.users_info(user=user_id).get("user") or {}
        except SlackApiError as error:
            code = error.response.get("error")
            log.info("slack users.info refused: %s", code)
            if code not in SETTLED_REFUSALS:
                return user_id  # rate limited or a passing fault: ask again next time
            user = {}  # no such user, or no users:read: show the id from now on
        except (SlackClientError, OSError) as error:  # a name is a nicety: never fail a delivery for it
            log.warning("slack users.info failed: %s", type(error).__name__)
            return user_id
        profile = user.get("profile") or {}
        name = str(profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id)
        with self._lock:
            self._names[user_id] = name
            while len(self._names) > self.size:
                self._names.popitem(last=False)
        return name


CARD_KINDS = ("card", "card_update")
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


def owner_mentions(owners: Any) -> list[Block]:
    """Pings the owners of the tickets a reminder lists (Slack user ids only: nothing else is markup)."""
    ids = [owner for owner in owners if isinstance(owner, str) and SLACK_USER.match(owner)]
    if not ids:
        return []
    return [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": " ".join(f"<@{u}>" for u in ids[:20])}]}
    ]


class SlackSender:
    """The :class:`~bot.core.ports.Sender` for Slack. Message ids are the messages' ``ts`` (a file's id
    for an uploaded digest chart)."""

    def __init__(
        self,
        config: Config,
        client: WebClient | None = None,
        media: Mapping[str, MediaSource] | None = None,
    ) -> None:
        self.client = client or make_client(config)
        self.blocks = BlockWriter(config)
        self.names = UserNames(self.client)
        self.media = dict(media or {})
        """Where a customer's photo comes from, by their platform (LINE's message content)."""

    def pace(self, message: OutboundMessage, *, editing: bool) -> Pace:
        if message.kind == "digest_chart" or self.photo_source(message) is not None:
            return Pace("files.upload", TIER_4, 25)
        if editing:
            return Pace("chat.update", TIER_3, 12)
        if message.data.get("private_to"):
            return Pace("chat.postEphemeral", TIER_4, 25)
        return Pace(f"chat.postMessage:{message.channel}", POST_PER_SECOND, POST_BURST)

    def send(
        self,
        message: OutboundMessage,
        *,
        edit_message_id: str | None = None,
        outbox_id: int | None = None,
        unsure: bool = False,
    ) -> SendResult:
        if message.kind == "digest_chart":
            return self.upload_chart(message)
        if self.photo_source(message) is not None:
            uploaded = self.upload_photo(message)
            if uploaded is not None:
                return uploaded
        if unsure and outbox_id is not None and not edit_message_id and not message.data.get("private_to"):
            found = self.find_posted(message, outbox_id)
            if found is not None:
                log.info("slack message found posted already", extra={"outbox_id": outbox_id})
                return SendResult(message_id=found)
        blocks, text = self.render(message)
        try:
            if edit_message_id:
                response = self.client.chat_update(
                    channel=message.channel, ts=edit_message_id, text=text, blocks=blocks
                )
            elif message.data.get("private_to"):  # for one person's eyes (a refused complaint)
                response = self.client.chat_postEphemeral(
                    channel=message.channel,
                    user=str(message.data["private_to"]),
                    text=text,
                    blocks=blocks,
                    thread_ts=message.thread,
                )
                return SendResult(message_id=None)
            else:
                response = self.client.chat_postMessage(
                    channel=message.channel,
                    text=text,
                    blocks=blocks,
                    thread_ts=message.thread,
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata=_metadata(outbox_id),
                )
        except SlackApiError as error:
            raise to_send_error(error) from None
        except (SlackClientError, OSError) as error:  # timeouts, refused connections, bad responses
            raise SendError(f"slack: {type(error).__name__}", unsure=_maybe_taken(error)) from None
        ts = response.get("ts")
        return SendResult(message_id=str(ts) if ts else edit_message_id)

    def render(self, message: OutboundMessage) -> tuple[list[Block], str]:
        """The message's blocks and fallback text; a card names its people (forwarder, the
        message's author, who acted last) instead of showing their Slack user ids."""
        try:
            card = read_card(message.data, self.blocks.t) if message.kind in CARD_KINDS else None
        except CardFormatError as error:  # a newer version's row: retried, and dead-lettered if it stays
            raise SendError(f"slack: {error}") from None
        if card is None:
            blocks = self.blocks.to_blocks(message)
            if message.kind == "reminder":  # an owned ticket's reminder pings its owner
                blocks += owner_mentions(message.data.get("owners") or [])
            return blocks, fallback(message.text)
        card = card.named(self.names, NAME, message.channel)
        return self.blocks.card(card), fallback(card.to_text())

    def find_posted(self, message: OutboundMessage, outbox_id: int) -> str | None:
        """The ``ts`` of the message an earlier try posted for ``outbox_id``, if Slack has it: read
        from the thread's replies or the channel's latest messages, with their metadata."""
        try:
            if message.thread:
                response = self.client.conversations_replies(
                    channel=message.channel, ts=message.thread, limit=LOOKBACK, include_all_metadata=True
                )
            else:
                response = self.client.conversations_history(
                    channel=message.channel, limit=LOOKBACK, include_all_metadata=True
                )
        except SlackApiError as error:
            failure = to_send_error(error)
            if failure.rate_limited:
                raise failure from None
            # No history to read (a scope, a channel gone): posting again risks a copy, not a loss.
            log.warning("slack history unreadable before a retry: %s", error.response.get("error"))
            return None
        except (SlackClientError, OSError) as error:
            raise SendError(f"slack: history {type(error).__name__}", unsure=True) from None
        for posted in response.get("messages") or []:
            metadata = posted.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_TYPE and str(payload.get("outbox_id")) == str(
                outbox_id
            ):
                return str(posted.get("ts"))
        return None

    def upload_chart(self, message: OutboundMessage) -> SendResult:
        """Draws the digest's chart and uploads it to the channel (``files_upload_v2``: get an
        upload URL, send the bytes there, complete the upload into the channel)."""
        data = message.data
        png = render_chart(data, self.blocks.t)
        name = f"digest-{data.get('team', 'team')}-{data.get('week', '')}.png"
        period = data.get("period") or data.get("week", "")
        title = self.blocks.t("chart.title", team=data.get("team_name", ""), week=period)
        return self.upload(channel=message.channel, content=png, filename=name, title=title, alt_txt=title)

    def photo_source(self, message: OutboundMessage) -> MediaSource | None:
        """Where a thread message's customer photo comes from, when this sender can fetch it."""
        media = message.data.get("media")
        if message.kind != "thread" or not isinstance(media, dict):
            return None
        return self.media.get(str(media.get("platform")))

    def upload_photo(self, message: OutboundMessage) -> SendResult | None:
        """A customer's photo uploaded into the card's thread, captioned; ``None`` when their
        platform no longer has it or it is too large (the message's text is posted instead)."""
        media, source = message.data["media"], self.photo_source(message)
        if source is None:  # pragma: no cover - checked by the caller
            return None
        photo = source.fetch(str(media.get("id")), limit=int(media.get("limit") or 0))
        if photo is None:
            return None
        caption = str(media.get("caption") or "")
        extension = PHOTO_EXTENSIONS.get(photo.content_type.split(";")[0].strip(), "jpg")
        return self.upload(
            channel=message.channel,
            thread_ts=message.thread,
            content=photo.content,
            filename=f"ticket-{message.ticket_ref}-{media.get('id')}.{extension}",
            title=caption,
            alt_txt=caption,
            initial_comment=caption,
        )

    def upload(self, **arguments: Any) -> SendResult:
        """``files_upload_v2``: get an upload URL, send the bytes there, complete the upload into
        the channel (the thread with ``thread_ts``); the message id is the file's."""
        try:
            response = self.client.files_upload_v2(**arguments)
        except SlackApiError as error:
            raise to_send_error(error) from None
        except (SlackClientError, OSError) as error:  # the upload URL refused the bytes, timeouts
            raise SendError(f"slack: upload {type(error).__name__}") from None
        file = response.get("file") or {}
        return SendResult(message_id=str(file.get("id")) if file.get("id") else None)
