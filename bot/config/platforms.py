"""The chat platforms: [slack] and [line] settings, and their secrets (from the environment only)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config.values import ConfigError, _reject_unknown, _str, _str_list, _table

DEFAULT_LINE_KEYWORD = "#クレーム"


@dataclass(frozen=True)
class Platform:
    api_url: str | None = None
    triage_target: str | None = None
    complaint_keyword: str = DEFAULT_LINE_KEYWORD
    """LINE: in a group, a message starting with this is a complaint (as is one mentioning the bot)."""
    intake_channels: tuple[str, ...] = ()
    """Slack: channels where every new top-level message is a complaint."""


@dataclass(frozen=True)
class Secrets:
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    line_channel_secret: str | None = None
    line_channel_access_token: str | None = None

    def __repr__(self) -> str:  # never print a token, even by accident in a traceback
        present = [name for name, value in vars(self).items() if value]
        return f"Secrets(set={present})"


def _platform(raw: Mapping[str, Any], name: str, env_url: str | None) -> Platform:
    table = _table(raw, name)
    target_key = "triage_channel" if name == "slack" else "triage_group"
    known = {"api_url", target_key} | ({"complaint_keyword"} if name == "line" else {"intake_channels"})
    _reject_unknown(table, name + ".", known)
    url = env_url or _str(table, f"{name}.api_url", "api_url", "") or None
    if url is not None and not re.match(r"^https?://", url):
        raise ConfigError(f"{name}.api_url", f"must start with http:// or https://, got {url!r}")
    keyword = _str(table, f"{name}.complaint_keyword", "complaint_keyword", DEFAULT_LINE_KEYWORD).strip()
    if not 0 < len(keyword) <= 20 or any(ch.isspace() for ch in keyword):
        raise ConfigError(f"{name}.complaint_keyword", "1 to 20 characters without spaces")
    return Platform(
        api_url=url,
        triage_target=_str(table, f"{name}.{target_key}", target_key, "") or None,
        complaint_keyword=keyword,
        intake_channels=_channel_ids(table, f"{name}.intake_channels", "intake_channels"),
    )


_SLACK_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


def _channel_ids(table: Mapping[str, Any], key: str, name: str) -> tuple[str, ...]:
    channels = _str_list(table, key, name)
    for channel in channels:
        if not _SLACK_CHANNEL_ID.match(channel):
            raise ConfigError(key, f"Slack channel IDs such as C0123ABCD (not names), got {channel!r}")
    return channels
