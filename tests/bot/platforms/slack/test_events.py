"""The Slack adapter end to end: signed requests over real HTTP into the web app, the outbox
delivering to a fake Slack Web API on loopback, and what reached it."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier
from werkzeug.serving import make_server

from bot.config import Config, ConfigError, parse_config
from bot.core.clock import FakeClock
from bot.core.domain import Status
from bot.platforms.slack.blocks import cut, escape, to_plain
from bot.platforms.slack.sender import SlackSender
from bot.runtime.services import App, create_app
from bot.runtime.web import create_web_app
from tests.conftest import START
from tests.fakes import KeywordClassifier
from tests.slack_api import FakeSlackApi

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
FIXTURES = Path(__file__).parents[3] / "fixtures" / "slack"
DEPARTMENTS = [
    {"key": "logistics", "slack_channel": "C0LOGISTICS"},
    {"key": "billing", "slack_channel": "C0BILLING"},
    {"key": "product", "slack_channel": "C0PRODUCT"},
    {"key": "website"},
]


def payload(name: str, **event: Any) -> dict[str, Any]:
    """A recorded Slack payload from tests/fixtures/slack, its ``event`` changed by ``event``."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    if event:
        data["event"].update(event)
        data["event_id"] = "Ev" + str(abs(hash(json.dumps(data["event"], sort_keys=True))))[:10]
    return data


@dataclass
class Slack:
    app: App
    api: FakeSlackApi
    url: str
    clock: FakeClock

    def post(
        self,
        body: dict[str, Any] | str,
        *,
        form: bool = False,
        retry: int | None = None,
        secret: str = SECRET,
        timestamp: int | None = None,
    ) -> tuple[int, str]:
        """Signs ``body`` with slack_sdk's own code and posts it to /slack/events; then the worker's
        intake opens the tickets of what was accepted, as the worker does a moment later."""
        if isinstance(body, str):
            raw, ctype = body, "application/json"
        elif form:
            fields = body if "command" in body else {"payload": json.dumps(body)}
            raw, ctype = urlencode(fields), "application/x-www-form-urlencoded"
        else:
            raw, ctype = json.dumps(body), "application/json"
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=raw)
        headers = {
            "Content-Type": ctype,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature or "",
        }
        if retry:
            headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
        request = urllib.request.Request(self.url, raw.encode(), headers, method="POST")  # noqa: S310 - loopback only
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        finally:
            self.app.intake.drain()

    def action(self, action_id: str, value: str, *, select: bool = False) -> tuple[int, str]:
        body = payload("block_actions")
        body["response_url"] = self.api.response_url
        action: dict[str, Any] = {"action_id": action_id, "block_id": "ticket-1", "action_ts": "1.2"}
        if select:
            action.update(
                type="static_select", selected_option={"value": value, "text": {"type": "plain_text"}}
            )
        else:
            action.update(type="button", value=value)
        body["actions"] = [action]
        return self.post(body, form=True)

    def deliver(self) -> None:
        self.app.dispatcher.drain()

    def tickets(self) -> list[Any]:
        return self.app.service.open_tickets()

    def posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        return [c for c in self.api.to("chat.postMessage") if channel is None or c["channel"] == channel]


def slack_config(database_url: str, api: FakeSlackApi, **slack: Any) -> Config:
    raw = {
        "slack": {"triage_channel": "C0TRIAGE", "intake_channels": ["C0INTAKE"], **slack},
        "departments": DEPARTMENTS,
    }
    env = {"SLACK_BOT_TOKEN": "xoxb-1-test", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api.url}
    return replace(parse_config(raw, env), database_url=database_url)


def serve(app: App, api: FakeSlackApi) -> Iterator[Slack]:
    server = make_server("127.0.0.1", 0, create_web_app(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    assert isinstance(app.clock, FakeClock)
    try:
        yield Slack(app, api, f"http://127.0.0.1:{server.server_port}/slack/events", app.clock)
    finally:
        server.shutdown()
        server.server_close()
        app.close()


def build(database_url: str, api: FakeSlackApi) -> App:
    config = slack_config(database_url, api)
    senders = {"slack": SlackSender(config)}
    return create_app(config, clock=FakeClock(START), senders=senders, classifier=KeywordClassifier())


@pytest.fixture
def slack(sqlite_url: str, api: FakeSlackApi) -> Iterator[Slack]:
    """The bot on SQLite behind a real HTTP server, its Slack client pointed at the fake API."""
    yield from serve(build(sqlite_url, api), api)


@pytest.fixture
def slack_db(database_url: str, api: FakeSlackApi) -> Iterator[Slack]:
    """The same on every configured database (SQLite, and PostgreSQL when available)."""
    yield from serve(build(database_url, api), api)


def blocks_text(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def card_ts(slack: Slack, channel: str) -> str:
    """The ts Slack gave the (one) card posted to ``channel``."""
    found = [
        answer["ts"]
        for args, answer in zip(
            slack.api.to("chat.postMessage"), slack.api.answers("chat.postMessage"), strict=True
        )
        if args["channel"] == channel and answer.get("ok")
    ]
    assert len(found) == 1, found
    return str(found[0])


# -- intake -----------------------------------------------------------------------------------------


def test_a_mention_opens_one_ticket_even_when_slack_retries(slack_db: Slack) -> None:
    slack = slack_db
    event = payload("app_mention")

    assert slack.post(event)[0] == 200
    assert slack.post(event, retry=1)[0] == 200  # Slack's retry: same event id, same message
    assert slack.post(event, retry=2)[0] == 200

    (ticket,) = slack.tickets()
    assert ticket.department == "logistics" and ticket.forwarder == "U0STAFF"
    assert ticket.text.startswith("注文した商品") and "<@U0BOT>" not in ticket.text
    slack.deliver()
    (reply,) = slack.posts("C0SUPPORT")
    assert reply["thread_ts"] == "1763850000.000100" and "#1" in reply["text"]
    (card,) = slack.posts("C0LOGISTICS")
    assert card["blocks"][0]["text"]["text"].startswith("🎫 #1")
    actions = next(b for b in card["blocks"] if b["type"] == "actions")["elements"]
    assert [a["action_id"] for a in actions] == [
        "ticket_acknowledge",
        "ticket_resolve",
        "ticket_not_complaint",
        "ticket_reassign",
        "ticket_snooze",
    ]
    assert len(slack.posts()) == 2


def test_a_message_both_in_an_intake_channel_and_mentioning_the_bot_is_one_ticket(slack: Slack) -> None:
    text = "<@U0BOT> 請求が二重になっています"
    message = payload("message", text=text)
    mention = payload("app_mention", text=text, channel="C0INTAKE", ts=message["event"]["ts"])

    assert slack.post(message)[0] == 200
    assert slack.post(mention)[0] == 200

    assert len(slack.tickets()) == 1


def test_bad_or_stale_signatures_get_401_and_store_nothing(slack: Slack) -> None:
    event = payload("app_mention")

    assert slack.post(event, secret="not-the-secret")[0] == 401
    assert slack.post(event, timestamp=int(time.time()) - 6 * 60)[0] == 401

    assert slack.tickets() == []
    assert slack.api.methods() == []


def test_a_malformed_body_gets_400_and_unknown_events_200(slack: Slack) -> None:
    assert slack.post('{"type": "event_callback", "event": ')[0] == 400
    unknown = payload("app_mention")
    unknown["event"] = {"type": "reaction_added", "user": "U0STAFF", "reaction": "eyes", "event_ts": "1.2"}

    assert slack.post(unknown)[0] == 200
    assert slack.tickets() == []


def test_direct_messages_and_intake_channel_messages_are_complaints(slack: Slack) -> None:
    assert slack.post(payload("message"))[0] == 200
    direct = payload(
        "message", channel="D0DIRECT", channel_type="im", ts="1763850500.000001", text="配送が遅い"
    )
    assert slack.post(direct)[0] == 200

    assert [t.department for t in slack.tickets()] == ["billing", "logistics"]
    slack.deliver()
    assert slack.posts("C0INTAKE")[0]["thread_ts"] == "1763850100.000200"
    assert "thread_ts" not in slack.posts("D0DIRECT")[0]  # a direct message is answered in place


@pytest.mark.parametrize(
    "change",
    [
        {"subtype": "bot_message", "bot_id": "B0OTHER", "user": None},
        {"bot_id": "B0BOT"},
        {"user": "U0BOT"},
        {"subtype": "message_changed", "message": {"text": "edited"}},
        {"subtype": "message_deleted"},
        {"subtype": "channel_join", "text": "<@U0NEW> has joined the channel"},
        {"thread_ts": "1763850000.000001"},
        {"channel": "C0RANDOM"},
    ],
    ids=["bot", "own-bot-id", "own-user", "edit", "delete", "join", "thread-reply", "other-channel"],
)
def test_messages_that_are_not_new_complaints_are_ignored(slack: Slack, change: dict[str, Any]) -> None:
    assert slack.post(payload("message", **change))[0] == 200

    assert slack.tickets() == []
    assert slack.api.methods() == []


def test_a_mention_alone_in_a_thread_takes_the_threads_first_message(slack: Slack) -> None:
    slack.api.thread_messages = [
        {"type": "message", "user": "U0CS", "text": "返金がまだです", "ts": "1763840000.1"}
    ]
    event = payload("app_mention", text="<@U0BOT>", thread_ts="1763840000.1", ts="1763850600.000001")

    assert slack.post(event)[0] == 200

    (ticket,) = slack.tickets()
    assert ticket.text == "返金がまだです" and ticket.department == "billing"
    assert slack.api.to("conversations.replies")[0]["ts"] == "1763840000.1"


def test_an_empty_mention_is_answered_ephemerally_in_the_configured_language(slack: Slack) -> None:
    assert slack.post(payload("app_mention", text="<@U0BOT>  "))[0] == 200

    assert slack.tickets() == []
    (answer,) = slack.api.to("chat.postEphemeral")
    assert answer["user"] == "U0STAFF" and "苦情の本文が空です" in answer["text"]


def test_user_markup_never_pings_or_formats(slack: Slack) -> None:
    typed = "配送が遅い &lt;!channel&gt; &lt;@U123&gt; *bold* a &amp; b"
    real = "配送が遅い <!here> <!channel> <@U123> <https://evil.example|click>"
    slack.post(payload("app_mention", text=f"<@U0BOT> {typed}"))
    slack.post(payload("app_mention", text=f"<@U0BOT> {real}", ts="1763850700.000001"))
    slack.deliver()

    sent = json.dumps(slack.api.to("chat.postMessage"), ensure_ascii=False)
    for markup in ("<!channel>", "<!here>", "<@U123>", "<https://"):
        assert markup not in sent
    assert "&lt;!channel&gt;" in sent and "*bold*" in sent
    card = slack.posts("C0LOGISTICS")[0]
    complaint = next(b for b in card["blocks"] if b["type"] == "section" and "text" in b)["text"]
    assert complaint["type"] == "plain_text"  # *bold* stays as typed


def test_a_50000_character_message_becomes_a_ticket_within_block_kit_limits(slack: Slack) -> None:
    assert slack.post(payload("app_mention", text="<@U0BOT> 配送が遅い" + "あ" * 50_000))[0] == 200
    slack.deliver()

    (ticket,) = slack.tickets()
    assert "truncated" in ticket.flags
    for post in slack.posts():
        assert len(post["text"]) <= 3000
        for block in post["blocks"]:
            assert len(block.get("text", {}).get("text", "")) <= 3000
    assert slack.app.outbox.pending_count() == 0


def test_the_message_shortcut_forwards_that_message_once(slack: Slack) -> None:
    shortcut = payload("message_action")
    shortcut["response_url"] = slack.api.response_url

    assert slack.post(shortcut, form=True)[0] == 200
    assert slack.post(shortcut, form=True)[0] == 200

    (ticket,) = slack.tickets()
    assert ticket.forwarder == "U0STAFF" and ticket.department == "website"
    (duplicate,) = slack.api.to("response_url")
    assert "#1" in duplicate["text"] and duplicate["response_type"] == "ephemeral"
    slack.deliver()
    assert slack.posts("C0GENERAL")[0]["thread_ts"] == "1763850250.000300"
    assert slack.posts("C0TRIAGE")  # website has no channel of its own: the triage channel


def test_the_slash_command_opens_a_modal_whose_submission_opens_a_ticket(slack: Slack) -> None:
    command = {
        "command": "/complaint",
        "text": "商品が壊れていた",
        "user_id": "U0STAFF",
        "channel_id": "C0GENERAL",
        "trigger_id": "1763850400.1.command",
        "team_id": "T0SHOP",
        "response_url": slack.api.response_url,
    }
    assert slack.post(command, form=True)[0] == 200
    (opened,) = slack.api.to("views.open")
    assert opened["view"]["callback_id"] == "complaint_modal"
    assert opened["view"]["blocks"][0]["element"]["initial_value"] == "商品が壊れていた"

    submission = payload("view_submission")
    department = submission["view"]["state"]["values"]["department"]["department"]
    department["selected_option"] = {"value": "website"}
    status, body = slack.post(submission, form=True)

    assert status == 200 and body == ""
    (ticket,) = slack.tickets()
    assert "注文番号：A-10023" in ticket.text and "受付経路：電話" in ticket.text
    assert ticket.department == "website"  # the override, recorded as a correction
    assert [e.action for e in slack.app.service.history(ticket.ref)] == ["created", "reassigned"]
    slack.deliver()
    assert "#1" in slack.posts("U0STAFF")[0]["text"]  # the reply goes to the forwarder's DM


def test_an_empty_modal_submission_is_refused_on_its_field(slack: Slack) -> None:
    submission = payload("view_submission")
    submission["view"]["state"]["values"]["text"]["text"]["value"] = "   "

    status, body = slack.post(submission, form=True)

    assert status == 200
    assert json.loads(body)["response_action"] == "errors" and "text" in json.loads(body)["errors"]
    assert slack.tickets() == []


# -- the card ---------------------------------------------------------------------------------------


def test_the_cards_buttons_work_the_ticket_and_update_the_same_card(slack_db: Slack) -> None:
    slack = slack_db
    slack.post(payload("app_mention"))
    slack.deliver()
    ts = card_ts(slack, "C0LOGISTICS")

    assert slack.action("ticket_acknowledge", "1")[0] == 200
    assert slack.action("ticket_snooze", "1:4", select=True)[0] == 200
    slack.deliver()
    ticket = slack.app.service.get(1)
    assert ticket.status is Status.ACKNOWLEDGED and ticket.acknowledged_by == "U0TEAM"
    assert ticket.snoozed_until == START + timedelta(hours=4)
    updates = slack.api.to("chat.update")
    assert [(u["channel"], u["ts"]) for u in updates] == [("C0LOGISTICS", ts)] * 2
    assert "U0TEAM" in blocks_text(updates[-1]["blocks"])
    assert "ticket_acknowledge" not in blocks_text(updates[-1]["blocks"])

    assert slack.action("ticket_reassign", "1:billing", select=True)[0] == 200
    slack.deliver()
    assert slack.app.service.get(1).department == "billing"
    assert slack.api.to("chat.update")[-1]["ts"] == ts
    assert len(slack.posts("C0BILLING")) == 1  # the new team gets the card too

    assert slack.action("ticket_resolve", "1")[0] == 200
    slack.deliver()
    assert slack.app.service.get(1).status is Status.RESOLVED
    assert "actions" not in [b["type"] for b in slack.api.to("chat.update")[-1]["blocks"]]

    assert slack.action("ticket_resolve", "1")[0] == 200  # a second click: told, not crashed
    assert "すでに解決済み" in slack.api.to("response_url")[-1]["text"]


def test_not_a_complaint_closes_the_ticket_and_updates_its_card(slack: Slack) -> None:
    slack.post(payload("app_mention"))
    slack.deliver()
    ts = card_ts(slack, "C0LOGISTICS")

    assert slack.action("ticket_not_complaint", "1")[0] == 200
    slack.deliver()

    ticket = slack.app.service.get(1)
    assert ticket.status is Status.RESOLVED and ticket.not_complaint
    [entry] = [e for e in slack.app.service.history(1) if e.action == "not_complaint"]
    assert entry.actor == "U0TEAM"
    update = slack.api.to("chat.update")[-1]
    assert update["ts"] == ts and "苦情ではないとして閉じました" in blocks_text(update["blocks"])
    assert "actions" not in [b["type"] for b in update["blocks"]]


def test_the_forwarders_menu_corrects_the_department(slack: Slack) -> None:
    slack.post(payload("app_mention"))
    slack.deliver()
    menu = slack.posts("C0SUPPORT")[0]["blocks"][0]["accessory"]
    assert menu["action_id"] == "reply_reassign"
    assert {"1:product", "1:billing"} <= {option["value"] for option in menu["options"]}

    assert slack.action("reply_reassign", "1:product", select=True)[0] == 200

    assert slack.app.service.get(1).department == "product"
    (answer,) = slack.api.to("response_url")
    assert answer["response_type"] == "ephemeral" and "#1" in answer["text"]


def test_a_reply_in_the_cards_thread_is_the_first_response(slack_db: Slack) -> None:
    slack = slack_db
    slack.post(payload("app_mention"))
    slack.deliver()
    ts = card_ts(slack, "C0LOGISTICS")
    reply = {"channel": "C0LOGISTICS", "user": "U0TEAM", "thread_ts": ts, "text": "確認します"}

    slack.clock.advance(timedelta(hours=1))
    assert slack.post(payload("message", **reply, ts="1763853600.000001"))[0] == 200
    assert slack.post(payload("message", **reply, ts="1763853700.000001"))[0] == 200

    ticket = slack.app.service.get(1)
    assert ticket.first_response_at == START + timedelta(hours=1)
    assert [e.action for e in slack.app.service.history(1)].count("responded") == 1
    assert slack.tickets() == [ticket]  # still open: a reply is not a resolution


def test_app_home_shows_the_open_tickets(slack: Slack) -> None:
    slack.post(payload("app_mention"))
    home = {
        "type": "app_home_opened",
        "user": "U0TEAM",
        "channel": "D0HOME",
        "tab": "home",
        "event_ts": "1.1",
    }

    assert slack.post(payload("app_mention") | {"event": home, "event_id": "Ev0HOME"})[0] == 200

    (published,) = slack.api.to("views.publish")
    assert published["user_id"] == "U0TEAM"
    text = blocks_text(published["view"]["blocks"])
    assert "未解決のチケット1件" in text and "#1" in text and "物流・配送：1件" in text


# -- errors ---------------------------------------------------------------------------------------


def test_a_complaint_that_cannot_be_stored_answers_500_and_logs_the_event_id_but_not_the_text(
    slack: Slack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(message: Any) -> Any:
        raise RuntimeError(f"database down while storing {message.text}")

    monkeypatch.setattr(slack.app.intake.inbox, "add", broken)
    caplog.set_level(logging.INFO)

    assert slack.post(payload("app_mention"))[0] == 500  # so that Slack retries later

    assert "Ev0MENTION01" in caplog.text
    assert "届きません" not in caplog.text and "xoxb-1-test" not in caplog.text
    (answer,) = slack.api.to("chat.postEphemeral")
    assert "Ev0MENTION01" in answer["text"]


def test_a_complaint_the_worker_fails_on_waits_and_becomes_one_ticket_later(
    slack: Slack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real_intake = slack.app.service.intake_many

    def broken(messages: Any) -> Any:
        raise RuntimeError(f"database said: {messages[0].text}")

    monkeypatch.setattr(slack.app.service, "intake_many", broken)
    event = payload("app_mention")
    assert slack.post(event)[0] == 200  # accepted: Slack must not retry

    assert slack.tickets() == [] and slack.app.intake.inbox.waiting() == 1
    source = f"{event['event']['channel']}:{event['event']['ts']}"  # the complaint's key
    assert source in caplog.text and "RuntimeError" in caplog.text
    assert "届きません" not in caplog.text
    monkeypatch.setattr(slack.app.service, "intake_many", real_intake)
    assert slack.post(payload("app_mention"), retry=1)[0] == 200
    assert slack.tickets() == []  # still waiting out its retry delay

    slack.clock.advance(timedelta(seconds=2))
    slack.app.intake.drain()
    assert len(slack.tickets()) == 1 and slack.app.intake.inbox.waiting() == 0
    slack.post(payload("app_mention"), retry=2)
    assert len(slack.tickets()) == 1


# -- delivery ---------------------------------------------------------------------------------------


def test_a_429_goes_back_to_the_outbox_for_retry_after(slack: Slack) -> None:
    slack.api.fail("chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"})
    slack.post(payload("app_mention"))

    slack.deliver()
    assert len(slack.posts()) == 2  # the card (first) was refused, the reply went out
    assert slack.app.outbox.pending_count() == 1

    slack.clock.advance(timedelta(seconds=29))
    slack.deliver()
    assert len(slack.posts()) == 2  # 29 s: Retry-After (30 s) is honoured over the 5 s backoff
    slack.clock.advance(timedelta(seconds=1))
    slack.deliver()
    assert len(slack.posts()) == 3 and slack.app.outbox.pending_count() == 0


def test_server_errors_are_retried_and_permanent_errors_dead_lettered(slack: Slack) -> None:
    slack.api.fail("chat.postMessage", 500, {"ok": False, "error": "internal_error"})
    slack.api.fail("chat.postMessage", 200, {"ok": False, "error": "channel_not_found"})
    slack.post(payload("app_mention"))

    slack.deliver()
    assert [d.message.kind for d in slack.app.outbox.dead_letters()] == ["reply"]
    assert slack.app.outbox.pending_count() == 1  # the card (sent first) waits for its retry
    slack.clock.advance(timedelta(seconds=5))
    slack.deliver()
    assert slack.app.outbox.pending_count() == 0


# -- setup ------------------------------------------------------------------------------------------


def test_socket_mode_starts_with_the_app_when_an_app_token_is_set(sqlite_url: str, api: FakeSlackApi) -> None:
    config = slack_config(sqlite_url, api)
    values = {**config.secrets.values, "SLACK_APP_TOKEN": "xapp-1-test"}
    config = replace(config, secrets=replace(config.secrets, values=values))
    app = create_app(config, clock=FakeClock(START), senders={}, classifier=KeywordClassifier())
    try:
        create_web_app(app)
        assert len(app.background) == 1  # started by `triage-bot run` next to the web app
    finally:
        app.close()


def test_intake_channels_must_be_channel_ids() -> None:
    config = parse_config({"slack": {"intake_channels": ["C0INTAKE", "G0PRIVATE"]}}, {})
    assert config.platform("slack").intake_channels == ("C0INTAKE", "G0PRIVATE")
    with pytest.raises(ConfigError, match=r"slack\.intake_channels"):
        parse_config({"slack": {"intake_channels": ["#support"]}}, {})
    with pytest.raises(ConfigError, match=r"line\.intake_channels"):
        parse_config({"line": {"intake_channels": ["C0INTAKE"]}}, {})


# -- Block Kit text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "readable"),
    [
        ("<@U123> says hi", "@U123 says hi"),
        ("<@U123|sato> says hi", "@sato says hi"),
        ("<#C123|support>", "#support"),
        ("<!here> <!channel>", "@here @channel"),
        ("<!subteam^S1|@logistics>", "@logistics"),
        (
            "<https://shop.example/o/1|order> <https://x.example>",
            "order (https://shop.example/o/1) https://x.example",
        ),
        ("<mailto:a@b.example|a@b.example>", "a@b.example"),
        ("1 &lt; 2 &amp;&amp; 3 &gt; 2", "1 < 2 && 3 > 2"),
    ],
)
def test_slack_markup_becomes_readable_text(markup: str, readable: str) -> None:
    assert to_plain(markup) == readable


def test_escaping_and_cutting_keep_markup_inert() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert cut("abc", 3) == "abc"
    assert cut("abcdef", 4) == "abc…"
    assert cut("ab&lt;cd", 5) == "ab…"  # never half an entity
