"""A week's figures for each team (and the managers' sum of every team), read through the
:class:`~bot.core.ports.Figures` port in a handful of aggregate queries: what the digest reports."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.ports import DayFigures, Figures, WeekRows
from bot.core.routing import MANAGERS
from classifiers.themes import TermCounts, Theme, themes_from

HISTORY_WEEKS = 4
Keys = set[str | None] | None
"""A team's departments (``None``: every one, the triage queue included)."""


@dataclass(frozen=True)
class Week:
    label: str  # ISO week, 2026-W47
    start: datetime  # Monday 00:00 local, as an aware datetime

    @property
    def end(self) -> datetime:
        return self.day(7)

    def day(self, index: int) -> datetime:
        """Local midnight ``index`` days after Monday; right across daylight-saving changes."""
        date = self.start.date() + timedelta(days=index)
        return datetime.combine(date, time(), tzinfo=self.start.tzinfo)

    @classmethod
    def of(cls, moment: datetime, tz: ZoneInfo) -> Week:
        """The ISO week that ``moment`` falls in, in time zone ``tz``."""
        local = moment.astimezone(tz)
        monday = local.date() - timedelta(days=local.weekday())
        year, week, _ = monday.isocalendar()
        return cls(f"{year}-W{week:02d}", datetime.combine(monday, time(), tzinfo=tz))

    @classmethod
    def parse(cls, label: str, tz: ZoneInfo) -> Week:
        """Reads ``2026-W47`` (the week in time zone ``tz``); raises ValueError for anything else."""
        if not re.fullmatch(r"\d{4}-W\d{2}", label):
            raise ValueError(label)
        monday = datetime.strptime(label + "-1", "%G-W%V-%u").date()  # noqa: DTZ007 - a date, zone added below
        return cls.of(datetime.combine(monday, time(12), tzinfo=tz), tz)

    def previous(self, weeks: int = 1) -> Week:
        monday = self.start.date() - timedelta(days=7 * weeks)
        year, week, _ = monday.isocalendar()
        return Week(f"{year}-W{week:02d}", datetime.combine(monday, time(), tzinfo=self.start.tzinfo))


@dataclass
class TeamWeek:
    """One team's figures for one week (``MANAGERS`` sums every team)."""

    team: str
    by_day: list[int]
    last_by_day: list[int]
    history: list[int]  # complaints in each of the previous weeks, newest first
    measured: int = 0
    kept: int = 0
    kept_by_day: list[float | None] = field(default_factory=list)
    waits: list[timedelta] = field(default_factory=list)
    open: int = 0
    overdue: int = 0
    overdue_list: list[tuple[int, datetime]] = field(default_factory=list)
    priority: int = 0
    repeat_customers: int = 0
    moved_away: int = 0
    moved_to: int = 0
    themes: list[Theme] = field(default_factory=list)
    examples: dict[int, str] = field(default_factory=dict)
    answers: list[tuple[int, str]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(self.by_day)

    @property
    def kept_share(self) -> float | None:
        return self.kept / self.measured if self.measured else None

    def percentile(self, share: float) -> timedelta | None:
        if not self.waits:
            return None
        ordered = sorted(self.waits)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _members(keys: Keys, rows: WeekRows) -> set[str | None]:
    """The departments of ``rows`` that belong to a team (``None``: every one)."""
    found = {*rows.texts, *rows.waits, *rows.open_count, *rows.overdue, *rows.customers, *rows.priority}
    return found if keys is None else found & keys


def _sum(days: dict[str | None, DayFigures], keys: Keys) -> DayFigures:
    chosen = [f for dept, f in days.items() if keys is None or dept in keys]
    return DayFigures(
        sum(f.complaints for f in chosen), sum(f.measured for f in chosen), sum(f.kept for f in chosen)
    )


def collect(figures: Figures, departments: Sequence[str], week: Week, now: datetime) -> dict[str, TeamWeek]:
    """Every team's figures for ``week`` (and the managers' total), as of ``now``."""
    last = week.previous()
    bounds = [(week.day(i), week.day(i + 1)) for i in range(7)]
    bounds += [(last.day(i), last.day(i + 1)) for i in range(7)]
    bounds += [(week.previous(n).start, week.previous(n).end) for n in range(2, HISTORY_WEEKS + 1)]
    days = figures.day_figures(bounds, min(week.end, now))
    rows = figures.week_rows(week.start, week.end, now)
    last_texts = figures.texts(last.start, last.end)
    # Each complaint's terms are counted once, per department; a team of teams (the managers)
    # adds its departments' counts up instead of reading every text again.
    terms = TermsByWeek(
        {dept: TermCounts.of(items) for dept, items in rows.texts.items()},
        {dept: TermCounts.of(items) for dept, items in last_texts.items()},
    )
    teams: dict[str, Keys] = {key: {key} for key in departments}
    teams[MANAGERS] = None
    return {team: _team_week(team, keys, days, rows, terms) for team, keys in teams.items()}


@dataclass(frozen=True)
class TermsByWeek:
    """Each department's term counts, this week and the week before."""

    now: dict[str | None, TermCounts]
    before: dict[str | None, TermCounts]


def _team_week(
    team: str,
    keys: Keys,
    days: list[dict[str | None, DayFigures]],
    rows: WeekRows,
    terms: TermsByWeek,
) -> TeamWeek:
    this_days = [_sum(d, keys) for d in days[:7]]
    last_days = [_sum(d, keys) for d in days[7:14]]
    history = [sum(d.complaints for d in last_days)] + [_sum(d, keys).complaints for d in days[14:]]
    figures = TeamWeek(
        team=team,
        by_day=[d.complaints for d in this_days],
        last_by_day=[d.complaints for d in last_days],
        history=history,
        measured=sum(d.measured for d in this_days),
        kept=sum(d.kept for d in this_days),
        kept_by_day=[d.kept / d.measured if d.measured else None for d in this_days],
    )
    _add_rows(figures, keys, rows)
    _add_themes(figures, keys, rows, terms)
    return figures


def _add_rows(figures: TeamWeek, keys: Keys, rows: WeekRows) -> None:
    """The team's departments' waits, open and overdue tickets, answers, repeats and moves."""
    for dept in _members(keys, rows):
        figures.waits += rows.waits.get(dept, [])
        figures.open += rows.open_count.get(dept, 0)
        figures.overdue += rows.overdue_count.get(dept, 0)
        figures.overdue_list += rows.overdue.get(dept, [])
        figures.priority += rows.priority.get(dept, 0)
        figures.answers += rows.answers.get(dept, [])
        figures.repeat_customers += sum(1 for n in rows.customers.get(dept, Counter()).values() if n > 1)
    if keys is not None:
        (key,) = keys
        figures.moved_away, figures.moved_to = rows.moved_away[key], rows.moved_to[key]
    else:
        figures.moved_to = sum(rows.moved_to.values())
    figures.overdue_list.sort(key=lambda item: item[1])


def _add_themes(figures: TeamWeek, keys: Keys, rows: WeekRows, terms: TermsByWeek) -> None:
    """The themes that grew in the team's complaints, each with one complaint as its example."""
    this_texts = [
        item for dept, items in rows.texts.items() if keys is None or dept in keys for item in items
    ]
    figures.themes = themes_from(
        TermCounts.merged(c for dept, c in terms.now.items() if keys is None or dept in keys),
        TermCounts.merged(c for dept, c in terms.before.items() if keys is None or dept in keys),
        this_texts,
    )
    texts = dict(this_texts)
    figures.examples = {theme.example_ref: texts[theme.example_ref] for theme in figures.themes}
