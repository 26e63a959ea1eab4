"""The card's customer buttons on Slack: お客様に返信 (a modal with the reply and the team's
templates), 担当する, お客様の返信待ち, and ``/find``. Each handler calls one use case of
:class:`~bot.core.customers.CustomerDesk`; the actor is always the payload's signed user.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App as BoltApp
from slack_sdk.web import WebClient

from bot.core.access import Forbidden
from bot.core.domain import InvalidArgument, UnknownTicket
from bot.core.i18n import Translator
from bot.core.usecases import Services
from bot.platforms.slack.blocks import CLAIM, OPTION_CHARS, REPLY_CUSTOMER, WAIT, Block, fallback, plain

log = logging.getLogger(__name__)

CUSTOMER_REPLY = "customer_reply"
"""The reply modal's callback id."""
REPLY_TEXT = "reply_text"
"""Block id prefix of the modal's text box (a new id per chosen template, so Slack shows its text)."""
REPLY_TEMPLATE = "reply_template"
MODAL_TEXT_CHARS = 3000
"""Slack's limit for a plain-text input (LINE takes up to 5000)."""
TITLE_CHARS = 24


def reply_modal(t: Translator, ref: int, templates: list[str], chosen: int = 0) -> dict[str, Any]:
    """The reply form: the text (the chosen template to start from) and the templates to pick from."""
    text_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": REPLY_TEXT,
        "multiline": True,
        "max_length": MODAL_TEXT_CHARS,
    }
    if templates:
        text_input["initial_value"] = templates[chosen][:MODAL_TEXT_CHARS]
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": f"{REPLY_TEXT}_{chosen}",
            "label": plain(t("reply.modal.text"), 2000),
            "element": text_input,
            "optional": bool(templates),
        }
    ]
    if templates:
        blocks.append(_template_menu(t, templates, chosen))
    return {
        "type": "modal",
        "callback_id": CUSTOMER_REPLY,
        "private_metadata": str(ref),
        "title": plain(t("reply.modal.title"), TITLE_CHARS),
        "submit": plain(t("reply.modal.submit"), TITLE_CHARS),
        "close": plain(t("slack.modal.close"), TITLE_CHARS),
        "blocks": blocks,
    }


def _template_menu(t: Translator, templates: list[str], chosen: int) -> Block:
    """The templates to start from; picking one refills the text box (``dispatch_action``)."""
    options = [
        {"text": plain(text.replace("\n", " "), OPTION_CHARS), "value": str(i)}
        for i, text in enumerate(templates[:100])
    ]
    return {
        "type": "input",
        "block_id": REPLY_TEMPLATE,
        "optional": True,
        "dispatch_action": True,
        "label": plain(t("reply.modal.template"), 2000),
        "element": {
            "type": "static_select",
            "action_id": REPLY_TEMPLATE,
            "options": options,
            "initial_option": options[chosen],
        },
    }


class CustomerHandlers:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.t = services.t

    def register(self, bolt: BoltApp) -> None:
        bolt.action(REPLY_CUSTOMER)(self.handle_reply_customer)
        bolt.action(REPLY_TEMPLATE)(self.handle_reply_template)
        bolt.view_submission(CUSTOMER_REPLY)(self.handle_customer_reply)
        bolt.action(CLAIM)(self.handle_claim)
        bolt.action(WAIT)(self.handle_wait)
        bolt.command("/find")(self.handle_find_command)

    def handle_reply_customer(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        """Opens the reply form for a permitted person (a refusal is audited and answered)."""
        ref, user = _ref(action.get("value")), body["user"]["id"]
        view = reply_modal(self.t, ref, self.services.desk.templates(ref, user))
        client.views_open(trigger_id=body["trigger_id"], view=view)
        ack()

    def handle_reply_template(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        """A template picked in the form: the text box starts again from it."""
        ack()
        view = body.get("view") or {}
        ref = _ref(view.get("private_metadata"))
        templates = self.services.desk.templates(ref, body["user"]["id"])
        chosen = str((action.get("selected_option") or {}).get("value", ""))
        if not chosen.isdigit() or int(chosen) >= len(templates):
            return  # not one of the options this form offered: the form stays as it is
        client.views_update(
            view_id=view["id"], hash=view.get("hash"), view=reply_modal(self.t, ref, templates, int(chosen))
        )

    def handle_customer_reply(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        """Sends the reply; what is wrong with it is shown in the form, which stays open."""
        ref, user = _ref(view.get("private_metadata")), body["user"]["id"]
        values = view["state"]["values"]
        block, text = _reply_text(values)
        try:
            if not text.strip():
                text = self._template(ref, user, values)
            self.services.desk.reply(ref, user, text)
        except (InvalidArgument, Forbidden) as error:
            ack(response_action="errors", errors={block: self.t(error.text_key, **error.params)})
            return
        ack()

    def _template(self, ref: int, user: str, values: dict[str, Any]) -> str:
        state = (values.get(REPLY_TEMPLATE) or {}).get(REPLY_TEMPLATE) or {}
        chosen = str((state.get("selected_option") or {}).get("value", ""))
        templates = self.services.desk.templates(ref, user)
        return templates[int(chosen)] if chosen.isdigit() and int(chosen) < len(templates) else ""

    def handle_claim(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        self.services.desk.claim(_ref(action.get("value")), body["user"]["id"])
        ack()

    def handle_wait(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        self.services.desk.wait(_ref(action.get("value")), body["user"]["id"])
        ack()

    def handle_find_command(self, ack: Any, command: dict[str, Any]) -> None:
        """``/find TEXT``: only the asker sees the answer, masked as on the cards."""
        text = self.services.finder.find_text(
            str(command.get("text", "")), command["user_id"], self.services.clock.now()
        )
        ack(response_type="ephemeral", text=fallback(text))


def _reply_text(values: dict[str, Any]) -> tuple[str, str]:
    """The form's text box (its block id changes with the template chosen) and what it holds."""
    for block, actions in values.items():
        if block.startswith(REPLY_TEXT) and isinstance(actions, dict):
            state = actions.get(REPLY_TEXT) or {}
            return block, str(state.get("value") or "")
    return f"{REPLY_TEXT}_0", ""


def _ref(value: Any) -> int:
    text = str(value or "").strip().lstrip("#")
    if not text.isdigit() or len(text) > 9:
        raise UnknownTicket(str(value)[:20])
    return int(text)
