"""Hostile input at the Slack and LINE endpoints, over real HTTP with the SDKs' own signing.

What each input gets: a stale or forged signature 401 (Slack) / 400 (LINE); a body over 1 MB 413
before anything parses it; JSON nested too deep, a non-object body or invalid UTF-8 400; pinging
markup and Block Kit or Flex breakers become inert text; SQL-looking text is stored verbatim.
Property-based tests post generated bodies and events: never a 5xx, never half a ticket stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.runtime.services import App
from storage.models import InboundEventRow, OutboxRow, TicketEventRow, TicketRow
from tests.bot.platforms.line.test_webhook import Line, body, running, text
from tests.bot.platforms.slack.test_events import SECRET, Slack, build, payload, serve
from tests.slack_api import FakeSlackApi

MB = 1024 * 1024
SQL = "'); DROP TABLE tickets; -- 配送が遅い\" OR 1=1; /* */ SELECT * FROM users WHERE name = 'a''b'"
PINGS = "配送が遅い <!channel> <!here> <!everyone> <@U0BOSS> <#C0LOGISTICS> <!subteam^S0LOGI>"
BREAKERS = '配送"}]}],"blocks":[{"type":"section"}]} \\" \\u0000 `x` *y* _z_ ~w~ > quote\n```code```'
FLEX_BREAKERS = '配送"},{"type":"button","action":{"type":"uri","uri":"https://evil.example"}}]}'


@pytest.fixture
def slack(sqlite_url: str, api: FakeSlackApi) -> Iterator[Slack]:
    yield from serve(build(sqlite_url, api), api)


@pytest.fixture
def slack_db(database_url: str, api: FakeSlackApi) -> Iterator[Slack]:
    yield from serve(build(database_url, api), api)


@pytest.fixture
def line(sqlite_url: str) -> Iterator[Line]:
    yield from running(sqlite_url)


@pytest.fixture
def line_db(database_url: str) -> Iterator[Line]:
    yield from running(database_url)


def whole(app: App) -> None:
    """Every stored ticket is whole: its inbound event, its "created" audit row and its messages."""
    with app.session_factory() as session:
        tickets = session.scalar(select(func.count()).select_from(TicketRow))
        events = session.scalar(
            select(func.count(func.distinct(InboundEventRow.ticket_id))).where(
                InboundEventRow.ticket_id.is_not(None)
            )
        )
        created = session.scalar(
            select(func.count()).select_from(TicketEventRow).where(TicketEventRow.action == "created")
        )
        with_messages = session.scalar(
            select(func.count(func.distinct(OutboxRow.ticket_id))).where(
                OutboxRow.kind.in_(("reply", "card"))
            )
        )
    assert tickets == events == created == with_messages


# -- Slack -------------------------------------------------------------------------------------------


def test_slack_replays_and_forged_signatures_get_401(slack: Slack) -> None:
    event = payload("app_mention")
    assert slack.post(event, timestamp=int(time.time()) - 5 * 60 - 30)[0] == 401  # replayed later
    assert slack.post(event, timestamp=int(time.time()) + 10 * 60)[0] == 401  # from the future
    assert slack.post(event, secret="someone-elses-secret")[0] == 401
    assert slack.tickets() == [] and slack.api.methods() == []


@pytest.mark.parametrize("signed", [True, False])
def test_slack_bodies_over_1_mb_get_413_before_parsing(slack: Slack, signed: bool) -> None:
    event = payload("app_mention", text="<@U0BOT> 配送が遅い" + "あ" * (MB // 3 + 10))
    status, _ = slack.post(event, secret=SECRET if signed else "x")
    assert status == 413
    assert slack.tickets() == []


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 50_000 + "]" * 50_000,
        '{"type": "event_callback", "event": ' + '{"a": ' * 20_000 + "1" + "}" * 20_001,
        "payload=" + "%5B" * 30_000,
        "[]",
        "null",
        '"event_callback"',
        "payload=%7B%7D",
        "payload=not-json",
    ],
)
def test_slack_deep_or_odd_json_gets_400(slack: Slack, raw: str) -> None:
    assert slack.post(raw)[0] == 400
    assert slack.tickets() == []


def test_slack_invalid_utf8_is_refused(slack: Slack) -> None:
    raw = (
        json.dumps(payload("app_mention"), ensure_ascii=False)
        .encode()
        .replace("注文".encode(), b"\xff\xfe\xc3")
    )
    assert post_bytes(slack, raw) == 401  # slack_sdk cannot compute a signature over it: never trusted
    assert slack.tickets() == []


def test_pings_and_block_kit_breakers_are_inert_text(slack: Slack) -> None:
    slack.post(payload("app_mention", text=f"<@U0BOT> {PINGS}"))
    slack.post(payload("app_mention", text=f"<@U0BOT> {BREAKERS}", ts="1763850700.000001"))
    report = slack.app.dispatcher.drain()

    assert report.dead == 0 and report.retried == 0  # Slack accepted every message
    sent = json.dumps(slack.api.to("chat.postMessage"), ensure_ascii=False)
    for markup in ("<!channel>", "<!here>", "<!everyone>", "<@U0BOSS>", "<#C0LOGISTICS>", "<!subteam"):
        assert markup not in sent
    for post in slack.posts():
        assert isinstance(post["blocks"], list)
        assert all(
            set(block) <= {"type", "text", "fields", "elements", "block_id", "accessory"}
            for block in post["blocks"]
        )
    texts = [t.text for t in slack.tickets()]
    assert any("`x` *y* _z_" in t for t in texts)


def test_sql_looking_text_is_stored_verbatim(slack_db: Slack) -> None:
    assert slack_db.post(payload("app_mention", text=f"<@U0BOT> {SQL}"))[0] == 200
    (ticket,) = slack_db.tickets()
    assert ticket.text == SQL
    whole(slack_db.app)


def post_bytes(slack: Slack, raw: bytes, content_type: str = "application/json") -> int:
    import urllib.error
    import urllib.request

    from slack_sdk.signature import SignatureVerifier

    stamp = str(int(time.time()))
    try:
        signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=raw) or ""
    except UnicodeDecodeError:
        # slack_sdk signs text only; Slack's scheme is the HMAC of the bytes, so sign those by hand.
        digest = hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256)
        signature = "v0=" + digest.hexdigest()
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }
    request = urllib.request.Request(slack.url, raw, headers, method="POST")  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


# Anything Slack's JSON could carry, in the places the bot reads.
_atoms = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30))
_json = st.recursive(
    _atoms,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)
_user = st.one_of(st.just("U0STAFF"), st.text(max_size=12), st.none(), st.integers())
_event = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["app_mention", "message", "app_home_opened", "reaction_added", "x"]),
        "text": st.one_of(st.text(max_size=200), _json),
    },
    optional={
        "user": _user,
        "channel": st.one_of(st.sampled_from(["C0INTAKE", "C0LOGISTICS", "D0IM"]), _json),
        "ts": st.one_of(st.text(max_size=20), _json),
        "thread_ts": st.one_of(st.text(max_size=20), _json),
        "subtype": st.one_of(st.sampled_from(["file_share", "message_changed", "bot_message"]), _json),
        "channel_type": st.sampled_from(["im", "channel", "group"]),
        "bot_id": _json,
        "tab": _json,
    },
)
_envelope = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["event_callback", "url_verification", "app_rate_limited", "x"]),
        "event": _event,
    },
    optional={"event_id": st.text(max_size=20), "team_id": _json, "challenge": _json},
)
_interaction = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["block_actions", "view_submission", "message_action", "shortcut", "x"]),
        "actions": st.lists(
            st.fixed_dictionaries(
                {
                    "action_id": st.sampled_from(
                        [
                            "ticket_acknowledge",
                            "ticket_resolve",
                            "ticket_reassign",
                            "ticket_snooze",
                            "ticket_full_text",
                            "reply_reassign",
                            "other",
                        ]
                    ),
                },
                optional={"value": st.one_of(st.text(max_size=12), _json), "selected_option": _json},
            ),
            max_size=2,
        ),
    },
    optional={
        "user": st.one_of(st.fixed_dictionaries({"id": _user}), _json),
        "callback_id": st.sampled_from(["send_to_triage", "complaint_modal", "x"]),
        "view": _json,
        "message": _json,
        "channel": _json,
        "trigger_id": _json,
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(_envelope, _interaction, _json), form=st.booleans())
def test_no_slack_event_or_interaction_crashes_the_endpoint(slack_db: Slack, body: Any, form: bool) -> None:
    slack = slack_db
    is_form = form or (isinstance(body, dict) and "actions" in body)
    if is_form:
        status, _ = slack.post(
            body if isinstance(body, dict) and "command" in body else {"payload": json.dumps(body)}, form=True
        )
    else:
        status, _ = slack.post(json.dumps(body))
    assert status < 500
    whole(slack.app)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    raw=st.binary(max_size=3000),
    content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain"]),
)
def test_no_slack_body_crashes_the_endpoint(slack: Slack, raw: bytes, content_type: str) -> None:
    assert post_bytes(slack, raw, content_type) < 500
    whole(slack.app)


# -- LINE --------------------------------------------------------------------------------------------


def test_line_bodies_over_1_mb_get_413_before_parsing(line: Line) -> None:
    huge = body(text("配送が遅い" + "あ" * (MB // 3 + 10), "01EVBIG01"))
    assert line.post(huge) == 413
    assert line.tickets() == []


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 50_000 + b"]" * 50_000,
        b'{"destination": "U0", "events": ' + b"[" * 30_000 + b"]" * 30_000 + b"}",
        b'{"destination": "U0", "events": [{"type": "message", "message": '
        + b'{"a":' * 10_000
        + b"1"
        + b"}" * 10_001
        + b"]}",
        b'{"destination": "\xff\xfe", "events": []}',
        b"null",
        b'{"events": "not a list"}',
    ],
)
def test_line_deep_odd_or_invalid_utf8_bodies_get_400(line: Line, raw: bytes) -> None:
    assert line.post(raw=raw) == 400
    assert line.tickets() == []


def test_line_pings_flex_breakers_and_sql_are_stored_verbatim_and_sent_inert(line_db: Line) -> None:
    for i, words in enumerate((SQL, FLEX_BREAKERS, "@all <!channel> 配送が遅い")):
        assert line_db.post(body(text(words, f"01EVHOST{i}"))) == 200
    report = line_db.deliver()

    assert report.dead == 0
    assert sorted(t.text for t in line_db.tickets()) == sorted(
        (SQL, FLEX_BREAKERS, "@all <!channel> 配送が遅い")
    )
    for call in line_db.api.to("/message/push") + line_db.api.to("/message/reply"):
        for message in call.body["messages"]:
            assert "evil.example" not in json.dumps(message.get("contents", {}).get("footer", {}))
    whole(line_db.app)


_line_event = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["message", "postback", "join", "follow", "unsend", "x"]),
        "timestamp": st.one_of(st.integers(min_value=0, max_value=2**41), _json),
        "webhookEventId": st.one_of(st.text(min_size=1, max_size=26), _json),
        "deliveryContext": st.one_of(st.fixed_dictionaries({"isRedelivery": st.booleans()}), _json),
        "mode": st.one_of(st.sampled_from(["active", "standby"]), _json),
    },
    optional={
        "source": st.one_of(
            st.fixed_dictionaries(
                {"type": st.sampled_from(["user", "group", "room"])},
                optional={
                    "userId": st.one_of(st.just("U" + "1" * 32), st.text(max_size=33)),
                    "groupId": st.text(max_size=33),
                    "roomId": st.text(max_size=33),
                },
            ),
            _json,
        ),
        "replyToken": st.one_of(st.text(max_size=40), _json),
        "message": st.one_of(
            st.fixed_dictionaries(
                {"type": st.sampled_from(["text", "image", "sticker", "x"]), "id": st.text(max_size=20)},
                optional={"text": st.one_of(st.text(max_size=300), _json), "quoteToken": st.text(max_size=5)},
            ),
            _json,
        ),
        "postback": st.one_of(st.fixed_dictionaries({"data": st.one_of(st.text(max_size=60), _json)}), _json),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(_line_event, max_size=3), destination=st.one_of(st.text(max_size=40), _json))
def test_no_line_webhook_crashes_the_endpoint(
    line_db: Line, events: list[dict[str, Any]], destination: Any
) -> None:
    line = line_db
    assert line.post({"destination": destination, "events": events}) < 500
    whole(line.app)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=3000))
def test_no_line_body_crashes_the_endpoint(line: Line, raw: bytes) -> None:
    assert line.post(raw=raw) < 500
    whole(line.app)


def test_nul_characters_in_ids_and_text_are_stored_without_a_database_error(slack_db: Slack) -> None:
    event = payload(
        "app_mention", text="<@U0BOT> 配送が\x00遅い", channel="C0\x00X", ts="1.\x002", user="U0\x00S"
    )
    assert slack_db.post(event)[0] == 200
    (ticket,) = slack_db.tickets()
    assert ticket.text == "配送が遅い"  # control characters leave the text; PostgreSQL gets U+FFFD in ids
    whole(slack_db.app)


def test_nul_characters_in_line_events_are_stored_without_a_database_error(line_db: Line) -> None:
    source = {"type": "user", "userId": "U\x00" + "1" * 31}
    assert line_db.post(body(text("配送が\x00遅い", "01EV\x00NUL", source))) == 200
    assert [t.text for t in line_db.tickets()] == ["配送が遅い"]
    whole(line_db.app)


def test_overlong_slack_ids_get_400(slack_db: Slack) -> None:
    long = "C" + "X" * 400
    event = payload(
        "app_mention", text="<@U0BOT> 配送が遅い", channel=long, ts="1." + "9" * 300, user="U" + "Y" * 300
    )
    assert slack_db.post(event)[0] == 400
    assert slack_db.tickets() == []


def test_overlong_line_ids_are_ignored(line_db: Line) -> None:
    source = {"type": "group", "groupId": "C" + "a" * 400, "userId": "U" + "1" * 300}
    assert line_db.post(body(text("#クレーム 配送が遅い", "01EV" + "L" * 300, source))) == 200
    assert line_db.tickets() == []


@pytest.mark.parametrize("kind", ["app_mention", "message"])
@pytest.mark.parametrize("field", ["channel", "ts", "user", "thread_ts", "text"])
@pytest.mark.parametrize("value", [[], {"id": "C0INTAKE"}, {"a": []}, 12, True])
def test_slack_ids_of_the_wrong_type_get_400_and_nothing_is_stored(
    slack_db: Slack, kind: str, field: str, value: Any
) -> None:
    """An object where an event carries an id (``"channel": {"id": ...}``, the interactions' shape)
    is refused at the door: stored, it would fail in the worker on every attempt."""
    event = payload(kind, text="<@U0BOT> 配送が遅い", channel="C0INTAKE")
    event["event"][field] = value
    assert slack_db.post(event)[0] == 400
    assert slack_db.app.intake.inbox.waiting() == 0
    assert slack_db.tickets() == []


def test_numbers_slack_puts_in_attachments_do_not_refuse_the_complaint(slack_db: Slack) -> None:
    """A shared message carries attachments numbered ``"id": 1``: that is Slack's own shape, not bad
    input, and the complaint must still become a ticket."""
    event = payload("app_mention", text="<@U0BOT> 配送が遅い")
    event["event"]["attachments"] = [{"id": 1, "is_share": True, "ts": 1763850000, "text": "転送"}]
    assert slack_db.post(event)[0] == 200
    assert len(slack_db.tickets()) == 1
