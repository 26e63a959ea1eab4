"""Where messages go: each department's channel or group on each enabled platform."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol

from bot.config import Config
from bot.core.domain import Ticket, UnknownDepartment
from bot.core.wording import find_department

Target = tuple[str, str]
ChartDelivery = Literal["upload", "url", "none"]
MANAGERS = "managers"
"""The managers' team: every department's tickets, and the cross-team digest."""


def team_key(config: Config, name: str, *, managers: bool = False) -> str:
    """A configured department's key as written in ``name`` (any case), or ``managers`` where the
    managers count as a team (the digest). The one check of a team someone typed or chose.

    Raises:
        UnknownDepartment: no such team; the error lists the known ones.
    """
    key = find_department(config.departments, name) or name.strip().lower()  # a key or any shown name
    if config.department(key) is not None or (managers and key == MANAGERS):
        return key
    known = (*config.department_keys, MANAGERS) if managers else config.department_keys
    raise UnknownDepartment(name, ", ".join(known))


class Addresses(Protocol):
    """One platform's channels for the teams and the managers, and how it takes a digest's chart."""

    chart_delivery: ChartDelivery
    """``upload``: the chart follows the digest as a file; ``url``: the digest links it (the
    platform fetches images from [web] public_url); ``none``: text only."""

    def team(self, department: str | None) -> str | None:
        """The team's channel; ``None`` (no department) is the human triage queue's."""
        ...

    def managers(self) -> str | None: ...


class ConfiguredAddresses:
    """The channels config.toml names for a platform: ``[[departments]]`` and ``[managers]`` entries,
    with the platform section's triage target for tickets without a team channel."""

    def __init__(self, config: Config, platform: str, chart_delivery: ChartDelivery = "none") -> None:
        self.config = config
        self.platform = platform
        self.chart_delivery = chart_delivery

    def team(self, department: str | None) -> str | None:
        team = self.config.department(department) if department else None
        settings = self.config.platforms.get(self.platform)
        triage = settings.triage_target if settings is not None else None
        return (team.targets.get(self.platform) if team else None) or triage

    def managers(self) -> str | None:
        return self.config.managers.targets.get(self.platform)


class Directory:
    """Maps departments and the managers to (platform, channel) targets on the enabled platforms."""

    def __init__(self, config: Config, addresses: Mapping[str, Addresses]) -> None:
        self.config = config
        self.addresses = dict(addresses)

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(self.addresses)

    def team_targets(self, department: str | None) -> list[Target]:
        """The team's channels; ``None`` means the human triage queue."""
        known = department if department and self.config.department(department) else None
        found = ((name, book.team(known)) for name, book in self.addresses.items())
        return [(name, channel) for name, channel in found if channel]

    def ticket_targets(self, ticket: Ticket) -> list[Target]:
        """Where a ticket's card and reminders go: its team, or triage while it needs triage.

        With no channel configured for it on any platform they go back where the complaint came
        from, so nothing is ever posted nowhere.
        """
        department = None if ticket.needs_triage else ticket.department
        return self.team_targets(department) or [(ticket.platform, ticket.channel)]

    def manager_targets(self) -> list[Target]:
        found = ((name, book.managers()) for name, book in self.addresses.items())
        return [(name, channel) for name, channel in found if channel]

    def chart_delivery(self, platform: str) -> ChartDelivery:
        book = self.addresses.get(platform)
        return book.chart_delivery if book is not None else "none"
