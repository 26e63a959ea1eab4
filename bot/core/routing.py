"""Where messages go: each department's channel or group on each enabled platform."""

from __future__ import annotations

from collections.abc import Sequence

from bot.config import Config
from bot.core.domain import Ticket

Target = tuple[str, str]


class Directory:
    """Maps departments and the managers to (platform, channel) targets.

    ``platforms`` are the enabled chat platforms. The console has one screen for everything, so
    its channels are just labels (``team:logistics``, ``triage``, ``managers``).
    """

    def __init__(self, config: Config, platforms: Sequence[str]) -> None:
        self.config = config
        self.platforms = tuple(platforms)

    def team_targets(self, department: str | None) -> list[Target]:
        """The team's channels; ``None`` means the human triage queue."""
        found: list[Target] = []
        team = self.config.department(department) if department else None
        for platform in self.platforms:
            if platform == "console":
                found.append(("console", f"team:{department}" if team else "triage"))
            elif platform == "slack":
                channel = (team.slack_channel if team else None) or self.config.slack.triage_target
                if channel:
                    found.append(("slack", channel))
            elif platform == "line":
                group = (team.line_group if team else None) or self.config.line.triage_target
                if group:
                    found.append(("line", group))
        return found

    def ticket_targets(self, ticket: Ticket) -> list[Target]:
        """Where a ticket's card and reminders go: its team, or triage while it needs triage.

        With no channel configured for it on any platform they go back where the complaint came
        from, so nothing is ever posted nowhere.
        """
        department = None if ticket.needs_triage else ticket.department
        return self.team_targets(department) or [(ticket.platform, ticket.channel)]

    def manager_targets(self) -> list[Target]:
        managers = self.config.managers
        found: list[Target] = []
        for platform in self.platforms:
            if platform == "console":
                found.append(("console", "managers"))
            elif platform == "slack" and managers.slack_channel:
                found.append(("slack", managers.slack_channel))
            elif platform == "line" and managers.line_group:
                found.append(("line", managers.line_group))
        return found
