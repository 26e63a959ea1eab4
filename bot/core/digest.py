"""The weekly digest: what customers told each team last week, and whether the team kept its promise.

``collect`` gathers every team's figures for a week in a handful of aggregate queries;
``render`` turns one team's figures into the localized, masked text and the structured data a
platform renders richer (and draws the chart from). ``send_weekly_digests(now)`` is the plain job:
for each team whose digest time has passed it queues the previous ISO week's digest, recording
(team, week) under a unique key first, so two workers or a catch-up after downtime never send it
twice.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import WEEKDAYS, Config, DigestSchedule
from bot.core.cards import CardWriter
from bot.core.domain import OutboundMessage
from bot.core.ports import DayFigures, Figures, Store, UnitOfWork, WeekRows
from bot.core.routing import MANAGERS as MANAGERS
from bot.core.routing import Directory, Target
from bot.core.wording import silent_estimate, week_range
from classifiers.themes import TermCounts, Theme, themes_from

LATE_AFTER = timedelta(hours=1)
HISTORY_WEEKS = 4


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


@dataclass(frozen=True)
class Digest:
    team: str
    week: Week
    text: str
    data: dict[str, Any]


def _members(keys: set[str | None] | None, rows: WeekRows) -> set[str | None]:
    """The departments of ``rows`` that belong to a team (``None``: every one)."""
    found = {*rows.texts, *rows.waits, *rows.open_count, *rows.overdue, *rows.customers, *rows.priority}
    return found if keys is None else found & keys


def _sum(days: dict[str | None, DayFigures], keys: set[str | None] | None) -> DayFigures:
    chosen = [f for dept, f in days.items() if keys is None or dept in keys]
    return DayFigures(
        sum(f.complaints for f in chosen), sum(f.measured for f in chosen), sum(f.kept for f in chosen)
    )


class DigestBuilder:
    def __init__(
        self, config: Config, store: Store, figures: Figures, directory: Directory, writer: CardWriter
    ) -> None:
        self.config = config
        self.store = store
        self.figures = figures
        self.directory = directory
        self.writer = writer
        self.t = writer.t

    # -- figures --------------------------------------------------------------------------------

    def collect(self, week: Week, now: datetime) -> dict[str, TeamWeek]:
        """Every team's figures for ``week`` (and the managers' total), as of ``now``."""
        last = week.previous()
        bounds = [(week.day(i), week.day(i + 1)) for i in range(7)]
        bounds += [(last.day(i), last.day(i + 1)) for i in range(7)]
        bounds += [(week.previous(n).start, week.previous(n).end) for n in range(2, HISTORY_WEEKS + 1)]
        days = self.figures.day_figures(bounds, min(week.end, now))
        rows = self.figures.week_rows(week.start, week.end, now)
        last_texts = self.figures.texts(last.start, last.end)
        # Each complaint's terms are counted once, per department; a team of teams (the managers)
        # adds its departments' counts up instead of reading every text again.
        terms_now = {dept: TermCounts.of(items) for dept, items in rows.texts.items()}
        terms_before = {dept: TermCounts.of(items) for dept, items in last_texts.items()}
        teams: dict[str, set[str | None] | None] = {d.key: {d.key} for d in self.config.departments}
        teams[MANAGERS] = None  # everything, the triage queue included
        result = {}
        for team, keys in teams.items():
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
            for dept in _members(keys, rows):
                figures.waits += rows.waits.get(dept, [])
                figures.open += rows.open_count.get(dept, 0)
                figures.overdue += rows.overdue_count.get(dept, 0)
                figures.overdue_list += rows.overdue.get(dept, [])
                figures.priority += rows.priority.get(dept, 0)
                figures.repeat_customers += sum(
                    1 for n in rows.customers.get(dept, Counter()).values() if n > 1
                )
            if keys is not None:
                (key,) = keys
                figures.moved_away, figures.moved_to = rows.moved_away[key], rows.moved_to[key]
            else:
                figures.moved_to = sum(rows.moved_to.values())
            figures.overdue_list.sort(key=lambda item: item[1])
            this_texts = [
                item for dept, items in rows.texts.items() if keys is None or dept in keys for item in items
            ]
            figures.themes = themes_from(
                TermCounts.merged(c for dept, c in terms_now.items() if keys is None or dept in keys),
                TermCounts.merged(c for dept, c in terms_before.items() if keys is None or dept in keys),
                this_texts,
            )
            texts = dict(this_texts)
            figures.examples = {theme.example_ref: texts[theme.example_ref] for theme in figures.themes}
            result[team] = figures
        return result

    # -- text -----------------------------------------------------------------------------------

    def team_name(self, team: str) -> str:
        return self.t("digest.managers") if team == MANAGERS else self.writer.department_name(team)

    def render(
        self,
        figures: TeamWeek,
        week: Week,
        now: datetime,
        *,
        late: bool = False,
        teams: dict[str, TeamWeek] | None = None,
    ) -> Digest:
        t = self.t
        last_week = figures.history[0]
        average = sum(figures.history) / len(figures.history)
        period = week_range(t, week.start, week.end)
        lines = [t("digest.title", team=self.team_name(figures.team), week=period)]
        if late:
            lines.append(t("digest.late"))
        lines.append(
            t(
                "digest.volume",
                count=figures.count,
                last_week=last_week,
                average=f"{average:.1f}",
                trend=self._trend(figures.count, last_week),
            )
        )
        lines.append(
            t("digest.by_day", days=" ".join(f"{t.weekday(i)}{n}" for i, n in enumerate(figures.by_day)))
        )
        share, median, p90 = figures.kept_share, figures.percentile(0.5), figures.percentile(0.9)
        if share is None:
            lines.append(t("digest.deadline_none"))
        else:
            lines.append(
                t(
                    "digest.deadline",
                    kept=t.percent(share),
                    median=self._duration(median),
                    p90=self._duration(p90),
                )
            )
        lines.append(t("digest.open", open=figures.open, overdue=figures.overdue))
        lines += [
            t("digest.overdue_item", ref=ref, left=t.time_left(due, now)) for ref, due in figures.overdue_list
        ]
        if figures.priority or figures.repeat_customers:
            lines.append(t("digest.attention", priority=figures.priority, repeat=figures.repeat_customers))
        if figures.team == MANAGERS:
            lines.append(t("digest.corrections_all", count=figures.moved_to))
        else:
            lines.append(t("digest.corrections", away=figures.moved_away, to=figures.moved_to))
        if figures.themes:
            lines.append(t("digest.themes_header"))
            for theme in figures.themes:
                example = self.writer.excerpt(figures.examples[theme.example_ref])
                lines.append(
                    t(
                        "digest.theme",
                        phrase=theme.phrase,
                        count=theme.count,
                        previous=theme.previous,
                        example=example,
                    )
                )
        if figures.count and self.config.digest.silent_estimate:
            lines.append(silent_estimate(t, figures.count, self.config.digest.silent_ratio))
        if teams is not None:
            lines.append(t("digest.teams_header"))
            lines += self._team_lines(teams)
        others = {k: f for k, f in (teams or {}).items() if k != MANAGERS}  # compared on the managers' chart
        data = {
            "team": figures.team,
            "team_name": self.team_name(figures.team),
            "week": week.label,
            "period": period,
            "count": figures.count,
            "last_week": last_week,
            "average": round(average, 2),
            "by_day": figures.by_day,
            "last_by_day": figures.last_by_day,
            "kept_by_day": figures.kept_by_day,
            "deadline_kept": share,
            "open": figures.open,
            "overdue": [ref for ref, _ in figures.overdue_list],
            "overdue_count": figures.overdue,
            "themes": [[th.phrase, th.count] for th in figures.themes],
            "late": late,
            "weekdays": [t.weekday(i) for i in range(7)],
            "dates": [f"{week.day(i).month}/{week.day(i).day}" for i in range(7)],
            "teams": [
                [self.team_name(k), f.count, f.history[0], f.open, f.overdue] for k, f in others.items()
            ],
        }
        return Digest(figures.team, week, "\n".join(lines), data)

    def _team_lines(self, teams: dict[str, TeamWeek]) -> list[str]:
        rows = [f for key, f in teams.items() if key != MANAGERS]
        rows.sort(key=lambda f: abs(f.count - f.history[0]), reverse=True)  # the biggest changes first
        return [
            self.t(
                "digest.team_line",
                team=self.team_name(f.team),
                count=f.count,
                trend=self._trend(f.count, f.history[0]),
                kept="-" if f.kept_share is None else self.t.percent(f.kept_share),
                overdue=f.overdue,
            )
            for f in rows
        ]

    def _trend(self, count: int, last: int) -> str:
        if count > last:
            return self.t("digest.trend.up", delta=count - last)
        if count < last:
            return self.t("digest.trend.down", delta=last - count)
        return self.t("digest.trend.flat")

    def _duration(self, value: timedelta | None) -> str:
        return "-" if value is None else self.t.duration(value)

    def build(self, team: str, week: Week, now: datetime, *, late: bool = False) -> Digest:
        """The digest of ``week`` for a department key, or for ``managers`` (all teams side by side)."""
        teams = self.collect(week, now)
        return self.render(teams[team], week, now, late=late, teams=teams if team == MANAGERS else None)

    # -- the weekly job -------------------------------------------------------------------------

    def schedule(self, team: str) -> DigestSchedule:
        return self.config.digest.schedule(team, self.config.timezone)

    def scheduled_time(self, now: datetime, team: str = MANAGERS) -> datetime:
        """This week's digest moment for ``team`` in its time zone (may be later than ``now``)."""
        schedule = self.schedule(team)
        week = Week.of(now, schedule.tz)
        day = week.day(WEEKDAYS.index(schedule.weekday))
        return day.replace(hour=schedule.hour, minute=schedule.minute)

    def due_week(self, team: str, now: datetime) -> tuple[Week, bool]:
        """The week ``team``'s latest due digest covers (the ISO week before its digest moment, in
        its time zone), and whether sending it now is late."""
        moment = self.scheduled_time(now, team)
        if moment > now:
            moment = self.scheduled_time(now - timedelta(days=7), team)
        return Week.of(moment, self.schedule(team).tz).previous(), now - moment > LATE_AFTER

    def send_weekly_digests(self, now: datetime) -> list[Digest]:
        """Queues every digest that is due and not yet sent; returns what it queued.

        Each team has its own weekday, time and time zone; (team, week) is recorded under a unique
        key in the same transaction that queues the messages, so two workers racing, or a catch-up
        after downtime, send each digest once.
        """
        due: dict[str, tuple[Week, bool]] = {}
        with self.store.transaction() as uow:
            sent_already: dict[str, set[str]] = {}
            for team in (*self.config.department_keys, MANAGERS):
                week, late = self.due_week(team, now)
                if week.label not in sent_already:
                    sent_already[week.label] = uow.digests_sent(week.label)
                if team not in sent_already[week.label] and uow.has_tickets_before(week.end):
                    due[team] = (week, late)  # a new installation has no week to report on yet
        if not due:
            return []
        figures: dict[Week, dict[str, TeamWeek]] = {}
        for week, _late in due.values():
            if week not in figures:
                figures[week] = self.collect(week, now)
        sent = []
        with self.store.transaction() as uow:
            for team, (week, late) in due.items():
                if not uow.record_digest(team, week.label, now, late=late):
                    continue  # another worker sent it
                teams = figures[week]
                digest = self.render(
                    teams[team], week, now, late=late, teams=teams if team == MANAGERS else None
                )
                self.queue(uow, digest, now)
                sent.append(digest)
        return sent

    def targets(self, team: str) -> list[tuple[str, str]]:
        return self.directory.manager_targets() if team == MANAGERS else self.directory.team_targets(team)

    def queue(
        self, uow: UnitOfWork, digest: Digest, now: datetime, targets: list[Target] | None = None
    ) -> None:
        """Queues ``digest`` for each target with its chart: uploaded after the text where the
        platform takes files (Slack), linked in the message where it fetches images by URL (LINE,
        with [web] public_url set; without it LINE gets the text only)."""
        for platform, channel in self.targets(digest.team) if targets is None else targets:
            data = dict(digest.data)
            delivery = self.directory.chart_delivery(platform)
            if delivery == "url" and self.config.public_url:
                token = uow.add_chart(digest.team, digest.week.label, digest.data, now)
                data["chart_url"] = f"{self.config.public_url}/charts/{token}.png"
                data["preview_url"] = f"{self.config.public_url}/charts/{token}/preview.png"
            uow.queue(OutboundMessage(platform, channel, "digest", digest.text, data), now)
            if delivery == "upload":
                chart = OutboundMessage(platform, channel, "digest_chart", digest.text, dict(digest.data))
                uow.queue(chart, now)
