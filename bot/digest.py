"""The weekly digest: what customers told each team last week, and whether the team kept its promise.

``send_weekly_digests(now)`` is a plain job: for each team whose digest time has passed this week
it builds the digest of the previous ISO week and queues it, recording (team, week) under a unique
key first, so two workers or a catch-up after downtime never send it twice.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.cards import CardWriter
from bot.config import WEEKDAYS, Config
from bot.domain import OutboundMessage, Ticket
from bot.ports import Store, UnitOfWork
from bot.routing import Directory

MANAGERS = "managers"
SILENT_RATIO = 29  # Heinrich's 1:29:300: one visible complaint stands for many unhappy customers
LATE_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Week:
    label: str  # ISO week, 2026-W47
    start: datetime  # Monday 00:00 local, as an aware datetime

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=7)

    @classmethod
    def containing(cls, moment: datetime, config: Config) -> Week:
        local = moment.astimezone(config.tz)
        monday = (local - timedelta(days=local.weekday())).date()
        year, week, _ = monday.isocalendar()
        return cls(f"{year}-W{week:02d}", datetime.combine(monday, time(), tzinfo=config.tz))

    @classmethod
    def parse(cls, label: str, config: Config) -> Week:
        """Reads ``2026-W47``; raises ValueError for anything else."""
        if not re.fullmatch(r"\d{4}-W\d{2}", label):
            raise ValueError(label)
        monday = datetime.strptime(label + "-1", "%G-W%V-%u").date()  # noqa: DTZ007 - a date, zone added below
        return cls.containing(datetime.combine(monday, time(12), tzinfo=config.tz), config)

    def previous(self, weeks: int = 1) -> Week:
        start = self.start - timedelta(days=7 * weeks)  # same zone: wall-clock arithmetic, still 00:00
        year, week, _ = start.date().isocalendar()
        return Week(f"{year}-W{week:02d}", start)


@dataclass(frozen=True)
class Digest:
    team: str
    week: Week
    text: str
    data: dict[str, object]


class DigestBuilder:
    def __init__(self, config: Config, store: Store, directory: Directory, writer: CardWriter) -> None:
        self.config = config
        self.store = store
        self.directory = directory
        self.writer = writer
        self.t = writer.t

    def build(self, team: str, week: Week, now: datetime, *, late: bool = False) -> Digest:
        """The digest of ``week`` for a department key, or for ``managers`` (all teams side by side)."""
        with self.store.transaction() as uow:
            return self._build(uow, team, week, now, late)

    def _build(self, uow: UnitOfWork, team: str, week: Week, now: datetime, late: bool) -> Digest:
        department = None if team == MANAGERS else team
        name = self.t("digest.managers") if department is None else self.writer.department_name(team)
        tickets = uow.tickets_created_between(week.start, week.end, department)
        history = [
            len(uow.tickets_created_between(w.start, w.end, department))
            for w in (week.previous(n) for n in range(1, 5))
        ]
        lines = [self.t("digest.title", team=name, week=week.label)]
        if late:
            lines.append(self.t("digest.late"))
        lines.append(
            self.t(
                "digest.volume",
                count=len(tickets),
                last_week=history[0],
                average=f"{statistics.fmean(history):.1f}",
                trend=self._trend(len(tickets), history[0]),
            )
        )
        by_day = Counter(ticket.created_at.astimezone(self.config.tz).weekday() for ticket in tickets)
        days = [self.t.weekday(i) + str(by_day.get(i, 0)) for i in range(7)]
        lines.append(self.t("digest.by_day", days=" ".join(days)))
        kept, median, p90 = self._deadline_figures(tickets, min(week.end, now))
        if kept is None:
            lines.append(self.t("digest.deadline_none"))
        else:
            lines.append(self.t("digest.deadline", kept=self.t.percent(kept), median=median, p90=p90))
        open_tickets = [t for t in uow.open_tickets(department, limit=500) if t.created_at < week.end]
        overdue = [t for t in open_tickets if t.due_at < now and t.first_response_at is None]
        lines.append(self.t("digest.open", open=len(open_tickets), overdue=len(overdue)))
        lines += [
            self.t(
                "digest.overdue_item",
                ref=t.ref,
                department=self.writer.department_name(t.department),
                left=self.t.time_left(t.due_at, now),
            )
            for t in overdue[:10]
        ]
        corrections = uow.corrections(week.start, week.end)
        if department is not None:
            away = sum(1 for old, _new, _text in corrections if old == department)
            to = sum(1 for _old, new, _text in corrections if new == department)
            lines.append(self.t("digest.corrections", away=away, to=to))
        else:
            lines += self._team_lines(uow, week, now)
        if tickets:
            lines.append(self.t("digest.silent", silent=len(tickets) * SILENT_RATIO, ratio=SILENT_RATIO))
        data: dict[str, object] = {
            "team": team,
            "week": week.label,
            "count": len(tickets),
            "last_week": history[0],
            "by_day": [by_day.get(i, 0) for i in range(7)],
            "deadline_kept": kept,
            "open": len(open_tickets),
            "overdue": [t.ref for t in overdue],
            "late": late,
        }
        return Digest(team, week, "\n".join(lines), data)

    def _team_lines(self, uow: UnitOfWork, week: Week, now: datetime) -> list[str]:
        rows = []
        for department in self.config.departments:
            tickets = uow.tickets_created_between(week.start, week.end, department.key)
            last = len(uow.tickets_created_between(week.previous().start, week.start, department.key))
            kept, _median, _p90 = self._deadline_figures(tickets, min(week.end, now))
            overdue = sum(
                1
                for t in uow.open_tickets(department.key, limit=500)
                if t.due_at < now and t.first_response_at is None
            )
            rows.append((abs(len(tickets) - last), department, len(tickets), last, kept, overdue))
        rows.sort(key=lambda row: row[0], reverse=True)  # the biggest changes first
        return [
            self.t(
                "digest.team_line",
                team=dept.name(self.t.language),
                count=count,
                trend=self._trend(count, last),
                kept="-" if kept is None else self.t.percent(kept),
                overdue=overdue,
            )
            for _change, dept, count, last, kept, overdue in rows
        ]

    def _trend(self, count: int, last: int) -> str:
        if count > last:
            return self.t("digest.trend.up", delta=count - last)
        if count < last:
            return self.t("digest.trend.down", delta=last - count)
        return self.t("digest.trend.flat")

    def _deadline_figures(self, tickets: list[Ticket], until: datetime) -> tuple[float | None, str, str]:
        """Share answered within the deadline (of those whose deadline has passed or that were
        answered), and the median and 90th percentile of the first response time."""
        measured = [t for t in tickets if t.first_response_at is not None or t.due_at <= until]
        if not measured:
            return None, "-", "-"
        kept = sum(1 for t in measured if t.first_response_at is not None and t.first_response_at <= t.due_at)
        waits = sorted(
            (t.first_response_at - t.created_at) for t in measured if t.first_response_at is not None
        )
        if not waits:
            return kept / len(measured), "-", "-"
        median = waits[len(waits) // 2]
        p90 = waits[min(len(waits) - 1, int(len(waits) * 0.9))]
        return kept / len(measured), self.t.duration(median), self.t.duration(p90)

    # -- the weekly job -------------------------------------------------------------------------

    def scheduled_time(self, now: datetime) -> datetime:
        """This week's digest moment in the team's time zone (may be later than ``now``)."""
        week = Week.containing(now, self.config)
        schedule = self.config.digest
        day = week.start + timedelta(days=WEEKDAYS.index(schedule.weekday))
        return day.replace(hour=schedule.hour, minute=schedule.minute)

    def send_weekly_digests(self, now: datetime) -> list[Digest]:
        """Queues every digest that is due and not yet sent; returns what it queued."""
        moment = self.scheduled_time(now)
        if moment > now:
            moment -= timedelta(days=7)
        week = Week.containing(moment, self.config).previous()
        late = now - moment > LATE_AFTER
        sent: list[Digest] = []
        with self.store.transaction() as uow:
            if not uow.has_tickets_before(week.end):
                return sent  # a new installation has no week to report on yet
            done = uow.digests_sent(week.label)
            for team in (*self.config.department_keys, MANAGERS):
                if team in done or not uow.record_digest(team, week.label, now, late=late):
                    continue
                digest = self._build(uow, team, week, now, late)
                targets = (
                    self.directory.manager_targets()
                    if team == MANAGERS
                    else self.directory.team_targets(team)
                )
                for platform, channel in targets:
                    uow.queue(
                        OutboundMessage(platform, channel, "digest", digest.text, dict(digest.data)), now
                    )
                sent.append(digest)
        return sent
