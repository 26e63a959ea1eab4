"""What the digest reads: aggregates that storage computes over a window of tickets."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True)
class DayFigures:
    complaints: int
    measured: int
    kept: int


@dataclass
class WeekRows:
    """Per department (``None`` is the triage queue): what a digest lists one by one."""

    texts: defaultdict[str | None, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    waits: defaultdict[str | None, list[timedelta]] = field(default_factory=lambda: defaultdict(list))
    priority: defaultdict[str | None, int] = field(default_factory=lambda: defaultdict(int))
    customers: defaultdict[str | None, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    open_count: defaultdict[str | None, int] = field(default_factory=lambda: defaultdict(int))
    overdue_count: defaultdict[str | None, int] = field(default_factory=lambda: defaultdict(int))
    overdue: defaultdict[str | None, list[tuple[int, datetime]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    moved_away: Counter[str | None] = field(default_factory=Counter)
    moved_to: Counter[str | None] = field(default_factory=Counter)
    answers: defaultdict[str | None, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    """Customers' satisfaction answers as (ticket, answer), for the tickets of the window."""


class Figures(Protocol):
    """Digest aggregates, computed by storage."""

    def day_figures(
        self, bounds: Sequence[tuple[datetime, datetime]], until: datetime
    ) -> list[dict[str | None, DayFigures]]: ...
    def week_rows(self, start: datetime, end: datetime, now: datetime) -> WeekRows: ...
    def texts(self, start: datetime, end: datetime) -> defaultdict[str | None, list[tuple[int, str]]]: ...
