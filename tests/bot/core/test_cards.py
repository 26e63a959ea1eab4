"""The typed card: what a triage card, a routed card and a card after a change hold, built once by
the core; the people on it named through the ``Names`` port; kept in the outbox as plain data and
read back, also from the untyped dict that rows queued before the typed card carry."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.config import parse_config
from bot.core.card import Card, Person, Phrase, Place
from bot.core.card_data import CARD_VERSION, CardFormatError, card_data, from_legacy, read_card
from bot.core.cards import CardWriter
from bot.core.domain import Status, Ticket
from bot.core.i18n import Translator
from bot.core.masking import Masker
from tests.conftest import START

T = Translator("ja")
PHONE = "090-1234-5678"
EMAIL = "taro@example.com"


def writer(language: str = "ja") -> CardWriter:
    t = Translator(language)
    return CardWriter(parse_config({}, {}), t, Masker(label=lambda kind: t(f"mask.{kind}")))


def ticket(**changes: object) -> Ticket:
    base = Ticket(
        ref=7,
        platform="chat",
        channel="C-room",
        forwarder="U-forwarder",
        text=f"箱が潰れていました。連絡先 {PHONE} {EMAIL}",
        language="ja",
        department="logistics",
        confidence=0.9,
        needs_triage=False,
        priority=False,
        created_at=START,
        due_at=START + timedelta(hours=24),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


TRIAGE = ticket(
    department="billing",
    confidence=0.3,
    needs_triage=True,
    guesses=(("billing", 0.3), ("out_of_scope", 0.25), ("orders", 0.2), ("billing", 0.1), ("gone", 0.05)),
)
CHANGE = {"actor": "U-actor", "action_text": "対応を開始しました", "at": START + timedelta(minutes=5)}


LEGACY_FIELDS = {"priority", "status", "deadline", "forwarder", "order", "source", "change"}
"""The fields of the untyped card dict (before the typed card): old rows have no other."""


class RecordingNames:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str]] = []

    def display_name(self, platform: str, user_id: str, chat: str) -> str:
        self.asked.append((platform, user_id, chat))
        return {"U-forwarder": "鈴木", "U-actor": "田中", "U-author": "佐藤"}.get(user_id, user_id)


def test_a_routed_card_has_its_facts_and_buttons_and_no_choices() -> None:
    card = writer().card(ticket(order_number="A-5521"), START)

    assert card.ref == 7 and card.title == "🎫 #7 物流・配送" and card.status == "open"
    assert [(f.id, f.place) for f in card.fields if f.id in LEGACY_FIELDS] == [
        ("status", Place.FACT),
        ("deadline", Place.FACT),
        ("forwarder", Place.FACT),
        ("order", Place.FACT),
    ]
    assert str(card.field("order").text) == "注文番号：A-5521"  # type: ignore[union-attr]
    assert str(card.field("status").text) == "状態：未対応"  # type: ignore[union-attr]
    assert [a.id for a in card.actions] == [
        "acknowledge",
        "resolve",
        "not_complaint",
        "claim",
        "reassign",
        "snooze",
    ]
    assert [a.id for a in card.body_actions] == ["full_text"]
    reassign = next(a for a in card.actions if a.id == "reassign")
    assert "logistics" not in [o.value for o in reassign.options]  # not to where it already is
    assert card.choices is None
    assert "候補" not in card.to_text()


def test_a_triage_card_offers_the_configured_best_guesses_once_each() -> None:
    card = writer().card(TRIAGE, START)

    assert card.title == "🎫 #7　要トリアージ（候補：決済・返金）"
    assert card.choices is not None
    assert [(c.department, c.name, c.probability, c.percent) for c in card.choices.items] == [
        ("billing", "決済・返金", 0.3, "30%"),
        ("orders", "受注・在庫", 0.2, "20%"),
    ]
    assert card.choices.prompt == T("card.pick_guess")
    assert "候補：決済・返金 30% / 受注・在庫 20%" in card.to_text()


def test_guesses_are_only_on_an_open_triage_card() -> None:
    assert writer().card(replace(TRIAGE, needs_triage=False), START).choices is None
    resolved = writer().card(replace(TRIAGE, status=Status.RESOLVED), START)
    assert resolved.choices is None and resolved.actions == ()
    assert [a.id for a in resolved.body_actions] == ["full_text"]  # the full text stays reachable


def test_a_card_after_a_change_says_who_did_what_and_drops_what_is_done() -> None:
    acknowledged = ticket(status=Status.ACKNOWLEDGED, acknowledged_by="U-actor")
    card = writer().card(acknowledged, START, CHANGE)

    change = card.field("change")
    assert change is not None and change.place is Place.NEWS
    assert change.text.parts[0] == Person("U-actor")  # the card's own platform and chat
    assert str(change.text) == "U-actorさんが対応を開始しました（11/16(月) 09:05）"
    assert card.to_text().endswith(str(change.text))
    assert [a.id for a in card.actions] == ["resolve", "not_complaint", "claim", "reassign", "snooze"]


def test_people_are_named_through_the_port_where_the_card_is_shown() -> None:
    sourced = ticket(source_author="U-author", source_url="https://example.com/p1")
    names = RecordingNames()
    card = writer().card(sourced, START, CHANGE).named(names, "chat", "C-team")

    assert sorted(names.asked) == [
        ("chat", "U-actor", "C-team"),
        ("chat", "U-author", "C-room"),
        ("chat", "U-forwarder", "C-room"),
    ]
    text = card.to_text()
    assert "転送者：鈴木（chat）" in text
    assert "元のメッセージの投稿者：佐藤 https://example.com/p1" in text
    assert "田中さんが対応を開始しました" in text
    assert "U-" not in text


class OddNames:
    def display_name(self, platform: str, user_id: str, chat: str) -> str:
        return "{at} U-actor"  # a display name is anyone's text: never read as a template


def test_a_display_name_is_shown_as_written_never_as_a_template() -> None:
    card = writer().card(ticket(), START, CHANGE).named(OddNames(), "chat", "C")
    assert str(card.field("change").text).startswith("{at} U-actorさんが対応を開始しました（11/16")  # type: ignore[union-attr]


def test_personal_data_is_masked_everywhere_the_card_goes() -> None:
    card = writer().card(ticket(customer="山田太郎", text=f"山田太郎です。{PHONE} {EMAIL}"), START)
    stored = json.dumps(card_data(card), ensure_ascii=False)
    for shown in (card.body, card.to_text(), stored):
        assert PHONE not in shown and EMAIL not in shown and "山田太郎" not in shown
    assert T("mask.phone") in card.body and T("mask.email") in card.body


def test_priority_and_its_reasons_come_first() -> None:
    card = writer().card(ticket(priority=True, flags=("safety", "angry")), START)
    assert card.fields[0].id == "priority" and card.fields[0].place is Place.ALERT
    assert str(card.fields[0].text) == "⚠️ 優先対応：安全・健康被害、強い不満"
    assert card.to_text().splitlines()[1] == str(card.fields[0].text)


def test_english_cards_join_flags_with_commas() -> None:
    card = writer("en").card(ticket(priority=True, flags=("safety", "angry")), START)
    assert str(card.fields[0].text) == "⚠️ Priority: safety or health, very upset"


@pytest.mark.parametrize("shown", [ticket(), TRIAGE, ticket(status=Status.ACKNOWLEDGED)])
def test_the_outbox_keeps_a_card_as_plain_json_and_gives_the_same_card_back(shown: Ticket) -> None:
    card = writer().card(replace(shown, source_author="U-author", order_number="A-1"), START, CHANGE)
    stored = json.loads(json.dumps(card_data(card)))
    assert stored["card"]["version"] == CARD_VERSION
    assert read_card(stored, T) == card


@pytest.mark.parametrize(
    "stored",
    [
        {"card": {"version": CARD_VERSION + 1, "ref": 7}},
        {"card": {"version": CARD_VERSION, "ref": "seven"}},
        {
            "card": {
                "version": CARD_VERSION,
                "ref": 7,
                "title": "x",
                "status": "open",
                "body": "",
                "fields": 3,
            }
        },
    ],
)
def test_card_data_this_code_cannot_read_is_refused_clearly(stored: dict[str, object]) -> None:
    with pytest.raises(CardFormatError):
        read_card(stored, T)


def test_messages_without_a_card_carry_none() -> None:
    assert read_card({"ref": 7}, T) is None
    assert read_card({}, T) is None


def legacy(ticket: Ticket, card: Card, change_text: str | None = None) -> dict[str, object]:
    """The data dict as the code before the typed card queued it (bot/core/cards.py at 0bc15bc)."""
    t = T
    return {
        "ref": ticket.ref,
        "title": card.title,
        "department": ticket.department,
        "department_name": "物流・配送",
        "confidence": round(ticket.confidence, 3),
        "needs_triage": ticket.needs_triage,
        "priority": ticket.priority,
        "flags": [t(f"flag.{flag}") for flag in ticket.flags],
        "status": ticket.status.value,
        "status_text": t(f"status.{ticket.status.value}"),
        "due_at": ticket.due_at.isoformat(),
        "deadline": "11/17(火) 09:00",
        "time_left": writer().time_left(ticket, START),
        "text": card.body,
        "forwarder": ticket.forwarder,
        "platform": ticket.platform,
        "change": change_text,
        "change_actor": "U-actor" if change_text else None,
        "source_author": ticket.source_author,
        "source_url": ticket.source_url,
        "departments": [[d.key, d.name("ja")] for d in parse_config({}, {}).departments],
        "order_number": ticket.order_number,
        "guesses": [[key, p] for key, p in ticket.guesses] if ticket.needs_triage else [],
    }


@pytest.mark.parametrize(
    ("shown", "change"),
    [
        (ticket(priority=True, flags=("angry",), order_number="A-1"), None),
        (replace(TRIAGE, source_author="U-author", source_url="https://example.com/p"), None),
        (ticket(status=Status.ACKNOWLEDGED), CHANGE),
    ],
)
def test_rows_queued_before_the_typed_card_give_the_same_card(
    shown: Ticket, change: dict[str, object] | None
) -> None:
    card = writer().card(shown, START, change)
    old = legacy(shown, card, str(card.field("change").text) if change else None)  # type: ignore[union-attr]
    converted = from_legacy(old, T)
    assert read_card(json.loads(json.dumps(old)), T) == converted

    def shown_fields(c: Card) -> list[tuple[str, str, Place, str | None]]:
        return [(f.id, str(f.text), f.place, f.link) for f in c.fields if f.id in LEGACY_FIELDS]

    assert shown_fields(converted) == shown_fields(card)
    assert (converted.title, converted.body, converted.status) == (card.title, card.body, card.status)
    assert (converted.actions, converted.body_actions, converted.choices) == (
        card.actions,
        card.body_actions,
        card.choices,
    )
    names = RecordingNames()
    assert "U-" not in converted.named(names, "chat", "C-team").to_text()


def test_a_value_that_looks_like_a_slot_for_a_person_stays_text() -> None:
    phrase = Phrase.of(T, "card.forwarder", forwarder=Person("U-1"), platform="x\x000\x00y")
    assert phrase.parts == ("転送者：", Person("U-1"), "（x0y）")
