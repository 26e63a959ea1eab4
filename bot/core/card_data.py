"""A :class:`~bot.core.cards.Card` as plain data for the outbox, and back.

A card is queued as ``data["card"]`` (JSON: the outbox row's ``data``) with a version, and read back
by the platform's sender just before rendering. Rows queued by code older than the typed card carry
an untyped dict instead (``ref``, ``title``, ``status_text``...): they are read too, so a message
queued before an upgrade is still delivered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from bot.core.card import Action, Card, Choice, Choices, Field, Option, Person, Phrase, Place
from bot.core.cards import card_actions, card_choices, full_text_action
from bot.core.i18n import Translator

CARD_VERSION = 1


class CardFormatError(ValueError):
    """Card data this code cannot read (malformed, or written by a newer version)."""


def card_data(card: Card) -> dict[str, Any]:
    """The outbox data of a card message."""
    # Plain JSON types (lists, strings), the same as the row gives back.
    return {"card": json.loads(json.dumps({"version": CARD_VERSION, **asdict(card)}))}


def read_card(data: Mapping[str, Any], t: Translator) -> Card | None:
    """The card an outbox message carries, ``None`` when it carries none.

    Raises:
        CardFormatError: the data is a card this code cannot read.
    """
    stored = data.get("card")
    try:
        if isinstance(stored, Mapping):
            return from_data(stored)
        if isinstance(data.get("ref"), int) and isinstance(data.get("title"), str):
            return from_legacy(data, t)
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise CardFormatError(f"unreadable card: {type(error).__name__}") from None
    return None


def from_data(stored: Mapping[str, Any]) -> Card:
    version = stored.get("version")
    if version != CARD_VERSION:
        raise CardFormatError(f"card version {version!r}, this code reads {CARD_VERSION}")
    choices = stored.get("choices")
    return Card(
        ref=int(stored["ref"]),
        title=str(stored["title"]),
        status=str(stored["status"]),
        body=str(stored["body"]),
        fields=tuple(_field(field) for field in stored["fields"]),
        actions=tuple(_action(action) for action in stored["actions"]),
        body_actions=tuple(_action(action) for action in stored["body_actions"]),
        choices=None if choices is None else _choices(choices),
    )


def _field(stored: Mapping[str, Any]) -> Field:
    parts = tuple(part if isinstance(part, str) else _person(part) for part in stored["text"]["parts"])
    link = stored.get("link")
    return Field(
        str(stored["id"]), Phrase(parts), Place(stored["place"]), None if link is None else str(link)
    )


def _person(stored: Mapping[str, Any]) -> Person:
    def text(key: str) -> str | None:
        value = stored.get(key)
        return None if value is None else str(value)

    return Person(str(stored["user_id"]), text("platform"), text("chat"), text("name"))


def _action(stored: Mapping[str, Any]) -> Action:
    options = tuple(Option(str(o["value"]), str(o["label"])) for o in stored["options"])
    return Action(str(stored["id"]), str(stored["label"]), bool(stored["primary"]), options)


def _choices(stored: Mapping[str, Any]) -> Choices:
    items = tuple(
        Choice(str(c["department"]), str(c["name"]), float(c["probability"]), str(c["percent"]))
        for c in stored["items"]
    )
    return Choices(str(stored["prompt"]), str(stored["summary"]), items)


def from_legacy(data: Mapping[str, Any], t: Translator) -> Card:
    """A card from the untyped dict of rows queued before the typed card (same texts and buttons)."""
    status = str(data.get("status") or "open")
    departments = [(str(p[0]), str(p[1])) for p in data.get("departments") or [] if len(p) == 2]
    guesses = [(str(g[0]), float(g[1])) for g in data.get("guesses") or []]
    triage = bool(data.get("needs_triage")) and status != "resolved"
    current = data.get("department")
    return Card(
        ref=int(data["ref"]),
        title=str(data["title"]),
        status=status,
        body=str(data.get("text") or ""),
        fields=tuple(_legacy_fields(data, t)),
        actions=card_actions(t, status, departments, current if isinstance(current, str) else None),
        body_actions=(full_text_action(t),),
        choices=card_choices(t, guesses, departments) if triage else None,
    )


def _legacy_fields(data: Mapping[str, Any], t: Translator) -> list[Field]:
    def text(key: str) -> str:
        value = data.get(key)
        return "" if value is None else str(value)

    platform = text("platform") or None
    forwarder = Person(text("forwarder"), platform)
    fields = []
    flags: Sequence[Any] = data.get("flags") or []
    if data.get("priority") or flags:
        joined = ("、" if t.language == "ja" else ", ").join(map(str, flags))
        fields.append(Field("priority", Phrase.of(t, "card.priority", flags=joined), Place.ALERT))
    fields += [
        Field("status", Phrase.of(t, "card.status", status=text("status_text"))),
        Field("deadline", Phrase.of(t, "card.deadline", deadline=text("deadline"), left=text("time_left"))),
        Field("forwarder", Phrase.of(t, "card.forwarder", forwarder=forwarder, platform=text("platform"))),
    ]
    if data.get("order_number"):
        fields.append(Field("order", Phrase.of(t, "card.order", order=text("order_number"))))
    if data.get("source_author") or data.get("source_url"):
        author = Person(text("source_author"), platform) if data.get("source_author") else forwarder
        source = Phrase.of(t, "card.source_author", author=author)
        fields.append(Field("source", source, Place.NOTE, text("source_url") or None))
    if data.get("change"):
        fields.append(Field("change", _naming(text("change"), text("change_actor")), Place.NEWS))
    return fields


def _naming(finished: str, actor: str) -> Phrase:
    """An old row's finished "who did what" text, with the actor as a person again."""
    if not actor:
        return Phrase((finished,))
    pieces = finished.split(actor)
    parts: list[str | Person] = [pieces[0]]
    for piece in pieces[1:]:
        parts += [Person(actor), piece]
    return Phrase(tuple(part for part in parts if part != ""))
