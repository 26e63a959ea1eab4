"""The card's buttons and menus: each is one use case, whose actor is the payload's signed user."""

from __future__ import annotations

import re
from typing import Any

from bot.config import Config
from bot.core.domain import InvalidArgument, TriageError, UnknownTicket
from bot.core.i18n import Translator
from bot.core.usecases import Services
from bot.platforms.slack import blocks as kit
from bot.platforms.slack.blocks import BlockWriter


class CardHandlers:
    """The interaction handlers of :class:`~bot.platforms.slack.events.SlackAdapter`."""

    services: Services
    config: Config
    t: Translator
    kit: BlockWriter

    def handle_acknowledge(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        self.services.acknowledge(ref_of(action["value"]), body["user"]["id"])
        ack()

    def handle_resolve(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        self.services.resolve(ref_of(action["value"]), body["user"]["id"])
        ack()

    def handle_not_complaint(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        self.services.not_a_complaint(ref_of(action["value"]), body["user"]["id"])
        ack()

    def handle_reassign(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        ref, department = _selected(action)
        self.services.reassign(ref, body["user"]["id"], department)
        ack()

    def handle_snooze(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        ref, hours = _selected(action)
        try:
            amount = float(hours)
        except ValueError:
            raise TriageError("error.bad_hours") from None
        self.services.snooze(ref, body["user"]["id"], amount)
        ack()

    def handle_guess(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        """A best-guess button on a triage card: the same reassignment (and permission check) as
        the card's menu, so the card updates and the choice is a label for the classifier."""
        ref, department = _guess(action.get("value"), self.config.department_keys)
        self.services.reassign(ref, body["user"]["id"], department)
        ack()

    def handle_correct_department(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        """The forwarder's menu under the confirmation: reassign, and say so only to them."""
        ref, department = _selected(action)
        ticket = self.services.reassign(ref, body["user"]["id"], department)
        ack()
        name = self.services.writer.department_name(ticket.department)
        respond(
            text=self.t("done.reassigned", ref=ref, department=name),
            response_type="ephemeral",
            replace_original=False,
        )

    def handle_full_text(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        """The card's "show full text": the unmasked complaint, ephemeral, to a permitted person only.
        The actor is the payload's signed user; a value naming anyone else changes nothing."""
        text = self.services.full_text(ref_of(str(action.get("value", ""))), body["user"]["id"])
        ack()
        respond(
            text=kit.fallback(text),
            blocks=self.kit.notice(text),
            response_type="ephemeral",
            replace_original=False,
        )

    def handle_open_source(self, ack: Any) -> None:
        """The card's link button opens the message in Slack; the click itself needs only an ack."""
        ack()


def ref_of(value: str) -> int:
    text = value.strip().lstrip("#")
    if not text.isdigit():
        raise UnknownTicket(value)
    return int(text)


_GUESS_VALUE = re.compile(r"([1-9][0-9]{0,8}):([a-z][a-z0-9_]{0,63})")


def _guess(value: Any, departments: tuple[str, ...]) -> tuple[int, str]:
    """A guess button's value, read strictly: ``ref:department`` with a configured department.

    Raises:
        InvalidArgument: anything else (whoever signs a payload chooses the value).
    """
    match = _GUESS_VALUE.fullmatch(value) if isinstance(value, str) else None
    if match is None or match[2] not in departments:
        raise InvalidArgument("card.bad_guess")
    return int(match[1]), match[2]


def _selected(action: dict[str, Any]) -> tuple[int, str]:
    """A menu choice's value is ``ref:choice``; the actor always comes from the payload's user."""
    value = str((action.get("selected_option") or {}).get("value", ""))
    ref, _, choice = value.partition(":")
    return ref_of(ref), choice
