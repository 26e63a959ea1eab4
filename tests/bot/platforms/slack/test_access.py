"""Roles on Slack, end to end over real HTTP: user groups asked from the fake Web API, refusals
ephemeral and audited, forged payloads, "show full text", /history and the per-team App Home."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.config import parse_config
from bot.core.clock import FakeClock
from bot.core.domain import IncomingMessage, Status
from bot.platforms.slack.sender import SlackSender
from bot.runtime.services import App, create_app
from tests.bot.platforms.slack.test_events import (
    DEPARTMENTS,
    Slack,
    blocks_text,
    payload,
    serve,
    slack_config,
)
from tests.conftest import START
from tests.fakes import KeywordClassifier
from tests.slack_api import FakeSlackApi, fake_slack_api

TEAM, OUTSIDER, BOSS, BILLING = "U0TEAM", "U0NOBODY", "U0BOSS", "U0BILL"
ROLES = {
    "staff": ["U0STAFF"],
    "managers": [BOSS],
    "teams": {"logistics": ["S0LOGI"], "billing": [BILLING]},
}
REFUSAL = "この操作を行う権限がありません"
PHONE = "090-1234-5678"


def build(database_url: str, api: FakeSlackApi) -> App:
    config = slack_config(database_url, api)
    roles = parse_config({"roles": ROLES, "departments": DEPARTMENTS}, {}).roles
    config = replace(config, roles=roles)
    return create_app(
        config, clock=FakeClock(START), senders={"slack": SlackSender(config)}, classifier=KeywordClassifier()
    )


@pytest.fixture
def api() -> Iterator[FakeSlackApi]:
    with fake_slack_api() as fake:
        fake.user_groups["S0LOGI"] = [TEAM]
        yield fake


@pytest.fixture
def slack(sqlite_url: str, api: FakeSlackApi) -> Iterator[Slack]:
    yield from serve(build(sqlite_url, api), api)


@pytest.fixture
def slack_db(database_url: str, api: FakeSlackApi) -> Iterator[Slack]:
    yield from serve(build(database_url, api), api)


def click(slack: Slack, action_id: str, value: str, actor: str, **forged: Any) -> int:
    body = payload("block_actions")
    body["response_url"] = slack.api.response_url
    body["user"] = {"id": actor, "username": actor.lower(), "team_id": "T0SHOP"}
    action = {"action_id": action_id, "block_id": "ticket-1", "type": "button", "value": value, **forged}
    body["actions"] = [action]
    return slack.post(body, form=True)[0]


def command(slack: Slack, text: str, user: str, name: str = "/history") -> tuple[int, str]:
    fields = {
        "command": name,
        "text": text,
        "user_id": user,
        "channel_id": "C0LOGISTICS",
        "team_id": "T0SHOP",
        "response_url": slack.api.response_url,
        "trigger_id": "1.2.3",
    }
    return slack.post(fields, form=True)


def mention(
    slack: Slack, text: str = f"注文した商品が届きません。電話 {PHONE}", ts: str = "1763850000.000100"
) -> None:
    assert slack.post(payload("app_mention", text=f"<@U0BOT> {text}", ts=ts))[0] == 200
    slack.deliver()


def test_a_team_member_by_user_group_works_the_card_others_are_refused_ephemerally(slack_db: Slack) -> None:
    slack = slack_db
    mention(slack)

    assert click(slack, "ticket_acknowledge", "1", TEAM) == 200
    assert click(slack, "ticket_resolve", "1", OUTSIDER) == 200

    ticket = slack.app.service.get(1)
    assert ticket.status is Status.ACKNOWLEDGED and ticket.acknowledged_by == TEAM
    (refusal,) = slack.api.to("response_url")
    assert refusal["response_type"] == "ephemeral" and REFUSAL in refusal["text"]
    trail = [(e.actor, e.action, e.detail) for e in slack.app.service.history(1)][1:]
    assert trail == [(TEAM, "acknowledged", {}), (OUTSIDER, "refused", {"attempted": "resolve"})]
    # The group was asked once and its members kept briefly; after that Slack is asked again.
    assert slack.api.to("usergroups.users.list") == [{"usergroup": "S0LOGI"}]
    slack.clock.advance(timedelta(minutes=6))
    assert click(slack, "ticket_resolve", "1", OUTSIDER) == 200
    assert len(slack.api.to("usergroups.users.list")) == 2


def test_a_forged_payload_cannot_act_for_another_user(slack: Slack) -> None:
    mention(slack)
    # The button value and extra fields name a team member; the signed payload's user is an outsider.
    forged = {"user": {"id": TEAM}, "acting_user": TEAM}
    assert click(slack, "ticket_resolve", "1", OUTSIDER, **forged) == 200
    assert click(slack, "ticket_resolve", f"1:{TEAM}", OUTSIDER) == 200
    assert click(slack, "ticket_full_text", "1", OUTSIDER, user={"id": TEAM}) == 200

    body = payload("block_actions")
    body.update(user={"id": TEAM}, response_url=slack.api.response_url)
    body["actions"] = [
        {"action_id": "ticket_resolve", "block_id": "ticket-1", "type": "button", "value": "1"}
    ]
    assert slack.post(body, form=True, secret="forged-secret")[0] == 401  # unsigned: never trusted

    assert slack.app.service.get(1).status is Status.OPEN
    actors = {(e.actor, e.action) for e in slack.app.service.history(1)[1:]}
    assert actors == {(OUTSIDER, "refused")}
    assert all(PHONE not in json.dumps(call) for call in slack.api.to("response_url"))


def test_show_full_text_goes_ephemerally_to_permitted_people_only(slack: Slack) -> None:
    mention(slack)
    (card,) = slack.posts("C0LOGISTICS")
    assert PHONE not in blocks_text(card["blocks"])
    section = next(b for b in card["blocks"] if b.get("accessory", {}).get("action_id") == "ticket_full_text")
    assert section["accessory"]["value"] == "1"

    assert click(slack, "ticket_full_text", "1", TEAM) == 200
    assert click(slack, "ticket_full_text", "1", BILLING) == 200

    shown, refused = slack.api.to("response_url")
    assert shown["response_type"] == "ephemeral" and shown["replace_original"] in (False, "false")
    assert PHONE in blocks_text(shown["blocks"])
    assert all(block["text"]["type"] == "plain_text" for block in shown["blocks"])
    assert REFUSAL in refused["text"] and PHONE not in json.dumps(refused)
    assert slack.posts("C0LOGISTICS") == [card]  # nothing unmasked in the channel
    trail = [(e.actor, e.action) for e in slack.app.service.history(1)][1:]
    assert trail == [(TEAM, "viewed_full_text"), (BILLING, "refused")]


def test_history_command_answers_only_the_asker(slack: Slack) -> None:
    mention(slack)
    click(slack, "ticket_acknowledge", "1", TEAM)

    status, answer = command(slack, "#1", TEAM)
    assert status == 200
    text = blocks_text(json.loads(answer)["blocks"])
    assert "#1" in text and "U0STAFF" in text and "対応を開始しました" in text
    assert json.loads(answer)["response_type"] == "ephemeral"

    assert command(slack, "#1", OUTSIDER)[0] == 200
    assert command(slack, "", TEAM)[0] == 200
    refused, usage = slack.api.to("response_url")
    assert REFUSAL in refused["text"] and "/history #番号" in usage["text"]


def test_digest_command_is_for_the_teams_members_and_the_managers(slack: Slack) -> None:
    mention(slack)

    def digest(text: str, user: str) -> dict[str, Any]:
        status, answer = command(slack, text, user, name="/digest")
        assert status == 200
        if answer:
            return dict(json.loads(answer))
        return dict(slack.api.to("response_url")[-1])

    assert "物流・配送" in blocks_text(digest("logistics", TEAM)["blocks"])
    assert "物流・配送" in blocks_text(digest("logistics", BOSS)["blocks"])
    assert "blocks" in digest("managers", BOSS)
    for text, user in (("logistics", BILLING), ("managers", TEAM), ("logistics here", OUTSIDER)):
        refused = digest(text, user)
        assert REFUSAL in refused["text"] and refused["response_type"] == "ephemeral"
    assert slack.app.outbox.pending_count() == 0  # "here" by an outsider posted nothing
    refusals = [(e.actor, e.action) for e in slack.app.records.guard.log_store.access_log() if not e.allowed]
    assert refusals == [
        (BILLING, "digest:logistics"),
        (TEAM, "digest:managers"),
        (OUTSIDER, "digest:logistics"),
    ]


def test_app_home_shows_the_users_teams_tickets_and_managers_see_all(slack: Slack) -> None:
    mention(slack)
    mention(slack, "請求が二重になっています", ts="1763850000.000200")

    def home(user: str) -> str:
        event = {"type": "app_home_opened", "user": user, "channel": "D0", "tab": "home", "event_ts": "1.1"}
        assert slack.post(payload("app_mention") | {"event": event, "event_id": f"Ev{user}"})[0] == 200
        return blocks_text(slack.api.to("views.publish")[-1]["view"]["blocks"])

    team = home(TEAM)
    assert "未解決のチケット1件" in team and "物流・配送：1件" in team and "決済" not in team
    billing = home(BILLING)
    assert "未解決のチケット1件" in billing and "決済・返金：1件" in billing
    boss = home(BOSS)
    assert "未解決のチケット2件" in boss
    assert "チームにも登録されていません" in home(OUTSIDER)
    assert PHONE not in team + boss


def test_a_complaint_from_someone_without_a_role_is_refused_and_logged(slack: Slack) -> None:
    event = payload("app_mention", user=OUTSIDER, text="<@U0BOT> 配送が遅い")
    assert slack.post(event)[0] == 200
    slack.deliver()

    assert slack.tickets() == []
    (told,) = slack.api.to("chat.postEphemeral")
    assert told["user"] == OUTSIDER and REFUSAL in told["text"]
    (entry,) = slack.app.records.guard.log_store.access_log()
    assert (entry.actor, entry.action, entry.allowed) == (OUTSIDER, "forward", False)


def test_an_outsiders_reply_in_the_cards_thread_is_not_the_first_response(slack: Slack) -> None:
    mention(slack)
    ts = next(
        answer["ts"]
        for args, answer in zip(
            slack.api.to("chat.postMessage"), slack.api.answers("chat.postMessage"), strict=True
        )
        if args["channel"] == "C0LOGISTICS"
    )
    reply = {"channel": "C0LOGISTICS", "user": OUTSIDER, "thread_ts": ts, "text": "見ました"}
    assert slack.post(payload("message", **reply, ts="1763853600.000001"))[0] == 200

    assert slack.app.service.get(1).first_response_at is None
    assert slack.api.to("chat.postEphemeral") == []  # talking in a thread earns no refusal notice


def test_when_slack_cannot_say_who_is_in_a_group_the_last_answer_serves_else_nobody(slack: Slack) -> None:
    for _ in range(2):  # the complaint's check and the click's check both find Slack failing
        slack.api.fail("usergroups.users.list", 500, {"ok": False, "error": "fatal_error"})
    mention(slack)  # the forwarder is staff by user id: no group needed
    assert slack.app.service.get(1).status is Status.OPEN
    assert click(slack, "ticket_acknowledge", "1", TEAM) == 200
    assert slack.app.service.get(1).status is Status.OPEN  # unknown membership grants nothing

    assert click(slack, "ticket_acknowledge", "1", TEAM) == 200  # Slack answers again
    assert slack.app.service.get(1).acknowledged_by == TEAM
    slack.clock.advance(timedelta(minutes=6))
    slack.api.fail("usergroups.users.list", 500, {"ok": False, "error": "fatal_error"})
    assert click(slack, "ticket_resolve", "1", TEAM) == 200  # stale, but known: still a member
    assert slack.app.service.get(1).status is Status.RESOLVED


def test_a_worker_without_the_web_app_asks_slack_who_is_in_a_group(
    sqlite_url: str, api: FakeSlackApi
) -> None:
    """The worker checks who may forward a complaint (S0LOGI's members may): without the web app's
    Slack adapter in its process it must still know Slack's groups."""
    worker = build(sqlite_url, api)  # no web app, no adapter: what `triage-bot worker` builds
    try:
        incoming = IncomingMessage("slack", "C0INTAKE:1.0", "C0INTAKE", TEAM, "配送が遅い", START)
        worker.intake.accept(incoming)
        worker.intake.drain()
        assert len(worker.service.open_tickets()) == 1
        assert api.to("usergroups.users.list") == [{"usergroup": "S0LOGI"}]
    finally:
        worker.close()


@pytest.mark.parametrize("ref", ["2147483648", "99999999999999999999", "0"])
def test_a_ticket_number_no_ticket_can_have_is_not_found_never_an_internal_error(
    slack_db: Slack, ref: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Past PostgreSQL's integer (DataError) or SQLite's 64 bits (OverflowError), a number is a
    ticket that does not exist, as in the console."""
    mention(slack_db)
    assert command(slack_db, f"#{ref}", TEAM)[0] == 200
    assert click(slack_db, "ticket_acknowledge", ref, TEAM) == 200

    answers = [answer["text"] for answer in slack_db.api.to("response_url")]
    assert answers == [f"チケット#{ref}が見つかりません。番号を確認してください（例：#12）。"] * 2
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
