"""Slack: events and interactions in (bolt), Block Kit out (slack_sdk)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.config import Config
from bot.core.access import GroupMembers
from bot.core.ports import Clock, MediaSource, Sender
from bot.platforms.base import Background, Platform
from bot.platforms.slack.settings import NAME, SECTION

if TYPE_CHECKING:
    from flask import Flask

    from bot.core.usecases import Services


def _sender(config: Config, media: Mapping[str, MediaSource]) -> Sender:
    from bot.platforms.slack.sender import SlackSender

    return SlackSender(config, media=media)


def _web(web: Flask, services: Services) -> list[Background]:
    from bot.platforms.slack.events import register

    adapter = register(web, services)
    return [adapter.start_socket_mode] if adapter.socket_mode else []


def _groups(config: Config, clock: Clock) -> GroupMembers | None:
    """[roles] may name Slack user groups: their members are asked from Slack, briefly cached."""
    from bot.platforms.slack.groups import SlackUserGroups
    from bot.platforms.slack.sender import make_client

    return SlackUserGroups(make_client(config), clock)


def _check(config: Config) -> list[str]:
    from bot.platforms.slack.checks import check

    return check(config)


PLATFORM = Platform(
    name=NAME,
    section=SECTION,
    chart_delivery="upload",
    make_sender=_sender,
    register_web=_web,
    group_members=_groups,
    check=_check,
)
