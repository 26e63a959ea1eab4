"""LINE rendering: Flex bubbles for the forwarder's reply and the ticket card, text for the rest,
and the postback data the buttons carry (built and checked here, so both ends agree).

Every message is built as a dict and validated by the SDK's models before it is sent, so no user
text can break the JSON; texts are cut to LINE's limits.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from bot.config import Config
from bot.core.card import Action, Card, Place
from bot.core.card_data import read_card
from bot.core.domain import OutboundMessage
from bot.core.i18n import Translator

MAX_POSTBACK_CHARS = 300
LABEL_CHARS = 20
TEXT_CHARS = 5000
ALT_TEXT_CHARS = 400
CARD_TEXT_CHARS = 1000
"""The complaint as shown in a card; the full text stays in the ticket."""
DIGEST_TEXT_CHARS = 2000
"""The digest's lines in its bubble; the whole text is in the message's altText too (cut to 400)."""
QUICK_REPLY_ITEMS = 13
MESSAGES_PER_REQUEST = 5
SNOOZE_HOURS = 4
# Colours start with a letter, so no "#123456" ever reads like a ticket reference.
GREY, ACCENT, AMBER, RED = "#AAAAAA", "#AB47BC", "#B06000", "#D93025"

ACTIONS = {
    "ack": (),
    "res": (),
    "not_complaint": (),
    "rm": (),
    "re": ("d",),
    "sn": ("h",),
    "ft": (),
    "claim": (),
    "wait": (),
    "reply_customer": (),
    "sat": ("v",),
}
"""Postback actions and their extra fields: acknowledge, resolve, not a complaint, reassign menu,
reassign, snooze, full text (sent 1:1 to a permitted person), take the ticket, wait for the
customer, reply to the customer (the person's next message), and a customer's satisfaction answer."""
ANSWERS = frozenset({"good", "ok", "bad", "1", "2", "3", "4", "5"})
POSTBACK_CODES = {
    "acknowledge": "ack",
    "resolve": "res",
    "reassign": "rm",
    "snooze": "sn",
    "full_text": "ft",
}
"""The card actions' codes in postback data (kept short: the data has 300 characters)."""
LABELS = {"reassign": "line.button.reassign", "snooze": "line.button.snooze"}
"""Actions whose LINE button says more than the card's label (a menu here is one tap)."""
_REF = re.compile(r"[1-9][0-9]{0,8}")
_HOURS = re.compile(r"[1-9][0-9]{0,2}")


class BadPostback(ValueError):
    """Postback data that no button of ours made."""


@dataclass(frozen=True)
class Postback:
    action: str
    ref: int
    department: str | None = None
    hours: int | None = None
    answer: str | None = None

    def encode(self) -> str:
        fields: dict[str, str | int] = {"a": self.action, "t": self.ref}
        if self.department is not None:
            fields["d"] = self.department
        if self.hours is not None:
            fields["h"] = self.hours
        if self.answer is not None:
            fields["v"] = self.answer
        data = urlencode(fields)
        if len(data) > MAX_POSTBACK_CHARS:
            raise BadPostback("postback data too long")
        return data


def parse_postback(data: str, departments: Collection[str]) -> Postback:
    """Reads postback data strictly: known action, exactly its fields, integer ref, known department.

    Raises:
        BadPostback: anything else (the data is chosen by whoever sends the event).
    """
    if not data or len(data) > MAX_POSTBACK_CHARS:
        raise BadPostback("empty or too long")
    try:
        pairs = parse_qsl(data, keep_blank_values=True, strict_parsing=True, max_num_fields=3)
    except ValueError:
        raise BadPostback("not a query string") from None
    fields = dict(pairs)
    action = fields.get("a", "")
    if len(fields) != len(pairs) or action not in ACTIONS:
        raise BadPostback("unknown action or repeated field")
    if set(fields) != {"a", "t", *ACTIONS[action]}:
        raise BadPostback("wrong fields")
    if not _REF.fullmatch(fields["t"]):
        raise BadPostback("bad ticket reference")
    department = fields.get("d")
    if department is not None and department not in departments:
        raise BadPostback("unknown department")
    hours = fields.get("h")
    if hours is not None and not (_HOURS.fullmatch(hours) and int(hours) <= 168):
        raise BadPostback("hours out of range")
    answer = fields.get("v")
    if answer is not None and answer not in ANSWERS:
        raise BadPostback("unknown answer")
    return Postback(action, int(fields["t"]), department, int(hours) if hours else None, answer)


def cut(text: str, limit: int, more: str = "…") -> str:
    return text if len(text) <= limit else text[: limit - len(more)] + more


class FlexWriter:
    """Turns outbox messages into LINE message objects (as dicts)."""

    def __init__(self, config: Config, translator: Translator) -> None:
        self.config = config
        self.t = translator

    def to_messages(self, message: OutboundMessage) -> list[dict[str, Any]]:
        data = message.data
        if message.kind == "reply" and isinstance(data.get("ref"), int):
            return [self.to_reply(message)]
        if message.kind in ("card", "card_update"):
            card = read_card(data, self.t)
            if card is not None:
                return [self.to_card(card)]
        if message.kind == "digest" and "week" in data:
            return self.to_digest(message)
        messages = self.to_text(message.text)
        if message.kind == "customer" and isinstance(data.get("ref"), int) and data.get("satisfaction"):
            messages[-1]["quickReply"] = self.satisfaction_choices(int(data["ref"]), data["satisfaction"])
            return messages
        menu = data.get("reassign_menu")
        choices = self.department_choices(menu, None) if isinstance(menu, int) else None
        if choices:
            messages[-1]["quickReply"] = choices
        return messages

    def to_text(self, text: str) -> list[dict[str, Any]]:
        """Plain text in as few messages as LINE takes; what does not fit in five is cut."""
        text = text or "…"
        chunks = [text[i : i + TEXT_CHARS] for i in range(0, len(text), TEXT_CHARS)]
        if len(chunks) > MESSAGES_PER_REQUEST:
            chunks = chunks[:MESSAGES_PER_REQUEST]
            chunks[-1] = cut(chunks[-1], TEXT_CHARS, self.t("line.cut"))
        return [{"type": "text", "text": chunk} for chunk in chunks]

    def to_reply(self, message: OutboundMessage) -> dict[str, Any]:
        data = message.data
        ref = int(data["ref"])
        rows = [
            _pair(self.t("line.reply.department"), str(data.get("department_name") or "")),
            _pair(self.t("line.reply.deadline"), str(data.get("deadline") or "")),
        ]
        if data.get("needs_triage"):
            rows.append(_text(self.t("line.reply.triage"), size="sm", color=AMBER))
        rows.append(_text(self.t("line.reply.correct"), size="xs", color=GREY))
        bubble = {
            "type": "bubble",
            "header": _box([_text(self.t("line.reply.title", ref=ref), weight="bold", size="lg")]),
            "body": _box(rows, spacing="sm"),
        }
        current = data.get("department")
        reply: dict[str, Any] = {
            "type": "flex",
            "altText": cut(message.text, ALT_TEXT_CHARS),
            "contents": bubble,
        }
        choices = self.department_choices(ref, current if isinstance(current, str) else None)
        if choices:
            reply["quickReply"] = choices
        return reply

    def to_card(self, card: Card) -> dict[str, Any]:
        """A card as a bubble. LINE cannot edit a message, so an update is a new card that says
        first what changed."""
        rows = [_text(str(f.text), size="sm", color=ACCENT, weight="bold") for f in card.at(Place.NEWS)]
        rows += [_text(str(f.text), color=RED) for f in card.at(Place.ALERT)]
        rows += [_text(str(f.text), size="sm") for f in card.at(Place.FACT)]
        rows.append(_text(cut(card.body or "…", CARD_TEXT_CHARS, self.t("line.cut")), margin="md"))
        rows += [
            _text(" ".join(filter(None, [str(f.text), f.link])), size="sm", color=GREY)
            for f in card.at(Place.NOTE)
        ]
        footer = self.card_buttons(card)
        footer["contents"][:0] = self.guess_buttons(card)
        bubble: dict[str, Any] = {
            "type": "bubble",
            "size": "mega",
            "header": _box([_text(card.title or f"#{card.ref}", weight="bold", size="md")]),
            "body": _box(rows, spacing="sm"),
            "footer": footer,
        }
        return {"type": "flex", "altText": cut(card.to_text(), ALT_TEXT_CHARS), "contents": bubble}

    def to_digest(self, message: OutboundMessage) -> list[dict[str, Any]]:
        """The weekly digest as a Flex bubble (key figures, then every line of it), followed by the
        chart as an image message when the web app serves it (``chart_url``, https in production)."""
        data, t = message.data, self.t
        title, *body = message.text.splitlines() or ["-"]
        kept = data.get("deadline_kept")
        rows = [
            _pair(t("line.digest.count"), t("line.digest.count_value", count=data.get("count", 0),
                                                 last_week=data.get("last_week", 0))),
            _pair(t("line.digest.kept"), "-" if kept is None else t.percent(float(kept))),
            _pair(t("line.digest.open"), t("line.digest.open_value", open=data.get("open", 0),
                                                overdue=data.get("overdue_count", 0))),
            {"type": "separator", "margin": "md"},
            _text(cut("\n".join(body), DIGEST_TEXT_CHARS, t("line.cut")), size="sm", margin="md"),
        ]  # fmt: skip
        bubble = {
            "type": "bubble",
            "size": "giga",
            "header": _box([_text(title, weight="bold", size="md")]),
            "body": _box(rows, spacing="sm"),
        }
        messages: list[dict[str, Any]] = [
            {"type": "flex", "altText": cut(message.text, ALT_TEXT_CHARS), "contents": bubble}
        ]
        chart, preview = data.get("chart_url"), data.get("preview_url")
        # LINE refuses a whole push whose image URLs are not https: then the digest goes as text.
        if isinstance(chart, str) and isinstance(preview, str) and _https(chart) and _https(preview):
            messages.append({"type": "image", "originalContentUrl": chart, "previewImageUrl": preview})
        return messages

    def card_buttons(self, card: Card) -> dict[str, Any]:
        """The card's actions two to a row, then the body's (show full text) as links."""
        buttons = [self.action_button(card.ref, action) for action in card.actions]
        rows = [
            _box(buttons[i : i + 2], layout="horizontal", spacing="sm") for i in range(0, len(buttons), 2)
        ]
        rows += [self.action_button(card.ref, action, "link") for action in card.body_actions]
        return _box(rows, spacing="sm") if card.actions else _box(rows)

    def action_button(self, ref: int, action: Action, style: str | None = None) -> dict[str, Any]:
        """A postback button: ``a=`` the action's LINE code (its id for a new action), ``t=`` the
        ticket. A menu action is a button too: reassign asks for the department in a quick reply,
        snooze takes its usual hours at once."""
        code = POSTBACK_CODES.get(action.id, action.id)
        label = self.t(LABELS[action.id], hours=SNOOZE_HOURS) if action.id in LABELS else action.label
        hours = SNOOZE_HOURS if action.id == "snooze" else None
        return _button(
            cut(label, LABEL_CHARS),
            Postback(code, ref, hours=hours),
            style or ("primary" if action.primary else "secondary"),
        )

    def satisfaction_choices(self, ref: int, choices: Any) -> dict[str, Any]:
        """The satisfaction question's quick-reply buttons; the answer comes back as a postback
        whose actor is LINE's user (only the ticket's customer may answer)."""
        items = []
        for pair in choices if isinstance(choices, list) else []:
            value, label = str(pair[0]), cut(str(pair[1]), LABEL_CHARS)
            if value not in ANSWERS:
                continue
            data = Postback("sat", ref, answer=value).encode()
            action = {"type": "postback", "label": label, "data": data, "displayText": label}
            items.append({"type": "action", "action": action})
        return {"items": items[:QUICK_REPLY_ITEMS]}

    def guess_buttons(self, card: Card) -> list[dict[str, Any]]:
        """On a triage card, one postback button per best guess ("物流・配送 72%"): the card's own
        reassignment (``a=re``), so the webhook reads it as strictly and the actor is LINE's user."""
        if card.choices is None:
            return []
        buttons = []
        for choice in card.choices.items:
            short = cut(choice.name, max(LABEL_CHARS - len(choice.percent) - 1, 1))
            label = cut(self.t("card.guess", department=short, percent=choice.percent), LABEL_CHARS)
            postback = Postback("re", card.ref, department=choice.department)
            buttons.append({**_button(label, postback, "primary"), "color": ACCENT})
        prompt = _text(card.choices.prompt, size="xs", color=GREY)
        return [prompt, _box(buttons, spacing="sm"), {"type": "separator", "margin": "md"}]

    def department_choices(self, ref: int, current: str | None) -> dict[str, Any] | None:
        """Quick-reply buttons that move ticket ``ref`` to another department (``None``: no other)."""
        items = []
        for department in self.config.departments:
            if department.key == current:
                continue
            label = cut(department.name(self.t.language), LABEL_CHARS)
            data = Postback("re", ref, department=department.key).encode()
            items.append(
                {
                    "type": "action",
                    "action": {"type": "postback", "label": label, "data": data, "displayText": label},
                }
            )
        return {"items": items[:QUICK_REPLY_ITEMS]} if items else None


def _button(label: str, postback: Postback, style: str) -> dict[str, Any]:
    action = {"type": "postback", "label": label, "data": postback.encode()}
    if style != "link":  # the full text goes 1:1: nothing to echo in the group
        action["displayText"] = label
    return {"type": "button", "style": style, "height": "sm", "action": action}


def _https(url: str) -> bool:
    return url.startswith("https://")


def _text(text: str, **style: Any) -> dict[str, Any]:
    # A Flex text component must not be empty.
    return {"type": "text", "text": text or "-", "wrap": True, **style}


def _pair(label: str, value: str) -> dict[str, Any]:
    return _box(
        [_text(label, size="sm", color=GREY, flex=2), _text(value, size="sm", flex=5)],
        layout="horizontal",
        spacing="sm",
    )


def _box(contents: list[dict[str, Any]], layout: str = "vertical", **style: Any) -> dict[str, Any]:
    return {"type": "box", "layout": layout, "contents": contents, **style}
