"""Block Kit for Slack: the ticket card, the forwarder's reply, plain notices, the complaint modal
and the App Home tab.

User text never reaches Slack as markup: ``&``, ``<`` and ``>`` are escaped everywhere (so
``<!channel>`` or ``<@U123>`` cannot ping), and complaint text goes in ``plain_text`` objects (so
``*bold*`` stays as typed). Every text is cut to the limit of the field it goes in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.config import Config
from bot.core.card import Action, Card, Field, Place
from bot.core.card_data import read_card
from bot.core.cards import CardWriter
from bot.core.domain import OutboundMessage, Ticket
from bot.core.i18n import Translator

Block = dict[str, Any]

SECTION_CHARS = 3000
FIELD_CHARS = 2000
HEADER_CHARS = 150
OPTION_CHARS = 75
FALLBACK_CHARS = 3000
MAX_BLOCKS = 50
HOME_TICKETS = 40
SECTION_FIELDS = 10
CUSTOMER_CHANNELS = ("line", "phone", "email", "form", "chat", "other")

ACTION_PREFIX = "ticket_"
"""A card action's ``action_id`` is this and the card's action id (``ticket_resolve``)..."""
ACTION_IDS = {"reply_customer": "reply_customer"}
"""...except these, whose ``action_id`` is fixed elsewhere (お客様に返信 opens the reply form)."""
REPLY_CUSTOMER = "reply_customer"
CLAIM = "ticket_claim"
WAIT = "ticket_wait"
ACKNOWLEDGE = "ticket_acknowledge"
RESOLVE = "ticket_resolve"
NOT_COMPLAINT = "ticket_not_complaint"
REASSIGN = "ticket_reassign"
SNOOZE = "ticket_snooze"
CORRECT = "reply_reassign"
FULL_TEXT = "ticket_full_text"
MODAL = "complaint_modal"
OPEN_SOURCE = "open_source_message"
GUESS = "ticket_guess"
"""Prefix of the best-guess buttons' action ids (``ticket_guess_0``...): unique within their block."""
GUESS_ACTION = re.compile(rf"^{GUESS}_[0-9]$")
GUESS_NAME_CHARS = 60
"""A department name on a guess button, so that its percentage still fits in the button."""
URL_CHARS = 3000


def escape(text: str) -> str:
    """Escapes the three characters Slack reads as markup (``<!channel>`` becomes inert text)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending in an ellipsis when shortened (never mid-entity)."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    amp = head.rfind("&")
    if amp >= 0 and ";" not in head[amp:]:
        head = head[:amp]  # do not leave half of an escaped &lt; behind
    return head + "…"


def plain(text: str, limit: int = SECTION_CHARS) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(escape(text), limit) or " ", "emoji": True}


_MARKUP = re.compile(r"<([^<>]*)>")


def to_plain(text: str) -> str:
    """Slack's message markup as readable plain text: ``<@U1|ann>`` → ``@ann``, ``<!here>`` →
    ``@here``, ``<https://x|label>`` → ``label (https://x)``, ``&lt;`` → ``<``."""

    def readable(match: re.Match[str]) -> str:
        inner = match[1]
        target, _, label = inner.partition("|")
        if target.startswith(("@", "#")):
            return target[0] + (label.lstrip("@#") or target[1:])
        if target.startswith("!"):
            name = target[1:].split("^", 1)[0]
            if name in ("date", "subteam") and label:
                return label
            return "@" + name
        if label and label != target.removeprefix("mailto:"):
            return f"{label} ({target})"
        return label or target.removeprefix("mailto:")

    return _MARKUP.sub(readable, text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def fallback(text: str) -> str:
    """The message's top-level text (notifications, old clients): escaped and short."""
    return cut(escape(text), FALLBACK_CHARS) or " "


def context(text: str) -> Block:
    return {"type": "context", "elements": [plain(text, FIELD_CHARS)]}


def _options(pairs: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"text": plain(label, OPTION_CHARS), "value": value} for value, label in pairs[:100]]


def department_options(ref: int, departments: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    return _options([(f"{ref}:{key}", name) for key, name in departments])


def _select(action_id: str, placeholder: str, options: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": plain(placeholder, OPTION_CHARS),
        "options": options,
    }


class BlockWriter:
    """Renders the bot's messages and views in the configured language."""

    def __init__(self, config: Config, translator: Translator | None = None) -> None:
        self.config = config
        self.t = translator or Translator(config.language)

    @property
    def departments(self) -> list[list[str]]:
        return [[d.key, d.name(self.t.language)] for d in self.config.departments]

    def to_blocks(self, message: OutboundMessage) -> list[Block]:
        if message.kind in ("card", "card_update"):
            card = read_card(message.data, self.t)
            if card is not None:
                return self.card(card)
        if message.kind == "reply" and "ref" in message.data:
            return self.reply(message.text, int(message.data["ref"]))
        if message.kind == "digest" and "week" in message.data:
            return self.digest(message.text, message.data)
        return self.notice(message.text)

    def card(self, card: Card) -> list[Block]:
        """Header, alerts, the facts side by side, the complaint text, notes, news, then buttons."""
        blocks: list[Block] = [{"type": "header", "text": plain(card.title, HEADER_CHARS)}]
        blocks += [context(str(field.text)) for field in card.at(Place.ALERT)]
        facts = [plain(str(field.text), FIELD_CHARS) for field in card.at(Place.FACT)]
        for i in range(0, len(facts), SECTION_FIELDS):
            blocks.append({"type": "section", "fields": facts[i : i + SECTION_FIELDS]})
        body: Block = {"type": "section", "text": plain(card.body)}
        # Shown to everyone in the channel; the unmasked text goes only to permitted people.
        for action in card.body_actions[:1]:
            body["accessory"] = self.button(card.ref, action)
        blocks.append(body)
        blocks += [self.note(field) for field in card.at(Place.NOTE)]
        blocks += [context(str(field.text)) for field in card.at(Place.NEWS)]
        blocks += self.guesses(card)
        if card.actions:
            elements = [self.element(card.ref, action) for action in card.actions]
            blocks.append({"type": "actions", "block_id": f"ticket-{card.ref}", "elements": elements})
        return blocks

    def guesses(self, card: Card) -> list[Block]:
        """On a triage card, one button per best guess ("物流・配送 72%") that routes the ticket there.
        The value carries only ``ref:department``; who clicked comes from Slack's signed payload."""
        if card.choices is None:
            return []
        t, ref = self.t, card.ref
        buttons = [
            {
                "type": "button",
                "action_id": f"{GUESS}_{i}",
                "text": plain(
                    t("card.guess", department=cut(choice.name, GUESS_NAME_CHARS), percent=choice.percent),
                    OPTION_CHARS,
                ),
                "value": f"{ref}:{choice.department}",
            }
            for i, choice in enumerate(card.choices.items)
        ]
        return [
            context(card.choices.prompt),
            {"type": "actions", "block_id": f"guesses-{ref}", "elements": buttons},
        ]

    def note(self, field: Field) -> Block:
        """A line under the complaint; with a link (the forwarded message's permalink), a button to it."""
        block: Block = {"type": "section", "text": plain(str(field.text), FIELD_CHARS)}
        url = field.link
        if url is not None and url.startswith("https://") and len(url) <= URL_CHARS:
            block["accessory"] = {
                "type": "button",
                "action_id": OPEN_SOURCE,
                "text": plain(self.t("slack.source_link"), OPTION_CHARS),
                "url": url,
            }
        return block

    @staticmethod
    def button(ref: int, action: Action) -> dict[str, Any]:
        button = {
            "type": "button",
            "action_id": ACTION_IDS.get(action.id, ACTION_PREFIX + action.id),
            "text": plain(action.label, OPTION_CHARS),
            "value": str(ref),
        }
        if action.primary:
            button["style"] = "primary"
        return button

    def element(self, ref: int, action: Action) -> dict[str, Any]:
        """A button, or for an action with options a menu whose values are ``ref:option``."""
        if not action.options:
            return self.button(ref, action)
        options = _options([(f"{ref}:{option.value}", option.label) for option in action.options])
        return _select(ACTION_PREFIX + action.id, action.label, options)

    def digest(self, text: str, data: dict[str, Any]) -> list[Block]:
        """The weekly digest: its title, the key figures side by side, then every line of it."""
        t = self.t
        title, *body = text.splitlines() or [" "]
        kept = data.get("deadline_kept")
        fields = [
            t("digest.field.count", count=data.get("count", 0), last_week=data.get("last_week", 0)),
            t("digest.field.kept", kept="-" if kept is None else t.percent(float(kept))),
            t("digest.field.open", open=data.get("open", 0), overdue=data.get("overdue_count", 0)),
        ]
        blocks: list[Block] = [
            {"type": "header", "text": plain(title, HEADER_CHARS)},
            {"type": "section", "fields": [plain(field, FIELD_CHARS) for field in fields]},
            {"type": "divider"},
        ]
        return blocks + self.notice("\n".join(body))[: MAX_BLOCKS - len(blocks)]

    def reply(self, text: str, ref: int) -> list[Block]:
        """The forwarder's confirmation, with a menu to correct the department at once."""
        return [
            {
                "type": "section",
                "block_id": f"reply-{ref}",
                "text": plain(text),
                "accessory": _select(
                    CORRECT, self.t("slack.correct"), department_options(ref, self.departments)
                ),
            }
        ]

    def notice(self, text: str) -> list[Block]:
        """Reminders, escalations, digests: plain text in as many sections as it needs."""
        chunks = [text[i : i + SECTION_CHARS - 200] for i in range(0, len(text), SECTION_CHARS - 200)]
        return [{"type": "section", "text": plain(chunk)} for chunk in chunks[:MAX_BLOCKS]] or [
            {"type": "section", "text": plain(" ")}
        ]

    def complaint_modal(self, initial_text: str) -> dict[str, Any]:
        """``/complaint``'s form: the text (prefilled with what followed the command), order number,
        the channel the customer used, and an optional department that overrides the classifier."""
        t = self.t
        channels = [(key, t(f"slack.customer.{key}")) for key in CUSTOMER_CHANNELS]

        def field(block_id: str, label: str, element: dict[str, Any], optional: bool) -> Block:
            element["action_id"] = block_id
            return {
                "type": "input",
                "block_id": block_id,
                "optional": optional,
                "label": plain(label, 2000),
                "element": element,
            }

        text_input: dict[str, Any] = {"type": "plain_text_input", "multiline": True, "max_length": 3000}
        if initial_text.strip():
            text_input["initial_value"] = initial_text[:3000]
        departments = _options([(key, name) for key, name in self.departments])
        return {
            "type": "modal",
            "callback_id": MODAL,
            "title": plain(t("slack.modal.title"), 24),
            "submit": plain(t("slack.modal.submit"), 24),
            "close": plain(t("slack.modal.close"), 24),
            "blocks": [
                field("text", t("slack.modal.text"), text_input, False),
                field("order", t("slack.modal.order"), {"type": "plain_text_input", "max_length": 100}, True),
                field(
                    "customer",
                    t("slack.modal.customer"),
                    {"type": "plain_text_input", "max_length": 100},
                    True,
                ),
                field(
                    "channel",
                    t("slack.modal.channel"),
                    {"type": "static_select", "options": _options(channels)},
                    True,
                ),
                field(
                    "department",
                    t("slack.modal.department"),
                    {"type": "static_select", "options": departments},
                    True,
                ),
            ],
        }

    def home(
        self, tickets: Sequence[Ticket], writer: CardWriter, now: datetime, *, user: str | None = None
    ) -> dict[str, Any]:
        """The App Home tab: the open tickets' count per department, then each with its time left
        (the tickets ``user`` owns first, under their own heading)."""
        t = self.t
        counts: dict[str, int] = {}
        lines = []
        mine = sum(1 for ticket in tickets if user and ticket.owner == user)
        for ticket in tickets:
            department = writer.department_name(None if ticket.needs_triage else ticket.department)
            counts[department] = counts.get(department, 0) + 1
            status = writer.list_status(ticket)
            left = writer.time_left(ticket, now)
            lines.append(
                t(
                    "list.item",
                    ref=ticket.ref,
                    status=status,
                    department=department,
                    left=left,
                    summary=writer.summary(ticket),
                )
            )
        header = t("list.header", count=len(tickets)) if tickets else t("list.empty")
        blocks: list[Block] = [{"type": "header", "text": plain(header, HEADER_CHARS)}]
        if counts:
            totals = [t("slack.home.count", department=name, count=n) for name, n in counts.items()]
            blocks.append({"type": "section", "text": plain("\n".join(totals))})
            blocks.append({"type": "divider"})
        if mine:
            lines.insert(0, t("home.mine", count=mine))
            lines.insert(mine + 1, t("home.others"))
        blocks += [{"type": "section", "text": plain(line)} for line in lines[:HOME_TICKETS]]
        if len(lines) > HOME_TICKETS:
            more = t("slack.home.more", count=len(lines) - HOME_TICKETS)
            blocks.append({"type": "context", "elements": [plain(more, FIELD_CHARS)]})
        return {"type": "home", "blocks": blocks}
