"""Roles on LINE over real HTTP: the card's "show full text" pushes 1:1 to permitted people only,
`/history #N` answers, and everyone else gets a polite refusal that changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.core.domain import Status
from tests.bot.platforms.line.test_webhook import (
    FORWARDER,
    GROUP,
    MEMBER,
    Line,
    body,
    group,
    postback,
    running,
    text,
)

OUTSIDER = "U" + "3" * 32
PHONE = "090-1234-5678"
COMPLAINT = f"荷物が届いたら箱が潰れていました。連絡先 {PHONE}"
ROLES = {"staff": [FORWARDER], "teams": {"logistics": [MEMBER]}}
REFUSAL = "この操作を行う権限がありません"


@pytest.fixture
def line(sqlite_url: str) -> Iterator[Line]:
    yield from running(sqlite_url, None, roles=ROLES)


def said(line: Line) -> list[str]:
    return [json.dumps(call.body, ensure_ascii=False) for call in line.api.to("/message/reply")]


def pushed_to(line: Line, to: str) -> list[str]:
    return [
        json.dumps(c.body, ensure_ascii=False) for c in line.api.to("/message/push") if c.body["to"] == to
    ]


def test_show_full_text_is_pushed_one_to_one_to_a_team_member_only(line: Line) -> None:
    assert line.post(body(text(COMPLAINT, "01EV0100"))) == 200
    line.deliver()
    (card,) = pushed_to(line, GROUP)
    assert "a=ft&t=1" in card and PHONE not in card

    assert line.post(body(postback("a=ft&t=1", "01EV0101", group(MEMBER)))) == 200
    assert line.post(body(postback("a=ft&t=1", "01EV0102", group(OUTSIDER)))) == 200
    line.deliver()

    (private,) = pushed_to(line, MEMBER)
    assert PHONE in private
    assert pushed_to(line, OUTSIDER) == []
    assert all(PHONE not in message for message in pushed_to(line, GROUP) + said(line))
    assert any("1:1のトークでお送りしました" in s for s in said(line))
    assert any(REFUSAL in s for s in said(line))
    trail = [(e.actor, e.action) for e in line.app.service.history(1)][1:]
    assert trail == [(MEMBER, "viewed_full_text"), (OUTSIDER, "refused")]


def test_an_outsiders_button_is_refused_and_changes_nothing(line: Line) -> None:
    line.post(body(text(COMPLAINT, "01EV0110")))
    assert line.post(body(postback("a=res&t=1", "01EV0111", group(OUTSIDER)))) == 200
    assert line.post(body(postback("a=ack&t=1", "01EV0112", group(MEMBER)))) == 200
    line.deliver()

    ticket = line.app.service.get(1)
    assert ticket.status is Status.ACKNOWLEDGED and ticket.acknowledged_by == MEMBER
    assert REFUSAL in said(line)[1]
    assert [(e.actor, e.action) for e in line.app.service.history(1)][1:] == [
        (OUTSIDER, "refused"),
        (MEMBER, "acknowledged"),
    ]


def test_history_is_a_text_command_for_permitted_people(line: Line) -> None:
    line.post(body(text(COMPLAINT, "01EV0120")))
    assert line.post(body(text("/history #1", "01EV0121", group(MEMBER)))) == 200
    assert line.post(body(text("/history #1", "01EV0121", group(MEMBER)))) == 200  # redelivered
    assert line.post(body(text("/history 1", "01EV0122", group(OUTSIDER)))) == 200
    assert line.post(body(text("／ｈｉｓｔｏｒｙ", "01EV0123", group(MEMBER)))) == 200
    line.deliver()

    answers = said(line)[1:]
    assert len(answers) == 3
    assert "1:1" in answers[0] and FORWARDER not in answers[0]  # the group only hears where it went
    assert REFUSAL in answers[1]
    assert "/history #番号" in answers[2]
    (trail,) = pushed_to(line, MEMBER)  # the trail itself went to the asker alone, once
    assert "#1" in trail and FORWARDER in trail
    assert len(line.tickets()) == 1  # commands are not complaints


def test_history_in_a_one_to_one_chat_is_the_answer_itself(line: Line) -> None:
    line.post(body(text(COMPLAINT, "01EV0124")))
    assert line.post(body(text("/history #1", "01EV0125", {"type": "user", "userId": MEMBER}))) == 200
    line.deliver()
    assert "#1" in said(line)[-1] and FORWARDER in said(line)[-1]
    assert pushed_to(line, MEMBER) == []


def test_a_complaint_from_someone_without_a_role_is_refused(line: Line) -> None:
    assert line.post(body(text(COMPLAINT, "01EV0130", {"type": "user", "userId": OUTSIDER}))) == 200
    line.deliver()
    assert line.tickets() == []
    assert REFUSAL in said(line)[0]
