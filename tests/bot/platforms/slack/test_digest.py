"""The digest on Slack over real HTTP: Block Kit text, the chart uploaded with files_upload_v2 to
the fake Web API, retries of the upload alone, and ``/digest``; the shortcut's permalink, author
and people's names on the card."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk.web import WebClient
from sqlalchemy import select

from bot.config import parse_config
from bot.core.clock import FakeClock
from bot.core.domain import IncomingMessage
from bot.platforms.slack.messages import PERMALINK_TIMEOUT_SECONDS
from bot.platforms.slack.sender import SlackSender, UserNames
from bot.runtime.services import App, create_app
from storage.models import OutboxRow
from tests.bot.platforms.slack.test_events import DEPARTMENTS, SECRET, Slack, payload, serve
from tests.conftest import START
from tests.fakes import KeywordClassifier
from tests.slack_api import FakeSlackApi

PNG = b"\x89PNG\r\n\x1a\n"
NEXT_MONDAY_0901_JST = START + timedelta(days=7, minutes=1)


def build(database_url: str, api: FakeSlackApi, language: str = "ja") -> App:
    raw = {
        "bot": {"language": language},
        "slack": {"triage_channel": "C0TRIAGE"},
        "managers": {"slack_channel": "C0MANAGERS"},
        "departments": DEPARTMENTS,
    }
    env = {"SLACK_BOT_TOKEN": "xoxb-1-test", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api.url}
    config = replace(parse_config(raw, env), database_url=database_url)
    return create_app(
        config, clock=FakeClock(START), senders={"slack": SlackSender(config)}, classifier=KeywordClassifier()
    )


@pytest.fixture
def slack(sqlite_url: str, api: FakeSlackApi) -> Iterator[Slack]:
    yield from serve(build(sqlite_url, api), api)


@pytest.fixture
def slack_db(database_url: str, api: FakeSlackApi) -> Iterator[Slack]:
    yield from serve(build(database_url, api), api)


def complain(app: App, text: str, event: str) -> None:
    app.service.intake(IncomingMessage("slack", event, "C0INTAKE", "U0STAFF", text, app.clock.now()))


def digests(slack: Slack, channel: str) -> list[dict[str, Any]]:
    return [p for p in slack.posts(channel) if p["blocks"][0]["text"]["text"].startswith("📊")]


def calls_to(api: FakeSlackApi, channel: str) -> list[str]:
    """The methods that posted into ``channel``, in order."""
    return [
        call.method
        for call in api.calls
        if (call.args.get("channel") == channel or call.args.get("channel_id") == channel)
        and "📊" in json.dumps(call.args, ensure_ascii=False) + call.method.replace("files.", "📊")
    ]


def test_the_weekly_digest_is_block_kit_followed_by_its_chart(slack_db: Slack) -> None:
    slack = slack_db
    complain(slack.app, "配送が遅れています", "e1")
    complain(slack.app, "配送が遅れています、まだ届きません", "e2")
    slack.deliver()
    slack.api.clear()

    slack.clock.set(NEXT_MONDAY_0901_JST)
    slack.app.run_due_jobs()

    (digest,) = digests(slack, "C0LOGISTICS")
    assert digest["blocks"][0] == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": "📊 物流・配送の週次レポート（11/16（月）〜11/22（日））",
            "emoji": True,
        },
    }
    assert digest["blocks"][1]["fields"][0]["text"] == "件数\n2件（先週0件）"
    assert calls_to(slack.api, "C0LOGISTICS") == ["chat.postMessage", "files.completeUploadExternal"]
    assert calls_to(slack.api, "C0MANAGERS") == ["chat.postMessage", "files.completeUploadExternal"]
    completed = slack.api.to("files.completeUploadExternal")
    uploaded = {c["channel_id"]: c["files"][0]["id"] for c in completed}
    png = slack.api.uploads[uploaded["C0LOGISTICS"]]
    assert png.startswith(PNG) and len(png) > 5_000
    (asked,) = [
        a for a in slack.api.to("files.getUploadURLExternal") if a["filename"].startswith("digest-logistics")
    ]
    assert int(asked["length"]) == len(png)
    assert slack.app.outbox.pending_count() == 0


def test_a_failed_upload_is_retried_without_posting_the_text_twice(slack: Slack) -> None:
    complain(slack.app, "配送が遅れています", "e1")
    slack.deliver()
    slack.api.clear()
    slack.api.fail("upload", 500, {"error": "upload failed"})
    slack.api.fail("files.completeUploadExternal", 503, {"ok": False, "error": "service_unavailable"})

    slack.clock.set(NEXT_MONDAY_0901_JST)
    slack.app.run_due_jobs()

    # The first chart (logistics) had its bytes refused, the second (billing) its completion.
    assert {"C0LOGISTICS", "C0BILLING"}.isdisjoint(completed(slack.api))
    with slack.app.session_factory() as session:
        retrying = session.scalars(select(OutboxRow).where(OutboxRow.status == "pending")).all()
        assert {(row.kind, row.channel, row.attempts) for row in retrying} == {
            ("digest_chart", "C0LOGISTICS", 1),
            ("digest_chart", "C0BILLING", 1),
        }

    slack.clock.advance(timedelta(minutes=1))
    slack.deliver()

    assert len(digests(slack, "C0LOGISTICS")) == 1 and len(digests(slack, "C0BILLING")) == 1
    files = completed(slack.api)
    assert {"C0LOGISTICS", "C0BILLING", "C0MANAGERS"} <= set(files)
    assert all(slack.api.uploads[file_id].startswith(PNG) for file_id in files.values())
    assert slack.app.outbox.pending_count() == 0


def completed(api: FakeSlackApi) -> dict[str, str]:
    """Channel → file id of every upload Slack completed."""
    calls = zip(
        api.to("files.completeUploadExternal"), api.answers("files.completeUploadExternal"), strict=True
    )
    return {args["channel_id"]: args["files"][0]["id"] for args, answer in calls if answer.get("ok")}


def command(api: FakeSlackApi, text: str, channel: str = "C0GENERAL") -> dict[str, Any]:
    return {
        "command": "/digest",
        "text": text,
        "user_id": "U0STAFF",
        "channel_id": channel,
        "trigger_id": "1763850400.1.digest",
        "team_id": "T0SHOP",
        "response_url": api.response_url,
    }


def test_slash_digest_answers_only_the_caller_in_the_configured_language(
    sqlite_url: str, api: FakeSlackApi
) -> None:
    for slack in serve(build(sqlite_url, api, language="en"), api):
        complain(slack.app, "the delivery is late", "e1")
        slack.deliver()
        slack.api.clear()
        slack.clock.advance(timedelta(hours=3))

        status, body = slack.post(command(api, "logistics"), form=True)

        assert status == 200
        answer = json.loads(body)
        assert answer["response_type"] == "ephemeral"
        assert (
            answer["blocks"][0]["text"]["text"]
            == "📊 Weekly digest Logistics &amp; delivery (Mon 16 Nov – Sun 22 Nov)"
        )
        assert answer["blocks"][1]["fields"][0]["text"] == "Complaints\n1 (last week 0)"
        assert slack.api.methods() == [] and slack.app.outbox.pending_count() == 0  # nothing posted


def test_slash_digest_here_posts_the_channels_team_digest_with_its_chart(slack: Slack) -> None:
    complain(slack.app, "請求が二重になっています", "e1")
    slack.deliver()
    slack.api.clear()

    status, body = slack.post(command(slack.api, "here", channel="C0BILLING"), form=True)
    assert status == 200 and json.loads(body)["response_type"] == "ephemeral"
    slack.deliver()

    (digest,) = digests(slack, "C0BILLING")
    assert "決済・返金" in digest["blocks"][0]["text"]["text"]
    assert calls_to(slack.api, "C0BILLING") == ["chat.postMessage", "files.completeUploadExternal"]


def test_slash_digest_for_an_unknown_team_is_told_which_exist(slack: Slack) -> None:
    status, _ = slack.post(command(slack.api, "nosuchteam"), form=True)

    assert status == 200
    (told,) = slack.api.to("response_url")
    assert "nosuchteam" in told["text"] and "managers" in told["text"]
    assert told["response_type"] == "ephemeral"


def test_the_shortcut_keeps_the_messages_permalink_and_author_and_cards_show_names(slack_db: Slack) -> None:
    slack = slack_db
    slack.api.user_names.update({"U0CUSTOMERCARE": "佐藤", "U0STAFF": "鈴木", "U0TEAM": "田中"})
    shortcut = payload("message_action")
    shortcut["response_url"] = slack.api.response_url

    assert slack.post(shortcut, form=True)[0] == 200

    (ticket,) = slack.tickets()
    assert ticket.source_author == "U0CUSTOMERCARE"
    assert ticket.source_url == "https://shop.slack.com/archives/C0GENERAL/p1763850250000300"
    (asked,) = slack.api.to("chat.getPermalink")
    assert (asked["channel"], asked["message_ts"]) == ("C0GENERAL", "1763850250.000300")
    slack.deliver()
    (card,) = slack.posts("C0TRIAGE")
    shown = json.dumps(card["blocks"], ensure_ascii=False)
    assert "元のメッセージの投稿者：佐藤" in shown and "転送者：鈴木" in shown
    assert "U0CUSTOMERCARE" not in shown and "U0STAFF" not in shown
    source = next(b for b in card["blocks"] if b.get("accessory", {}).get("url"))
    assert source["accessory"]["url"] == ticket.source_url

    assert slack.action("ticket_acknowledge", str(ticket.ref))[0] == 200
    slack.deliver()
    update = json.dumps(slack.api.to("chat.update")[-1]["blocks"], ensure_ascii=False)
    assert "田中さんが対応を開始しました" in update and "U0TEAM" not in update
    asked_about = [a["user"] for a in slack.api.to("users.info")]
    assert sorted(set(asked_about)) == sorted(asked_about)  # each person looked up once, then cached


def test_a_slow_permalink_does_not_hold_the_shortcuts_acknowledgement(slack: Slack) -> None:
    slack.api.hang("chat.getPermalink", 10)
    shortcut = payload("message_action")
    shortcut["response_url"] = slack.api.response_url
    started = time.monotonic()
    try:
        assert slack.post(shortcut, form=True)[0] == 200
        answered = time.monotonic() - started
    finally:
        slack.api.release()

    assert answered < 3 * PERMALINK_TIMEOUT_SECONDS  # Slack allows 3 s; the lookup gave up after 1
    (ticket,) = slack.tickets()
    assert ticket.source_url is None and ticket.source_author == "U0CUSTOMERCARE"


def test_a_name_slack_could_not_give_for_now_is_asked_again(api: FakeSlackApi) -> None:
    names = UserNames(WebClient(token="xoxb-1-test", base_url=api.url))
    api.user_names["U0TEAM"] = "田中"
    api.fail("users.info", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
    api.fail("users.info", 200, {"ok": False, "error": "internal_error"})

    assert names.lookup("U0TEAM") == "U0TEAM"  # rate limited: the id, this once
    assert names.lookup("U0TEAM") == "U0TEAM"  # a passing error: the id, this once
    assert names.lookup("U0TEAM") == "田中"
    assert names.lookup("U0GONE") == "U0GONE"  # user_not_found: settled, not asked again
    assert names.lookup("U0GONE") == "U0GONE"
    assert [call["user"] for call in api.to("users.info")] == ["U0TEAM"] * 3 + ["U0GONE"]
