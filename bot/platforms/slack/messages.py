"""Complaints from Slack: mentions, messages in intake channels and DMs, the message shortcut and
the complaint form. A posted or mentioned complaint is stored for a worker and acknowledged; the
shortcut and the form open the ticket before the acknowledgement (the person waits for it)."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_sdk.errors import SlackClientError
from slack_sdk.web import WebClient

from bot.core.domain import EmptyComplaint, IncomingMessage
from bot.core.i18n import Translator
from bot.core.usecases import Services
from bot.platforms.slack.blocks import BlockWriter, to_plain
from bot.platforms.slack.payloads import PLATFORM, tell

log = logging.getLogger(__name__)

PERMALINK_TIMEOUT_SECONDS = 1
NEW_TEXT_SUBTYPES = (None, "file_share", "thread_broadcast")
"""Message subtypes that carry a person's new text; edits, deletions, joins and the like do not."""

_LEADING_MENTION = re.compile(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


class MessageHandlers:
    """The intake handlers of :class:`~bot.platforms.slack.events.SlackAdapter`."""

    services: Services
    t: Translator
    kit: BlockWriter
    intake_channels: frozenset[str]

    def handle_app_mention(self, event: dict[str, Any], context: Any, client: WebClient) -> None:
        if event.get("bot_id"):
            return  # another bot's mention: no loops between bots
        channel, ts, user = event["channel"], event["ts"], event.get("user", "")
        thread = event.get("thread_ts")
        text = _without_mention(event.get("text", ""), context.bot_user_id)
        source = ts
        if not to_plain(text).strip() and thread and thread != ts:
            # "@triage" alone in a thread: the complaint is the thread's first message.
            replies = client.conversations_replies(channel=channel, ts=thread, limit=1)
            messages = replies.get("messages") or []
            text, source = (messages[0].get("text", ""), thread) if messages else (text, source)
        self._accept(f"{channel}:{source}", channel, user, to_plain(text), thread or ts)

    def handle_message(self, event: dict[str, Any], context: Any) -> None:
        if event.get("bot_id") or event.get("subtype") not in NEW_TEXT_SUBTYPES:
            return
        user, channel, ts = event.get("user"), event.get("channel", ""), event.get("ts", "")
        if not user or user == context.bot_user_id:
            return
        thread, text = event.get("thread_ts"), to_plain(event.get("text", ""))
        if thread and thread != ts:
            self.services.reply_in_thread(PLATFORM, channel, thread, user)
        elif event.get("subtype") == "file_share" and not text.strip():
            return  # a photo without words is not a complaint of its own
        elif event.get("channel_type") == "im":
            self._accept(f"{channel}:{ts}", channel, user, text, None)
        elif channel in self.intake_channels:
            self._accept(f"{channel}:{ts}", channel, user, text, ts)

    def handle_send_to_triage(self, ack: Any, shortcut: dict[str, Any], client: WebClient) -> None:
        """The message shortcut: the complaint is the message it was used on."""
        user = shortcut["user"]["id"]
        if shortcut.get("type") != "message_action":  # the global shortcut: ask for the text
            ack()
            client.views_open(trigger_id=shortcut["trigger_id"], view=self.kit.complaint_modal(""))
            return
        channel, message = shortcut["channel"]["id"], shortcut["message"]
        ts = message["ts"]
        # The person waits for the answer: the ticket is opened before it, not by the worker.
        result = self.services.open_ticket(
            self._message(
                f"{channel}:{ts}",
                channel,
                user,
                to_plain(message.get("text", "")),
                message.get("thread_ts") or ts,
                source_url=self._permalink(client, channel, ts),
                source_author=message.get("user") or message.get("bot_id"),
            )
        )
        ack()
        if not result.created:
            tell(shortcut, client, result.reply)

    def handle_complaint_command(self, ack: Any, command: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(
            trigger_id=command["trigger_id"], view=self.kit.complaint_modal(command.get("text", ""))
        )

    def handle_complaint_submission(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        user = body["user"]["id"]

        def value(block: str) -> str:
            state = values.get(block, {}).get(block, {})
            option = state.get("selected_option") or {}
            return str(state.get("value") or option.get("value") or "").strip()

        if not value("text"):
            ack(response_action="errors", errors={"text": self.t("error.empty")})
            return
        lines = [value("text")]
        if value("order"):
            lines.append(self.t("slack.complaint.order", order=value("order")))
        if value("channel"):
            lines.append(
                self.t("slack.complaint.channel", channel=self.t(f"slack.customer.{value('channel')}"))
            )
        try:
            # The reply goes to the forwarder's direct messages with the bot; the ticket opens in
            # the department chosen on the form, if any.
            message = self._message(f"view:{view['id']}", user, user, "\n".join(lines), None)
            self.services.open_ticket(message, department=value("department") or None)
        except EmptyComplaint as error:
            ack(response_action="errors", errors={"text": self.t(error.text_key)})
            return
        ack()

    def _accept(self, event_id: str, channel: str, user: str, text: str, thread: str | None) -> None:
        """A complaint from the Events API: stored for a worker, which opens its ticket."""
        self.services.accept(self._message(event_id, channel, user, text, thread))

    def _message(
        self,
        event_id: str,
        channel: str,
        user: str,
        text: str,
        thread: str | None,
        *,
        source_url: str | None = None,
        source_author: str | None = None,
    ) -> IncomingMessage:
        return IncomingMessage(
            platform=PLATFORM,
            event_id=event_id,
            channel=channel,
            forwarder=user,
            text=text,
            received_at=self.services.clock.now(),
            thread=thread,
            source_url=source_url,
            source_author=source_author,
        )

    @staticmethod
    def _permalink(client: WebClient, channel: str, ts: str) -> str | None:
        """The forwarded message's permalink; a ticket is still opened when Slack does not give one.
        Asked before the acknowledgement, so it may take only a part of Slack's 3 seconds."""
        quick = WebClient(token=client.token, base_url=client.base_url, timeout=PERMALINK_TIMEOUT_SECONDS)
        try:
            link = quick.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
        except (SlackClientError, OSError) as error:
            log.warning("slack chat.getPermalink failed: %s", type(error).__name__)
            return None
        return str(link) if link else None


def _without_mention(text: str, bot_user_id: str | None) -> str:
    """The text after the bot's mention (other people mentioned stay part of the complaint)."""
    if bot_user_id:
        return re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    return _LEADING_MENTION.sub(" ", text)
