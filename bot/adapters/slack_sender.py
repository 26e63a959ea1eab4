"""Delivers outbox messages to Slack: Block Kit through ``chat.postMessage`` and ``chat.update``.

Slack's answers become :class:`~bot.ports.SendError` for the dispatcher: a 429 carries its
``Retry-After``, server errors and timeouts are retried, and errors no retry can fix (a channel
that does not exist, a bot not in it, a revoked token) are permanent, so they are dead-lettered
at once instead of hammering Slack.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import WebClient

from bot.adapters.slack_blocks import BlockWriter, fallback
from bot.config import Config
from bot.domain import OutboundMessage
from bot.ports import SendError, SendResult

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


def make_client(config: Config, token: str | None = None) -> WebClient:
    """A Web API client for the configured base URL (the tests' fake Slack, or Slack itself)."""
    kwargs: dict[str, Any] = {
        "token": token or config.secrets.slack_bot_token,
        "timeout": config.outbox_send_timeout_seconds,
    }
    if config.slack.api_url:
        url = config.slack.api_url
        kwargs["base_url"] = url if url.endswith("/") else url + "/"
    return WebClient(**kwargs)


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
        return SendError(f"slack: rate limited ({code})", retry_after=retry_after)
    if status >= 500:
        return SendError(f"slack: server error {status}")
    return SendError(f"slack: {code}", permanent=code in PERMANENT_ERRORS)


class SlackSender:
    """The :class:`~bot.ports.Sender` for Slack. Message ids are the messages' ``ts``."""

    def __init__(self, config: Config, client: WebClient | None = None) -> None:
        self.client = client or make_client(config)
        self.blocks = BlockWriter(config)

    def send(self, message: OutboundMessage, *, edit_message_id: str | None = None) -> SendResult:
        blocks = self.blocks.to_blocks(message)
        text = fallback(message.text)
        try:
            if edit_message_id:
                response = self.client.chat_update(
                    channel=message.channel, ts=edit_message_id, text=text, blocks=blocks
                )
            else:
                response = self.client.chat_postMessage(
                    channel=message.channel,
                    text=text,
                    blocks=blocks,
                    thread_ts=message.thread,
                    unfurl_links=False,
                    unfurl_media=False,
                )
        except SlackApiError as error:
            raise to_send_error(error) from None
        except (SlackClientError, OSError) as error:  # timeouts, refused connections, bad responses
            raise SendError(f"slack: {type(error).__name__}") from None
        ts = response.get("ts")
        return SendResult(message_id=str(ts) if ts else edit_message_id)
