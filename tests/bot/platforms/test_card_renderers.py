"""Every renderer shows every part of a card: Slack's Block Kit, LINE's Flex bubble and the
console's text. Parametrized over the card's fields, so a renderer that drops one fails here, and a
new field is checked without a new test. Slack's blocks go through slack_sdk's Block Kit models and
LINE's bubble through line-bot-sdk's FlexMessage model, as the platforms would read them."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from linebot.v3.messaging import FlexMessage
from slack_sdk.models.blocks import Block

from bot.config import parse_config
from bot.core.card import Card
from bot.core.card_data import card_data
from bot.core.domain import OutboundMessage, Status
from bot.core.i18n import Translator
from bot.platforms.console.chat import ConsoleSender
from bot.platforms.line.flex import FlexWriter
from bot.platforms.slack.blocks import BlockWriter
from tests.bot.core.test_cards import CHANGE, LEGACY_FIELDS, TRIAGE, RecordingNames, legacy, writer
from tests.conftest import START

CONFIG = parse_config({}, {})
T = Translator("ja")
TICKET = dataclasses.replace(
    TRIAGE,
    priority=True,
    flags=("safety",),
    order_number="A-5521",
    source_author="U-author",
    source_url="https://shop.example.com/archives/C1/p1",
)
CARD = writer().card(TICKET, START + timedelta(hours=1), CHANGE).named(RecordingNames(), "chat", "C-team")


def slack(card: Card) -> str:
    blocks = BlockWriter(CONFIG, T).card(card)
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()  # raises on what Slack would refuse (lengths, counts, shapes)
    return json.dumps(blocks, ensure_ascii=False)


def line(card: Card) -> str:
    message = FlexWriter(CONFIG, T).to_card(card)
    FlexMessage.from_dict(message)  # raises on what the Messaging API would refuse
    return json.dumps(message, ensure_ascii=False)


def console(card: Card) -> str:
    return ConsoleSender.render(OutboundMessage("console", "team", "card", "(stored text)", card_data(card)))


RENDERERS: dict[str, Callable[[Card], str]] = {"slack": slack, "line": line, "console": console}
BUTTONS = {"slack": slack, "line": line}


def test_the_card_under_test_has_every_kind_of_field() -> None:
    assert [f.id for f in CARD.fields if f.id in LEGACY_FIELDS] == [
        "priority",
        "status",
        "deadline",
        "forwarder",
        "order",
        "source",
        "change",
    ]


def test_renderers_are_told_of_every_part_of_a_card() -> None:
    """A new part of :class:`Card` (not a field: those are checked below) needs its renderers and
    a test here."""
    parts = {f.name for f in dataclasses.fields(Card)}
    assert parts == {"ref", "title", "status", "body", "fields", "actions", "body_actions", "choices"}


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("field_id", [f.id for f in CARD.fields])
def test_every_field_is_shown(renderer: str, field_id: str) -> None:
    field = CARD.field(field_id)
    assert field is not None
    shown = RENDERERS[renderer](CARD)
    assert str(field.text) in shown
    if field.link:
        assert field.link in shown


@pytest.mark.parametrize("renderer", RENDERERS)
def test_the_title_the_masked_body_and_the_named_people_are_shown(renderer: str) -> None:
    shown = RENDERERS[renderer](CARD)
    assert CARD.title in shown and CARD.body in shown
    assert "U-" not in shown  # forwarder, author and actor by name
    assert "(stored text)" not in shown  # drawn from the card, not from the queued text


STABLE_IDS = {
    "slack": {
        "acknowledge": '"ticket_acknowledge"',
        "resolve": '"ticket_resolve"',
        "reassign": '"ticket_reassign"',
        "snooze": '"ticket_snooze"',
        "full_text": '"ticket_full_text"',
    },
    "line": {
        "acknowledge": '"a=ack&t=7"',
        "resolve": '"a=res&t=7"',
        "reassign": '"a=rm&t=7"',
        "snooze": '"a=sn&t=7&h=4"',
        "full_text": '"a=ft&t=7"',
    },
}
"""The action ids and postback data that the platforms' handlers (and clicks on cards already
posted) rely on. An action added since gets ``ticket_<id>`` and ``a=<id>&t=<ref>``."""


@pytest.mark.parametrize("renderer", BUTTONS)
def test_every_action_is_a_button_with_its_stable_id(renderer: str) -> None:
    shown = BUTTONS[renderer](CARD)
    generic = '"ticket_{}"' if renderer == "slack" else '"a={}&t=7"'
    for action in (*CARD.actions, *CARD.body_actions):
        assert STABLE_IDS[renderer].get(action.id, generic.format(action.id)) in shown, action.id
        assert action.label in shown or renderer == "line"  # LINE says some in its own words
    assert set(STABLE_IDS[renderer]) <= {a.id for a in (*CARD.actions, *CARD.body_actions)}


def test_slack_menus_carry_every_option() -> None:
    shown = slack(CARD)
    for action in CARD.actions:
        for option in action.options:
            assert f'"7:{option.value}"' in shown and option.label in shown


def test_a_new_action_is_a_button_on_every_platform_without_renderer_code() -> None:
    added = dataclasses.replace(
        CARD, actions=(*CARD.actions, dataclasses.replace(CARD.actions[0], id="take"))
    )
    assert '"ticket_take"' in slack(added)
    assert '"a=take&t=7"' in line(added)


@pytest.mark.parametrize("renderer", RENDERERS)
def test_every_guess_is_offered(renderer: str) -> None:
    assert CARD.choices is not None
    shown = RENDERERS[renderer](CARD)
    if renderer == "console":  # no buttons: the guesses as one line
        assert CARD.choices.summary in shown
        return
    assert CARD.choices.prompt in shown
    for choice in CARD.choices.items:
        assert choice.name in shown and choice.percent in shown
        value = f'"7:{choice.department}"' if renderer == "slack" else f'"a=re&t=7&d={choice.department}"'
        assert value in shown


def test_a_resolved_card_keeps_only_the_full_text_button() -> None:
    resolved = writer().card(dataclasses.replace(TICKET, status=Status.RESOLVED), START)
    assert '"ticket_resolve"' not in slack(resolved) and '"ticket_full_text"' in slack(resolved)
    assert '"a=res&t=7"' not in line(resolved) and '"a=ft&t=7"' in line(resolved)


@pytest.mark.parametrize("renderer", ["slack", "line"])
def test_a_row_queued_before_the_typed_card_is_still_drawn(renderer: str) -> None:
    card = writer().card(TICKET, START, CHANGE)  # its people not named yet
    change = card.field("change")
    assert change is not None
    data = legacy(TICKET, card, str(change.text))
    old = OutboundMessage("x", "team", "card_update", card.to_text(), data)
    if renderer == "slack":
        shown = json.dumps(BlockWriter(CONFIG, T).to_blocks(old), ensure_ascii=False)
    else:
        (message,) = FlexWriter(CONFIG, T).to_messages(old)
        FlexMessage.from_dict(message)
        shown = json.dumps(message, ensure_ascii=False)
    for field in card.fields:
        if field.id in LEGACY_FIELDS:  # an old row has none of the fields added since
            assert str(field.text) in shown, field.id
    assert card.title in shown and "決済・返金 30%" in shown
