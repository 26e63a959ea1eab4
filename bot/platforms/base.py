"""What a chat platform is to the rest of the bot: a :class:`Platform` per folder, listed in the registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.config import Config, PlatformSection
from bot.core.access import GroupMembers
from bot.core.ports import Clock, MediaSource, Sender
from bot.core.routing import Addresses, ChartDelivery, ConfiguredAddresses

if TYPE_CHECKING:
    from flask import Flask

    from bot.core.usecases import Services

Background = Callable[[], Callable[[], None]]
"""A long-running part a platform adds (Slack's Socket Mode): started with the app, returns its stop."""


@dataclass(frozen=True)
class Job:
    """A periodic check a platform needs (LINE's message quota)."""

    name: str
    every_minutes: int
    start: Callable[[Services], Callable[[], object]]
    """Called once when the scheduler is built; returns what it runs every ``every_minutes``."""


@dataclass(frozen=True)
class Platform:
    """Everything the runtime asks of a chat platform; heavy SDK imports happen only when called."""

    name: str
    section: PlatformSection | None = None
    """Its part of config.toml and the environment (``None``: the console needs none)."""
    chart_delivery: ChartDelivery = "none"
    make_sender: Callable[[Config, Mapping[str, MediaSource]], Sender] | None = None
    """Its sender, given the other platforms' customers' media (to show a photo to the team)."""
    make_media: Callable[[Config], MediaSource] | None = None
    """Where its customers' photos can be fetched (a customer channel)."""
    register_web: Callable[[Flask, Services], Sequence[Background]] | None = None
    """Adds its endpoints (events, webhooks) to the web app; returns what must run beside it."""
    group_members: Callable[[Config, Clock], GroupMembers | None] | None = None
    """Who belongs to the user groups [roles] may name on this platform."""
    jobs: Sequence[Job] = field(default_factory=tuple)
    check: Callable[[Config], list[str]] | None = None
    """The start-up check that asks the platform what it can (credentials, channels, webhook):
    each problem in words, for the log and /readyz. It never raises: a bot that can half-work runs."""

    def addresses(self, config: Config) -> Addresses:
        return ConfiguredAddresses(config, self.name, self.chart_delivery)


def configured_targets(config: Config, section: PlatformSection, triage_key: str) -> list[tuple[str, str]]:
    """Every channel the config names on ``section``'s platform, as ``(config key, id)``;
    ``triage_key`` is the section's key for the triage channel."""
    name, key = section.name, section.team_key
    found = [(f"departments.{d.key}.{key}", d.targets[name]) for d in config.departments if name in d.targets]
    if name in config.managers.targets:
        found.append((f"managers.{key}", config.managers.targets[name]))
    settings = config.platforms.get(name)
    if settings is not None and settings.triage_target:
        found.append((f"{name}.{triage_key}", settings.triage_target))
    return found


def misformed_targets(targets: list[tuple[str, str]], section: PlatformSection) -> list[str]:
    """The targets that are not ids of the platform (a channel's name, a typo), each in words."""
    return [f"{key}: {why}" for key, value in targets if (why := section.misformed(value))]
