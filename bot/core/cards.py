"""What the bot posts about a ticket: the card, the forwarder's reply, one-line summaries.

Every text here is localized through :mod:`bot.core.i18n` and masked through :mod:`bot.core.masking`; the
structured ``data`` carries the same masked values for platform renderers (Block Kit, Flex).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.config import Config
from bot.core.domain import (
    EDITED_LATE,
    MAX_COMPLAINT_CHARS,
    NOTICE_FLAGS,
    SOURCE_DELETED,
    WITHDRAWN,
    WITHDRAWN_BY_FORWARDER,
    Ticket,
)
from bot.core.i18n import Translator
from bot.core.masking import Masker
from bot.core.sla import SlaPolicies

SUMMARY_CHARS = 60
MAX_GUESSES = 3


def guess_choices(data: dict[str, Any]) -> list[tuple[str, str, float]]:
    """A card's best guesses that name a configured department, as ``(key, name, probability)``.

    The ranking may hold ``out_of_scope`` or a department the config no longer has: those are not
    choices. Only a triage card carries guesses (see :meth:`CardWriter.card`).
    """
    names = {str(pair[0]): str(pair[1]) for pair in data.get("departments") or [] if len(pair) == 2}
    choices: list[tuple[str, str, float]] = []
    for item in data.get("guesses") or []:
        key, probability = str(item[0]), float(item[1])
        if key in names and all(key != chosen for chosen, _, _ in choices):
            choices.append((key, names[key], probability))
    return choices[:MAX_GUESSES]


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
        """Time left to the deadline: working time for a business-hours team, else clock time."""
        policy = self.sla.for_ticket(ticket)
        if policy.business_hours and now < ticket.due_at:
            return self.t(
                "time.working_left", duration=self.t.duration(policy.working_left(ticket.due_at, now))
            )
        return self.t.time_left(ticket.due_at, now)

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

    def card(
        self, ticket: Ticket, now: datetime, change: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        """The card as plain text and as structured data; ``change`` is the latest action on it."""
        department = self.department_name(ticket.department)
        title = (
            self.t("card.triage", ref=ticket.ref, department=department)
            if ticket.needs_triage
            else self.t("card.title", ref=ticket.ref, department=department)
        )
        left = self.time_left(ticket, now)
        flags = [self.t(f"flag.{flag}") for flag in ticket.flags if flag not in NOTICE_FLAGS]
        status = self.t(f"status.{ticket.status.value}")
        masked = self.masked(ticket)
        lines = [title]
        if ticket.priority or flags:
            lines.append(
                self.t(
                    "card.priority", flags="、".join(flags) if self.t.language == "ja" else ", ".join(flags)
                )
            )
        lines += self.classifier_lines(ticket)
        lines += [
            self.t("card.status", status=status),
            self.t("card.deadline", deadline=self.deadline(ticket), left=left),
            self.t("card.forwarder", forwarder=ticket.forwarder, platform=ticket.platform),
            masked,
        ]
        if ticket.source_author or ticket.source_url:
            author = ticket.source_author or ticket.forwarder
            lines.append(
                " ".join(filter(None, [self.t("card.source_author", author=author), ticket.source_url]))
            )
        change_text = None
        if change is not None:
            change_text = self.t(
                "card.last_change",
                actor=change["actor"],
                action=change["action_text"],
                at=self.t.moment(change["at"], self.config.tz),
            )
            lines.append(change_text)
        data = {
            "ref": ticket.ref,
            "title": title,
            "department": ticket.department,
            "department_name": department,
            "confidence": round(ticket.confidence, 3),
            "needs_triage": ticket.needs_triage,
            "priority": ticket.priority,
            "flags": flags,
            "status": ticket.status.value,
            "status_text": status,
            "due_at": ticket.due_at.isoformat(),
            "deadline": self.deadline(ticket),
            "time_left": left,
            "text": masked,
            "forwarder": ticket.forwarder,
            "platform": ticket.platform,
            "change": change_text,
            "change_actor": change["actor"] if change is not None else None,
            "source_author": ticket.source_author,
            "source_url": ticket.source_url,
            "departments": [[d.key, d.name(self.t.language)] for d in self.config.departments],
            "order_number": ticket.order_number,
            "guesses": [[key, p] for key, p in ticket.guesses] if ticket.needs_triage else [],
        }
        return "\n".join(lines), data

    def classifier_lines(self, ticket: Ticket) -> list[str]:
        """The order number, and on a triage card the classifier's best guesses for the one-click choice."""
        lines = [self.t("card.order", order=ticket.order_number)] if ticket.order_number else []
        guesses = [
            self.t("card.guess", department=self.department_name(key), percent=self.t.percent(p))
            for key, p in ticket.guesses
            if self.config.department(key)
        ]
        if ticket.needs_triage and guesses:
            lines.append(self.t("card.guesses", guesses=" / ".join(guesses)))
        return lines
