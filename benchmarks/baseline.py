"""The load benchmark's baseline: a bare slack-bolt app that only acknowledges.

Same Flask adapter, same signature checks as the bot (bolt's signing secret; line-bot-sdk's
``WebhookParser`` for LINE), no database, no classifier: what gunicorn and the SDKs cost alone.
``gunicorn 'benchmarks.baseline:wsgi()'`` with ``SLACK_SIGNING_SECRET`` and ``LINE_CHANNEL_SECRET``.
"""

from __future__ import annotations

import os

from flask import Flask, Response, request
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.webhook import WebhookParser
from slack_bolt import App as BoltApp
from slack_bolt.adapter.flask import SlackRequestHandler


def wsgi() -> Flask:
    bolt = BoltApp(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token="xoxb-baseline",  # noqa: S106 - never used: token verification is off, nothing is sent
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
