"""The start-up checks: what the bot can find out before it takes traffic, said in words.

A token Slack refuses, a channel given by name (``#logistics``) or that the bot is not in, a LINE
webhook that is off, a holiday country the calendar does not know: each is logged as a warning and
listed by /readyz, and the bot runs on, since the rest of it still works. Checks that ask a
platform live in that platform's folder and come through the registry.
"""

from __future__ import annotations

import logging

from bot.config import Config
from bot.core.workhours import public_holidays
from bot.platforms.registry import enabled

log = logging.getLogger(__name__)


def startup_problems(config: Config) -> list[str]:
    """Every problem the checks find, one sentence each; an empty list when all is well."""
    problems = _calendar_problems(config)
    for platform in enabled(config):
        if platform.check is not None:
            try:
                problems += [f"{platform.name}: {problem}" for problem in platform.check(config)]
            except Exception as error:  # a check must never stop the bot
                log.warning("the %s start-up check failed", platform.name, exc_info=error)
                problems.append(f"{platform.name}: the start-up check failed ({type(error).__name__})")
    return problems


def report_startup(config: Config) -> list[str]:
    """Runs the checks and logs each problem (the log's first warnings); returns them for /readyz."""
    problems = startup_problems(config)
    for problem in problems:
        log.warning("start-up check: %s", problem)
    return problems


def _calendar_problems(config: Config) -> list[str]:
    teams = [("sla", config.sla), *((f"sla.departments.{k}", s) for k, s in config.sla_departments.items())]
    return [
        f"{where}.holidays = {settings.holidays!r}: no public-holiday calendar for that country code, "
        "so deadlines count holidays as working days"
        for where, settings in teams
        if settings.business_hours and settings.holidays and public_holidays(settings.holidays) is None
    ]
