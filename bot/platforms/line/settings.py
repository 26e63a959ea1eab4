"""LINE's part of the configuration: the [line] section, the team groups and the credentials."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config import Config, ConfigError, PlatformSection
from bot.config.values import _reject_unknown, _str

NAME = "line"
DEFAULT_KEYWORD = "#苦情"
"""The bot's word for it (the glossary's 苦情). ``#クレーム``, the default before, is always accepted too."""
ALSO_ACCEPTED = ("#クレーム",)
GROUP_ID = re.compile(r"^[CRU][0-9a-f]{32}$")
"""A group (C...), room (R...) or user (U...) id: the letter and 32 hex digits."""


@dataclass(frozen=True)
class LineSettings:
    api_url: str | None = None
    triage_target: str | None = None
    """[line] triage_group: tickets whose department is unclear."""
    complaint_keyword: str = DEFAULT_KEYWORD
    """In a group, a message starting with this is a complaint (as is one mentioning the bot)."""


def parse(table: Mapping[str, Any], env_url: str | None) -> LineSettings:
    _reject_unknown(table, "line.", {"api_url", "triage_group", "complaint_keyword"})
    url = env_url or _str(table, "line.api_url", "api_url", "") or None
    if url is not None and not re.match(r"^https?://", url):
        raise ConfigError("line.api_url", f"must start with http:// or https://, got {url!r}")
    keyword = _str(table, "line.complaint_keyword", "complaint_keyword", DEFAULT_KEYWORD).strip()
    if not 0 < len(keyword) <= 20 or any(ch.isspace() for ch in keyword):
        raise ConfigError("line.complaint_keyword", "1 to 20 characters without spaces")
    return LineSettings(
        api_url=url,
        triage_target=_str(table, "line.triage_group", "triage_group", "") or None,
        complaint_keyword=keyword,
    )


SECTION = PlatformSection(
    name=NAME,
    parse=parse,
    team_key="line_group",
    users_key="line_users",
    secrets=("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN"),
    enabled_by="LINE_CHANNEL_SECRET",
    api_url_env="LINE_API_URL",
    user_pattern=re.compile(r"^U[0-9a-f]{32}$"),
    user_example="U followed by 32 hex digits",
    target_pattern=GROUP_ID,
    target_example="C4af4980629...",
)
TRIAGE_KEY = "triage_group"


def settings(config: Config) -> LineSettings:
    found = config.platforms.get(NAME)
    return found if isinstance(found, LineSettings) else LineSettings()
