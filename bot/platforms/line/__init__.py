"""LINE: the Messaging API webhook in, Flex messages out (line-bot-sdk v3)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from bot.config import Config
from bot.core.ports import MediaSource, Sender
from bot.platforms.base import Background, Job, Platform
from bot.platforms.line.settings import NAME, SECTION

if TYPE_CHECKING:
    from flask import Flask

    from bot.core.usecases import Services


def _sender(config: Config, media: Mapping[str, MediaSource]) -> Sender:
    from bot.platforms.line.sender import LineSender

    return LineSender(config)  # a photo cannot be pushed into a staff group by its bytes: the note goes


def _media(config: Config) -> MediaSource:
    from bot.platforms.line.media import LineMedia

    return LineMedia(config)


def _web(web: Flask, services: Services) -> list[Background]:
    from bot.platforms.line.webhook import register

    register(web, services)
    return []


def _quota_watch(services: Services) -> Callable[[], object]:
    from bot.platforms.line.quota import QuotaWatch

    watch = QuotaWatch(services)  # remembers the levels it has warned about this month
    return lambda: watch.check(services.clock.now())


def _check(config: Config) -> list[str]:
    from bot.platforms.line.checks import check

    return check(config)


PLATFORM = Platform(
    name=NAME,
    section=SECTION,
    chart_delivery="url",
    make_sender=_sender,
    make_media=_media,
    register_web=_web,
    jobs=(Job("check_line_quota", 30, _quota_watch),),
    check=_check,
)
