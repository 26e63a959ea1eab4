"""TriageService: the rules of a ticket's life. No Slack, LINE or SQL here.

Every operation is one unit of work: the ticket change, its audit event and the chat messages it
causes (queued in the outbox) commit together or not at all.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.config import Config
from bot.core.access import Forbidden, Guard, Permission
from bot.core.card_data import card_data
from bot.core.cards import CardWriter
from bot.core.conversation import Conversation
from bot.core.domain import (
    AuditEntry,
    IncomingMessage,
    InvalidArgument,
    OutboundMessage,
    Status,
    Ticket,
    TriageError,
    UnknownTicket,
)
from bot.core.intake import Intake, IntakeOutcome, IntakeResult
from bot.core.ports import Classifier, Clock, OutboxQueue, Store, UnitOfWork
from bot.core.routing import Directory, team_key
from bot.core.sla import SlaPolicies

log = logging.getLogger(__name__)


Target = tuple[str, str]
Change = Callable[[Ticket, datetime], dict[str, Any]]
After = Callable[[UnitOfWork, Ticket, datetime], None]
"""More work in an action's transaction once the ticket has changed (a message to the customer)."""


class TriageService:
    def __init__(
        self,
        config: Config,
        store: Store,
        classifier: Classifier,
        clock: Clock,
        directory: Directory,
        writer: CardWriter,
        sla: SlaPolicies | None = None,
        guard: Guard | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.classifier = classifier
        self.clock = clock
        self.directory = directory
        self.writer = writer
        self.sla = sla or SlaPolicies.from_config(config)
        self.t = writer.t
        self.guard = guard
        """Checks every action's permission (``None``: everyone may do everything)."""
        self.conversation = Conversation(config, writer, directory, self.sla)
        """What customers who write in themselves hear, and how their follow-ups join their ticket."""
        self._intake = Intake(
            config,
            store,
            classifier,
            clock,
            sla=self.sla,
            guard=guard,
            conversation=self.conversation,
            translator=self.t,
            cards=self._new_cards,
        )

    # -- intake ---------------------------------------------------------------------------------

    def intake(self, message: IncomingMessage, *, department: str | None = None) -> IntakeResult:
        """See :meth:`bot.core.intake.Intake.intake`."""
        return self._intake.intake(message, department=department)

    def intake_many(self, messages: Sequence[IncomingMessage]) -> list[IntakeOutcome]:
        """See :meth:`bot.core.intake.Intake.intake_many`."""
        return self._intake.intake_many(messages)

    # -- actions --------------------------------------------------------------------------------

    def acknowledge(self, ref: int, actor: str) -> Ticket:
        """Marks the ticket as being worked on; a second acknowledgement is refused and posts nothing."""

        def change(ticket: Ticket, now: datetime) -> dict[str, Any]:
            if ticket.status is Status.ACKNOWLEDGED:
                raise TriageError("error.already_acknowledged", ref=ref, actor=ticket.acknowledged_by or "?")
            ticket.status = Status.ACKNOWLEDGED
            ticket.acknowledged_by = actor
            ticket.mark_answered(now)
            return {}

        return self._act(ref, actor, "acknowledged", change, "acknowledge")

    def respond(self, ref: int, actor: str) -> Ticket:
        """A team member replied in the card's thread: that is the first response."""

        def change(ticket: Ticket, now: datetime) -> dict[str, Any]:
            ticket.mark_answered(now)
            ticket.remind_at = None  # answered: no more reminders
            return {}

        return self._act(ref, actor, "responded", change, "respond")

    def attach(
        self, platform: str, forwarder: str, kind: str, reference: str, *, within: timedelta
    ) -> Ticket | None:
        """Notes media (a photo of the damage...) sent right after a complaint on that complaint's ticket.

        Returns the forwarder's newest open ticket from the last ``within``, or ``None`` when there
        is none (the media is then not a complaint's attachment).
        """
        now = self.clock.now()
        with self.store.transaction() as uow:
            recent = [
                ticket
                for ticket in uow.tickets_created_between(now - within, now + timedelta(seconds=1), None)
                if ticket.platform == platform
                and ticket.forwarder == forwarder
                and ticket.status is not Status.RESOLVED
            ]
            if not recent:
                return None
            ticket = recent[-1]
            uow.audit(ticket.ref, now, forwarder, "attached", {"kind": kind, "reference": reference})
        return ticket

    def resolve(self, ref: int, actor: str) -> Ticket:
        """Resolves the ticket; a customer who wrote in themselves is asked how it went."""

        def change(ticket: Ticket, now: datetime) -> dict[str, Any]:
            ticket.status = Status.RESOLVED
            ticket.resolved_at = now
            ticket.mark_answered(now)
            ticket.waiting_since = None
            return {}

        return self._act(ref, actor, "resolved", change, "resolve", after=self.conversation.ask_satisfaction)

    def not_a_complaint(self, ref: int, actor: str) -> Ticket:
        """Closes a ticket as not a complaint: audited, left out of the digest's figures, and an
        out-of-scope label the classifier learns from (like a reassignment, it is a correction)."""
        with self._permitted(ref, actor, Permission.REASSIGN, "not_complaint") as (uow, ticket):
            now = self.clock.now()
            detail = {"from": ticket.department}
            ticket.status = Status.RESOLVED
            ticket.not_complaint = True
            ticket.resolved_at = now
            ticket.remind_at = None
            uow.save_ticket(ticket)
            uow.audit(ref, now, actor, "not_complaint", detail)
            change = self._change(actor, "not_complaint", now, detail)
            self._queue_cards(uow, ticket, now, "card_update", self._card_targets(ticket), change)
        log.info("ticket not_complaint", extra={"ref": ref, "action": "not_complaint"})
        return ticket

    def snooze(self, ref: int, actor: str, hours: float) -> Ticket:
        """Holds the reminders for ``hours`` (``snoozed_until`` says until when: never in the past)."""
        if not 0.5 <= hours <= 168:
            raise InvalidArgument("error.bad_hours")

        def change(ticket: Ticket, now: datetime) -> dict[str, Any]:
            # A snooze delays reminders but never hides the deadline itself; once the deadline has
            # passed it holds the overdue nudges for the hours asked.
            wanted = now + timedelta(hours=hours)
            until = min(wanted, ticket.due_at) if ticket.due_at > now else wanted
            ticket.snoozed_until = until
            return {
                "hours": hours,
                "until": until.isoformat(),
                "until_text": self.t.moment(until, self.config.tz),
            }

        return self._act(ref, actor, "snoozed", change, "snooze")

    def reassign(self, ref: int, actor: str, department: str) -> Ticket:
        """Moves a ticket to another department; the move is also a label the classifier learns from."""
        key = team_key(self.config, department)
        with self._permitted(ref, actor, Permission.REASSIGN, "reassign") as (uow, ticket):
            if ticket.department == key and not ticket.needs_triage:
                raise TriageError(
                    "error.same_department", ref=ref, department=self.writer.department_name(key)
                )
            now = self.clock.now()
            old_targets = self._card_targets(ticket)
            old = ticket.department
            ticket.department = key
            ticket.needs_triage = False
            ticket.owner = None  # the new team decides who takes it
            if ticket.remind_at is not None:
                ticket.remind_at = now  # the new team's policy decides the next reminder
            uow.save_ticket(ticket)
            detail = {"from": old, "to": key}
            uow.audit(ref, now, actor, "reassigned", detail)
            change = self._change(actor, "reassigned", now, detail)
            self._queue_cards(uow, ticket, now, "card_update", old_targets, change)
            new_targets = [target for target in self._card_targets(ticket) if target not in old_targets]
            self._queue_cards(uow, ticket, now, "card", new_targets, change)
        log.info("ticket reassigned", extra={"ref": ref, "action": "reassigned", "department": key})
        return ticket

    # -- queries --------------------------------------------------------------------------------

    def get(self, ref: int) -> Ticket:
        with self.store.transaction() as uow:
            return existing_ticket(uow, ref)

    def open_tickets(self, department: str | None = None) -> list[Ticket]:
        if department is not None:
            department = team_key(self.config, department)
        with self.store.transaction() as uow:
            return uow.open_tickets(department)

    def history(self, ref: int) -> list[AuditEntry]:
        with self.store.transaction() as uow:
            existing_ticket(uow, ref)
            return uow.history(ref)

    def describe(self, entry: AuditEntry) -> str:
        return self.describe_action(entry.action, entry.detail)

    # -- helpers --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _permitted(
        self, ref: int, actor: str, permission: Permission, attempted: str
    ) -> Iterator[tuple[UnitOfWork, Ticket]]:
        """The open ticket, locked, for an actor allowed to change it: one transaction, one check.
        The permission is checked before the ticket's state, so a refusal comes first; a refusal
        changes nothing but its audit entry."""
        with self.store.transaction() as uow:
            ticket = existing_ticket(uow, ref, for_update=True)
            allowed = self.guard is None or self.guard.allows(uow, actor, permission, attempted, ticket)
            if allowed:
                if ticket.status is Status.RESOLVED:
                    raise TriageError("error.already_resolved", ref=ref)
                yield uow, ticket
        if not allowed:
            raise Forbidden()

    def _act(
        self, ref: int, actor: str, action: str, apply: Change, attempted: str, *, after: After | None = None
    ) -> Ticket:
        """One action: one permission check, the change, its audit, the card updates, ``after``."""
        with self._permitted(ref, actor, Permission.ACT, attempted) as (uow, ticket):
            now = self.clock.now()
            detail = apply(ticket, now)
            if after is not None:
                after(uow, ticket, now)
            uow.save_ticket(ticket)
            uow.audit(ref, now, actor, action, detail)
            change = self._change(actor, action, now, detail)
            self._queue_cards(uow, ticket, now, "card_update", self._card_targets(ticket), change)
        log.info("ticket %s", action, extra={"ref": ref, "action": action})
        return ticket

    perform = _act
    """The same, for the use cases kept in their own modules (:mod:`bot.core.customers`)."""

    def _change(self, actor: str, action: str, at: datetime, detail: dict[str, Any]) -> dict[str, Any]:
        return {
            "actor": actor,
            "action": action,
            "at": at,
            "action_text": self.describe_action(action, detail),
        }

    def describe_action(self, action: str, detail: dict[str, Any]) -> str:
        if action == "reassigned":
            return self.t(
                "action.reassigned",
                from_department=self.writer.department_name(detail.get("from")),
                to_department=self.writer.department_name(detail.get("to")),
            )
        if action == "snoozed":
            return self.t("action.snoozed", until=detail.get("until_text", ""))
        if action == "refused":
            return self.t("action.refused", attempted=self.t(f"attempt.{detail.get('attempted')}"))
        if action == "created":
            return self.t("action.created", department=self.writer.department_name(detail.get("department")))
        return self.t(f"action.{action}")

    def _new_cards(self, ticket: Ticket, now: datetime) -> list[OutboundMessage]:
        return self.card_messages(ticket, now, "card", self._card_targets(ticket))

    def _card_targets(self, ticket: Ticket) -> list[Target]:
        return self.directory.ticket_targets(ticket)

    def _queue_cards(
        self,
        uow: OutboxQueue,
        ticket: Ticket,
        now: datetime,
        kind: str,
        targets: Sequence[Target],
        change: dict[str, Any] | None = None,
    ) -> None:
        uow.queue_many(self.card_messages(ticket, now, kind, targets, change), now)

    def card_messages(
        self,
        ticket: Ticket,
        now: datetime,
        kind: str,
        targets: Sequence[Target],
        change: dict[str, Any] | None = None,
    ) -> list[OutboundMessage]:
        card = self.writer.card(ticket, now, change)
        text, data = card.to_text(), card_data(card)
        return [
            OutboundMessage(platform, channel, kind, text, data, ticket.ref) for platform, channel in targets
        ]


MAX_REF = 2**31 - 1
"""The largest ticket number a database stores: any larger number names no ticket."""


def existing_ticket(uow: UnitOfWork, ref: int, *, for_update: bool = False) -> Ticket:
    """The ticket ``ref``; a number no ticket can have (``#2147483648``, 20 digits, 0) is not
    looked up, so it is "not found" like any other, never a database error.

    Raises:
        UnknownTicket: there is no such ticket.
    """
    ticket = uow.get_ticket(ref, for_update=for_update) if 0 < ref <= MAX_REF else None
    if ticket is None:
        raise UnknownTicket(f"#{ref}")
    return ticket
