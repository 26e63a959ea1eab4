"""Working time: the clock (always open) or a team's weekly calendar with holidays and closed days.

Both calendars answer the same questions in aware UTC datetimes, so the deadline rules in
:mod:`bot.core.sla` never care which one a team uses. Shifts are local wall-clock times in the team's
time zone: a day's intervals are built from its local date, so they stay right across a
daylight-saving change (09:00 in New York is 14:00 UTC in winter and 13:00 UTC in summer).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays as holiday_data

Shift = tuple[time, time]
"""A local opening: start and end; an end of 00:00 means midnight at the end of the day."""
DayRange = tuple[tuple[int, int], tuple[int, int]]
"""Closed days every year, as ((month, day), (month, day)); it may wrap past new year (12-29..01-03)."""

_SEARCH_DAYS = 800  # a calendar closed for longer than this is a configuration error, not a wait


class Calendar(Protocol):
    tz: ZoneInfo

    @property
    def always_open(self) -> bool: ...
    def add(self, start: datetime, working: timedelta) -> datetime:
        """The moment ``working`` time after ``start``."""
        ...

    def subtract(self, end: datetime, working: timedelta) -> datetime:
        """The latest moment with ``working`` time left until ``end``."""
        ...

    def working_between(self, start: datetime, end: datetime) -> timedelta: ...
    def is_open(self, at: datetime) -> bool: ...
    def next_open(self, at: datetime) -> datetime:
        """``at`` when open, else the next opening."""
        ...

    def closes_at(self, at: datetime) -> datetime | None:
        """When the opening that ``at`` falls in ends (``None`` when closed, or never closing)."""
        ...


class ClockCalendar:
    """Clock hours: every hour counts, nobody is ever off."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    @property
    def always_open(self) -> bool:
        return True

    def add(self, start: datetime, working: timedelta) -> datetime:
        return start.astimezone(UTC) + working  # elapsed time: aware local arithmetic would be wall time

    def subtract(self, end: datetime, working: timedelta) -> datetime:
        return end.astimezone(UTC) - working

    def working_between(self, start: datetime, end: datetime) -> timedelta:
        return max(end - start, timedelta(0))

    def is_open(self, at: datetime) -> bool:
        return True

    def next_open(self, at: datetime) -> datetime:
        return at

    def closes_at(self, at: datetime) -> datetime | None:
        return None


def public_holidays(country: str | None) -> Mapping[date, str] | None:
    """The public holidays of ``country`` (``"JP"``); ``None`` for none or a country the ``holidays``
    package does not know (the start-up check reports that; deadlines then count every weekday)."""
    if not country:
        return None
    try:
        found: Mapping[date, str] = holiday_data.country_holidays(country)
    except NotImplementedError:
        return None
    return found


class BusinessCalendar:
    """A team's week of (split) shifts in its time zone, minus public holidays and the shop's closed days.

    Args:
        tz: the team's time zone.
        week: seven tuples of shifts, Monday first.
        holiday_country: ISO country code for the ``holidays`` package (``"JP"``), or ``None``.
        closed: the shop's own closed days every year (年末年始, お盆).
    """

    def __init__(
        self,
        tz: ZoneInfo,
        week: Sequence[Sequence[Shift]],
        holiday_country: str | None = "JP",
        closed: Sequence[DayRange] = (),
    ) -> None:
        if len(week) != 7 or not any(week):
            raise ValueError("a business calendar needs seven days and at least one shift")
        self.tz = tz
        self.week = tuple(tuple(day) for day in week)
        self.closed = tuple(closed)
        found = public_holidays(
            holiday_country
        )  # an empty-looking calendar fills in when asked: test for None
        self._holidays: Mapping[date, str] = found if found is not None else {}
        self._days: dict[date, tuple[tuple[datetime, datetime], ...]] = {}

    @property
    def always_open(self) -> bool:
        return False

    def is_closed_day(self, day: date) -> bool:
        if day in self._holidays:
            return True
        key = (day.month, day.day)
        for first, last in self.closed:
            inside = first <= key <= last if first <= last else key >= first or key <= last
            if inside:
                return True
        return False

    def intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The day's openings in UTC (empty on a closed day)."""
        cached = self._days.get(day)
        if cached is None:
            found = []
            if not self.is_closed_day(day):
                for start, end in self.week[day.weekday()]:
                    end_day = day + timedelta(days=1) if end == time(0) else day
                    found.append((self._utc(day, start), self._utc(end_day, end)))
            cached = self._days[day] = tuple(found)
        return cached

    def _utc(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.tz).astimezone(UTC)

    def _forward(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Openings that end after ``at``, clipped to start no earlier than it."""
        at = at.astimezone(UTC)
        day = at.astimezone(self.tz).date() - timedelta(days=1)
        for _ in range(_SEARCH_DAYS):
            for start, end in self.intervals(day):
                if end > at:
                    yield max(start, at), end
            day += timedelta(days=1)
        raise ValueError("the business calendar has no opening in the next two years")

    def _backward(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Openings that start before ``at``, latest first, clipped to end no later than it."""
        at = at.astimezone(UTC)
        day = at.astimezone(self.tz).date() + timedelta(days=1)
        for _ in range(_SEARCH_DAYS):
            for start, end in reversed(self.intervals(day)):
                if start < at:
                    yield start, min(end, at)
            day -= timedelta(days=1)
        raise ValueError("the business calendar has no opening in the last two years")

    def add(self, start: datetime, working: timedelta) -> datetime:
        remaining = working
        for begin, end in self._forward(start):
            if remaining <= end - begin:
                return begin + remaining
            remaining -= end - begin
        raise AssertionError("unreachable")  # pragma: no cover - _forward raises first

    def subtract(self, end: datetime, working: timedelta) -> datetime:
        remaining = working
        for begin, finish in self._backward(end):
            # At exactly an opening's length this is the opening's start, not the previous closing:
            # the later of two moments with the same working time left.
            if remaining <= finish - begin:
                return finish - remaining
            remaining -= finish - begin
        raise AssertionError("unreachable")  # pragma: no cover - _backward raises first

    def working_between(self, start: datetime, end: datetime) -> timedelta:
        total = timedelta(0)
        if end <= start:
            return total
        for begin, finish in self._forward(start):
            if begin >= end:
                break
            total += min(finish, end) - begin
        return total

    def is_open(self, at: datetime) -> bool:
        return self.closes_at(at) is not None

    def next_open(self, at: datetime) -> datetime:
        return next(self._forward(at))[0]

    def closes_at(self, at: datetime) -> datetime | None:
        begin, end = next(self._forward(at))
        return end if begin == at.astimezone(UTC) else None
