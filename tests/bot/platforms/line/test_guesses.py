"""A triage card's best guesses in LINE: postback buttons that route the ticket in one tap.

Signed webhooks over real HTTP into the served app, the outbox pushing to the fake Messaging API
(every message validated by the SDK's models on the way), a real SQLite file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.core.domain import Status
from bot.platforms.line.flex import LABEL_CHARS, MAX_POSTBACK_CHARS, Postback, parse_postback
from storage.labels import SqlLabels
from tests.bot.platforms.line.test_webhook import MEMBER, Line, body, postback, text
from tests.bot.platforms.line.test_webhook import running as line_bot
from tests.bot.platforms.slack.test_guesses import UnsureClassifier

TRIAGE = "C" + "b" * 32
BILLING = "C" + "c" * 32
COMPLAINT = "荷物がまだ届きません。注文番号 A-10023"
DEPARTMENTS = [
    {"key": "logistics"},
    {"key": "billing", "line_group": BILLING},
    {"key": "product"},
]


def running(database_url: str, departments: list[dict[str, Any]] = DEPARTMENTS) -> Iterator[Line]:
    """The LINE bot with a triage group and a classifier that is never sure."""
    return line_bot(
        database_url, {"triage_group": TRIAGE}, classifier=UnsureClassifier(), departments=departments
    )


@pytest.fixture
def line(sqlite_url: str) -> Iterator[Line]:
    yield from running(sqlite_url)


@pytest.fixture
def line_db(database_url: str) -> Iterator[Line]:
    yield from running(database_url)


def in_triage(user_id: str = MEMBER) -> dict[str, Any]:
    return {"type": "group", "groupId": TRIAGE, "userId": user_id}


def cards(line: Line, to: str) -> list[dict[str, Any]]:
    """The Flex cards pushed to ``to``, in order."""
    return [
        message["contents"]
        for call in line.api.to("/message/push")
        if call.body["to"] == to
        for message in call.body["messages"]
        if message["type"] == "flex"
    ]


def guess_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The postback actions of the card's guess buttons (the footer's first box of buttons)."""
    boxes = [c for c in card["footer"]["contents"] if c["type"] == "box"]
    buttons = boxes[0]["contents"] if boxes else []
    return [b["action"] for b in buttons if b["type"] == "button" and "a=re&" in b["action"]["data"]]


def test_a_low_confidence_complaint_lands_in_the_triage_group_and_one_tap_routes_it(line_db: Line) -> None:
    line = line_db
    assert line.post(body(text(COMPLAINT, "01EG0001"))) == 200
    report = line.deliver()
    assert report.dead == 0 and report.retried == 0
    (ticket,) = line.tickets()
    assert ticket.needs_triage and ticket.order_number == "A-10023"
    (card,) = cards(line, TRIAGE)
    actions = guess_actions(card)
    assert [(a["label"], a["data"]) for a in actions] == [
        ("物流・配送 28%", "a=re&t=1&d=logistics"),
        ("決済・返金 21%", "a=re&t=1&d=billing"),
    ]  # out_of_scope is no department to choose
    assert "注文番号：A-10023" in json.dumps(card["body"], ensure_ascii=False)

    assert line.post(body(postback(actions[1]["data"], "01EG0002", in_triage()))) == 200
    assert line.deliver().dead == 0

    moved = line.app.service.get(1)
    assert (moved.department, moved.needs_triage, moved.status) == ("billing", False, Status.OPEN)
    trail = [(e.actor, e.action, e.detail) for e in line.app.service.history(1)][1:]
    assert trail == [(MEMBER, "reassigned", {"from": "logistics", "to": "billing"})]
    _, update = cards(line, TRIAGE)  # LINE cannot edit: the update is a new card
    assert guess_actions(update) == []
    assert "#1を「決済・返金」に振り替えました" in line.texts()[-1] + line.texts()[-2]
    (billing_card,) = cards(line, BILLING)
    assert guess_actions(billing_card) == []
    assert "注文番号：A-10023" in json.dumps(billing_card, ensure_ascii=False)
    labels = SqlLabels(line.app.session_factory).labels()
    assert [(label.text, label.department, label.source) for label in labels] == [
        (COMPLAINT, "billing", "correction")
    ]


@pytest.mark.parametrize(
    "data",
    [
        "a=re&t=1&d=out_of_scope",
        "a=re&t=1&d=Billing",
        "a=re&t=1&d=billing&d=product",
        "a=re&t=1&d=billing&u=" + MEMBER,
        "a=g&t=1&d=billing",
        "a=re&t=01&d=billing",
        "a=re&t=1&d=" + "b" * MAX_POSTBACK_CHARS,
    ],
)
def test_a_forged_guess_is_refused_politely(line: Line, data: str) -> None:
    line.post(body(text(COMPLAINT, "01EG0010")))
    assert line.post(body(postback(data, "01EG0011", in_triage()))) == 200
    line.deliver()
    ticket = line.app.service.get(1)
    assert (ticket.department, ticket.needs_triage) == ("logistics", True)
    assert [e.action for e in line.app.service.history(1)] == ["created"]
    assert "この操作は受け付けられませんでした" in line.texts()[-1]


def test_guess_postbacks_round_trip_within_limits() -> None:
    keys = ("logistics", "billing")
    data = Postback("re", 999_999_999, department="logistics").encode()
    assert len(data) <= MAX_POSTBACK_CHARS
    assert parse_postback(data, keys) == Postback("re", 999_999_999, "logistics")


def test_department_names_on_guess_buttons_cannot_break_the_flex_message(sqlite_url: str) -> None:
    hostile = '決済"}]},{"type":"text","text":"injected"} \\u0000'
    departments = [
        {"key": "logistics", "name": {"ja": "物流" + "長" * 80}},
        {"key": "billing", "name": {"ja": hostile}, "line_group": BILLING},
    ]
    for line in running(sqlite_url, departments):
        line.post(body(text(COMPLAINT, "01EG0020")))
        report = line.deliver()
        assert report.dead == 0 and report.retried == 0  # the SDK's models accepted the card
        (card,) = cards(line, TRIAGE)
        long_name, injected = guess_actions(card)
        assert all(len(a["label"]) <= LABEL_CHARS for a in (long_name, injected))
        assert long_name["label"].endswith("… 28%") and injected["label"].endswith(" 21%")
        assert injected["data"] == "a=re&t=1&d=billing"
        assert not any(c.get("text") == "injected" for c in card["footer"]["contents"])
