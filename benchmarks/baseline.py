"""The load benchmark's baseline: a bare slack-bolt app that only acknowledges.

Same Flask adapter, same signature checks as the bot (bolt's signing secret; line-bot-sdk's
``WebhookParser`` for LINE), no database, no classifier: what gunicorn and the SDKs cost alone.
``gunicorn 'benchmarks.baseline:wsgi()'`` with ``SLACK_BOT_TOKEN``,
``SLACK_SIGNING_SECRET``, ``LINE_CHANNEL_SECRET`` (and ``SLACK_API_URL``).
"""

from __future__ import annotations

import os

from flask import Flask, Response, request
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.webhook import WebhookParser
from slack_bolt import App as BoltApp
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk.web import WebClient


def wsgi() -> Flask:
    # Bolt asks auth.test once per process (on the first request), as it does for the bot: point it
    # at the same (fake) Web API the bot uses.
    api_url = os.environ.get("SLACK_API_URL")
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], **({"base_url": api_url} if api_url else {}))
    bolt = BoltApp(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=client,
        token_verification_enabled=False,
        process_before_response=True,
    )

    @bolt.event("message")
    def acknowledge_only() -> None:
        """Bolt acknowledges with 200 once the listener returns."""

    handler = SlackRequestHandler(bolt)
    parser = WebhookParser(os.environ["LINE_CHANNEL_SECRET"])
    web = Flask("baseline")

    @web.get("/healthz")
    def healthz() -> str:
        return "ok"

    @web.post("/slack/events")
    def slack_events() -> Response:
        return handler.handle(request)

    @web.post("/line/webhook")
    def line_webhook() -> tuple[str, int]:
        try:
            parser.parse(request.get_data(as_text=True), request.headers.get("X-Line-Signature", ""))
        except InvalidSignatureError:
            return "bad signature", 400
        return "OK", 200

    return web
