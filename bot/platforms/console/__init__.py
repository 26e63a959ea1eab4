"""The console: the local chat in the terminal, the embedded default when no platform is configured."""

from __future__ import annotations

from bot.config import Config
from bot.core.routing import Addresses, ChartDelivery
from bot.platforms.base import Platform

NAME = "console"


class ConsoleAddresses:
    """The console has one screen for everything, so its channels are labels."""

    chart_delivery: ChartDelivery = "none"

    def __init__(self, config: Config) -> None:
        self.config = config

    def team(self, department: str | None) -> str | None:
        return f"team:{department}" if department else "triage"

    def managers(self) -> str | None:
        return "managers"


class ConsolePlatform(Platform):
    def addresses(self, config: Config) -> Addresses:
        return ConsoleAddresses(config)


PLATFORM = ConsolePlatform(name=NAME)
