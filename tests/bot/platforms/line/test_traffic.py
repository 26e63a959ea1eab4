"""Real LINE traffic over real HTTP: unsend, imageSet, LINE emoji, follow, rooms. Payloads are
shaped like LINE's documented webhook events (tests/fixtures/line/README.md), signed as LINE does."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

from bot.core.domain import WITHDRAWN, WITHDRAWN_BY_FORWARDER
from tests.bot.platforms.line.test_webhook import FIXTURES, FORWARDER, GROUP, Line, body, event, group, text
from tests.bot.platforms.line.test_webhook import line as line  # the fixture

COMPLAINT = "昨日届いたセーターに大きな穴が空いていました。返品できますか。"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def complaint(
    words: str, event_id: str, message_id: str, source: dict[str, Any] | None = None
) -> dict[str, Any]:
    sent = text(words, event_id, source)
    sent["message"]["id"] = message_id
    return sent


def stored_texts(line: Line) -> str:
    """Every outgoing message the outbox keeps (sent or not), as text."""
    return json.dumps([[row.text, row.data] for row in line.outbox()], ensure_ascii=False)


def test_an_unsent_complaint_is_erased_from_the_ticket_and_the_outbox(line: Line) -> None:
    assert line.post(body(complaint(COMPLAINT, "01EVUNSEND1", "555000000000000101"))) == 200
    line.deliver()
    assert "穴が空いて" in json.dumps(line.api.to("/v2/bot/message/push")[0].body, ensure_ascii=False)
    unsend = fixture("unsend")

    assert line.post(unsend) == 200
    assert line.post(unsend) == 200  # a redelivery changes nothing more
    line.deliver()

    [ticket] = line.tickets()
    assert ticket.text == "" and WITHDRAWN in ticket.flags and ticket.erased_at is not None
    assert "穴が空いて" not in stored_texts(line)
    update = json.dumps(line.api.to("/v2/bot/message/push")[-1].body, ensure_ascii=False)
    assert "お客様が送信を取り消しました" in update and "穴が空いて" not in update
    history = line.app.service.history(ticket.ref)
    assert [(e.action, e.actor) for e in history] == [("created", FORWARDER), ("withdrawn", FORWARDER)]
    out = io.StringIO()
    line.app.records.export_csv(out, datetime(2000, 1, 1, tzinfo=UTC), full=True, actor="admin")
    assert "穴が空いて" not in out.getvalue()


def test_a_complaint_unsent_before_its_card_went_out_never_reaches_the_team(line: Line) -> None:
    unsend = fixture("unsend")["events"][0]
    posted = complaint(COMPLAINT, "01EVUNSEND2", "555000000000000101")

    assert line.post(body(posted, unsend)) == 200  # LINE often sends both in one webhook
    line.deliver()

    sent = json.dumps([call.body for call in line.api.sent()], ensure_ascii=False)
    assert "穴が空いて" not in sent
    assert "お客様が送信を取り消しました" in sent


def test_a_forwarder_unsending_in_a_group_is_named_as_the_forwarder(line: Line) -> None:
    posted = complaint("#クレーム " + COMPLAINT, "01EVUNSEND3", "555000000000000103", group())
    unsend = event("unsend", "01EVUNSEND4", group(), unsend={"messageId": "555000000000000103"})
    del unsend["replyToken"]

    assert line.post(body(posted)) == 200
    assert line.post(body(unsend)) == 200
    line.deliver()

    [ticket] = line.tickets()
    assert WITHDRAWN_BY_FORWARDER in ticket.flags and ticket.text == ""
    assert any("転送者が送信を取り消しました" in said for said in line.texts())


def test_unsending_a_message_that_opened_no_ticket_changes_nothing(line: Line) -> None:
    assert line.post(body(complaint(COMPLAINT, "01EVUNSEND5", "555000000000000999"))) == 200

    assert line.post(fixture("unsend")) == 200

    [ticket] = line.tickets()
    assert ticket.text == COMPLAINT and ticket.flags == ()


def test_the_photos_of_one_image_set_get_one_reply(line: Line) -> None:
    assert line.post(body(complaint(COMPLAINT, "01EVIMAGES0", "555000000000000200"))) == 200
    photos = fixture("image_set")["events"]

    for photo in photos:  # LINE sends each photo of a set as its own event, often in its own webhook
        assert line.post(body(photo)) == 200
    line.deliver()

    [ticket] = line.tickets()
    attached = [e.detail["reference"] for e in line.app.service.history(ticket.ref) if e.action == "attached"]
    assert attached == ["555000000000000201", "555000000000000202", "555000000000000203"]
    replies = [json.dumps(call.body, ensure_ascii=False) for call in line.api.to("/message/reply")]
    assert sum("添付しました" in reply for reply in replies) == 1
    assert any("3件を#1に添付しました" in reply for reply in replies)


def test_line_emoji_placeholders_become_words_and_alt_texts_stay(line: Line) -> None:
    assert line.post(fixture("text_emojis")) == 200

    texts = sorted(ticket.text for ticket in line.tickets())
    assert texts == [
        "届いたマグカップの取っ手が壊れていました（絵文字） 交換できますか（絵文字）（絵文字）",
        "返金はまだですか (love)",
    ]


def test_a_mention_after_a_line_emoji_still_addresses_the_bot(line: Line) -> None:
    words = "$ @triage 配送が三日遅れています"
    sent = text(words, "01EVEMOJI3", group())
    sent["message"]["emojis"] = [
        {"index": 0, "length": 1, "productId": "5ac1bfd5040ab15980c9b435", "emojiId": "001"}
    ]
    sent["message"]["mention"] = {
        "mentionees": [{"index": 2, "length": 7, "type": "user", "userId": "U0BOT", "isSelf": True}]
    }

    assert line.post(body(sent)) == 200

    [ticket] = line.tickets()
    assert ticket.text == "（絵文字）  配送が三日遅れています"  # the mention cut out, not the emoji


def test_a_new_friend_is_greeted_and_a_room_is_called_a_room(line: Line) -> None:
    assert line.post(fixture("follow_and_room")) == 200
    line.deliver()

    replies = {
        call.body["replyToken"]: json.dumps(call.body, ensure_ascii=False)
        for call in line.api.to("/message/reply")
    }
    assert "友だち追加ありがとうございます" in replies["rt-follow-1"] and "転送" in replies["rt-follow-1"]
    room = replies["rt-join-room-1"]
    assert "このトークルームのIDはRa8dbf4673c4c812cd491258042226c99" in room and "このグループ" not in room
    assert line.tickets() == [] and GROUP not in room


def test_names_and_card_like_numbers_never_reach_line(line: Line) -> None:
    named = "佐藤花子さんから：お名前：佐藤 花子、カード番号 4111-1111-1111-1112 に二重請求です"

    assert line.post(body(complaint(named, "01EVNAMED01", "555000000000000401"))) == 200
    line.deliver()

    everything = "\n".join(line.texts())
    assert "二重請求" in everything
    for private in ("佐藤花子", "佐藤 花子", "4111-1111-1111-1112"):
        assert private not in everything


def test_a_customers_line_display_name_is_masked_wherever_the_complaint_is_shown(line: Line) -> None:
    line.api.display_names[FORWARDER] = "ゆうき"
    words = "サイズ交換をお願いしたのに連絡がありません。ゆうきより"

    assert line.post(body(complaint(words, "01EVNAMED02", "555000000000000402"))) == 200
    line.deliver()

    [ticket] = line.tickets()
    assert ticket.names == ("ゆうき",) and ticket.text == words  # kept for those allowed to see it
    everything = "\n".join(line.texts())
    assert "サイズ交換" in everything and "ゆうき" not in everything


def test_an_edit_soon_after_corrects_the_ticket(line: Line) -> None:
    assert line.post(body(complaint(COMPLAINT, "01EVEDIT001", "555000000000000501"))) == 200
    edited = event("messageEdited", "01EVEDIT002", {"type": "user", "userId": FORWARDER})
    edited["message"] = {
        "id": "555000000000000501",
        "type": "text",
        "quoteToken": "q",
        "text": COMPLAINT + "注文番号 A-77",
    }

    assert line.post(body(edited)) == 200
    assert line.post(body(edited)) == 200  # a redelivery

    [ticket] = line.tickets()
    assert ticket.text.endswith("注文番号 A-77")
    assert [e.action for e in line.app.service.history(ticket.ref)] == ["created", "edited"]
