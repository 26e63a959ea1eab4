"""The Slack adapter on slack-bolt: every way to forward a complaint, the card's buttons, App Home.

The handlers live by concept: complaints in :mod:`.messages`, the card's buttons in
:mod:`.interactions`, commands and App Home in :mod:`.commands`; this module registers them all and
ends every error. ``register(web, services)`` mounts ``POST /slack/events`` (HTTP mode, signing secret); with
``SLACK_APP_TOKEN`` the adapter also runs Socket Mode. Handlers only translate: they call the use
cases of :class:`~bot.core.usecases.Services` and acknowledge. A complaint posted or
mentioned in a channel is stored in the inbox and acknowledged; a worker opens its ticket a moment
later (:mod:`bot.core.inbox`). Shortcuts, the complaint form and buttons do their work before the
acknowledgement (bolt's ``process_before_response``): the person is waiting for the answer. A
failure answers 500, which Slack retries; everything the bot posts goes through the outbox.
Retries are deduplicated in the database by the complaint's source message (``channel:ts``), which
also makes a message that is both posted in an intake channel and mentioning the bot one ticket,
not two.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request
from slack_bolt import App as BoltApp
from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web import WebClient

from bot.core.domain import TriageError
from bot.core.usecases import Services
from bot.platforms.slack import blocks as kit
from bot.platforms.slack.blocks import BlockWriter
from bot.platforms.slack.commands import CommandHandlers
from bot.platforms.slack.customers import CustomerHandlers
from bot.platforms.slack.interactions import CardHandlers
from bot.platforms.slack.messages import MessageHandlers
from bot.platforms.slack.payloads import MALFORMED, event_id_of, is_slack_payload, tell
from bot.platforms.slack.sender import SlackSender, make_client
from bot.platforms.slack.settings import settings

__all__ = ["SlackAdapter", "SlackSender", "register"]

log = logging.getLogger(__name__)


class _TokenFromClient(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN goes unused when a client is given; the client holds it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_BOLT_LOG = logging.getLogger("slack_bolt")
_QUIET = _TokenFromClient()


class SlackSetupError(RuntimeError):
    """The Slack credentials cannot run either mode."""


def register(web: Flask, services: Services) -> SlackAdapter:
    """Mounts ``/slack/events``; with an app-level token the adapter's Socket Mode is to be started
    with the app (:meth:`SlackAdapter.start_socket_mode`)."""
    signing_secret = services.config.secrets.get("SLACK_SIGNING_SECRET")
    app_token = services.config.secrets.get("SLACK_APP_TOKEN")
    if not (signing_secret or app_token):
        raise SlackSetupError("Slack needs SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)")
    adapter = SlackAdapter(services)
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
    return adapter


class SlackAdapter(MessageHandlers, CardHandlers, CommandHandlers):
    def __init__(self, services: Services, client: WebClient | None = None) -> None:
        self.services = services
        self.config = services.config
        self.t = services.t
        self.kit = BlockWriter(services.config, services.t)
        slack = settings(services.config)
        self.intake_channels = frozenset(slack.intake_channels)
        self.email_channels, self.email_bots = frozenset(slack.email_channels), frozenset(slack.email_bots)
        secret = services.config.secrets.get("SLACK_SIGNING_SECRET")
        _BOLT_LOG.addFilter(_QUIET)  # once: adding the same filter again does nothing
        self.bolt = BoltApp(
            name="triage-bot",
            client=client or make_client(services.config),
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
        bolt.action(kit.NOT_COMPLAINT)(self.handle_not_complaint)
        bolt.action(kit.REASSIGN)(self.handle_reassign)
        bolt.action(kit.SNOOZE)(self.handle_snooze)
        bolt.action(kit.CORRECT)(self.handle_correct_department)
        bolt.action(kit.GUESS_ACTION)(self.handle_guess)
        bolt.action(kit.FULL_TEXT)(self.handle_full_text)
        bolt.command("/history")(self.handle_history_command)
        bolt.action(kit.OPEN_SOURCE)(self.handle_open_source)
        CustomerHandlers(self.services).register(bolt)  # reply to the customer, take, wait, /find
        bolt.event(re.compile(".*"))(self.handle_other_event)
        bolt.error(self.handle_error)

    @property
    def socket_mode(self) -> bool:
        """An app-level token is set: Socket Mode runs with the app (HTTP mode may run as well)."""
        return bool(self.config.secrets.get("SLACK_APP_TOKEN"))

    def start_socket_mode(self) -> Callable[[], None]:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(self.bolt, self.config.secrets.get("SLACK_APP_TOKEN"))
        handler.connect()  # type: ignore[no-untyped-call]
        log.info("slack socket mode connected")
        return handler.close

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
        event_id = event_id_of(body)
        if isinstance(error, TriageError):
            log.info("slack request %s refused: %s", event_id, error.text_key, extra={"event_id": event_id})
            tell(body, client, self.t(error.text_key, **error.params))
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
            tell(body, client, self.t("error.internal", event=event_id))
        return BoltResponse(status=500 if body.get("type") == "event_callback" else 200, body="")
