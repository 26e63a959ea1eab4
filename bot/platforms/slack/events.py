"""The Slack adapter on slack-bolt: every way to forward a complaint, the card's buttons, App Home.

``register(web, app)`` mounts ``POST /slack/events`` (HTTP mode, signing secret) and, when
``SLACK_APP_TOKEN`` is set, adds Socket Mode to the app's background parts. Handlers only
translate: they call :class:`~bot.core.triage.TriageService` and acknowledge. A complaint posted or
mentioned in a channel is stored in the inbox and acknowledged; a worker opens its ticket a moment
later (:mod:`bot.core.inbox`). Shortcuts, the complaint form and buttons do their work before the
acknowledgement (bolt's ``process_before_response``): the person is waiting for the answer. A
failure answers 500, which Slack retries; everything the bot posts goes through the outbox.
Retries are deduplicated in the database by the complaint's source message (``channel:ts``), which
also makes a message that is both posted in an intake channel and mentioning the bot one ticket,
not two.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import traceback
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, Response, request
from slack_bolt import App as BoltApp
from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk.errors import SlackClientError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookClient

from bot.core.access import Forbidden
from bot.core.digest import MANAGERS, Week
from bot.core.domain import (
    EmptyComplaint,
    IncomingMessage,
    InvalidArgument,
    Status,
    Ticket,
    TriageError,
    UnknownDepartment,
    UnknownTicket,
)
from bot.core.originals import Originals
from bot.platforms.slack import blocks as kit
from bot.platforms.slack.blocks import BlockWriter, to_plain
from bot.platforms.slack.sender import SlackSender, make_client
from bot.platforms.slack.settings import NAME, settings
from bot.platforms.slack.shares import (
    SLACKBOT,
    Shared,
    email_of,
    integration_text,
    on_original_change,
    shared_of,
)
from bot.runtime.services import App

__all__ = ["SlackAdapter", "SlackSender", "register"]

log = logging.getLogger(__name__)

PERMALINK_TIMEOUT_SECONDS = 1

PLATFORM = "slack"
MALFORMED = (KeyError, TypeError, AttributeError, IndexError, ValueError)
"""What reading a signed payload that lacks what its type must carry raises (400, not 500)."""
NEW_TEXT_SUBTYPES = (None, "file_share", "thread_broadcast")
"""Message subtypes that carry a person's new text; edits, deletions, joins and the like do not."""

SHARE_WORDS = frozenset({"here", "share"})
"""``/digest logistics here`` posts the digest in the channel instead of answering only the caller."""

_LEADING_MENTION = re.compile(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


class _TokenFromClient(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN goes unused when a client is given; the client holds it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_BOLT_LOG = logging.getLogger("slack_bolt")
_QUIET = _TokenFromClient()


class SlackSetupError(RuntimeError):
    """The Slack credentials cannot run either mode."""


def register(web: Flask, app: App) -> SlackAdapter:
    """Mounts ``/slack/events`` and, with an app-level token, starts Socket Mode with the app."""
    signing_secret = app.config.secrets.get("SLACK_SIGNING_SECRET")
    app_token = app.config.secrets.get("SLACK_APP_TOKEN")
    if not (signing_secret or app_token):
        raise SlackSetupError("Slack needs SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)")
    adapter = SlackAdapter(app)
    if signing_secret:
        handler = SlackRequestHandler(adapter.bolt)
        verifier = SignatureVerifier(signing_secret)

        def slack_events() -> Response:
            # Checked here, before bolt builds its request: bolt reads any JSON body as an object
            # and fails (500) on a list, a string or invalid UTF-8. The body is read once, and
            # Flask answers 413 above MAX_CONTENT_LENGTH before anything parses it.
            raw = request.get_data()
            try:
                signed = verifier.is_valid_request(raw, dict(request.headers))
            except ValueError:  # a timestamp that is not a number
                signed = False
            if not signed:
                return Response("invalid request", status=401)
            if not is_slack_payload(raw, request.content_type):
                return Response("malformed request", status=400)
            try:
                return handler.handle(request)
            except (*MALFORMED, RecursionError) as error:
                # Bolt reads fields such as user.id while it builds its request; a signed payload of
                # the wrong shape fails there, before any listener or error handler runs.
                log.warning("malformed slack request refused: %s", type(error).__name__)
                return Response("malformed request", status=400)

        web.add_url_rule("/slack/events", "slack_events", slack_events, methods=["POST"])
    if app_token:
        app.background.append(adapter.start_socket_mode)
    return adapter


class SlackAdapter:
    def __init__(self, app: App, client: WebClient | None = None) -> None:
        self.app = app
        self.service = app.service
        self.t = app.translator
        self.kit = BlockWriter(app.config, app.translator)
        slack = settings(app.config)
        self.intake_channels = frozenset(slack.intake_channels)
        self.email_channels, self.email_bots = frozenset(slack.email_channels), frozenset(slack.email_bots)
        self.originals = Originals(app.service)
        secret = app.config.secrets.get("SLACK_SIGNING_SECRET")
        _BOLT_LOG.addFilter(_QUIET)  # once: adding the same filter again does nothing
        self.bolt = BoltApp(
            name="triage-bot",
            client=client or make_client(app.config),
            signing_secret=secret or "",
            # The view checks the signature (slack_sdk's SignatureVerifier) before bolt sees the
            # request; Socket Mode has none to check.
            request_verification_enabled=False,
            # auth.test runs on the first request instead of at start: a Slack outage at boot
            # must not keep the web app (and its health check) down.
            token_verification_enabled=False,
            process_before_response=True,
            logger=_BOLT_LOG,
        )
        self.register_handlers()

    def register_handlers(self) -> None:
        """Every Slack event, command and interaction the bot answers."""
        bolt = self.bolt
        bolt.event("app_mention")(self.handle_app_mention)
        bolt.event("message")(self.handle_message)
        bolt.event("app_home_opened")(self.handle_app_home_opened)
        bolt.shortcut("send_to_triage")(self.handle_send_to_triage)
        bolt.command("/complaint")(self.handle_complaint_command)
        bolt.command("/digest")(self.handle_digest_command)
        bolt.view_submission(kit.MODAL)(self.handle_complaint_submission)
        bolt.action(kit.ACKNOWLEDGE)(self.handle_acknowledge)
        bolt.action(kit.RESOLVE)(self.handle_resolve)
        bolt.action(kit.REASSIGN)(self.handle_reassign)
        bolt.action(kit.SNOOZE)(self.handle_snooze)
        bolt.action(kit.CORRECT)(self.handle_correct_department)
        bolt.action(kit.GUESS_ACTION)(self.handle_guess)
        bolt.action(kit.FULL_TEXT)(self.handle_full_text)
        bolt.command("/history")(self.handle_history_command)
        bolt.action(kit.OPEN_SOURCE)(self.handle_open_source)
        bolt.event(re.compile(".*"))(self.handle_other_event)
        bolt.error(self.handle_error)

    def start_socket_mode(self) -> Callable[[], None]:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(self.bolt, self.app.config.secrets.get("SLACK_APP_TOKEN"))
        handler.connect()  # type: ignore[no-untyped-call]
        log.info("slack socket mode connected")
        return handler.close

    # -- intake ---------------------------------------------------------------------------------

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
        self.app.intake.accept(self._posted(channel, source, user, to_plain(text), thread or ts, shared))

    def handle_message(self, event: dict[str, Any], context: Any, body: dict[str, Any]) -> None:
        if event.get("subtype") in ("message_deleted", "message_changed"):
            on_original_change(event, self.originals, context.bot_user_id)
            return
        if self._from_mail_integration(event, context, body):
            self.app.intake.accept(self._mail(event))
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
            self._record_response(channel, thread, user)
        elif event.get("subtype") == "file_share" and not text.strip() and shared is None:
            return  # a photo without words is not a complaint of its own
        elif event.get("channel_type") == "im":
            self.app.intake.accept(self._posted(channel, ts, user, text, None, shared))
        elif channel in self.intake_channels:
            self.app.intake.accept(self._posted(channel, ts, user, text, ts, shared))

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
        result = self.service.intake(incoming)
        ack()
        if not result.created:
            self._tell(shortcut, client, result.reply)

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
            # The reply goes to the forwarder's direct messages with the bot.
            message = self._message(f"view:{view['id']}", user, user, "\n".join(lines), None)
            result = self.service.intake(replace(message, customer=value("customer") or None))
        except EmptyComplaint as error:
            ack(response_action="errors", errors={"text": self.t(error.text_key)})
            return
        department = value("department")
        if result.created and department and department != result.ticket.department:
            self.service.reassign(result.ticket.ref, user, department)
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
            received_at=self.app.clock.now(),
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

    def _record_response(self, channel: str, thread: str, user: str) -> None:
        """A person's reply in a card's thread is the ticket's first response."""
        with self.app.store.transaction() as uow:
            ticket = uow.ticket_for_message(PLATFORM, channel, thread)
        if ticket and ticket.first_response_at is None and ticket.status is not Status.RESOLVED:
            # Someone outside the team talking in the thread is audited, not a first response.
            with contextlib.suppress(Forbidden):
                self.service.respond(ticket.ref, user)

    # -- the card -------------------------------------------------------------------------------

    def handle_acknowledge(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        self.service.acknowledge(_ref(action["value"]), body["user"]["id"])
        ack()

    def handle_resolve(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        self.service.resolve(_ref(action["value"]), body["user"]["id"])
        ack()

    def handle_reassign(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        ref, department = _selected(action)
        self.service.reassign(ref, body["user"]["id"], department)
        ack()

    def handle_snooze(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        ref, hours = _selected(action)
        try:
            amount = float(hours)
        except ValueError:
            raise TriageError("error.bad_hours") from None
        self.service.snooze(ref, body["user"]["id"], amount)
        ack()

    def handle_guess(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        """A best-guess button on a triage card: the same reassignment (and permission check) as
        the card's menu, so the card updates and the choice is a label for the classifier."""
        ref, department = _guess(action.get("value"), self.app.config.department_keys)
        self.service.reassign(ref, body["user"]["id"], department)
        ack()

    def handle_correct_department(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        """The forwarder's menu under the confirmation: reassign, and say so only to them."""
        ref, department = _selected(action)
        ticket = self.service.reassign(ref, body["user"]["id"], department)
        ack()
        name = self.app.writer.department_name(ticket.department)
        respond(
            text=self.t("done.reassigned", ref=ref, department=name),
            response_type="ephemeral",
            replace_original=False,
        )

    def handle_full_text(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        """The card's "show full text": the unmasked complaint, ephemeral, to a permitted person only.
        The actor is the payload's signed user; a value naming anyone else changes nothing."""
        text = self.app.records.full_text(_ref(str(action.get("value", ""))), body["user"]["id"])
        ack()
        respond(
            text=kit.fallback(text),
            blocks=self.kit.notice(text),
            response_type="ephemeral",
            replace_original=False,
        )

    def handle_history_command(self, ack: Any, command: dict[str, Any]) -> None:
        """``/history #N``: the ticket's audit trail, only to the person who asked."""
        words = str(command.get("text", "")).split()
        if len(words) != 1:
            raise InvalidArgument("error.usage", usage="/history #N")
        text = self.app.records.history_text(_ref(words[0]), command["user_id"])
        ack(response_type="ephemeral", text=kit.fallback(text), blocks=self.kit.notice(text))

    def handle_open_source(self, ack: Any) -> None:
        """The card's link button opens the message in Slack; the click itself needs only an ack."""
        ack()

    # -- /digest --------------------------------------------------------------------------------

    def handle_digest_command(self, ack: Any, command: dict[str, Any]) -> None:
        """``/digest [team] [here]``: this week's digest so far, like the console's. Only the caller
        sees it, unless ``here`` shares it (with its chart) in the channel through the outbox.
        Without a team: the team whose channel this is, else the managers' view."""
        words = command.get("text", "").lower().split()
        share = any(word in SHARE_WORDS for word in words)
        names = [word for word in words if word not in SHARE_WORDS]
        channel = command.get("channel_id", "")
        team = names[0] if names else self._team_of_channel(channel)
        config = self.app.config
        if team != MANAGERS and config.department(team) is None:
            raise UnknownDepartment(team, ", ".join((*config.department_keys, MANAGERS)))
        self.app.records.guard.require_digest(command["user_id"], team)
        digests, now = self.app.digests, self.app.clock.now()
        digest = digests.build(team, Week.of(now, digests.schedule(team).tz), now)
        if share:
            with self.app.store.transaction() as uow:
                digests.queue(uow, digest, now, targets=[(PLATFORM, channel)])
            ack(text=kit.fallback(self.t("slack.digest.shared")), response_type="ephemeral")
            return
        ack(
            text=kit.fallback(digest.text),
            blocks=self.kit.digest(digest.text, digest.data),
            response_type="ephemeral",
        )

    def _team_of_channel(self, channel: str) -> str:
        found = next((d.key for d in self.app.config.departments if d.targets.get(NAME) == channel), None)
        return found or MANAGERS

    # -- App Home -------------------------------------------------------------------------------

    def handle_app_home_opened(self, event: dict[str, Any], client: WebClient) -> None:
        """The user's team's open tickets (every team's for managers), with time left and counts."""
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        departments = self.app.access.departments(user)
        if departments is not None and not departments:
            view = {"type": "home", "blocks": self.kit.notice(self.t("home.no_team"))}
        else:
            view = self.kit.home(self._open_tickets(departments), self.app.writer, self.app.clock.now())
        client.views_publish(user_id=user, view=view)

    def _open_tickets(self, departments: frozenset[str] | None) -> list[Ticket]:
        if departments is None:
            return self.service.open_tickets()
        tickets = [ticket for key in sorted(departments) for ticket in self.service.open_tickets(key)]
        return sorted(tickets, key=lambda ticket: (ticket.due_at, ticket.ref))

    def handle_other_event(self) -> None:
        """Events the bot does not use are acknowledged (200) and ignored."""

    # -- errors ---------------------------------------------------------------------------------

    def handle_error(
        self, error: Exception, body: dict[str, Any], request: BoltRequest, client: WebClient
    ) -> BoltResponse:
        """The one place errors end: logged with the event id (never the text), answered in the
        configured language. A TriageError is the user's to fix (200); a payload missing what its
        type must carry (a signed but malformed request) is 400; anything else answers 500 so
        that Slack retries an event, deduplicated by the database."""
        event_id = _event_id(body)
        if isinstance(error, TriageError):
            log.info("slack request %s refused: %s", event_id, error.text_key, extra={"event_id": event_id})
            self._tell(body, client, self.t(error.text_key, **error.params))
            return BoltResponse(status=200, body="")
        frames = "".join(traceback.format_tb(error.__traceback__))
        if isinstance(error, MALFORMED):
            log.warning(
                "slack request %s malformed: %s\n%s",
                event_id,
                type(error).__name__,
                frames,
                extra={"event_id": event_id},
            )
            return BoltResponse(status=400, body="malformed request")
        log.error(
            "slack request %s failed: %s\n%s",
            event_id,
            type(error).__name__,
            frames,
            extra={"event_id": event_id},
        )
        if not request.headers.get("x-slack-retry-num"):  # answer once, not on each of Slack's retries
            self._tell(body, client, self.t("error.internal", event=event_id))
        return BoltResponse(status=500 if body.get("type") == "event_callback" else 200, body="")

    def _tell(self, body: dict[str, Any], client: WebClient, text: str) -> None:
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
                "could not answer on slack: %s", type(failure).__name__, extra={"event_id": _event_id(body)}
            )


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
    return isinstance(parsed, dict) and _short_ids(parsed)


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


def _without_mention(text: str, bot_user_id: str | None) -> str:
    """The text after the bot's mention (other people mentioned stay part of the complaint)."""
    if bot_user_id:
        return re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    return _LEADING_MENTION.sub(" ", text)


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _event_id(body: dict[str, Any]) -> str:
    view = _object(body.get("view"))
    return str(body.get("event_id") or body.get("trigger_id") or view.get("id") or "-")


def _ref(value: str) -> int:
    text = value.strip().lstrip("#")
    if not text.isdigit():
        raise UnknownTicket(value)
    return int(text)


_GUESS_VALUE = re.compile(r"([1-9][0-9]{0,8}):([a-z][a-z0-9_]{0,63})")


def _guess(value: Any, departments: tuple[str, ...]) -> tuple[int, str]:
    """A guess button's value, read strictly: ``ref:department`` with a configured department.

    Raises:
        InvalidArgument: anything else (whoever signs a payload chooses the value).
    """
    match = _GUESS_VALUE.fullmatch(value) if isinstance(value, str) else None
    if match is None or match[2] not in departments:
        raise InvalidArgument("card.bad_guess")
    return int(match[1]), match[2]


def _selected(action: dict[str, Any]) -> tuple[int, str]:
    """A menu choice's value is ``ref:choice``; the actor always comes from the payload's user."""
    value = str((action.get("selected_option") or {}).get("value", ""))
    ref, _, choice = value.partition(":")
    return _ref(ref), choice
