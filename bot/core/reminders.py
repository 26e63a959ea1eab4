"""The reminder sweep: which unanswered tickets get which reminder now.

A plain function of ``now``; the scheduler runs it every minute. It reads only the tickets whose
``remind_at`` has come (an index range, so it costs what is due, not what is stored), decides each
one's reminder from its team's policy, and sets when to look at it next. Each (ticket, reminder key)
is recorded under a unique key before its message is queued, in the same transaction, and on
PostgreSQL the claimed tickets are locked with SKIP LOCKED, so two workers or a restart never
double-post. A ticket that passed several stages while the bot was down gets only the newest; the
older ones are recorded as folded into it. With business hours nobody is pinged while the team is
closed; shortly before each closing the team gets one list of the tickets that will breach before
it reopens.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.cards import CardWriter
from bot.core.domain import OutboundMessage, Stage, Ticket
from bot.core.ports import ReminderLog, Store, UnitOfWork
from bot.core.routing import Directory, Target
from bot.core.sla import Milestone, SlaPolicies

log = logging.getLogger(__name__)

NEWEST_FIRST = (Stage.NUDGE, Stage.OVERDUE, Stage.LAST_CALL, Stage.WARNING)
BATCH = 2000
"""Tickets one sweep claims at most; the rest wait for the next minute's sweep."""


@dataclass
class SweepReport:
    reminded: dict[Stage, list[int]] = field(default_factory=lambda: defaultdict(list))
    messages: int = 0

    @property
    def count(self) -> int:
        return sum(len(refs) for refs in self.reminded.values())


@dataclass(frozen=True)
class Decision:
    """What the sweep does with one claimed ticket now."""

    due: tuple[Milestone, ...] = ()
    """Reminders owed now, oldest first: the newest is sent, the others folded into it."""
    next_at: datetime | None = None

    @property
    def shown(self) -> Stage:
        """The stage the team sees: the overdue alert when the ticket has just gone overdue."""
        stages = [m.stage for m in self.due]
        return Stage.OVERDUE if Stage.OVERDUE in stages else stages[-1]


class ReminderSweep:
    def __init__(
        self, store: Store, sla: SlaPolicies, directory: Directory, writer: CardWriter, *, batch: int = BATCH
    ) -> None:
        self.store = store
        self.sla = sla
        self.directory = directory
        self.writer = writer
        self.batch = batch
        self.t = writer.t

    def run(self, now: datetime) -> SweepReport:
        report = SweepReport()
        with self.store.transaction() as uow:
            chosen = self._reminders(uow, now)
            by_target: dict[Target, list[tuple[Ticket, Stage]]] = defaultdict(list)
            escalated: list[Ticket] = []
            for ticket, stage, first_overdue in chosen:
                report.reminded[stage].append(ticket.ref)
                for target in self.directory.ticket_targets(ticket):
                    by_target[target].append((ticket, stage))
                if first_overdue:
                    escalated.append(ticket)
            for (platform, channel), items in by_target.items():
                uow.queue(self._message(platform, channel, items, now), now)
                report.messages += 1
            if escalated:
                for platform, channel in self.directory.manager_targets():
                    uow.queue(self._escalation(platform, channel, escalated, now), now)
                    report.messages += 1
            report.messages += self._breach_notices(uow, now, report)
        if report.count:
            log.info("reminders queued", extra={"tickets": report.count, "messages": report.messages})
        return report

    def decide(self, ticket: Ticket, sent: frozenset[str], now: datetime) -> Decision:
        """The reminders ``ticket`` is owed at ``now`` and when to look at it again."""
        if ticket.answered or ticket.waiting_since is not None:
            return Decision()  # answered, or waiting for the customer (the clock is paused)
        policy = self.sla.for_ticket(ticket)
        upcoming = [m for m in policy.milestones(ticket.due_at, ticket.answer_round) if m.key not in sent]
        due = tuple(m for m in upcoming if m.at <= now)
        next_at = next((m.at for m in upcoming if m.at > now), None)
        if not due:
            return Decision(next_at=next_at)
        if policy.quiet(now):
            return Decision(next_at=policy.calendar.next_open(now))
        snoozed = ticket.snoozed_until is not None and now < ticket.snoozed_until
        if snoozed and due[-1].stage in (Stage.WARNING, Stage.LAST_CALL):
            return Decision(next_at=ticket.snoozed_until)
        return Decision(due, next_at)

    def _reminders(self, uow: ReminderLog, now: datetime) -> list[tuple[Ticket, Stage, bool]]:
        """Claims the due tickets, records their reminders and schedules their next look."""
        decided = [
            (ticket, self.decide(ticket, sent, now))
            for ticket, sent in uow.due_for_reminder(now, limit=self.batch)
        ]
        uow.schedule_reminders({ticket.ref: decision.next_at for ticket, decision in decided})
        owed = [(ticket, decision) for ticket, decision in decided if decision.due]
        inserted = uow.record_reminders([(t.ref, m.key) for t, d in owed for m in d.due], now)
        chosen = []
        for ticket, decision in owed:
            if (ticket.ref, decision.due[-1].key) not in inserted:
                continue  # another worker took this (ticket, stage)
            first_overdue = any(m.stage is Stage.OVERDUE for m in decision.due)
            chosen.append((ticket, decision.shown, first_overdue))
        return chosen

    def _breach_notices(self, uow: UnitOfWork, now: datetime, report: SweepReport) -> int:
        """Before a business-hours team closes: the tickets that will breach before it reopens."""
        messages = 0
        for policy in self.sla.all():
            window = policy.breach_window(now)
            if window is None:
                continue
            _closing, reopen = window
            listed = [
                ticket
                for ticket, sent in uow.unanswered_due_between(now, reopen)
                if self.sla.for_ticket(ticket) is policy and Stage.BREACH.value not in sent
            ]
            inserted = uow.record_reminders([(t.ref, Stage.BREACH.value) for t in listed], now)
            by_target: dict[Target, list[Ticket]] = defaultdict(list)
            for ticket in listed:
                if (ticket.ref, Stage.BREACH.value) in inserted:
                    report.reminded[Stage.BREACH].append(ticket.ref)
                    for target in self.directory.ticket_targets(ticket):
                        by_target[target].append(ticket)
            reopening = self.t.moment(reopen, policy.tz)
            for (platform, channel), tickets in by_target.items():
                lines = [self.t("reminder.header.breach", reopen=reopening)]
                lines += [self._line(ticket, now) for ticket in tickets]
                entries = [
                    {"ref": t.ref, "stage": Stage.BREACH.value, "due_at": t.due_at.isoformat()}
                    for t in tickets
                ]
                data = {"tickets": entries, "reopen": reopen.isoformat()}
                uow.queue(OutboundMessage(platform, channel, "reminder", "\n".join(lines), data), now)
                messages += 1
        return messages

    def _line(self, ticket: Ticket, now: datetime) -> str:
        return self.t(
            "reminder.item",
            ref=ticket.ref,
            department=self.writer.department_name(ticket.department),
            left=self.writer.time_left(ticket, now),
            deadline=self.writer.deadline(ticket),
            summary=self.writer.summary(ticket),
        ) + (self.t("reminder.owner", owner=ticket.owner) if ticket.owner else "")

    def _message(
        self, platform: str, channel: str, items: list[tuple[Ticket, Stage]], now: datetime
    ) -> OutboundMessage:
        lines: list[str] = []
        entries = []
        for stage in NEWEST_FIRST:
            tickets = [ticket for ticket, reached in items if reached is stage]
            if not tickets:
                continue
            lines.append(self.t(f"reminder.header.{stage.value}"))
            for ticket in tickets:
                lines.append(self._line(ticket, now))
                entries.append({"ref": ticket.ref, "stage": stage.value, "due_at": ticket.due_at.isoformat()})
        owners = sorted({ticket.owner for ticket, _ in items if ticket.owner})
        data = {"tickets": entries, "owners": owners}  # an owned ticket's reminder names its owner
        return OutboundMessage(platform, channel, "reminder", "\n".join(lines), data)

    def _escalation(
        self, platform: str, channel: str, tickets: list[Ticket], now: datetime
    ) -> OutboundMessage:
        lines = [self.t("reminder.header.escalation"), *(self._line(ticket, now) for ticket in tickets)]
        entries = [{"ref": ticket.ref, "stage": Stage.OVERDUE.value} for ticket in tickets]
        return OutboundMessage(platform, channel, "escalation", "\n".join(lines), {"tickets": entries})
