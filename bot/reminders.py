"""The reminder sweep: which unanswered tickets get which reminder stage now.

A plain function of ``now``; the scheduler runs it every minute. Each (ticket, stage) is recorded
under a unique key before its message is queued, in the same transaction, so two workers or a
restart never double-post. A ticket that passed several stages while the bot was down gets only the
newest; the older ones are recorded as folded into it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from bot.cards import CardWriter
from bot.domain import OutboundMessage, Stage, Ticket
from bot.ports import Store
from bot.routing import Directory, Target
from bot.sla import SlaPolicy

log = logging.getLogger(__name__)

_ORDER = (Stage.WARNING, Stage.LAST_CALL, Stage.OVERDUE)


@dataclass
class SweepReport:
    reminded: dict[Stage, list[int]] = field(default_factory=lambda: defaultdict(list))
    messages: int = 0

    @property
    def count(self) -> int:
        return sum(len(refs) for refs in self.reminded.values())


class ReminderSweep:
    def __init__(self, store: Store, sla: SlaPolicy, directory: Directory, writer: CardWriter) -> None:
        self.store = store
        self.sla = sla
        self.directory = directory
        self.writer = writer
        self.t = writer.t

    def run(self, now: datetime) -> SweepReport:
        report = SweepReport()
        by_target: dict[Target, list[tuple[Ticket, Stage]]] = defaultdict(list)
        escalated: list[Ticket] = []
        with self.store.transaction() as uow:
            for ticket, sent in uow.unanswered_due_before(now + self.sla.earliest_lead):
                stage = self.sla.stage_at(ticket.due_at, now)
                if stage is None or stage in sent:
                    continue
                snoozed = ticket.snoozed_until is not None and now < ticket.snoozed_until
                if snoozed and stage is not Stage.OVERDUE:
                    continue
                if not uow.record_reminder(ticket.ref, stage, now):
                    continue  # another worker took this (ticket, stage)
                for earlier in _ORDER[: _ORDER.index(stage)]:
                    if earlier not in sent:
                        uow.record_reminder(ticket.ref, earlier, now)  # folded into the newest stage
                report.reminded[stage].append(ticket.ref)
                for target in self.directory.ticket_targets(ticket):
                    by_target[target].append((ticket, stage))
                if stage is Stage.OVERDUE:
                    escalated.append(ticket)
            for (platform, channel), items in by_target.items():
                uow.queue(self._message(platform, channel, items, now), now)
                report.messages += 1
            if escalated:
                for platform, channel in self.directory.manager_targets():
                    uow.queue(self._escalation(platform, channel, escalated, now), now)
                    report.messages += 1
        if report.count:
            log.info("reminders queued", extra={"tickets": report.count, "messages": report.messages})
        return report

    def _line(self, ticket: Ticket, now: datetime) -> str:
        return self.t(
            "reminder.item",
            ref=ticket.ref,
            department=self.writer.department_name(ticket.department),
            left=self.t.time_left(ticket.due_at, now),
            deadline=self.writer.deadline(ticket),
            summary=self.writer.summary(ticket),
        )

    def _message(
        self, platform: str, channel: str, items: list[tuple[Ticket, Stage]], now: datetime
    ) -> OutboundMessage:
        lines: list[str] = []
        entries = []
        for stage in reversed(_ORDER):  # newest stage first
            tickets = [ticket for ticket, reached in items if reached is stage]
            if not tickets:
                continue
            lines.append(self.t(f"reminder.header.{stage.value}"))
            for ticket in tickets:
                lines.append(self._line(ticket, now))
                entries.append({"ref": ticket.ref, "stage": stage.value, "due_at": ticket.due_at.isoformat()})
        return OutboundMessage(platform, channel, "reminder", "\n".join(lines), {"tickets": entries})

    def _escalation(
        self, platform: str, channel: str, tickets: list[Ticket], now: datetime
    ) -> OutboundMessage:
        lines = [self.t("reminder.header.escalation"), *(self._line(ticket, now) for ticket in tickets)]
        entries = [{"ref": ticket.ref, "stage": Stage.OVERDUE.value} for ticket in tickets]
        return OutboundMessage(platform, channel, "escalation", "\n".join(lines), {"tickets": entries})
