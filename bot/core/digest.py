"""The weekly digest: what customers told each team last week, and whether the team kept its promise.

``collect`` gathers every team's figures for a week in a handful of aggregate queries;
``render`` turns one team's figures into the localized, masked text and the structured data a
platform renders richer (and draws the chart from). ``send_weekly_digests(now)`` is the plain job:
for each team whose digest time has passed it queues the previous ISO week's digest, recording
(team, week) under a unique key first, so two workers or a catch-up after downtime never send it
twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.config import WEEKDAYS, Config, DigestSchedule
from bot.core.cards import CardWriter
from bot.core.conversation import satisfaction_lines
from bot.core.domain import OutboundMessage
from bot.core.figures import TeamWeek, collect
from bot.core.figures import Week as Week
from bot.core.ports import Figures, Store, UnitOfWork
from bot.core.routing import MANAGERS as MANAGERS
from bot.core.routing import Directory, Target
from bot.core.wording import silent_estimate, week_range

LATE_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Digest:
    team: str
    week: Week
    text: str
    data: dict[str, Any]


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
        return collect(self.figures, self.config.department_keys, week, now)

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
        """One team's digest: its text, and the data a platform renders richer (and the chart)."""
        lines = [
            self.t(
                "digest.title",
                team=self.team_name(figures.team),
                week=week_range(self.t, week.start, week.end),
            )
        ]
        if late:
            lines.append(self.t("digest.late"))
        lines += self._figure_lines(figures, now)
        lines += self._theme_lines(figures)
        if figures.count and self.config.digest.silent_estimate:
            lines.append(silent_estimate(self.t, figures.count, self.config.digest.silent_ratio))
        if teams is not None:
            lines.append(self.t("digest.teams_header"))
            lines += self._team_lines(teams)
        return Digest(figures.team, week, "\n".join(lines), self._data(figures, week, late, teams))

    def _figure_lines(self, figures: TeamWeek, now: datetime) -> list[str]:
        """Volume and trend, the days, the deadline kept, what is open and overdue, satisfaction,
        what needs attention and the classifier's corrections."""
        t, last_week = self.t, figures.history[0]
        average = sum(figures.history) / len(figures.history)
        trend = self._trend(figures.count, last_week)
        lines = [
            t(
                "digest.volume",
                count=figures.count,
                last_week=last_week,
                average=f"{average:.1f}",
                trend=trend,
            ),
            t("digest.by_day", days=" ".join(f"{t.weekday(i)}{n}" for i, n in enumerate(figures.by_day))),
            self._deadline_line(figures),
            t("digest.open", open=figures.open, overdue=figures.overdue),
        ]
        lines += [
            t("digest.overdue_item", ref=ref, left=t.time_left(due, now)) for ref, due in figures.overdue_list
        ]
        lines += satisfaction_lines(t, figures.answers)
        if figures.priority or figures.repeat_customers:
            lines.append(t("digest.attention", priority=figures.priority, repeat=figures.repeat_customers))
        if figures.team == MANAGERS:
            lines.append(t("digest.corrections_all", count=figures.moved_to))
        else:
            lines.append(t("digest.corrections", away=figures.moved_away, to=figures.moved_to))
        return lines

    def _deadline_line(self, figures: TeamWeek) -> str:
        share = figures.kept_share
        if share is None:
            return self.t("digest.deadline_none")
        median, p90 = figures.percentile(0.5), figures.percentile(0.9)
        return self.t(
            "digest.deadline",
            kept=self.t.percent(share),
            median=self._duration(median),
            p90=self._duration(p90),
        )

    def _theme_lines(self, figures: TeamWeek) -> list[str]:
        if not figures.themes:
            return []
        return [self.t("digest.themes_header")] + [
            self.t(
                "digest.theme",
                phrase=theme.phrase,
                count=theme.count,
                previous=theme.previous,
                example=self.writer.excerpt(figures.examples[theme.example_ref]),
            )
            for theme in figures.themes
        ]

    def _data(
        self, figures: TeamWeek, week: Week, late: bool, teams: dict[str, TeamWeek] | None
    ) -> dict[str, Any]:
        """The digest's figures for the platforms' richer rendering and the chart."""
        t = self.t
        others = {k: f for k, f in (teams or {}).items() if k != MANAGERS}  # compared on the managers' chart
        return {
            "team": figures.team,
            "team_name": self.team_name(figures.team),
            "week": week.label,
            "period": week_range(t, week.start, week.end),
            "count": figures.count,
            "last_week": figures.history[0],
            "average": round(sum(figures.history) / len(figures.history), 2),
            "by_day": figures.by_day,
            "last_by_day": figures.last_by_day,
            "kept_by_day": figures.kept_by_day,
            "deadline_kept": figures.kept_share,
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
