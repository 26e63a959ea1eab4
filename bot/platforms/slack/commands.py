"""Slash commands (``/history``, ``/digest``) and the App Home tab."""

from __future__ import annotations

from typing import Any

from slack_sdk.web import WebClient

from bot.config import Config
from bot.core.domain import InvalidArgument
from bot.core.i18n import Translator
from bot.core.routing import MANAGERS
from bot.core.usecases import Services
from bot.platforms.slack import blocks as kit
from bot.platforms.slack.blocks import BlockWriter
from bot.platforms.slack.interactions import ref_of
from bot.platforms.slack.payloads import PLATFORM
from bot.platforms.slack.settings import NAME

SHARE_WORDS = frozenset({"here", "share"})
"""``/digest logistics here`` posts the digest in the channel instead of answering only the caller."""


class CommandHandlers:
    """The command and App Home handlers of :class:`~bot.platforms.slack.events.SlackAdapter`."""

    services: Services
    config: Config
    t: Translator
    kit: BlockWriter

    def handle_history_command(self, ack: Any, command: dict[str, Any]) -> None:
        """``/history #N``: the ticket's audit trail, only to the person who asked."""
        words = str(command.get("text", "")).split()
        if len(words) != 1:
            raise InvalidArgument("error.usage", usage=self.t("usage.history"))
        text = self.services.history_text(ref_of(words[0]), command["user_id"])
        ack(response_type="ephemeral", text=kit.fallback(text), blocks=self.kit.notice(text))

    def handle_digest_command(self, ack: Any, command: dict[str, Any]) -> None:
        """``/digest [team] [here]``: this week's digest so far, like the console's. Only the caller
        sees it, unless ``here`` shares it (with its chart) in the channel through the outbox.
        Without a team: the team whose channel this is, else the managers' view."""
        words = command.get("text", "").lower().split()
        share = any(word in SHARE_WORDS for word in words)
        names = [word for word in words if word not in SHARE_WORDS]
        channel = command.get("channel_id", "")
        team = names[0] if names else self._team_of_channel(channel)
        if share:
            self.services.share_digest(command["user_id"], team, PLATFORM, channel)
            ack(text=kit.fallback(self.t("slack.digest.shared")), response_type="ephemeral")
            return
        digest = self.services.digest(command["user_id"], team)
        ack(
            text=kit.fallback(digest.text),
            blocks=self.kit.digest(digest.text, digest.data),
            response_type="ephemeral",
        )

    def _team_of_channel(self, channel: str) -> str:
        found = next((d.key for d in self.config.departments if d.targets.get(NAME) == channel), None)
        return found or MANAGERS

    # -- App Home -------------------------------------------------------------------------------

    def handle_app_home_opened(self, event: dict[str, Any], client: WebClient) -> None:
        """The user's team's open tickets (every team's for managers), with time left and counts."""
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        tickets = self.services.tickets_for(user)
        if tickets is None:
            view = {"type": "home", "blocks": self.kit.notice(self.t("home.no_team"))}
        else:
            view = self.kit.home(tickets, self.services.writer, self.services.clock.now())
        client.views_publish(user_id=user, view=view)
