"""What the bot posts about a ticket: the card, the forwarder's reply, one-line summaries.

Every text here is localized through :mod:`bot.core.i18n` and masked through :mod:`bot.core.masking`; the
structured ``data`` carries the same masked values for platform renderers (Block Kit, Flex).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.config import Config
from bot.core.card import Action, Card, Choice, Choices, Field, Option, Person, Phrase, Place
from bot.core.domain import (
    EDITED_LATE,
    MAX_COMPLAINT_CHARS,
    NOTICE_FLAGS,
    SOURCE_DELETED,
    WITHDRAWN,
    WITHDRAWN_BY_FORWARDER,
    Status,
    Ticket,
)
from bot.core.i18n import Translator
from bot.core.masking import Masker
from bot.core.sla import SlaPolicies
from bot.core.wording import time_left

SUMMARY_CHARS = 60
MAX_GUESSES = 3
SNOOZE_HOURS = (1, 2, 4, 8, 24)


def card_actions(
    t: Translator,
    status: str,
    departments: Sequence[tuple[str, str]],
    current: str | None,
    *,
    wrote_in: bool = False,
    waiting: bool = False,
) -> tuple[Action, ...]:
    """The card's buttons for a ticket in ``status``: one line per action (and its i18n text).
    ``wrote_in``: the customer wrote in themselves (reply to them, wait for them)."""
    if status == Status.RESOLVED.value:
        return ()
    others = tuple(Option(key, name) for key, name in departments if key != current)
    hours = tuple(Option(str(h), t("card.snooze_hours", hours=h)) for h in SNOOZE_HOURS)
    actions = (
        Action("reply_customer", t("button.reply_customer"), primary=True) if wrote_in else None,
        Action("acknowledge", t("card.action.acknowledge")) if status == Status.OPEN.value else None,
        Action("resolve", t("card.action.resolve"), primary=not wrote_in),
        Action("not_complaint", t("card.action.not_complaint")),
        Action("claim", t("button.claim")),
        Action("wait", t("button.wait")) if wrote_in and not waiting else None,
        Action("reassign", t("card.action.reassign"), options=others) if others else None,
        Action("snooze", t("card.action.snooze"), options=hours),
    )
    return tuple(action for action in actions if action is not None)


def card_choices(
    t: Translator, guesses: Sequence[tuple[str, float]], departments: Sequence[tuple[str, str]]
) -> Choices | None:
    """A triage card's best guesses that name a configured department (the ranking may hold
    ``out_of_scope`` or a department the config no longer has: those are not choices)."""
    names = dict(departments)
    items: list[Choice] = []
    for key, probability in guesses:
        if key in names and all(key != item.department for item in items):
            items.append(Choice(key, names[key], probability, t.percent(probability)))
    if not items:
        return None
    items = items[:MAX_GUESSES]
    shown = [t("card.guess", department=item.name, percent=item.percent) for item in items]
    return Choices(t("card.pick_guess"), t("card.guesses", guesses=" / ".join(shown)), tuple(items))


def full_text_action(t: Translator) -> Action:
    return Action("full_text", t("card.action.full_text"))


def customer_names(customer: str | None) -> list[str]:
    """What to mask of a ticket's customer: the whole contact, and for ``Name <address>`` (an
    e-mail's sender) the name and the address on their own too."""
    if not customer:
        return []
    name, _, rest = customer.partition("<")
    address = rest.rstrip().removesuffix(">")
    return [part for part in (customer, name.strip(), address.strip()) if part]


class CardWriter:
    def __init__(
        self, config: Config, translator: Translator, masker: Masker, sla: SlaPolicies | None = None
    ) -> None:
        self.config = config
        self.t = translator
        self.masker = masker
        self.sla = sla or SlaPolicies.from_config(config)

    def department_name(self, key: str | None) -> str:
        department = self.config.department(key) if key else None
        return department.name(self.t.language) if department else self.t("department.none")

    def masked(self, ticket: Ticket) -> str:
        """The complaint as a chat shows it: masked, with the forwarder's note and what became of
        the original message; only the notice once it was withdrawn."""
        withdrawn = [flag for flag in (WITHDRAWN, WITHDRAWN_BY_FORWARDER) if flag in ticket.flags]
        if withdrawn:
            return self.t(f"card.{withdrawn[0]}")
        names = [*customer_names(ticket.customer), *ticket.names]
        parts = [self.masker.mask(ticket.text, names=names)]
        if ticket.note:
            parts.append(self.t("card.note", note=self.masker.mask(ticket.note, names=names)))
        parts += [self.t(f"card.{flag}") for flag in (SOURCE_DELETED, EDITED_LATE) if flag in ticket.flags]
        return "\n\n".join(parts)

    def summary(self, ticket: Ticket) -> str:
        if WITHDRAWN in ticket.flags or WITHDRAWN_BY_FORWARDER in ticket.flags:
            return self.masked(ticket)
        return self.excerpt(ticket.text, names=[*customer_names(ticket.customer), *ticket.names])

    def excerpt(self, text: str, names: list[str] | None = None) -> str:
        """One masked line of at most ``SUMMARY_CHARS`` characters."""
        line = " ".join(self.masker.mask(text, names=names or []).split())
        return line if len(line) <= SUMMARY_CHARS else line[: SUMMARY_CHARS - 1] + "…"

    def deadline(self, ticket: Ticket) -> str:
        """The deadline promised to the customer, in the team's time zone."""
        return self.t.moment(ticket.due_at, self.sla.for_ticket(ticket).tz)

    def time_left(self, ticket: Ticket, now: datetime) -> str:
        """Time left to the deadline as the ticket's team counts it (:func:`bot.core.wording.time_left`)."""
        return time_left(self.t, self.sla.for_ticket(ticket), ticket.due_at, now)

    def reply(self, ticket: Ticket) -> str:
        key = "reply.triage" if ticket.needs_triage else "reply.created"
        text = self.t(
            key,
            ref=ticket.ref,
            department=self.department_name(ticket.department),
            confidence=self.t.percent(ticket.confidence),
            deadline=self.deadline(ticket),
        )
        if "truncated" in ticket.flags:
            text += "\n" + self.t("reply.truncated", limit=MAX_COMPLAINT_CHARS)
        return text

    def reply_data(self, ticket: Ticket) -> dict[str, Any]:
        """What a platform needs to render the forwarder's reply richer than its text."""
        return {
            "ref": ticket.ref,
            "department": ticket.department,
            "department_name": self.department_name(ticket.department),
            "needs_triage": ticket.needs_triage,
            "deadline": self.deadline(ticket),
        }

    def card(self, ticket: Ticket, now: datetime, change: dict[str, Any] | None = None) -> Card:
        """The ticket's card; ``change`` is the latest action on it (``actor``, ``action_text``, ``at``)."""
        t, department = self.t, self.department_name(ticket.department)
        departments = [(d.key, d.name(t.language)) for d in self.config.departments]
        triage = ticket.needs_triage and ticket.status != Status.RESOLVED
        return Card(
            ref=ticket.ref,
            title=t(
                "card.triage" if ticket.needs_triage else "card.title", ref=ticket.ref, department=department
            ),
            status=ticket.status.value,
            body=self.masked(ticket),
            fields=tuple(self.fields(ticket, now, change)),
            actions=card_actions(
                t,
                ticket.status.value,
                departments,
                ticket.department,
                wrote_in=ticket.contact is not None,
                waiting=ticket.waiting_since is not None,
            ),
            body_actions=(full_text_action(t),),
            choices=card_choices(t, ticket.guesses, departments) if triage else None,
        )

    def fields(self, ticket: Ticket, now: datetime, change: dict[str, Any] | None) -> list[Field]:
        """The card's lines, in order: a new field is one entry here and its i18n text."""
        t = self.t
        forwarder: str | Person = Person(ticket.forwarder, ticket.platform, ticket.channel)
        if ticket.names or WITHDRAWN in ticket.flags:
            # The writer of a 1:1 chat may be the customer: their display name is masked here too.
            forwarder = t("mask.name")
        fields = []
        priority_flags = [flag for flag in ticket.flags if flag not in NOTICE_FLAGS]
        if ticket.priority or priority_flags:
            flags = ("、" if t.language == "ja" else ", ").join(t(f"flag.{flag}") for flag in priority_flags)
            fields.append(Field("priority", Phrase.of(t, "card.priority", flags=flags), Place.ALERT))
        fields += [
            Field("status", Phrase.of(t, "card.status", status=t(f"status.{ticket.status.value}"))),
            Field(
                "deadline",
                Phrase.of(
                    t, "card.deadline", deadline=self.deadline(ticket), left=self.time_left(ticket, now)
                ),
            ),
        ]
        if ticket.contact is None:  # a customer who wrote in is named (masked) below, never by their id
            fields.append(
                Field(
                    "forwarder", Phrase.of(t, "card.forwarder", forwarder=forwarder, platform=ticket.platform)
                )
            )
        fields += self.customer_fields(ticket)
        if ticket.order_number:
            fields.append(Field("order", Phrase.of(t, "card.order", order=ticket.order_number)))
        if ticket.source_author or ticket.source_url:
            author = (
                Person(ticket.source_author, ticket.platform, ticket.channel)
                if ticket.source_author
                else forwarder
            )
            source = Phrase.of(t, "card.source_author", author=author)
            fields.append(Field("source", source, Place.NOTE, ticket.source_url))
        if change is not None:
            at = t.moment(change["at"], self.config.tz)
            if change.get("by_customer"):  # the customer's doing: the card names no customer
                last = Phrase.of(t, "card.customer_change", action=change["action_text"], at=at)
            else:
                last = Phrase.of(
                    t,
                    "card.last_change",
                    actor=forwarder if change["actor"] == ticket.forwarder else Person(change["actor"]),
                    action=change["action_text"],
                    at=at,
                )
            fields.append(Field("change", last, Place.NEWS))
        return fields

    def customer_fields(self, ticket: Ticket) -> list[Field]:
        """Who wrote in (masked), who owns the ticket, the paused clock and the customer's answer."""
        t, fields = self.t, []
        if ticket.contact is not None:
            customer = Phrase.of(
                t, "card.customer", customer=self.customer_name(ticket), platform=ticket.platform
            )
            fields.append(Field("customer", customer))
        if ticket.owner:
            owner = Person(ticket.owner)  # named on the platform showing the card, like the actor
            fields.append(Field("owner", Phrase.of(t, "card.owner", owner=owner)))
        waiting = self.waiting_text(ticket)
        if waiting:
            fields.append(Field("waiting", Phrase((waiting,))))
        if ticket.awaiting_since is not None and ticket.status is not Status.RESOLVED:
            since = t.moment(ticket.awaiting_since, self.config.tz)
            fields.append(Field("awaiting", Phrase.of(t, "card.awaiting", since=since)))
        if ticket.satisfaction:
            answer = self.satisfaction_label(ticket.satisfaction)
            fields.append(Field("satisfaction", Phrase.of(t, "card.satisfaction", answer=answer)))
        return fields

    def customer_name(self, ticket: Ticket) -> str:
        """The customer's name as cards show it: masked (their display name is personal data)."""
        name = ticket.customer or ""
        return self.masker.mask(name, names=[name]) if name else self.t("customer.someone")

    def list_status(self, ticket: Ticket) -> str:
        """A ticket's status in a list: paused while waiting for the customer, and its owner."""
        status = self.t(f"status.{ticket.status.value}")
        if ticket.waiting_since is not None and ticket.status is not Status.RESOLVED:
            status += " " + self.t("list.waiting")
        if ticket.owner:
            status += " " + self.t("list.owner", owner=ticket.owner)
        return status

    def waiting_text(self, ticket: Ticket) -> str | None:
        if ticket.waiting_since is None:
            return None
        return self.t("card.waiting", since=self.t.moment(ticket.waiting_since, self.config.tz))

    def satisfaction_label(self, answer: str) -> str:
        if answer.isdigit():
            return self.t("satisfaction.score", score=answer)
        return self.t(f"satisfaction.{answer}")
