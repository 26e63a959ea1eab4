"""What a chat platform is to the rest of the bot: a :class:`Platform` per folder, listed in the registry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.config import Config, PlatformSection
from bot.core.access import GroupMembers
from bot.core.ports import Clock, Sender
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
    make_sender: Callable[[Config], Sender] | None = None
    register_web: Callable[[Flask, Services], Sequence[Background]] | None = None
    """Adds its endpoints (events, webhooks) to the web app; returns what must run beside it."""
    group_members: Callable[[Config, Clock], GroupMembers | None] | None = None
    """Who belongs to the user groups [roles] may name on this platform."""
    jobs: Sequence[Job] = field(default_factory=tuple)

    def addresses(self, config: Config) -> Addresses:
        return ConfiguredAddresses(config, self.name, self.chart_delivery)
