"""Complaints from Slack: mentions, messages in intake channels and DMs, forwarded and shared
messages, e-mails in e-mail channels, the message shortcut and the complaint form. A posted or
mentioned complaint is stored for a worker and acknowledged; the shortcut and the form open the
ticket before the acknowledgement (the person waits for it). Only people's messages are complaints,
except apps' messages in e-mail channels (or of configured integrations). A complaint's original
deleted or edited is told to its ticket (:func:`~bot.platforms.slack.shares.on_original_change`)."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackClientError
from slack_sdk.web import WebClient

from bot.core.domain import EmptyComplaint, IncomingMessage, TriageError
from bot.core.i18n import Translator
from bot.core.usecases import Services
from bot.platforms.slack.blocks import BlockWriter, to_plain
from bot.platforms.slack.payloads import PLATFORM, tell
from bot.platforms.slack.shares import (
    SLACKBOT,
    Shared,
    email_of,
    integration_text,
    on_original_change,
    shared_of,
)

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
    email_channels: frozenset[str]
    email_bots: frozenset[str]

    def handle_app_mention(self, event: dict[str, Any], context: Any, client: WebClient) -> None:
        if event.get("bot_id"):
            return  # another bot's mention: no loops between bots
        channel, ts, user = event["channel"], event["ts"], event.get("user", "")
        thread = event.get("thread_ts")
        text = _without_mention(event.get("text", ""), context.bot_user_id)
        source, shared = ts, shared_of(event)
        if not to_plain(text).strip() and shared is None and thread and thread != ts:
            # "@triage" alone in a thread: the complaint is the thread's first message.
            replies = client.conversations_replies(channel=channel, ts=thread, limit=1)
            messages = replies.get("messages") or []
            if messages:
                text, source, shared = messages[0].get("text", ""), thread, shared_of(messages[0])
        self.services.accept(self._posted(channel, source, user, to_plain(text), thread or ts, shared))

    def handle_message(self, event: dict[str, Any], context: Any, body: dict[str, Any]) -> None:
        if event.get("subtype") in ("message_deleted", "message_changed"):
            on_original_change(event, self.services, context.bot_user_id)
            return
        if self._from_mail_integration(event, context, body):
            self.services.accept(self._mail(event))
            return
        # Only people's messages are complaints: not other apps' (bot_id), not Slackbot's notices
        # (USLACKBOT, without a bot_id), not system subtypes (joins, topics, deletions).
        if event.get("bot_id") or event.get("subtype") not in NEW_TEXT_SUBTYPES:
            return
        user, channel, ts = event.get("user"), event.get("channel", ""), event.get("ts", "")
        if not user or user in (context.bot_user_id, SLACKBOT):
            return
        thread, text = event.get("thread_ts"), to_plain(event.get("text", ""))
        shared = shared_of(event)
        if thread and thread != ts:
            self.services.reply_in_thread(PLATFORM, channel, thread, user)
        elif event.get("subtype") == "file_share" and not text.strip() and shared is None:
            return  # a photo without words is not a complaint of its own
        elif event.get("channel_type") == "im":
            self.services.accept(self._posted(channel, ts, user, text, None, shared))
        elif channel in self.intake_channels:
            self.services.accept(self._posted(channel, ts, user, text, ts, shared))

    def _from_mail_integration(self, event: dict[str, Any], context: Any, body: dict[str, Any]) -> bool:
        """An app's new top-level message in an e-mail channel, or from a configured integration;
        never this bot's own (its cards and replies would come back as complaints)."""
        bot, channel, ts = event.get("bot_id"), event.get("channel"), event.get("ts")
        if not isinstance(bot, str) or not bot or event.get("thread_ts") not in (None, ts):
            return False
        if event.get("app_id") and event.get("app_id") == body.get("api_app_id"):
            return False
        if event.get("user") and event.get("user") == context.bot_user_id:
            return False
        return channel in self.email_channels or bot in self.email_bots

    def _mail(self, event: dict[str, Any]) -> IncomingMessage:
        """An e-mail (or an integration's notice) as a complaint; the same e-mail is one ticket."""
        channel, ts, bot = str(event.get("channel", "")), str(event.get("ts", "")), str(event["bot_id"])
        email = email_of(event)
        message = self._message(
            f"email:{email.message_id}" if email else f"{channel}:{ts}",
            channel,
            bot,
            email.text if email else integration_text(event),
            ts,
            message_id=f"{channel}:{ts}",
        )
        return replace(message, customer=email.sender if email else None)

    def _posted(
        self, channel: str, ts: str, user: str, text: str, thread: str | None, shared: Shared | None
    ) -> IncomingMessage:
        """A complaint posted in a channel or DM. A forwarded or shared message is the complaint,
        its author and link go on the card, and the forwarder's comment is their note.

        Raises:
            TriageError: it shares only messages the bot may not read (a private channel's).
        """
        if shared is None:
            return self._message(f"{channel}:{ts}", channel, user, text, thread, message_id=f"{channel}:{ts}")
        if not shared.text:
            raise TriageError("slack.share_unreadable")
        return self._message(
            f"{channel}:{ts}",
            channel,
            user,
            shared.text,
            thread,
            source_url=shared.url,
            source_author=shared.author,
            note=text.strip() or None,
            message_id=shared.original,
        )

    def handle_send_to_triage(self, ack: Any, shortcut: dict[str, Any], client: WebClient) -> None:
        """The message shortcut: the complaint is the message it was used on."""
        user = shortcut["user"]["id"]
        if shortcut.get("type") != "message_action":  # the global shortcut: ask for the text
            ack()
            client.views_open(trigger_id=shortcut["trigger_id"], view=self.kit.complaint_modal(""))
            return
        channel, message = shortcut["channel"]["id"], shortcut["message"]
        ts = message["ts"]
        incoming = self._posted(
            channel,
            ts,
            user,
            to_plain(message.get("text", "")),
            message.get("thread_ts") or ts,
            shared_of(message),
        )
        if incoming.source_url is None:  # the message itself, not a share in it
            incoming = replace(
                incoming,
                source_url=self._permalink(client, channel, ts),
                source_author=message.get("user") or message.get("bot_id"),
            )
        # The person waits for the answer: the ticket is opened before it, not by the worker.
        result = self.services.open_ticket(incoming)
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
            message = replace(message, customer=value("customer") or None)
            self.services.open_ticket(message, department=value("department") or None)
        except EmptyComplaint as error:
            ack(response_action="errors", errors={"text": self.t(error.text_key)})
            return
        ack()

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
        note: str | None = None,
        message_id: str | None = None,
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
            note=note,
            message_id=message_id,
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
