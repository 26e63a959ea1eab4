"""Working a customer's ticket from its Slack card, over real HTTP: お客様に返信 opens the reply
form (callback ``customer_reply``) whose submission reaches the customer and shows in the card's
thread; 担当する and お客様の返信待ち update the card; ``/find`` answers only the asker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.config import parse_config
from bot.core.clock import FakeClock
from bot.core.domain import IncomingMessage
from bot.platforms.slack.sender import SlackSender
from bot.runtime.services import App, create_app
from tests.bot.platforms.slack.test_events import (
    DEPARTMENTS,
    Slack,
    blocks_text,
    card_ts,
    payload,
    serve,
    slack_config,
)
from tests.conftest import START
from tests.fakes import KeywordClassifier, RecordingSender
from tests.slack_api import FakeSlackApi

CUSTOMER = "U" + "c0" * 16
TEAM, OUTSIDER = "U0TEAM", "U0NOBODY"
ROLES = {"staff": ["U0STAFF"], "teams": {"logistics": [TEAM]}}
WORDS = "ご不便をおかけして申し訳ございません。本日、交換品を発送いたします。"


@pytest.fixture
def line() -> RecordingSender:
    """The customers' LINE, where replies go."""
    return RecordingSender()


def build(database_url: str, api: FakeSlackApi, line: RecordingSender) -> App:
    config = slack_config(database_url, api)
    parsed = parse_config({"roles": ROLES, "departments": DEPARTMENTS}, {})
    config = replace(config, roles=parsed.roles)
    senders = {"slack": SlackSender(config), "line": line}
    return create_app(config, clock=FakeClock(START), senders=senders, classifier=KeywordClassifier())


@pytest.fixture
def slack(database_url: str, api: FakeSlackApi, line: RecordingSender) -> Iterator[Slack]:
    yield from serve(build(database_url, api, line), api)


def customer_writes(
    slack: Slack, text: str = "荷物が届きません。注文番号 A-15001", event: str = "ev-1", who: str = CUSTOMER
) -> int:
    message = IncomingMessage(
        platform="line",
        event_id=event,
        channel=who,
        forwarder=who,
        text=text,
        received_at=slack.clock.now(),
        customer="山田太郎",
        from_customer=True,
    )
    ref = slack.app.service.intake(message).ticket.ref
    slack.deliver()
    return ref


def click(slack: Slack, action_id: str, value: str, user: str = TEAM) -> tuple[int, str]:
    body = payload("block_actions")
    body["user"]["id"] = user
    body["response_url"] = slack.api.response_url
    body["actions"] = [{"action_id": action_id, "block_id": "ticket-1", "type": "button", "value": value}]
    return slack.post(body, form=True)


def submit(slack: Slack, view: dict[str, Any], text: str | None, user: str = TEAM) -> tuple[int, str]:
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block["element"]
        if element["type"] == "plain_text_input":
            values[block["block_id"]] = {element["action_id"]: {"type": "plain_text_input", "value": text}}
        else:
            chosen = {"type": "static_select", "selected_option": element["initial_option"]}
            values[block["block_id"]] = {element["action_id"]: chosen}
    body = payload("view_submission")
    body["user"]["id"] = user
    body["view"] = {**view, "id": "V0REPLY", "hash": "h", "state": {"values": values}}
    return slack.post(body, form=True)


def open_form(slack: Slack, ref: int) -> dict[str, Any]:
    assert click(slack, "reply_customer", str(ref))[0] == 200
    view: dict[str, Any] = slack.api.to("views.open")[-1]["view"]
    return json.loads(view) if isinstance(view, str) else view


def test_a_customers_card_offers_the_reply_and_a_forwarded_one_does_not(slack: Slack) -> None:
    customer_writes(slack)
    slack.app.service.intake(replace(payload_message(), event_id="staff-1"))
    slack.deliver()

    customer_card, staff_card = (blocks_text(post["blocks"]) for post in slack.posts("C0LOGISTICS"))
    assert all(action in customer_card for action in ("reply_customer", "ticket_claim", "ticket_wait"))
    assert "ticket_claim" in staff_card and "reply_customer" not in staff_card
    assert "山田太郎" not in customer_card and CUSTOMER not in customer_card  # masked, no chat id
    assert all(call.get("user") != CUSTOMER for call in slack.api.to("users.info"))


def payload_message() -> IncomingMessage:
    return IncomingMessage("slack", "x", "C0INTAKE", "U0STAFF", "配送が遅れています", START)


def test_the_reply_form_sends_the_reply_to_the_customer_and_into_the_cards_thread(
    slack: Slack, line: RecordingSender
) -> None:
    ref = customer_writes(slack)
    ts = card_ts(slack, "C0LOGISTICS")
    view = open_form(slack, ref)
    assert view["callback_id"] == "customer_reply" and view["private_metadata"] == str(ref)
    template = view["blocks"][0]["element"]["initial_value"]
    assert template.startswith("山田太郎様") and "A-15001" in template  # the department's template

    status, body = submit(slack, view, WORDS)
    slack.deliver()

    assert (status, body) == (200, "")
    sent = line.sent[-1].message
    assert (sent.channel, sent.kind, sent.text) == (CUSTOMER, "customer", WORDS)
    [thread] = [post for post in slack.posts("C0LOGISTICS") if post.get("thread_ts") == ts]
    assert "本日、交換品を発送" in thread["text"]
    assert slack.app.service.get(ref).first_response_at is not None


def test_an_empty_reply_sends_the_chosen_template(slack: Slack, line: RecordingSender) -> None:
    ref = customer_writes(slack)
    view = open_form(slack, ref)
    template = view["blocks"][0]["element"]["initial_value"]

    assert submit(slack, view, None)[0] == 200
    slack.deliver()
    assert line.sent[-1].message.text == template


def test_a_reply_without_permission_is_refused_in_the_form(slack: Slack, line: RecordingSender) -> None:
    ref = customer_writes(slack)
    view = open_form(slack, ref)

    status, body = submit(slack, view, WORDS, user=OUTSIDER)
    slack.deliver()

    assert status == 200 and json.loads(body)["response_action"] == "errors"
    assert not any(s.message.text == WORDS for s in line.sent)
    assert slack.app.service.history(ref)[-1].action == "refused"


def test_take_and_wait_update_the_card(slack: Slack) -> None:
    slack.api.user_names[TEAM] = "鈴木"
    ref = customer_writes(slack)
    ts = card_ts(slack, "C0LOGISTICS")
    assert click(slack, "ticket_claim", str(ref))[0] == 200
    assert click(slack, "ticket_wait", str(ref))[0] == 200
    slack.deliver()

    ticket = slack.app.service.get(ref)
    assert ticket.owner == TEAM and ticket.waiting_since is not None
    update = slack.api.to("chat.update")[-1]
    assert update["ts"] == ts
    card = blocks_text(update["blocks"])
    assert "お客様の返信待ち（" in card and "ticket_wait" not in card
    assert "担当者：鈴木" in card and "U0TEAM" not in card  # named from users.info


def test_find_answers_only_the_asker_with_their_teams_tickets(slack: Slack) -> None:
    customer_writes(slack)
    command = {"command": "/find", "text": "A-15001", "user_id": TEAM, "channel_id": "C0LOGISTICS"}
    command.update(trigger_id="1.2", response_url=slack.api.response_url, team_id="T0SHOP")
    status, body = slack.post(command, form=True)

    answer = json.loads(body)
    assert status == 200 and answer["response_type"] == "ephemeral"
    assert "#1" in answer["text"] and "A-15001" in answer["text"]
    status, body = slack.post({**command, "user_id": OUTSIDER}, form=True)
    assert "#1" not in json.loads(body)["text"]


def test_a_reminder_of_an_owned_ticket_pings_its_owner(slack: Slack) -> None:
    ref = customer_writes(slack)
    click(slack, "ticket_claim", str(ref))
    slack.clock.advance(timedelta(hours=20, minutes=1))  # the warning, 4 h before the deadline
    slack.app.sweep.run(slack.clock.now())
    slack.deliver()

    reminder = slack.posts("C0LOGISTICS")[-1]
    assert "（担当：U0TEAM）" in reminder["text"]
    assert '"<@U0TEAM>"' in blocks_text(reminder["blocks"])


def test_app_home_lists_my_tickets_first(slack: Slack) -> None:
    first = customer_writes(slack, "荷物が届きません", "ev-1")
    second = customer_writes(slack, "配送が遅れています", "ev-2", who="U" + "d1" * 16)
    slack.app.desk.claim(second, TEAM)
    home = {"type": "app_home_opened", "user": TEAM, "channel": "D0HOME", "tab": "home", "event_ts": "1.1"}
    assert slack.post(payload("app_mention") | {"event": home, "event_id": "Ev0HOME"})[0] == 200

    (published,) = slack.api.to("views.publish")
    text = blocks_text(published["view"]["blocks"])
    assert text.index("あなたの担当1件") < text.index(f"#{second} ") < text.index("チームのチケット")
    assert text.index("チームのチケット") < text.index(f"#{first} ")


def test_the_teams_talk_in_the_thread_is_not_an_answer_to_the_customer(slack: Slack) -> None:
    ref = customer_writes(slack)
    ts = card_ts(slack, "C0LOGISTICS")
    talk = {"channel": "C0LOGISTICS", "user": TEAM, "thread_ts": ts, "text": "倉庫に確認します"}
    assert slack.post(payload("message", **talk, ts="1763853600.000001"))[0] == 200

    assert slack.app.service.get(ref).first_response_at is None
