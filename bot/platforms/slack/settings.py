"""Slack's part of the configuration: the [slack] section, the team channels and the credentials."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config import Config, ConfigError, PlatformSection
from bot.config.values import _reject_unknown, _str, _str_list

NAME = "slack"
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
BOT_ID = re.compile(r"^B[A-Z0-9]{2,}$")


@dataclass(frozen=True)
class SlackSettings:
    api_url: str | None = None
    triage_target: str | None = None
    """[slack] triage_channel: tickets whose department is unclear."""
    intake_channels: tuple[str, ...] = ()
    """Channels where every new top-level message is a complaint."""
    email_channels: tuple[str, ...] = ()
    """[slack] email_channels: channels where apps' messages are complaints (the Email app's
    e-mails, a helpdesk's notices); everywhere else only people's messages are."""
    email_bots: tuple[str, ...] = ()
    """[slack] email_bots: bot ids (B0...) of integrations whose messages are complaints in any
    channel the bot is in."""


def parse(table: Mapping[str, Any], env_url: str | None) -> SlackSettings:
    _reject_unknown(
        table, "slack.", {"api_url", "triage_channel", "intake_channels", "email_channels", "email_bots"}
    )
    url = env_url or _str(table, "slack.api_url", "api_url", "") or None
    if url is not None and not re.match(r"^https?://", url):
        raise ConfigError("slack.api_url", f"must start with http:// or https://, got {url!r}")
    channels = {key: _str_list(table, f"slack.{key}", key) for key in ("intake_channels", "email_channels")}
    for key, values in channels.items():
        for channel in values:
            if not CHANNEL_ID.match(channel):
                raise ConfigError(
                    f"slack.{key}", f"Slack channel IDs such as C0123ABCD (not names), got {channel!r}"
                )
    bots = _str_list(table, "slack.email_bots", "email_bots")
    for bot in bots:
        if not BOT_ID.match(bot):
            raise ConfigError("slack.email_bots", f"Slack bot IDs such as B0123ABCD, got {bot!r}")
    return SlackSettings(
        api_url=url,
        triage_target=_str(table, "slack.triage_channel", "triage_channel", "") or None,
        intake_channels=channels["intake_channels"],
        email_channels=channels["email_channels"],
        email_bots=bots,
    )


SECTION = PlatformSection(
    name=NAME,
    parse=parse,
    team_key="slack_channel",
    users_key="slack_users",
    secrets=("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"),
    enabled_by="SLACK_BOT_TOKEN",
    api_url_env="SLACK_API_URL",
    user_pattern=re.compile(r"^[UWS][A-Z0-9]{2,}$"),
    user_example="U0123ABCD, W..., user groups S...",
    target_pattern=CHANNEL_ID,
    target_example="C0123ABCD",
)
TRIAGE_KEY = "triage_channel"


def settings(config: Config) -> SlackSettings:
    found = config.platforms.get(NAME)
    return found if isinstance(found, SlackSettings) else SlackSettings()
