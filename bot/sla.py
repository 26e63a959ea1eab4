"""Reply deadlines. Here: a fixed number of clock hours from intake (24 by default).

The reminder stages are measured back from the deadline: a warning, a last call, then overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain import Stage


@dataclass(frozen=True)
class SlaPolicy:
    hours: float = 24.0
    warning_before: timedelta = timedelta(hours=4)
    last_call_before: timedelta = timedelta(hours=1)

    def deadline(self, created_at: datetime) -> datetime:
        return created_at + timedelta(hours=self.hours)

    def stage_times(self, due_at: datetime) -> tuple[tuple[Stage, datetime], ...]:
        """When each reminder stage falls due for a ticket due at ``due_at``, earliest first."""
        return (
            (Stage.WARNING, due_at - self.warning_before),
            (Stage.LAST_CALL, due_at - self.last_call_before),
            (Stage.OVERDUE, due_at),
        )

    def stage_at(self, due_at: datetime, now: datetime) -> Stage | None:
        """The newest stage a ticket has reached by ``now`` (``None`` before the warning)."""
        reached = [stage for stage, at in self.stage_times(due_at) if at <= now]
        return reached[-1] if reached else None

    @property
    def earliest_lead(self) -> timedelta:
        return max(self.warning_before, self.last_call_before)
