"""Answering on LINE: into the chat an event came from (with its reply token, which the sender uses
before falling back to a push) or privately to one person, and each event answered once however
often LINE redelivers it."""

from __future__ import annotations

from typing import Any

from bot.core.domain import OutboundMessage
from bot.core.usecases import Services

LINE = "line"


class Chat:
    def __init__(self, services: Services) -> None:
        self.services = services

    def first_time(self, event: Any) -> bool:
        """Records the event id; False when it was handled before (a redelivery)."""
        return self.services.first_time(LINE, str(event.webhook_event_id))

    def first_of_set(self, image_set: str) -> bool:
        """False when another photo of the same imageSet was answered already."""
        return self.services.first_time(LINE, f"imageset:{image_set}")

    def answer(self, event: Any, text: str, **data: Any) -> None:
        """Queues ``text`` for the chat the event came from, with its reply token when it has one."""
        source = getattr(event, "source", None)
        if source is None or not chat_id(source):
            return
        token = getattr(event, "reply_token", None)
        if token:
            data["reply_token"] = str(token)
        self.services.post(OutboundMessage(LINE, chat_id(source), "notice", text, data))

    def send_privately(self, event: Any, actor: str, text: str, notice: str, ref: int) -> None:
        """``text`` as a 1:1 push to ``actor``; the chat the event came from only hears ``notice``."""
        self.services.post(OutboundMessage(LINE, actor, "private", text, {}, ref))
        self.answer(event, notice)


def chat_id(source: Any) -> str:
    """Where to answer: the group, the room, or the user's 1:1 chat."""
    field = {"group": "group_id", "room": "room_id"}.get(getattr(source, "type", ""), "user_id")
    return str(getattr(source, field, None) or "")
