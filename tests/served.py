"""The whole web app with Slack and LINE both configured, served on a free loopback port, with the
fake Slack and LINE APIs behind it; requests signed with the SDKs' own signing code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk.signature import SignatureVerifier
from werkzeug.serving import make_server

from bot.config import Config, parse_config
from bot.core.clock import FakeClock
from bot.platforms.line.webhook import LineSender
from bot.platforms.slack.events import SlackSender
from bot.runtime.services import App, create_app
from bot.runtime.web import create_web_app
from tests.conftest import START
from tests.fakes import KeywordClassifier
from tests.line_api import FakeLineApi, serve_fake_line_api
from tests.slack_api import FakeSlackApi, fake_slack_api

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_TOKEN = "xoxb-1-opstest-4d9f2b7c"
LINE_SECRET = "d41d8cd98f00b204e9800998ecf8427e"
LINE_TOKEN = "line-access-token-7f3e91ac"
FORWARDER = "U" + "1" * 32


@dataclass
class Served:
    app: App
    url: str
    slack_api: FakeSlackApi
    line_api: FakeLineApi

    def get(self, path: str) -> tuple[int, str, dict[str, str]]:
        request = urllib.request.Request(self.url + path)  # noqa: S310 - loopback only
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def post_slack(self, body: dict[str, Any], *, retry: int | None = None) -> int:
        """Posts a signed Slack event; then the worker's intake opens the tickets of what was accepted."""
        try:
            return post_slack(self.url, body, retry=retry)
        finally:
            self.app.intake.drain()

    def post_line(self, *events: dict[str, Any]) -> int:
        """Posts a signed LINE webhook; then the worker's intake opens the tickets of what was accepted."""
        try:
            return post_line(self.url, *events)
        finally:
            self.app.intake.drain()


def post(url: str, raw: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, raw, headers, method="POST")  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def post_slack(
    base: str, body: dict[str, Any], *, retry: int | None = None, secret: str = SLACK_SECRET
) -> int:
    raw = json.dumps(body)
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=stamp, body=raw) or "",
    }
    if retry:
        headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
    return post(base + "/slack/events", raw.encode(), headers)


def post_line(base: str, *events: dict[str, Any], secret: str = LINE_SECRET) -> int:
    raw = json.dumps({"destination": "U0LINEBOT", "events": list(events)}, ensure_ascii=False).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
    return post(
        base + "/line/webhook", raw, {"Content-Type": "application/json", "X-Line-Signature": signature}
    )


def slack_mention(event_id: str, text: str, ts: str) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": "T0SHOP",
        "api_app_id": "A0TRIAGE",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1763850000,
        "authorizations": [{"team_id": "T0SHOP", "user_id": "U0BOT", "is_bot": True}],
        "event": {
            "type": "app_mention",
            "user": "U0STAFF",
            "text": f"<@U0BOT> {text}",
            "ts": ts,
            "channel": "C0SUPPORT",
            "event_ts": ts,
        },
    }


def line_text(event_id: str, text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "mode": "active",
        "timestamp": 1763850000000,
        "source": {"type": "user", "userId": FORWARDER},
        "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": False},
        "replyToken": "rt-" + event_id,
        "message": {"id": "1" + event_id[-6:], "type": "text", "quoteToken": "q", "text": text},
    }


def both_config(database_url: str, slack_api: FakeSlackApi, line_api: FakeLineApi, **raw: Any) -> Config:
    tables = {
        "slack": {"triage_channel": "C0TRIAGE"},
        "departments": [
            {"key": "logistics", "slack_channel": "C0LOGISTICS"},
            {"key": "billing", "slack_channel": "C0BILLING"},
            {"key": "product"},
        ],
        **raw,
    }
    env = {
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_API_URL": slack_api.url,
        "LINE_CHANNEL_SECRET": LINE_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
        "LINE_API_URL": line_api.url,
    }
    return replace(parse_config(tables, env), database_url=database_url)


@contextmanager
def served(database_url: str, **raw: Any) -> Iterator[Served]:
    with fake_slack_api() as slack_api, serve_fake_line_api() as line_api:
        config = both_config(database_url, slack_api, line_api, **raw)
        senders = {"slack": SlackSender(config), "line": LineSender(config)}
        app = create_app(config, clock=FakeClock(START), senders=senders, classifier=KeywordClassifier())
        server = make_server("127.0.0.1", 0, create_web_app(app), threaded=True)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        thread.start()
        try:
            yield Served(app, f"http://127.0.0.1:{server.server_port}", slack_api, line_api)
        finally:
            server.shutdown()
            server.server_close()
            app.close()
