"""Real Slack traffic over real HTTP: forwarded and shared messages, Slackbot's notices, originals
deleted or edited. Payloads are shaped like events captured from a real workspace (see
tests/fixtures/slack/README.md), signed with slack_sdk's own code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.config import ConfigError
from bot.core.clock import FakeClock
from bot.core.domain import SOURCE_DELETED
from bot.platforms.slack.sender import SlackSender
from bot.runtime.services import create_app
from tests.bot.platforms.slack.test_events import Slack, blocks_text, payload, serve, slack_config
from tests.bot.platforms.slack.test_events import slack as slack  # the fixture
from tests.conftest import START
from tests.fakes import KeywordClassifier
from tests.slack_api import FakeSlackApi

SHARED = "お客様より：届いた荷物の箱が潰れていて、中のお皿が三枚とも割れていました。"


def said(slack: Slack, method: str = "chat.postMessage") -> str:
    return json.dumps(slack.api.to(method), ensure_ascii=False)


def test_a_forwarded_message_is_a_ticket_of_its_content_with_author_and_link(slack: Slack) -> None:
    event = payload("forwarded_message")

    assert slack.post(event)[0] == 200
    assert slack.post(event, retry=1)[0] == 200  # Slack's retry: still one ticket

    (ticket,) = slack.tickets()
    assert ticket.text.startswith(SHARED)
    assert "交換をお願いします🙏" in ticket.text  # rich text, its emoji written out
    assert "• 写真は受付で保存済み\n• @U0LEAD さんに相談済み" in ticket.text
    assert (ticket.source_author, ticket.forwarder) == ("U0CS", "U0STAFF")
    assert ticket.source_url == "https://shop.slack.com/archives/C0CUSTOMERS/p1763851100000200"
    assert ticket.department == "logistics" and ticket.note is None
    slack.deliver()
    (card,) = slack.posts("C0LOGISTICS")
    shown = blocks_text(card["blocks"])
    assert "お皿が三枚とも割れていました" in shown and "C0CUSTOMERS/p1763851100000200" in shown
    assert "U0CS" in shown
    assert "苦情の本文が空です" not in said(slack, "chat.postEphemeral")


def test_a_share_with_a_comment_reads_every_shared_message_and_keeps_the_comment_as_a_note(
    slack: Slack,
) -> None:
    assert slack.post(payload("share_with_comment"))[0] == 200

    (ticket,) = slack.tickets()
    assert ticket.text == "請求書の金額が注文と違います。\nご請求額 12,800円\n\n二重に引き落とされています"
    assert ticket.note == "@U0LEAD 二件とも同じお客様です。至急お願いします"
    assert ticket.department == "billing"  # classified on the customer's words, not the comment
    slack.deliver()
    (card,) = slack.posts("C0BILLING")
    assert "転送者のメモ：@U0LEAD 二件とも同じお客様です" in blocks_text(card["blocks"])


def test_a_share_the_bot_cannot_read_gets_a_clear_answer_and_no_ticket(slack: Slack) -> None:
    assert slack.post(payload("share_unreadable"))[0] == 200

    assert slack.tickets() == []
    (answer,) = slack.api.to("chat.postEphemeral")
    assert answer["user"] == "U0STAFF" and "共有されたメッセージを読めませんでした" in answer["text"]


def test_a_forward_into_the_bots_direct_messages_is_a_complaint(slack: Slack) -> None:
    event = payload("forwarded_message", channel="D0DIRECT", channel_type="im")

    assert slack.post(event)[0] == 200

    (ticket,) = slack.tickets()
    assert ticket.channel == "D0DIRECT" and ticket.text.startswith(SHARED)


def test_the_shortcut_on_a_forwarded_message_takes_its_shared_content(slack: Slack) -> None:
    forwarded = payload("forwarded_message")["event"]
    shortcut = payload("message_action")
    shortcut["response_url"] = slack.api.response_url
    shortcut["message"] = {key: forwarded[key] for key in ("type", "user", "ts", "text", "attachments")}

    assert slack.post(shortcut, form=True)[0] == 200

    (ticket,) = slack.tickets()
    assert ticket.text.startswith(SHARED) and ticket.source_author == "U0CS"
    assert ticket.source_url == "https://shop.slack.com/archives/C0CUSTOMERS/p1763851100000200"
    assert "chat.getPermalink" not in slack.api.methods()  # the share carries its link


def test_slackbots_notice_in_the_bots_direct_messages_is_not_a_complaint(slack: Slack) -> None:
    assert slack.post(payload("slackbot_im"))[0] == 200

    assert slack.tickets() == []
    slack.deliver()
    assert slack.api.methods() == []  # no "受け付けました" to Slackbot, no card


def test_a_deleted_original_is_noted_on_the_card_and_audited(slack: Slack) -> None:
    assert slack.post(payload("message"))[0] == 200
    slack.deliver()
    deleted = payload("message_deleted")

    assert slack.post(deleted)[0] == 200
    assert slack.post(deleted, retry=1)[0] == 200
    slack.deliver()

    (ticket,) = slack.tickets()
    assert SOURCE_DELETED in ticket.flags and ticket.text.startswith("返金がまだ")  # the ticket keeps it
    (update,) = slack.api.to("chat.update")
    assert "元のメッセージは削除されました" in blocks_text(update["blocks"])
    actions = [entry.action for entry in slack.app.service.history(ticket.ref)]
    assert actions == ["created", "source_deleted"]


def test_an_edit_soon_after_updates_the_ticket_and_a_late_one_is_only_noted(slack: Slack) -> None:
    assert slack.post(payload("message"))[0] == 200
    slack.deliver()
    edit = payload("message_changed")

    slack.clock.advance(timedelta(minutes=5))
    assert slack.post(edit)[0] == 200
    slack.deliver()
    (ticket,) = slack.tickets()
    assert ticket.text.endswith("注文番号 A-5521")
    assert "A-5521" in blocks_text(slack.api.to("chat.update")[-1]["blocks"])

    late = json.loads(json.dumps(edit))
    late["event"]["message"]["text"] = "やっぱり返金は不要です"
    late["event_id"] = "Ev0CHANGED02"
    slack.clock.advance(timedelta(hours=2))
    assert slack.post(late)[0] == 200
    slack.deliver()

    (ticket,) = slack.tickets()
    assert ticket.text.endswith("注文番号 A-5521")  # what was received stays
    assert "受付の後で編集されました" in blocks_text(slack.api.to("chat.update")[-1]["blocks"])
    assert [entry.action for entry in slack.app.service.history(ticket.ref)] == [
        "created",
        "edited",
        "edited_late",
    ]


def test_slack_unfurling_a_link_is_no_edit(slack: Slack) -> None:
    assert slack.post(payload("message"))[0] == 200
    unfurl = payload("message_changed")
    del unfurl["event"]["message"]["edited"]

    assert slack.post(unfurl)[0] == 200

    (ticket,) = slack.tickets()
    assert "A-5521" not in ticket.text
    assert [entry.action for entry in slack.app.service.history(ticket.ref)] == ["created"]


def test_names_and_card_like_numbers_never_reach_slack(slack: Slack) -> None:
    named = (
        "お客様の山田太郎様より：届いた荷物が濡れていました。Name: John Smith、"
        "カード 4980 1234 5678 9012 で支払い済みです。注文番号 A-12003"
    )
    assert slack.post(payload("app_mention", text=f"<@U0BOT> {named}"))[0] == 200
    slack.deliver()

    everything = said(slack)
    assert "A-12003" in everything and "様より" in everything  # the order number and the honorific stay
    for private in ("山田太郎", "John Smith", "4980 1234 5678 9012"):
        assert private not in everything
    (ticket,) = slack.tickets()
    assert "山田太郎" in ticket.text  # kept for the people allowed to see the full text


# -- e-mails and other apps' messages --------------------------------------------------------------


@pytest.fixture
def mail(sqlite_url: str, api: FakeSlackApi) -> Iterator[Slack]:
    """The bot with an e-mail channel (C0MAIL) and a helpdesk integration (B0HELPDESK)."""
    config = slack_config(sqlite_url, api, email_channels=["C0MAIL"], email_bots=["B0HELPDESK"])
    senders = {"slack": SlackSender(config)}
    yield from serve(
        create_app(config, clock=FakeClock(START), senders=senders, classifier=KeywordClassifier()), api
    )


def test_an_email_in_an_email_channel_is_a_complaint_once(mail: Slack) -> None:
    email = payload("email_message")
    again = payload("email_message", channel="C0MAIL2", ts="1763851700.000100")  # the same e-mail elsewhere

    assert mail.post(email)[0] == 200
    assert mail.post(again)[0] == 200

    (ticket,) = mail.tickets()
    assert ticket.text.startswith(
        "ご注文の商品が届きません\n\n11月20日に注文した商品がまだ配送されていません"
    )
    assert ticket.customer == "佐藤花子 <hanako.sato@example.jp>" and ticket.forwarder == "B0EMAIL"
    assert ticket.department == "logistics"
    mail.deliver()
    (card,) = mail.posts("C0LOGISTICS")
    shown = blocks_text(card["blocks"])
    assert "A-5521" in shown
    for private in ("hanako.sato@example.jp", "佐藤花子"):
        assert private not in said(mail)
    (receipt,) = mail.posts("C0MAIL")
    assert receipt["thread_ts"] == "1763851600.000100"


def test_an_email_outside_the_email_channels_is_not_a_complaint(slack: Slack) -> None:
    assert slack.post(payload("email_message", channel="C0INTAKE"))[0] == 200

    assert slack.tickets() == []


def test_a_configured_integrations_message_is_a_complaint_anywhere(mail: Slack) -> None:
    notice = {
        "type": "message",
        "subtype": "bot_message",
        "bot_id": "B0HELPDESK",
        "username": "Helpdesk",
        "text": "",
        "attachments": [{"fallback": "新しい問い合わせ", "title": "返金の催促", "text": "返金がまだです"}],
        "channel": "C0GENERAL",
        "ts": "1763851800.000100",
    }

    assert mail.post(payload("message", **notice))[0] == 200
    other = {**notice, "bot_id": "B0OTHER", "ts": "1763851801.000100"}
    assert mail.post(payload("message", **other))[0] == 200

    (ticket,) = mail.tickets()
    assert ticket.text == "返金の催促\n返金がまだです" and ticket.department == "billing"


def test_the_bots_own_messages_in_an_email_channel_open_nothing(mail: Slack) -> None:
    own = {
        "bot_id": "B0TRIAGE",
        "app_id": "A0TRIAGE",
        "user": "U0BOT",
        "text": "🎫 #1 配送",
        "channel": "C0MAIL",
    }

    assert mail.post(payload("message", **own))[0] == 200
    reply = {"bot_id": "B0EMAIL", "text": "配送の件", "channel": "C0MAIL", "thread_ts": "1763850000.000100"}
    assert mail.post(payload("message", **reply))[0] == 200

    assert mail.tickets() == []


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"email_channels": ["mail"]}, "slack.email_channels"),
        ({"email_bots": ["U0USER"]}, "slack.email_bots"),
    ],
)
def test_bad_email_settings_are_refused_naming_the_key(
    api: FakeSlackApi, table: dict[str, list[str]], key: str
) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        slack_config("sqlite://", api, **table)


def test_the_customer_name_given_in_the_form_is_masked_wherever_the_complaint_is_shown(slack: Slack) -> None:
    submission = payload("view_submission")
    values = submission["view"]["state"]["values"]
    values["text"]["text"]["value"] = "高橋一郎から電話：届いた商品が壊れていた。高橋は二度目です"
    values["customer"] = {"customer": {"type": "plain_text_input", "value": "高橋 一郎"}}

    assert slack.post(submission, form=True)[0] == 200
    slack.deliver()

    (ticket,) = slack.tickets()
    assert ticket.customer == "高橋 一郎" and ticket.text.startswith("高橋一郎から電話")
    everything = said(slack)
    assert "届いた商品が壊れていた" in everything and "高橋一郎" not in everything
