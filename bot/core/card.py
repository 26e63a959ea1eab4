"""The typed Card: a ticket's card as every platform's renderer draws it (Block Kit, Flex, text).

Built once by :class:`bot.core.cards.CardWriter`; stored and read back by :mod:`bot.core.card_data`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from bot.core.i18n import Translator
from bot.core.ports import Names

_SLOT = re.compile("\x00([0-9]+)\x00")


class Place(StrEnum):
    """Where a field stands on a card; each renderer lays the places out its own way."""

    ALERT = "alert"
    """Above the facts, marked (priority and its reasons)."""
    FACT = "fact"
    """The ticket's facts, side by side where the platform can (status, deadline, forwarder...)."""
    NOTE = "note"
    """Under the complaint text (who wrote the forwarded message, with its link)."""
    NEWS = "news"
    """What just changed (a card update): last in the text, first where a card cannot be edited."""


@dataclass(frozen=True)
class Person:
    """Someone a card names. ``platform``/``chat`` ``None``: the platform and chat showing the card
    (whoever acts on a card acts there). ``name`` is filled in by :meth:`Card.named`."""

    user_id: str
    platform: str | None = None
    chat: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        return self.name or self.user_id


@dataclass(frozen=True)
class Phrase:
    """A localized text that may name people, shown once their names are known."""

    parts: tuple[str | Person, ...]

    def __str__(self) -> str:
        return "".join(map(str, self.parts))

    @classmethod
    def of(cls, t: Translator, key: str, /, **params: Any) -> Phrase:
        """``t(key, **params)`` with each :class:`Person` parameter kept as a person, not as text."""
        people = {name: value for name, value in params.items() if isinstance(value, Person)}
        slots = {name: f"\x00{i}\x00" for i, name in enumerate(people)}
        # No other value may look like a slot (they come from config and complaint text).
        texts = {name: str(value).replace("\x00", "") for name, value in params.items()}
        text = t(key, **{**texts, **slots})
        by_slot = list(people.values())
        pieces = _SLOT.split(text)  # text, slot number, text, ...
        parts = [by_slot[int(p)] if i % 2 else p for i, p in enumerate(pieces)]
        return cls(tuple(part for part in parts if part != ""))


@dataclass(frozen=True)
class Field:
    """One line of a card. ``id`` is stable (renderer tests and platform layouts key on it)."""

    id: str
    text: Phrase
    place: Place = Place.FACT
    link: str | None = None


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Action:
    """A button (or, with ``options``, a menu) on the card. ``id`` is stable: platforms derive
    their action ids and postback data from it."""

    id: str
    label: str
    primary: bool = False
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class Choice:
    """One of the classifier's best guesses on a triage card: a configured department."""

    department: str
    name: str
    probability: float
    percent: str


@dataclass(frozen=True)
class Choices:
    """A triage card's one-click routing: the prompt above the buttons, the same as one line of text."""

    prompt: str
    summary: str
    items: tuple[Choice, ...]


@dataclass(frozen=True)
class Card:
    """A ticket's card, built once by :class:`CardWriter` and drawn by every platform's renderer.

    Every text is localized and masked already; people are :class:`Person` parts of the fields,
    named through the :class:`~bot.core.ports.Names` port before rendering.
    """

    ref: int
    title: str
    status: str
    body: str
    fields: tuple[Field, ...] = ()
    actions: tuple[Action, ...] = ()
    """The buttons under the card (none once resolved)."""
    body_actions: tuple[Action, ...] = ()
    """The buttons that go with the complaint text (show the full text)."""
    choices: Choices | None = None

    def at(self, place: Place) -> list[Field]:
        return [field for field in self.fields if field.place == place]

    def field(self, field_id: str) -> Field | None:
        return next((field for field in self.fields if field.id == field_id), None)

    def named(self, names: Names, platform: str, chat: str) -> Card:
        """The card with every person's display name, as ``platform`` shows it in ``chat``."""

        def name(part: str | Person) -> str | Person:
            if isinstance(part, str):
                return part
            shown = names.display_name(part.platform or platform, part.user_id, part.chat or chat)
            return replace(part, name=shown)

        fields = tuple(
            replace(field, text=Phrase(tuple(name(part) for part in field.text.parts)))
            for field in self.fields
        )
        return replace(self, fields=fields)

    def to_text(self) -> str:
        """The card as plain text: the console's rendering and every platform's fallback text."""
        lines = [self.title, *(str(f.text) for f in self.at(Place.ALERT) + self.at(Place.FACT))]
        if self.choices is not None:
            lines.append(self.choices.summary)
        lines.append(self.body)
        lines += [" ".join(filter(None, [str(f.text), f.link])) for f in self.at(Place.NOTE)]
        lines += [str(f.text) for f in self.at(Place.NEWS)]
        return "\n".join(lines)
