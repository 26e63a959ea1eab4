"""The chat platforms the bot knows: the only list of them. Adding one is a folder and a line here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.config import Config, PlatformSection
from bot.core.ports import Sender
from bot.core.routing import Addresses, Directory
from bot.platforms import console, line, slack
from bot.platforms.base import Platform

PLATFORMS: Mapping[str, Platform] = {p.name: p for p in (slack.PLATFORM, line.PLATFORM, console.PLATFORM)}


def config_sections() -> list[PlatformSection]:
    return [p.section for p in PLATFORMS.values() if p.section is not None]


def enabled(config: Config) -> list[Platform]:
    """The platforms whose credentials are set, in registry order."""
    return [p for p in PLATFORMS.values() if p.name in config.enabled]


def build_senders(config: Config) -> dict[str, Sender]:
    """One sender per configured chat platform, each handed the platforms' customers' media."""
    media = {p.name: p.make_media(config) for p in enabled(config) if p.make_media is not None}
    return {p.name: p.make_sender(config, media) for p in enabled(config) if p.make_sender is not None}


def directory(config: Config, names: Sequence[str]) -> Directory:
    """Where each team's and the managers' messages go on the named platforms."""
    books: dict[str, Addresses] = {name: PLATFORMS[name].addresses(config) for name in names}
    return Directory(config, books)
