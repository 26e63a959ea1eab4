"""When the weekly digests are posted ([digest], [digest.departments.KEY], [digest.managers])."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config.values import WEEKDAYS, ConfigError, _choice, _number, _reject_unknown, _str, _table

DEFAULT_SILENT_RATIO = 29.0
"""Heinrich's 1:29:300 as commonly read for complaints: about 29 unhappy customers say nothing for each
one who complains."""


@dataclass(frozen=True)
class DigestSchedule:
    """When one digest is posted: weekday and time in ``timezone``."""

    weekday: str = "mon"
    hour: int = 9
    minute: int = 0
    timezone: str = "Asia/Tokyo"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Digest:
    weekday: str = "mon"
    hour: int = 9
    minute: int = 0
    silent_ratio: float = DEFAULT_SILENT_RATIO
    """Unhappy customers who never complain for each one who does (Heinrich's 1:29:300 as a rule of thumb)."""
    silent_estimate: bool = True
    """The digest's rough estimate of silent customers; ``false`` leaves it out."""
    timezone: str | None = None
    """``None``: [bot].timezone."""
    teams: Mapping[str, DigestSchedule] = field(default_factory=dict)
    """Teams (department keys, and ``managers``) whose schedule differs from [digest]."""

    def schedule(self, team: str, default_timezone: str) -> DigestSchedule:
        """``team``'s schedule: its own table, else [digest]'s weekday and time in its time zone."""
        own = self.teams.get(team)
        if own is not None:
            return own
        return DigestSchedule(self.weekday, self.hour, self.minute, self.timezone or default_timezone)


def _digest(table: Mapping[str, Any], departments: set[str], default_timezone: str) -> Digest:
    _reject_unknown(
        table,
        "digest.",
        {"weekday", "time", "silent_ratio", "silent_estimate", "timezone", "departments", "managers"},
    )
    base = _digest_schedule(table, "digest.", DigestSchedule(timezone=default_timezone))
    teams = {}
    overrides = _table(table, "departments")
    for key in overrides:
        where = f"digest.departments.{key}"
        if key not in departments:
            raise ConfigError(where, f"unknown department (known: {', '.join(sorted(departments))})")
        teams[key] = _digest_schedule(_table(overrides, key), where + ".", base)
    if "managers" in table:
        teams["managers"] = _digest_schedule(_table(table, "managers"), "digest.managers.", base)
    return Digest(
        weekday=base.weekday,
        hour=base.hour,
        minute=base.minute,
        silent_ratio=_number(
            table, "digest.silent_ratio", "silent_ratio", DEFAULT_SILENT_RATIO, low=0, high=10_000
        ),
        silent_estimate=_switch(table, "digest.silent_estimate", "silent_estimate"),
        timezone=base.timezone if "timezone" in table else None,
        teams=teams,
    )


def _switch(table: Mapping[str, Any], key: str, name: str) -> bool:
    value = table.get(name, True)
    if not isinstance(value, bool):
        raise ConfigError(key, f"must be true or false, got {value!r}")
    return value


def _digest_schedule(table: Mapping[str, Any], prefix: str, base: DigestSchedule) -> DigestSchedule:
    if prefix != "digest.":
        _reject_unknown(table, prefix, {"weekday", "time", "timezone"})
    timezone = _str(table, prefix + "timezone", "timezone", base.timezone)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(prefix + "timezone", f"unknown time zone {timezone!r}") from None
    at = (
        _time_of_day(table, prefix + "time")
        if "time" in table
        else {"hour": base.hour, "minute": base.minute}
    )
    weekday = _choice(table, prefix + "weekday", "weekday", WEEKDAYS, base.weekday)
    return DigestSchedule(weekday=weekday, timezone=timezone, **at)


def _time_of_day(table: Mapping[str, Any], key: str) -> dict[str, int]:
    text = _str(table, key, "time", "09:00")
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text)
    if not match:
        raise ConfigError(key, f"must be HH:MM, got {text!r}")
    return {"hour": int(match[1]), "minute": int(match[2])}
