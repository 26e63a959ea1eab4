"""The shop's LINE official account as a customer channel, over real HTTP: customers' own messages
become tickets (follow-ups join them), staff in [roles] still forward, the satisfaction quick reply
comes back as a postback, and a LINE staff group replies to the customer by its next message."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.core.domain import Status
from tests.bot.platforms.line.test_webhook import (
    GROUP,
    MEMBER,
    Line,
    body,
    group,
    media,
    postback,
    running,
    text,
    user,
)

CUSTOMER = "U" + "c" * 32
STAFF = "U" + "5" * 32
ROLES = {"staff": [STAFF], "teams": {"logistics": [MEMBER]}}


@pytest.fixture
def shop(database_url: str) -> Iterator[Line]:
    yield from running(database_url, {"mode": "customers"}, roles=ROLES)


def pushed_to(line: Line, chat: str) -> list[str]:
    return [json.dumps(c.body, ensure_ascii=False) for c in line.api.sent() if c.body.get("to") == chat]


def test_a_customers_message_is_their_ticket_answered_politely_by_the_reply_token(shop: Line) -> None:
    shop.api.display_names[CUSTOMER] = "佐藤花子"
    assert shop.post(body(text("荷物が届きません。注文番号 A-15001", "01CU0001", user(CUSTOMER)))) == 200
    shop.deliver()

    [ticket] = shop.tickets()
    assert (ticket.contact, ticket.customer, ticket.department) == (CUSTOMER, "佐藤花子", "logistics")
    [reply] = shop.api.to("/v2/bot/message/reply")
    assert reply.body["replyToken"] == "rt-01CU0001"
    [message] = reply.body["messages"]
    assert (
        message["type"] == "text" and f"#{ticket.ref}" in message["text"] and "佐藤花子様" in message["text"]
    )
    [card] = pushed_to(shop, GROUP)  # the team's group gets the card, the customer's name masked
    assert "佐藤花子" not in card and "a=reply_customer" in card and "a=claim" in card and "a=wait" in card


def test_a_follow_up_joins_the_open_ticket_and_a_redelivery_changes_nothing(shop: Line) -> None:
    shop.post(body(text("荷物が届きません", "01CU0001", user(CUSTOMER))))
    follow_up = text("まだ届きません", "01CU0002", user(CUSTOMER))
    shop.post(body(follow_up))
    shop.post(body({**follow_up, "deliveryContext": {"isRedelivery": True}}))
    shop.deliver()

    [ticket] = shop.tickets()
    assert [e.action for e in shop.app.service.history(ticket.ref)] == ["created", "customer_wrote"]
    assert sum("まだ届きません" in call for call in pushed_to(shop, GROUP)) == 1


def test_staff_named_in_roles_still_forward_in_customers_mode(shop: Line) -> None:
    shop.post(body(text("お客様から：荷物が届きません", "01ST0001", user(STAFF))))
    [ticket] = shop.tickets()
    assert ticket.contact is None and ticket.forwarder == STAFF


def test_the_satisfaction_answer_comes_back_from_the_customer_only(shop: Line) -> None:
    shop.post(body(text("荷物が届きません", "01CU0001", user(CUSTOMER))))
    [ticket] = shop.tickets()
    shop.app.service.resolve(ticket.ref, MEMBER)
    shop.deliver()
    question = json.loads(pushed_to(shop, CUSTOMER)[-1])
    items = question["messages"][-1]["quickReply"]["items"]
    assert [item["action"]["label"] for item in items] == ["満足", "普通", "不満"]
    happy = items[0]["action"]["data"]

    shop.post(body(postback(happy, "01PB0001", group(MEMBER))))  # someone else pressing it
    assert shop.app.service.get(ticket.ref).satisfaction is None
    shop.post(body(postback(happy, "01PB0002", user(CUSTOMER))))
    shop.post(body(postback(happy, "01PB0002", user(CUSTOMER))))  # a redelivery
    shop.deliver()

    resolved = shop.app.service.get(ticket.ref)
    assert resolved.status is Status.RESOLVED and resolved.satisfaction == "good"
    [thanks] = [c for c in shop.api.to("/v2/bot/message/reply") if c.body["replyToken"] == "rt-01PB0002"]
    assert "ありがとうございました" in json.dumps(thanks.body, ensure_ascii=False)
    assert [e.action for e in shop.app.service.history(ticket.ref)][-2:] == ["refused", "rated"]
    rated_card = pushed_to(shop, GROUP)[-1]
    assert "満足度：満足" in rated_card and "山田" not in rated_card  # the customer's name stays masked


def test_a_staff_group_replies_to_the_customer_with_its_next_message(shop: Line) -> None:
    shop.post(body(text("荷物が届きません", "01CU0001", user(CUSTOMER))))
    [ticket] = shop.tickets()
    shop.post(body(postback(f"a=reply_customer&t={ticket.ref}", "01PB0001", group(MEMBER))))
    shop.post(body(text("本日再送いたしました。", "01GR0001", group(MEMBER))))
    shop.post(body(text("本日再送いたしました。", "01GR0001", group(MEMBER))))  # a redelivery
    shop.post(body(text("ほかの話", "01GR0002", group(MEMBER))))  # after the reply: the team's own talk
    shop.deliver()

    assert sum("本日再送いたしました" in call for call in pushed_to(shop, CUSTOMER)) == 1
    assert not any("ほかの話" in call for call in pushed_to(shop, CUSTOMER))
    assert shop.app.service.get(ticket.ref).first_response_at is not None
    assert len(shop.tickets()) == 1


def test_a_reply_by_message_needs_the_permission_to_act(shop: Line) -> None:
    shop.post(body(text("荷物が届きません", "01CU0001", user(CUSTOMER))))
    [ticket] = shop.tickets()
    outsider = "U" + "9" * 32
    shop.post(body(postback(f"a=reply_customer&t={ticket.ref}", "01PB0001", group(outsider))))
    shop.post(body(text("勝手な返信", "01GR0001", group(outsider))))
    shop.deliver()

    assert not any("勝手な返信" in call for call in pushed_to(shop, CUSTOMER))
    assert [e.action for e in shop.app.service.history(ticket.ref)][-1] == "refused"


def test_staff_mode_keeps_todays_behaviour(database_url: str) -> None:
    for line in running(database_url):  # no [roles]: everyone forwards, as before
        line.post(body(text("荷物が届きません", "01CU0001", user(CUSTOMER))))
        [ticket] = line.tickets()
        assert ticket.contact is None and ticket.forwarder == CUSTOMER


def test_a_customers_photo_joins_their_ticket_and_a_sticker_is_left_unanswered(shop: Line) -> None:
    shop.post(body(media("image", "01IM0001", user(CUSTOMER))))  # no ticket yet: asked to write
    shop.post(body(text("荷物が届きません", "01CU0001", user(CUSTOMER))))
    shop.post(body(media("image", "01IM0002", user(CUSTOMER))))
    shop.post(body(media("sticker", "01ST0002", user(CUSTOMER))))
    shop.deliver()

    [ticket] = shop.tickets()
    assert shop.app.service.history(ticket.ref)[-1].action == "attached"
    replies = {c.body["replyToken"]: json.dumps(c.body, ensure_ascii=False) for c in shop.api.to("/reply")}
    assert "文章でお送りください" in replies["rt-01IM0001"]
    assert f"受け取りました（#{ticket.ref}）" in replies["rt-01IM0002"]
    assert "rt-01ST0002" not in replies
    assert any("写真を送りました" in call for call in pushed_to(shop, GROUP))


def test_the_cards_take_and_wait_buttons(shop: Line) -> None:
    shop.api.display_names[MEMBER] = "鈴木"
    shop.post(body(text("荷物が届きません", "01CU0001", user(CUSTOMER))))
    [ticket] = shop.tickets()
    shop.post(body(postback(f"a=claim&t={ticket.ref}", "01PB0001", group(MEMBER))))
    shop.post(body(postback(f"a=wait&t={ticket.ref}", "01PB0002", group(MEMBER))))
    shop.deliver()

    taken = shop.app.service.get(ticket.ref)
    assert taken.owner == MEMBER and taken.waiting_since is not None
    card = pushed_to(shop, GROUP)[-1]
    assert "お客様の返信待ち（" in card and "a=wait" not in card
    assert "担当者：鈴木" in card and MEMBER not in card  # the owner by their LINE name


def test_the_same_words_sent_twice_reach_the_customer_twice(shop: Line) -> None:
    shop.post(body(text("荷物が届きません", "01CU0001", user(CUSTOMER))))
    [ticket] = shop.tickets()
    for n in (1, 2):  # two replies of the same words (LINE keeps a retry key for 24 h)
        shop.post(body(postback(f"a=reply_customer&t={ticket.ref}", f"01PB000{n}", group(MEMBER))))
        shop.post(body(text("確認いたします。", f"01GR000{n}", group(MEMBER))))
        shop.deliver()

    assert sum("確認いたします" in call for call in pushed_to(shop, CUSTOMER)) == 2


def test_after_the_resolve_a_thanks_joins_the_ticket_unanswered_and_a_question_reopens_it(shop: Line) -> None:
    shop.post(body(text("荷物が届きません", "01CU0001", user(CUSTOMER))))
    [ticket] = shop.tickets()
    shop.app.service.resolve(ticket.ref, MEMBER)
    shop.deliver()
    replies = len(shop.api.to("/v2/bot/message/reply"))

    shop.post(body(text("ありがとうございました！", "01CU0002", user(CUSTOMER))))
    shop.deliver()
    assert len(shop.api.to("/v2/bot/message/reply")) == replies  # no "send us your complaint" answer
    assert "ありがとうございました" in pushed_to(shop, GROUP)[-1]
    shop.post(body(text("届いた箱が潰れていました", "01CU0003", user(CUSTOMER))))
    shop.deliver()

    [reopened] = shop.tickets()
    assert reopened.ref == ticket.ref and reopened.status is Status.OPEN
    answer = shop.api.to("/v2/bot/message/reply")[-1]
    assert answer.body["replyToken"] == "rt-01CU0003" and "再開" in json.dumps(
        answer.body, ensure_ascii=False
    )
