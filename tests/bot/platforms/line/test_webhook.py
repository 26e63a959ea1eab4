"""The LINE adapter over real HTTP: signed webhooks into the served app, a fake Messaging API out."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from linebot.v3.webhook import SignatureValidator
from sqlalchemy import select
from werkzeug.serving import make_server

from bot.config import ConfigError, parse_config
from bot.core.clock import FakeClock
from bot.core.domain import OutboundMessage, Status, Ticket
from bot.core.ports import Classifier
from bot.platforms.line.flex import MAX_POSTBACK_CHARS, BadPostback, Postback, parse_postback
from bot.platforms.line.quota import QuotaWatch
from bot.platforms.line.webhook import LineSender
from bot.runtime.services import App, create_app
from bot.runtime.web import create_web_app
from storage.models import OutboxRow
from tests.conftest import START
from tests.fakes import KeywordClassifier
from tests.line_api import FakeLineApi, serve_fake_line_api

SECRET = "d41d8cd98f00b204e9800998ecf8427e"
FORWARDER = "U" + "1" * 32
MEMBER = "U" + "2" * 32
GROUP = "C" + "a" * 32
FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "line"


def sign(body: bytes, secret: str = SECRET) -> str:
    """How LINE signs a webhook: base64 of the HMAC-SHA256 of the body with the channel secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class Line:
    app: App
    api: FakeLineApi
    url: str
    clock: FakeClock

    def post(self, payload: Any = None, *, raw: bytes | None = None, signature: str | None = "sign") -> int:
        body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Line-Signature"] = sign(body) if signature == "sign" else signature
        url = self.url + "/line/webhook"  # loopback, http: built here
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code
        finally:  # the worker's intake opens the tickets of what was accepted, as it does a moment later
            self.app.intake.drain()

    def deliver(self) -> Any:
        return self.app.dispatcher.drain()

    def tickets(self) -> list[Ticket]:
        return self.app.service.open_tickets()

    def outbox(self) -> list[OutboxRow]:
        with self.app.session_factory() as session:
            return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))

    def texts(self) -> list[str]:
        """Everything the bot said, as JSON text, in order."""
        return [json.dumps(call.body, ensure_ascii=False) for call in self.api.sent()]


def running(
    database_url: str,
    line_table: dict[str, Any] | None = None,
    *,
    classifier: Classifier | None = None,
    **tables: Any,
) -> Iterator[Line]:
    """The bot on LINE over real HTTP; ``tables`` add to (or replace) the config's tables."""
    with serve_fake_line_api() as api:
        raw = {
            "departments": [
                {"key": "logistics", "line_group": GROUP},
                {"key": "billing"},
                {"key": "product"},
                {"key": "website"},
                {"key": "support"},
            ],
            **tables,
            "line": line_table or {},
        }
        env = {
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": "test-token",
            "LINE_API_URL": api.url,
        }
        config = replace(parse_config(raw, env), database_url=database_url)
        clock = FakeClock(START)
        app = create_app(
            config,
            clock=clock,
            senders={"line": LineSender(config)},
            classifier=classifier or KeywordClassifier(),
        )
        server = make_server("127.0.0.1", 0, create_web_app(app), threaded=True)
        thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        try:
            yield Line(app, api, f"http://127.0.0.1:{server.server_port}", clock)
        finally:
            server.shutdown()
            thread.join(5)
            app.close()


@pytest.fixture
def line(sqlite_url: str) -> Iterator[Line]:
    yield from running(sqlite_url)


@pytest.fixture
def line_db(database_url: str) -> Iterator[Line]:
    """On SQLite and on PostgreSQL: for what is about storage (tickets, deduplication)."""
    yield from running(database_url)


def user(user_id: str = FORWARDER) -> dict[str, Any]:
    return {"type": "user", "userId": user_id}


def group(user_id: str = MEMBER) -> dict[str, Any]:
    return {"type": "group", "groupId": GROUP, "userId": user_id}


def event(kind: str, event_id: str, source: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "mode": fields.pop("mode", "active"),
        "timestamp": 1763850000000,
        "source": source,
        "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": fields.pop("redelivery", False)},
        "replyToken": fields.pop("reply", "rt-" + event_id),
        **fields,
    }


def text(words: str, event_id: str, source: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    message = {"id": "1" + event_id[-6:], "type": "text", "quoteToken": "q", "text": words}
    if "mention" in fields:
        message["mention"] = fields.pop("mention")
    return event("message", event_id, source or user(), message=message, **fields)


def media(kind: str, event_id: str, source: dict[str, Any] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"id": "2" + event_id[-6:], "type": kind}
    if kind == "sticker":
        message.update(packageId="446", stickerId="1988", stickerResourceType="STATIC", quoteToken="q")
    elif kind == "location":
        message.update(title="店舗", address="東京都", latitude=35.6, longitude=139.7)
    elif kind == "file":
        message.update(fileName="receipt.pdf", fileSize=2048)
    else:
        message.update(contentProvider={"type": "line"}, duration=1000, quoteToken="q")
    return event("message", event_id, source or user(), message=message)


def postback(data: str, event_id: str, source: dict[str, Any] | None = None) -> dict[str, Any]:
    return event("postback", event_id, source or group(), postback={"data": data})


def body(*events: dict[str, Any]) -> dict[str, Any]:
    return {"destination": "U0LINEBOT", "events": list(events)}


COMPLAINT = "荷物が届いたら箱が潰れていて、中のお皿が割れていました。"


# -- intake --------------------------------------------------------------------------------------


def test_the_signature_helper_signs_as_the_sdk_checks() -> None:
    assert SignatureValidator(SECRET).validate('{"events":[]}', sign(b'{"events":[]}'))


def test_a_text_becomes_one_ticket_and_a_flex_reply_with_the_reply_token(line_db: Line) -> None:
    assert line_db.post(body(text(COMPLAINT, "01EV0001"))) == 200

    [ticket] = line_db.tickets()
    assert (ticket.platform, ticket.channel, ticket.forwarder) == ("line", FORWARDER, FORWARDER)
    assert ticket.department == "logistics"
    line_db.deliver()
    [reply] = line_db.api.to("/v2/bot/message/reply")
    assert reply.headers["authorization"] == "Bearer test-token"
    assert reply.body["replyToken"] == "rt-01EV0001"
    [flex] = reply.body["messages"]
    assert flex["type"] == "flex" and f"#{ticket.ref}" in flex["altText"]
    assert set(re.findall(r"#(\d+)", json.dumps(flex, ensure_ascii=False))) == {str(ticket.ref)}
    choices = [item["action"]["data"] for item in flex["quickReply"]["items"]]
    assert f"a=re&t={ticket.ref}&d=billing" in choices
    assert f"a=re&t={ticket.ref}&d=logistics" not in choices  # it is there already
    [card] = line_db.api.to("/v2/bot/message/push")
    assert card.body["to"] == GROUP  # logistics' group
    assert set(re.findall(r"#(\d+)", json.dumps(card.body, ensure_ascii=False))) == {str(ticket.ref)}
    buttons = json.dumps(card.body["messages"][0]["contents"]["footer"])
    for data in ("a=ack&t=1", "a=res&t=1", "a=not_complaint&t=1", "a=rm&t=1", "a=sn&t=1&h=4"):
        assert data in buttons


def test_a_redelivery_makes_no_second_ticket_and_no_second_reply(line_db: Line) -> None:
    first = text(COMPLAINT, "01EV0002")
    again = copy.deepcopy(first)
    again["deliveryContext"]["isRedelivery"] = True

    assert line_db.post(body(first)) == 200
    assert line_db.post(body(again)) == 200
    line_db.deliver()

    assert len(line_db.tickets()) == 1
    assert len(line_db.api.to("/message/reply")) == 1


def test_several_events_in_one_body(line: Line) -> None:
    assert line.post(body(text(COMPLAINT, "01EV0003"), text("返金がまだです", "01EV0004"))) == 200
    assert sorted(t.department or "" for t in line.tickets()) == ["billing", "logistics"]


@pytest.mark.parametrize("signature", [None, "", "bm90IGEgc2lnbmF0dXJl", sign(b"other body")])
def test_a_bad_or_missing_signature_is_refused_and_nothing_stored(line: Line, signature: str | None) -> None:
    assert line.post(body(text(COMPLAINT, "01EV0005")), signature=signature) == 400
    assert line.post(body(text(COMPLAINT, "01EV0005")), signature=sign(b"x", "wrong-secret")) == 400
    assert line.tickets() == [] and line.outbox() == []


@pytest.mark.parametrize(
    "raw", [b"not json", b'{"events": 5}', b'{"events": [{"no": "type"}]}', b"\xff\xfe{}", b"[]", b"{}"]
)
def test_a_malformed_body_gets_400_never_500(line: Line, raw: bytes) -> None:
    assert line.post(raw=raw) == 400
    assert line.outbox() == []


def test_standby_events_and_unknown_types_are_ignored(line: Line) -> None:
    standby = text(COMPLAINT, "01EV0006", mode="standby")
    unknown = event("somethingNew", "01EV0007", user(), future={"x": 1})
    things = event("things", "01EV0008", user(), things={"deviceId": "t2c449c9d1", "type": "link"})
    assert line.post(body(standby, unknown, things)) == 200
    assert line.post(body()) == 200  # LINE's "verify" button sends no events
    assert line.tickets() == [] and line.outbox() == []


def test_the_sdks_recorded_webhook_is_answered_200_as_one_body_and_event_by_event(line: Line) -> None:
    raw = (FIXTURES / "sdk_webhook.json").read_bytes()
    assert line.post(raw=raw) == 200  # all 28 share one webhookEventId: the first one counts

    events = json.loads(raw)["events"]
    kinds = {e["type"] for e in events} | {e.get("message", {}).get("type") for e in events}
    expected = "follow unfollow join leave memberJoined memberLeft postback unsend videoPlayComplete beacon"
    assert {
        *expected.split(),
        "accountLink",
        "image",
        "video",
        "audio",
        "file",
        "sticker",
        "location",
    } <= kinds
    for number, each in enumerate(events):
        each["webhookEventId"] = f"01SDK{number:04d}"
        assert line.post(body(each)) == 200, each["type"]
    line.deliver()
    said = "\n".join(line.texts())
    assert "このグループのIDは" in said  # join
    assert "この操作は受け付けられませんでした" in said  # the sample's postback is not ours
    assert "テキストで送ってください" in said  # the sticker


# -- groups, media, join ---------------------------------------------------------------------------


def test_in_a_group_only_the_keyword_or_a_mention_makes_a_complaint(line: Line) -> None:
    assert line.post(body(text("お昼どうする？配送の件は後で", "01EV0010", group()))) == 200
    assert line.tickets() == []

    assert line.post(body(text("#クレーム 配送が3日遅れています", "01EV0011", group()))) == 200
    assert line.post(body(text("#苦情 箱が潰れていました", "01EV0014", group()))) == 200  # the bot's word
    mention = {"mentionees": [{"index": 0, "length": 8, "type": "user", "userId": "U0BOT", "isSelf": True}]}
    assert line.post(body(text("@triage 請求が二重です", "01EV0012", group(), mention=mention))) == 200
    other = {"mentionees": [{"index": 0, "length": 3, "type": "user", "userId": MEMBER, "isSelf": False}]}
    assert line.post(body(text("@山田 請求の件です", "01EV0013", group(), mention=other))) == 200

    tickets = line.tickets()
    expected = ["箱が潰れていました", "請求が二重です", "配送が3日遅れています"]
    assert sorted(t.text for t in tickets) == expected
    assert {t.channel for t in tickets} == {GROUP}


def test_the_keyword_is_configurable(sqlite_url: str) -> None:
    for running_line in running(sqlite_url, {"complaint_keyword": "!claim"}):
        assert running_line.post(body(text("!claim delivery is late", "01EV0014", group()))) == 200
        assert [t.text for t in running_line.tickets()] == ["delivery is late"]
    with pytest.raises(ConfigError, match=r"line\.complaint_keyword"):
        parse_config({"line": {"complaint_keyword": "two words"}}, {})


@pytest.mark.parametrize("kind", ["sticker", "image", "video", "audio", "file", "location"])
def test_non_text_gets_a_polite_request_for_text(line: Line, kind: str) -> None:
    assert line.post(body(media(kind, "01EV0020"))) == 200
    line.deliver()
    [reply] = line.api.to("/message/reply")
    assert reply.body["replyToken"] == "rt-01EV0020"
    assert "テキストで送ってください" in reply.body["messages"][0]["text"]
    assert line.tickets() == []


def test_an_image_right_after_a_complaint_is_attached_to_it(line: Line) -> None:
    line.post(body(text(COMPLAINT, "01EV0021")))
    line.clock.advance(timedelta(minutes=2))
    assert line.post(body(media("image", "01EV0022"))) == 200
    line.clock.advance(timedelta(minutes=10))
    assert line.post(body(media("image", "01EV0023"))) == 200  # too late: not part of it
    line.deliver()

    [ticket] = line.tickets()
    attached = [e for e in line.app.service.history(ticket.ref) if e.action == "attached"]
    assert [e.detail for e in attached] == [{"kind": "image", "reference": "2EV0022"}]
    said = line.texts()
    assert any("#1に添付しました" in s for s in said)
    assert "テキストで送ってください" in said[-1]


def test_a_sticker_in_a_group_is_the_teams_own_talk(line: Line) -> None:
    assert line.post(body(media("sticker", "01EV0024", group()))) == 200
    assert line.outbox() == []


def test_joining_a_group_replies_with_its_id_and_how_to_map_it(line: Line) -> None:
    assert line.post(body(event("join", "01EV0030", {"type": "group", "groupId": GROUP}))) == 200
    line.deliver()
    [reply] = line.api.to("/message/reply")
    said = reply.body["messages"][0]["text"]
    assert GROUP in said and f'line_group = "{GROUP}"' in said


# -- postbacks -----------------------------------------------------------------------------------


def test_not_a_complaint_by_postback_closes_the_ticket(line: Line) -> None:
    line.post(body(text(COMPLAINT, "01EV0050")))
    line.deliver()
    cards = [json.dumps(c.body, ensure_ascii=False) for c in line.api.to("/message/push")]
    assert any(
        "a=not_complaint&t=1" in card and "苦情ではない" in card for card in cards
    )  # the card's button

    assert line.post(body(postback("a=not_complaint&t=1", "01EV0051"))) == 200

    ticket = line.app.service.get(1)
    assert ticket.status is Status.RESOLVED and ticket.not_complaint
    assert [e.actor for e in line.app.service.history(1) if e.action == "not_complaint"] == [MEMBER]
    line.deliver()
    said = [json.dumps(c.body, ensure_ascii=False) for c in line.api.to("/message/reply")]
    assert any("「苦情ではない」として閉じました" in s for s in said)


def test_card_buttons_work_the_ticket_as_the_line_user(line: Line) -> None:
    line.post(body(text(COMPLAINT, "01EV0040")))
    assert line.post(body(postback("a=ack&t=1", "01EV0041"))) == 200
    ticket = line.app.service.get(1)
    assert ticket.status is Status.ACKNOWLEDGED and ticket.acknowledged_by == MEMBER

    line.post(body(postback("a=sn&t=1&h=4", "01EV0042")))
    assert line.app.service.get(1).snoozed_until == START + timedelta(hours=4)
    line.post(body(postback("a=rm&t=1", "01EV0043")))
    line.post(body(postback("a=re&t=1&d=billing", "01EV0044")))
    assert line.app.service.get(1).department == "billing"
    line.post(body(postback("a=res&t=1", "01EV0045")))
    line.post(body(postback("a=res&t=1", "01EV0045")))  # redelivered: nothing more happens
    assert line.app.service.get(1).status is Status.RESOLVED
    line.deliver()

    replies = [c.body for c in line.api.to("/message/reply")]
    said = [json.dumps(r, ensure_ascii=False) for r in replies]
    assert any("山田さん：#1を対応中にしました。" in s for s in said)
    assert any("#1の振り替え先を選んでください" in s and "a=re&t=1&d=billing" in s for s in said)
    assert sum("解決済みにしました" in s for s in said) == 1
    # five actions, one lookup each by the webhook (its "done" replies) and the sender (the cards,
    # which met the member first in the forwarder's 1:1 chat: the billing card went there)
    assert len(line.api.to(f"/group/{GROUP}/member/{MEMBER}")) == 1
    assert len(line.api.to(f"/profile/{MEMBER}")) == 1
    actors = {e.actor for e in line.app.service.history(1) if e.action != "created"}
    assert actors == {MEMBER}
    updates = [
        c
        for c in line.api.to("/message/push")
        if "対応を開始しました" in json.dumps(c.body, ensure_ascii=False)
    ]
    assert updates and updates[0].body["to"] == GROUP  # LINE cannot edit: the update is a new message
    assert "山田さんが対応を開始しました" in json.dumps(updates[0].body, ensure_ascii=False)
    assert MEMBER not in json.dumps(updates[0].body)


@pytest.mark.parametrize(
    "data",
    [
        "a=ack&t=1&u=" + MEMBER,  # acting for someone else: the data has no say in who acts
        "a=delete&t=1",
        "a=ack&t=abc",
        "a=ack&t=0",
        "a=ack&t=1&t=2",
        "a=re&t=1&d=shipping",
        "a=re&t=1",
        "a=sn&t=1&h=999",
        "a=sn&t=1&h=-1",
        "a=ack&t=1" + "&x" * 200,
        "x" * (MAX_POSTBACK_CHARS + 1),
        "",
        "action=buyItem&itemId=123123&color=red",
    ],
)
def test_forged_or_oversized_postback_data_is_refused_politely(line: Line, data: str) -> None:
    line.post(body(text(COMPLAINT, "01EV0050")))
    assert line.post(body(postback(data, "01EV0051"))) == 200
    line.deliver()

    ticket = line.app.service.get(1)
    assert (ticket.status, ticket.department) == (Status.OPEN, "logistics")
    assert [e.action for e in line.app.service.history(1)] == ["created"]
    assert "この操作は受け付けられませんでした" in line.texts()[-1]


def test_errors_from_the_core_are_answered_in_japanese(line: Line) -> None:
    line.post(body(postback("a=ack&t=99", "01EV0052")))
    line.deliver()
    assert "チケット#99が見つかりません" in line.texts()[-1]


def test_postback_round_trip_and_limits() -> None:
    departments = ("logistics", "billing")
    for postback_data in (
        Postback("ack", 123456789),
        Postback("re", 5, "billing"),
        Postback("sn", 5, hours=168),
    ):
        encoded = postback_data.encode()
        assert len(encoded) <= MAX_POSTBACK_CHARS
        assert parse_postback(encoded, departments) == postback_data
    with pytest.raises(BadPostback):
        parse_postback("a=sn&t=1&h=169", departments)


# -- delivery ------------------------------------------------------------------------------------


def test_a_refused_reply_token_falls_back_to_a_push_with_one_retry_key(line: Line) -> None:
    line.api.expired_tokens.add("rt-01EV0060")
    # The card goes first, then the reply: both first pushes fail, and the dispatcher retries them.
    line.api.fail("/message/push", 500)
    line.api.fail("/message/push", 500)
    line.post(body(text("ログインできません", "01EV0060")))  # website: its card comes back here too

    first = line.deliver()
    assert first.retried >= 1
    line.clock.advance(timedelta(minutes=5))
    line.deliver()

    pushes = [c for c in line.api.to("/message/push") if "受付#1" in json.dumps(c.body, ensure_ascii=False)]
    assert len(pushes) == 2 and [c.ok for c in pushes] == [False, True]
    assert pushes[0].headers["x-line-retry-key"] == pushes[1].headers["x-line-retry-key"]
    assert pushes[1].body["to"] == FORWARDER


def test_a_push_accepted_before_is_not_delivered_twice(line: Line) -> None:
    sender = line.app.senders["line"]
    message = OutboundMessage("line", GROUP, "reminder", "⏰ #1 残り4時間", {"tickets": []})
    sender.send(message)
    sender.send(message)  # e.g. the first answer was lost: LINE says 409, which means delivered
    assert len(line.api.sent()) == 1
    assert len({c.headers["x-line-retry-key"] for c in line.api.to("/message/push")}) == 1


def test_429_and_500_from_push_are_retried_by_the_dispatcher(line: Line) -> None:
    line.api.fail("/message/push", 429, retry_after="30")
    line.api.fail("/message/push", 500)
    line.post(body(text(COMPLAINT, "01EV0061")))

    line.deliver()  # the card (first) gets 429: LINE's limit is the bot's, so the reply waits too
    [row] = [r for r in line.outbox() if r.kind == "card"]
    assert row.status == "pending" and row.next_attempt_at >= START + timedelta(seconds=30)
    line.clock.advance(timedelta(seconds=31))
    line.deliver()  # 500
    line.clock.advance(timedelta(minutes=5))
    line.deliver()
    [row] = [r for r in line.outbox() if r.kind == "card"]
    assert row.status == "sent" and row.attempts == 1 and row.platform_message_id  # the 429 was a wait


def test_a_refusal_is_not_retried(line: Line) -> None:
    line.api.fail("/message/push", 403)
    line.post(body(text(COMPLAINT, "01EV0062")))
    report = line.deliver()
    assert report.dead == 1
    assert [r.status for r in line.outbox() if r.kind == "card"] == ["dead"]


def test_flex_stays_valid_with_any_text(line: Line) -> None:
    hostile = '配送"}]},{"type":"text","text":"injected"} ' + "\\u0000 😀" + "長" * 19_000
    line.post(body(text(hostile, "01EV0063")))
    report = line.deliver()
    assert report.dead == 0 and report.retried == 0
    [card] = line.api.to("/message/push")
    flex = card.body["messages"][0]
    assert len(flex["altText"]) <= 400
    body_texts = [c["text"] for c in flex["contents"]["body"]["contents"] if c["type"] == "text"]
    assert max(len(t) for t in body_texts) <= 1000
    assert "injected" not in json.dumps(flex["contents"]["footer"])


def test_the_forwarder_corrects_the_department_from_the_replys_quick_reply(line: Line) -> None:
    line.post(body(text(COMPLAINT, "01EV0070")))
    line.deliver()
    [reply] = line.api.to("/message/reply")
    [billing] = [
        item["action"]
        for item in reply.body["messages"][0]["quickReply"]["items"]
        if item["action"]["data"].endswith("d=billing")
    ]
    assert billing["displayText"] == "決済・返金"

    assert line.post(body(postback(billing["data"], "01EV0071", user()))) == 200
    line.deliver()
    assert line.app.service.get(1).department == "billing"
    assert [e.actor for e in line.app.service.history(1) if e.action == "reassigned"] == [FORWARDER]
    assert "#1を「決済・返金」に振り替えました" in line.texts()[-2] + line.texts()[-1]
    # once by the webhook (the 1:1 writer's name, masked on the card), then cached; the card shows
    # the writer of a 1:1 chat masked (they may be the customer), so the sender asks for no name
    assert len(line.api.to(f"/v2/bot/profile/{FORWARDER}")) == 1


def test_reminders_for_one_group_are_one_push_per_sweep(line: Line) -> None:
    line.post(body(text(COMPLAINT, "01EV0080"), text("配送が遅い", "01EV0081")))
    line.deliver()
    pushes = len(line.api.to("/message/push"))
    line.clock.advance(timedelta(hours=20, minutes=30))
    line.app.run_due_jobs()

    reminders = line.api.to("/message/push")[pushes:]
    assert len(reminders) == 1 and reminders[0].body["to"] == GROUP
    said = reminders[0].body["messages"][0]["text"]
    assert "#1" in said and "#2" in said


def test_the_managers_hear_when_the_push_quota_runs_low(sqlite_url: str) -> None:
    managers = "C" + "m" * 32
    for line in running(sqlite_url, managers={"line_group": managers}):
        watch = QuotaWatch(line.app.services)
        line.api.quota, line.api.usage = 200, 150
        assert watch.check(line.clock.now()) == 0.75
        line.api.usage = 170
        watch.check(line.clock.now())
        watch.check(line.clock.now())  # once per level and month
        line.api.usage = 195
        watch.check(line.clock.now())
        line.deliver()

        warnings = [c.body for c in line.api.to("/message/push")]
        assert [w["to"] for w in warnings] == [managers, managers]
        assert "上限200通の80%" in warnings[0]["messages"][0]["text"]
        assert "95%" in warnings[1]["messages"][0]["text"]
        line.api.fail("/message/quota", 500)
        assert watch.check(line.clock.now()) is None  # unreadable: no crash, no warning


def test_a_complaint_that_cannot_be_stored_is_answered_and_left_for_redelivery(
    line: Line, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real_add = line.app.intake.inbox.add

    def broken(message: Any) -> Any:
        raise RuntimeError(f"database said: {message.text}")

    monkeypatch.setattr(line.app.intake.inbox, "add", broken)
    first = text(COMPLAINT, "01EV0090")
    assert line.post(body(first)) == 500  # LINE redelivers it
    assert COMPLAINT not in caplog.text and "RuntimeError" in caplog.text
    line.deliver()
    assert "処理中にエラーが起きました" in line.texts()[-1]

    monkeypatch.setattr(line.app.intake.inbox, "add", real_add)
    first["deliveryContext"]["isRedelivery"] = True
    assert line.post(body(first)) == 200
    assert len(line.tickets()) == 1


def test_a_complaint_the_worker_fails_on_waits_and_becomes_one_ticket_later(
    line: Line, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real_intake = line.app.service.intake_many

    def broken(messages: Any) -> Any:
        raise RuntimeError(f"database said: {messages[0].text}")

    monkeypatch.setattr(line.app.service, "intake_many", broken)
    first = text(COMPLAINT, "01EV0091")
    assert line.post(body(first)) == 200  # accepted: stored, so LINE need not redeliver

    assert line.tickets() == [] and line.app.intake.inbox.waiting() == 1
    assert COMPLAINT not in caplog.text and "01EV0091" in caplog.text
    monkeypatch.setattr(line.app.service, "intake_many", real_intake)
    line.clock.advance(timedelta(seconds=2))
    line.app.intake.drain()
    (ticket,) = line.tickets()
    first["deliveryContext"]["isRedelivery"] = True
    assert line.post(body(first)) == 200
    assert line.tickets() == [ticket]
    line.deliver()
    assert any(f"#{ticket.ref}" in said for said in line.texts())


def test_two_processes_warning_of_the_same_quota_level_reach_the_managers_once(sqlite_url: str) -> None:
    managers = "C" + "m" * 32
    for line in running(sqlite_url, managers={"line_group": managers}):
        line.api.quota, line.api.usage = 200, 170
        QuotaWatch(line.app.services).check(line.clock.now())
        QuotaWatch(line.app.services).check(line.clock.now())  # another worker, its own memory
        line.deliver()

        assert len([c for c in line.api.sent() if c.body.get("to") == managers]) == 1
