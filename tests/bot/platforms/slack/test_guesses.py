"""A triage card's best guesses in Slack: one click on "物流・配送 28%" routes the ticket there.

Signed requests over real HTTP into the served app, the outbox delivering to the fake Slack Web
API, a real SQLite file (and PostgreSQL where configured).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import pytest

from bot.config import parse_config
from bot.core.clock import FakeClock
from bot.core.ports import Prediction
from bot.platforms.slack.sender import SlackSender
from bot.runtime.services import App, create_app
from storage.labels import SqlLabels
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
from tests.slack_api import FakeSlackApi

TEAM, OUTSIDER = "U0TEAM", "U0NOBODY"
COMPLAINT = "注文した商品が1週間たっても届きません。注文番号 A-10023"
HOSTILE_NAME = '<!channel> & <@U0BOSS> *請求* "x"'


class UnsureClassifier:
    """Below the 0.3 threshold, with ``out_of_scope`` among its guesses (not a department)."""

    def predict(self, text: str) -> Prediction:
        ranking = (("logistics", 0.28), ("out_of_scope", 0.25), ("billing", 0.21), ("product", 0.14))
        return Prediction("logistics", 0.28, ranking)

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        return [self.predict(text) for text in texts]


def build(database_url: str, api: FakeSlackApi, **tables: Any) -> App:
    config = slack_config(database_url, api)
    if tables:
        parsed = parse_config({**tables, "departments": tables.get("departments", DEPARTMENTS)}, {})
        config = replace(config, roles=parsed.roles, departments=parsed.departments)
    senders = {"slack": SlackSender(config)}
    return create_app(config, clock=FakeClock(START), senders=senders, classifier=UnsureClassifier())


@pytest.fixture
def slack(sqlite_url: str, api: FakeSlackApi) -> Iterator[Slack]:
    yield from serve(build(sqlite_url, api), api)


@pytest.fixture
def slack_db(database_url: str, api: FakeSlackApi) -> Iterator[Slack]:
    yield from serve(build(database_url, api), api)


def complain(slack: Slack, text: str = COMPLAINT) -> None:
    assert slack.post(payload("app_mention", text=f"<@U0BOT> {text}"))[0] == 200
    slack.deliver()


def click(slack: Slack, action_id: str, value: Any, actor: str = TEAM) -> tuple[int, str]:
    body = payload("block_actions")
    body["response_url"] = slack.api.response_url
    body["user"] = {"id": actor, "username": actor.lower(), "team_id": "T0SHOP"}
    body["actions"] = [
        {
            "action_id": action_id,
            "block_id": "guesses-1",
            "type": "button",
            "value": value,
            "action_ts": "1.2",
        }
    ]
    return slack.post(body, form=True)


def guess_buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = [b for b in blocks if b.get("block_id", "").startswith("guesses-")]
    return found[0]["elements"] if found else []


def test_a_low_confidence_complaint_lands_in_triage_with_its_guesses_and_one_click_routes_it(
    slack_db: Slack,
) -> None:
    slack = slack_db
    complain(slack)
    (ticket,) = slack.tickets()
    assert ticket.needs_triage and ticket.order_number == "A-10023"
    assert not slack.posts("C0LOGISTICS")
    (card,) = slack.posts("C0TRIAGE")
    ts = card_ts(slack, "C0TRIAGE")
    buttons = guess_buttons(card["blocks"])
    assert [(b["text"]["text"], b["value"]) for b in buttons] == [
        ("物流・配送 28%", "1:logistics"),
        ("決済・返金 21%", "1:billing"),
    ]  # out_of_scope is no department to choose
    assert len({b["action_id"] for b in buttons}) == 2  # Slack wants them unique within the block
    assert "注文番号：A-10023" in blocks_text(card["blocks"])

    status, _ = click(slack, buttons[1]["action_id"], buttons[1]["value"])
    assert status == 200
    slack.deliver()

    moved = slack.app.service.get(1)
    assert (moved.department, moved.needs_triage) == ("billing", False)
    trail = [(e.actor, e.action, e.detail) for e in slack.app.service.history(1)][1:]
    assert trail == [(TEAM, "reassigned", {"from": "logistics", "to": "billing"})]
    (update,) = slack.api.to("chat.update")  # the triage card, updated like after any reassignment
    assert (update["channel"], update["ts"]) == ("C0TRIAGE", ts)
    assert guess_buttons(update["blocks"]) == [] and "U0TEAM" in blocks_text(update["blocks"])
    (new_card,) = slack.posts("C0BILLING")
    assert "注文番号：A-10023" in blocks_text(new_card["blocks"])
    assert guess_buttons(new_card["blocks"]) == []
    labels = SqlLabels(slack.app.session_factory).labels()
    assert [(label.text, label.department, label.source) for label in labels] == [
        (COMPLAINT, "billing", "correction")
    ]


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("ticket_guess_0", "1:shipping"),  # no such department
        ("ticket_guess_0", "1:out_of_scope"),
        ("ticket_guess_0", "1:billing:U0BOSS"),
        ("ticket_guess_0", "0:billing"),
        ("ticket_guess_0", "abc:billing"),
        ("ticket_guess_0", "1:Billing"),
        ("ticket_guess_0", " 1:billing"),
        ("ticket_guess_0", "1:" + "b" * 3000),
        ("ticket_guess_0", ""),
        ("ticket_guess_1", 12),
        ("ticket_guess_2", None),
        ("ticket_guess_2", {"ref": 1, "department": "billing"}),
    ],
)
def test_a_forged_or_invalid_guess_is_refused_without_a_crash(
    slack: Slack, action_id: str, value: Any
) -> None:
    complain(slack)
    status, _ = click(slack, action_id, value)
    assert status in (200, 400)  # refused politely, or a payload of the wrong shape: never a 500
    ticket = slack.app.service.get(1)
    assert (ticket.department, ticket.needs_triage) == ("logistics", True)
    assert [e.action for e in slack.app.service.history(1)] == ["created"]
    if status == 200:
        (answer,) = slack.api.to("response_url")
        assert answer["response_type"] == "ephemeral" and "この候補は選べません" in answer["text"]


def test_a_guess_for_a_ticket_that_does_not_exist_is_answered(slack: Slack) -> None:
    assert click(slack, "ticket_guess_0", "99:billing")[0] == 200
    (answer,) = slack.api.to("response_url")
    assert "#99" in answer["text"]


def test_who_may_not_triage_is_refused_and_the_ticket_stays_in_the_queue(
    sqlite_url: str, api: FakeSlackApi
) -> None:
    roles = {"staff": ["U0STAFF"], "teams": {"billing": [TEAM]}}
    for slack in serve(build(sqlite_url, api, roles=roles), api):
        complain(slack)
        assert click(slack, "ticket_guess_1", "1:billing", OUTSIDER)[0] == 200
        assert slack.app.service.get(1).needs_triage
        assert [(e.actor, e.action) for e in slack.app.service.history(1)][1:] == [(OUTSIDER, "refused")]
        assert click(slack, "ticket_guess_1", "1:billing", TEAM)[0] == 200
        assert slack.app.service.get(1).department == "billing"


def test_department_names_on_guess_buttons_stay_inert(sqlite_url: str, api: FakeSlackApi) -> None:
    departments = [
        {"key": "logistics", "name": {"ja": "物流" + "長" * 80}},
        {"key": "billing", "name": {"ja": HOSTILE_NAME}, "slack_channel": "C0BILLING"},
    ]
    for slack in serve(build(sqlite_url, api, departments=departments), api):
        complain(slack, "届かない <!here>")
        (card,) = slack.posts("C0TRIAGE")
        long_name, hostile = (b["text"] for b in guess_buttons(card["blocks"]))
        assert hostile["type"] == "plain_text"
        assert hostile["text"] == '&lt;!channel&gt; &amp; &lt;@U0BOSS&gt; *請求* "x" 21%'
        assert len(long_name["text"]) <= 75 and long_name["text"].endswith("… 28%")
        assert "<!channel>" not in json.dumps(card) and "<!here>" not in json.dumps(card)
        assert click(slack, "ticket_guess_1", "1:billing")[0] == 200
        slack.deliver()
        (moved,) = slack.posts("C0BILLING")
        assert "<!channel>" not in json.dumps(moved)
