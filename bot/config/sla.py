"""Deadline policies ([sla], and [sla.departments.KEY] over it): hours, reminder stages, business hours."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config.values import WEEKDAYS, ConfigError, _number, _reject_unknown, _str, _str_list, _table

Shift = tuple[time, time]
DEFAULT_WEEK: tuple[tuple[Shift, ...], ...] = (
    *[((time(9), time(12)), (time(13), time(18)))] * 5,
    (),
    (),
)
"""Monday to Friday 09:00-12:00 and 13:00-18:00 (a lunch break), closed at the weekend."""
DEFAULT_CLOSED_DAYS = (((12, 29), (1, 3)),)
"""年末年始: 29 December to 3 January."""


@dataclass(frozen=True)
class SlaSettings:
    """One team's deadline policy as configured ([sla], or [sla.departments.KEY] over it)."""

    hours: float = 24.0
    warning_before_hours: float = 4.0
    last_call_before_hours: float = 1.0
    nudge_every_hours: float = 4.0
    nudges: int = 3
    business_hours: bool = False
    timezone: str | None = None
    """``None``: [bot].timezone."""
    week: tuple[tuple[Shift, ...], ...] = DEFAULT_WEEK
    holidays: str = "JP"
    closed_days: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = DEFAULT_CLOSED_DAYS
    breach_notice_minutes: float = 30.0


_SLA_KEYS = {
    "hours",
    "warning_before_hours",
    "last_call_before_hours",
    "nudge_every_hours",
    "nudges",
    "business_hours",
    "timezone",
    "week",
    "holidays",
    "closed_days",
    "breach_notice_minutes",
}


def _sla(table: Mapping[str, Any], departments: set[str]) -> tuple[SlaSettings, dict[str, SlaSettings]]:
    _reject_unknown(table, "sla.", _SLA_KEYS | {"departments"})
    default = _sla_settings(table, "sla.", SlaSettings())
    overrides = _table(table, "departments")
    result = {}
    for key in overrides:
        where = f"sla.departments.{key}"
        if key not in departments:
            raise ConfigError(where, f"unknown department (known: {', '.join(sorted(departments))})")
        entry = _table(overrides, key)
        _reject_unknown(entry, where + ".", _SLA_KEYS)
        result[key] = _sla_settings(entry, where + ".", default)
    return default, result


def _sla_settings(table: Mapping[str, Any], prefix: str, base: SlaSettings) -> SlaSettings:
    def number(name: str, default: float, low: float, high: float) -> float:
        return _number(table, prefix + name, name, default, low=low, high=high)

    hours = number("hours", base.hours, 0.25, 24 * 14)
    warning = number("warning_before_hours", base.warning_before_hours, 0, hours)
    last_call = number("last_call_before_hours", base.last_call_before_hours, 0, warning)
    business = table.get("business_hours", base.business_hours)
    if not isinstance(business, bool):
        raise ConfigError(prefix + "business_hours", f"must be true or false, got {business!r}")
    timezone = _str(table, prefix + "timezone", "timezone", base.timezone or "") or None
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(prefix + "timezone", f"unknown time zone {timezone!r}") from None
    holidays = _str(table, prefix + "holidays", "holidays", base.holidays).strip().upper()
    if holidays and not re.fullmatch(r"[A-Z]{2}", holidays):
        raise ConfigError(
            prefix + "holidays", f'a two-letter country code such as "JP", or "", got {holidays!r}'
        )
    return SlaSettings(
        hours=hours,
        warning_before_hours=warning,
        last_call_before_hours=last_call,
        nudge_every_hours=number("nudge_every_hours", base.nudge_every_hours, 0.25, 24 * 14),
        nudges=int(number("nudges", base.nudges, 0, 10)),
        business_hours=business,
        timezone=timezone,
        week=_week(table, prefix + "week", base.week),
        holidays=holidays,
        closed_days=_closed_days(table, prefix + "closed_days", base.closed_days),
        breach_notice_minutes=number("breach_notice_minutes", base.breach_notice_minutes, 0, 24 * 60),
    )


_SHIFT = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)")


def _week(
    table: Mapping[str, Any], key: str, base: tuple[tuple[Shift, ...], ...]
) -> tuple[tuple[Shift, ...], ...]:
    days = _table(table, "week")
    _reject_unknown(days, key + ".", set(WEEKDAYS))
    week = list(base)
    for index, name in enumerate(WEEKDAYS):
        if name not in days:
            continue
        shifts: list[Shift] = []
        for text in _str_list(days, f"{key}.{name}", name):
            match = _SHIFT.fullmatch(text.strip())
            end_minutes = int(match[3]) * 60 + int(match[4]) if match else 0
            if not match or end_minutes > 24 * 60:
                raise ConfigError(f"{key}.{name}", f'shifts such as "09:00-12:00", got {text!r}')
            start = time(int(match[1]), int(match[2]))
            end = time(0) if end_minutes == 24 * 60 else time(int(match[3]), int(match[4]))
            after_previous = not shifts or (shifts[-1][1] != time(0) and start >= shifts[-1][1])
            if (end != time(0) and end <= start) or not after_previous:
                raise ConfigError(f"{key}.{name}", f"shifts must run forward and not overlap, got {text!r}")
            shifts.append((start, end))
        week[index] = tuple(shifts)
    if not any(week):
        raise ConfigError(key, "at least one day needs a shift")
    return tuple(week)


_DAY = re.compile(r"(\d{2})-(\d{2})")


def _closed_days(
    table: Mapping[str, Any], key: str, base: tuple[tuple[tuple[int, int], tuple[int, int]], ...]
) -> tuple[tuple[tuple[int, int], tuple[int, int]], ...]:
    if "closed_days" not in table:
        return base
    result = []
    for text in _str_list(table, key, "closed_days"):
        parts = [_DAY.fullmatch(part.strip()) for part in text.split("..")]
        if not 1 <= len(parts) <= 2 or not all(parts):
            raise ConfigError(key, f'days such as "08-13" or ranges such as "12-29..01-03", got {text!r}')
        days = [(int(m[1]), int(m[2])) for m in parts if m]
        for month, day in days:
            try:
                date(2024, month, day)  # a leap year, so 02-29 is accepted
            except ValueError:
                raise ConfigError(key, f"no such day {month:02}-{day:02} in {text!r}") from None
        result.append((days[0], days[-1]))
    return tuple(result)
