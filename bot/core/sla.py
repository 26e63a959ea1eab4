"""Reply deadlines and reminder stages, per team: 24 h by the clock or in business hours.

A ticket's deadline is its intake time plus the target in the team's working time (every hour on
the clock, or the hours of the team's calendar). The reminder stages are measured in the same
working time: a warning and a last call back from the deadline, overdue at it, then a few nudges
after it. Quiet hours follow from the calendar: with business hours nobody is pinged while the team
is closed, and shortly before each closing the team gets the tickets that would breach before it
reopens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import Config, SlaSettings
from bot.core.domain import Stage, Ticket
from bot.core.workhours import BusinessCalendar, Calendar, ClockCalendar


@dataclass(frozen=True)
class Milestone:
    """One reminder a ticket is owed: ``key`` is unique per ticket (``warning``, ``nudge_2``...)."""

    key: str
    stage: Stage
    at: datetime
    nudge: int = 0


@dataclass(frozen=True)
class SlaPolicy:
    """One team's deadline rules.

    Args:
        hours: the reply target in working hours.
        warning_before: working time before the deadline for the warning.
        last_call_before: working time before the deadline for the last call.
        nudge_every: working time between the overdue alert's nudges.
        max_nudges: how many nudges follow the overdue alert.
        calendar: the team's working time; clock hours when not given.
        breach_notice_before: how long before each closing the "will breach" list goes out.
    """

    hours: float = 24.0
    warning_before: timedelta = timedelta(hours=4)
    last_call_before: timedelta = timedelta(hours=1)
    nudge_every: timedelta = timedelta(hours=4)
    max_nudges: int = 3
    calendar: Calendar = field(default_factory=lambda: ClockCalendar(ZoneInfo("Asia/Tokyo")))
    breach_notice_before: timedelta = timedelta(minutes=30)

    @property
    def target(self) -> timedelta:
        return timedelta(hours=self.hours)

    @property
    def business_hours(self) -> bool:
        return not self.calendar.always_open

    @property
    def tz(self) -> ZoneInfo:
        return self.calendar.tz

    def deadline(self, created_at: datetime) -> datetime:
        """The deadline promised for a complaint received at ``created_at``."""
        return self.calendar.add(created_at, self.target)

    def milestones(self, due_at: datetime, answer_round: int = 0) -> tuple[Milestone, ...]:
        """Every reminder a ticket due at ``due_at`` is owed, earliest first. A later round's keys
        carry its number (``warning#2``), so the reminders of the first round never hold them back."""
        add, subtract, opening = self.calendar.add, self.calendar.subtract, self.calendar.next_open
        suffix = f"#{answer_round}" if answer_round else ""
        return (
            Milestone(Stage.WARNING.value + suffix, Stage.WARNING, subtract(due_at, self.warning_before)),
            Milestone(
                Stage.LAST_CALL.value + suffix, Stage.LAST_CALL, subtract(due_at, self.last_call_before)
            ),
            Milestone(Stage.OVERDUE.value + suffix, Stage.OVERDUE, due_at),
            *(
                # A nudge that lands on a closing (12:00, lunch) comes when the team is back.
                Milestone(
                    f"{Stage.NUDGE.value}_{n}{suffix}",
                    Stage.NUDGE,
                    opening(add(due_at, self.nudge_every * n)),
                    n,
                )
                for n in range(1, self.max_nudges + 1)
            ),
        )

    def stage_at(self, due_at: datetime, now: datetime) -> Stage | None:
        """The newest stage a ticket has reached by ``now`` (``None`` before the warning)."""
        reached = [m for m in self.milestones(due_at) if m.at <= now]
        return reached[-1].stage if reached else None

    def first_reminder(self, due_at: datetime) -> datetime:
        return self.milestones(due_at)[0].at

    def working_left(self, due_at: datetime, now: datetime) -> timedelta:
        """Working time until the deadline; negative (in clock time) once it has passed."""
        if now >= due_at:
            return due_at - now
        return self.calendar.working_between(now, due_at)

    def quiet(self, now: datetime) -> bool:
        """Nobody is pinged now: the team works business hours and is closed."""
        return self.business_hours and not self.calendar.is_open(now)

    def breach_window(self, now: datetime) -> tuple[datetime, datetime] | None:
        """``(closing, reopening)`` when ``now`` is the last stretch before a closing, else ``None``."""
        closing = self.calendar.closes_at(now)
        if closing is None or now < closing - self.breach_notice_before:
            return None
        return closing, self.calendar.next_open(closing)


def make_policy(settings: SlaSettings, default_tz: str) -> SlaPolicy:
    tz = ZoneInfo(settings.timezone or default_tz)
    calendar: Calendar = (
        BusinessCalendar(tz, settings.week, settings.holidays or None, settings.closed_days)
        if settings.business_hours
        else ClockCalendar(tz)
    )
    return SlaPolicy(
        hours=settings.hours,
        warning_before=timedelta(hours=settings.warning_before_hours),
        last_call_before=timedelta(hours=settings.last_call_before_hours),
        nudge_every=timedelta(hours=settings.nudge_every_hours),
        max_nudges=settings.nudges,
        calendar=calendar,
        breach_notice_before=timedelta(minutes=settings.breach_notice_minutes),
    )


class SlaPolicies:
    """Each department's policy; the default covers the rest and the triage queue."""

    def __init__(self, default: SlaPolicy, departments: Mapping[str, SlaPolicy] | None = None) -> None:
        self.default = default
        self.departments = dict(departments or {})

    @classmethod
    def from_config(cls, config: Config) -> SlaPolicies:
        return cls(
            make_policy(config.sla, config.timezone),
            {key: make_policy(s, config.timezone) for key, s in config.sla_departments.items()},
        )

    def for_department(self, department: str | None) -> SlaPolicy:
        return self.departments.get(department or "", self.default)

    def for_ticket(self, ticket: Ticket) -> SlaPolicy:
        return self.for_department(None if ticket.needs_triage else ticket.department)

    def all(self) -> list[SlaPolicy]:
        return [self.default, *self.departments.values()]
