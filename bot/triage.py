"""TriageService: the rules of a ticket's life. No Slack, LINE or SQL here.

Every operation is one unit of work: the ticket change, its audit event and the chat messages it
causes (queued in the outbox) commit together or not at all.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.access import Forbidden, Guard, Permission
from bot.cards import CardWriter
from bot.config import Config
from bot.domain import (
    MAX_COMPLAINT_CHARS,
    AuditEntry,
    DuplicateEvent,
    EmptyComplaint,
    IncomingMessage,
    InvalidArgument,
    OutboundMessage,
    Status,
    Ticket,
    TriageError,
    UnknownDepartment,
    UnknownTicket,
)
from bot.masking import DEFAULT_ORDER_PATTERNS
from bot.ports import Classifier, Clock, Store, UnitOfWork
from bot.priority import REPEAT_CONTACTS, REPEAT_WINDOW_DAYS, detect_flags, extract_order_number, is_priority
from bot.routing import Directory
from bot.sla import SlaPolicies
from classifiers.text import clean, detect_language

log = logging.getLogger(__name__)

Target = tuple[str, str]
Change = Callable[[Ticket, datetime], dict[str, Any]]


@dataclass(frozen=True)
class IntakeResult:
    ticket: Ticket
    created: bool
    reply: str


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
        *,
        on_created: Callable[[Ticket], None] | None = None,
    ) -> None:
        self.config = config
        self.on_created = on_created
        """Called with each new ticket after its commit (the metrics count them)."""
        self.store = store
        self.classifier = classifier
        self.clock = clock
        self.directory = directory
        self.writer = writer
        self.sla = sla or SlaPolicies.from_config(config)
        self.t = writer.t
        self.guard = guard
        """Checks every action's permission (``None``: everyone may do everything)."""

    # -- intake ---------------------------------------------------------------------------------

    def intake(self, message: IncomingMessage) -> IntakeResult:
        """Opens a ticket for a forwarded complaint; the same platform event always gives the same ticket.

        Raises:
            EmptyComplaint: the text is empty once control characters are removed.
            Forbidden: the forwarder has no role that may forward complaints (audited).
        """
        if self.guard is not None:
            self.guard.require(message.forwarder, Permission.FORWARD, "forward")
        text = clean(message.text)
        if not text:
            raise EmptyComplaint()
        flags = detect_flags(text)
        if len(text) > MAX_COMPLAINT_CHARS:
            text, flags = text[:MAX_COMPLAINT_CHARS], (*flags, "truncated")
        prediction = self.classifier.predict(text)
        needs_triage = (
            prediction.department is None or prediction.confidence < self.config.classifier_threshold
        )
        now = self.clock.now()
        policy = self.sla.for_department(None if needs_triage else prediction.department)
        due_at = policy.deadline(now)
        with self.store.transaction() as uow:
            existing = uow.find_event_ticket(message.platform, message.event_id)
            if existing is None:
                try:
                    uow.record_event(message.platform, message.event_id, now)
                except DuplicateEvent:
                    # Another worker recorded it first and has committed (the insert waited for it).
                    existing = uow.find_event_ticket(message.platform, message.event_id)
                    if existing is None:
                        raise
            if existing is not None:
                log.info("duplicate event", extra={"ref": existing.ref, "event_id": message.event_id})
                return IntakeResult(existing, False, self.t("reply.duplicate", ref=existing.ref))
            flags = self._repeat_flag(uow, message.customer, now, flags)
            ticket = uow.add_ticket(
                Ticket(
                    ref=0,
                    platform=message.platform,
                    channel=message.channel,
                    thread=message.thread,
                    forwarder=message.forwarder,
                    customer=message.customer,
                    text=text,
                    language=detect_language(text),
                    department=prediction.department,
                    confidence=prediction.confidence,
                    needs_triage=needs_triage,
                    priority=is_priority(flags),
                    flags=flags,
                    created_at=now,
                    due_at=due_at,
                    remind_at=policy.first_reminder(due_at),
                    source_url=message.source_url,
                    source_author=message.source_author,
                    order_number=extract_order_number(
                        text, self.config.order_patterns or DEFAULT_ORDER_PATTERNS
                    ),
                    guesses=tuple((name, round(p, 3)) for name, p in prediction.ranking[:3]),
                )
            )
            uow.attach_event(message.platform, message.event_id, ticket.ref)
            uow.audit(
                ticket.ref,
                now,
                message.forwarder,
                "created",
                {
                    "department": ticket.department,
                    "confidence": round(ticket.confidence, 3),
                    "needs_triage": needs_triage,
                    "event": f"{message.platform}:{message.event_id}",
                },
            )
            reply = self.writer.reply(ticket)
            data = self.writer.reply_data(ticket)
            if message.reply_token:
                data["reply_token"] = message.reply_token
            uow.queue(
                OutboundMessage(
                    message.platform,
                    message.channel,
                    "reply",
                    reply,
                    data,
                    ticket.ref,
                    message.thread,
                ),
                now,
            )
            self._queue_cards(uow, ticket, now, "card", self._card_targets(ticket))
        log.info(
            "ticket created",
            extra={
                "ref": ticket.ref,
                "event_id": message.event_id,
                "platform": message.platform,
                "department": ticket.department,
                "confidence": round(ticket.confidence, 3),
            },
        )
        if self.on_created is not None:
            self.on_created(ticket)
        return IntakeResult(ticket, True, reply)

    # -- actions --------------------------------------------------------------------------------

    def acknowledge(self, ref: int, actor: str) -> Ticket:
        def change(ticket: Ticket, now: datetime) -> dict[str, Any]:
            ticket.status = Status.ACKNOWLEDGED
            ticket.acknowledged_by = actor
            ticket.first_response_at = ticket.first_response_at or now
            return {}

        return self._act(ref, actor, "acknowledged", change, "acknowledge")

    def respond(self, ref: int, actor: str) -> Ticket:
        """A team member replied in the card's thread: that is the first response."""

        def change(ticket: Ticket, now: datetime) -> dict[str, Any]:
            ticket.first_response_at = ticket.first_response_at or now
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
        def change(ticket: Ticket, now: datetime) -> dict[str, Any]:
            ticket.status = Status.RESOLVED
            ticket.resolved_at = now
            ticket.first_response_at = ticket.first_response_at or now
            return {}

        return self._act(ref, actor, "resolved", change, "resolve")

    def snooze(self, ref: int, actor: str, hours: float) -> Ticket:
        if not 0.5 <= hours <= 168:
            raise InvalidArgument("error.bad_hours")

        def change(ticket: Ticket, now: datetime) -> dict[str, Any]:
            # A snooze delays reminders but never hides the deadline itself.
            until = min(now + timedelta(hours=hours), ticket.due_at)
            ticket.snoozed_until = until
            return {
                "hours": hours,
                "until": until.isoformat(),
                "until_text": self.t.moment(until, self.config.tz),
            }

        return self._act(ref, actor, "snoozed", change, "snooze")

    def reassign(self, ref: int, actor: str, department: str) -> Ticket:
        """Moves a ticket to another department; the move is also a label the classifier learns from."""
        key = department.strip().lower()
        if self.config.department(key) is None:
            raise UnknownDepartment(department, ", ".join(self.config.department_keys))
        with self._permitted(ref, actor, Permission.REASSIGN, "reassign") as (uow, ticket):
            now = self.clock.now()
            old_targets = self._card_targets(ticket)
            old = ticket.department
            ticket.department = key
            ticket.needs_triage = False
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
            ticket = uow.get_ticket(ref)
        if ticket is None:
            raise UnknownTicket(f"#{ref}")
        return ticket

    def open_tickets(self, department: str | None = None) -> list[Ticket]:
        if department is not None and self.config.department(department) is None:
            raise UnknownDepartment(department, ", ".join(self.config.department_keys))
        with self.store.transaction() as uow:
            return uow.open_tickets(department)

    def history(self, ref: int) -> list[AuditEntry]:
        with self.store.transaction() as uow:
            if uow.get_ticket(ref) is None:
                raise UnknownTicket(f"#{ref}")
            return uow.history(ref)

    def describe(self, entry: AuditEntry) -> str:
        return self._action_text(entry.action, entry.detail)

    # -- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _repeat_flag(
        uow: UnitOfWork, customer: str | None, now: datetime, flags: tuple[str, ...]
    ) -> tuple[str, ...]:
        """Adds ``repeat`` when this is the customer's third ticket (or more) within seven days."""
        if not customer:
            return flags
        earlier = uow.count_customer_tickets(customer, now - timedelta(days=REPEAT_WINDOW_DAYS))
        return (*flags, "repeat") if earlier + 1 >= REPEAT_CONTACTS else flags

    def _check(self, ref: int, actor: str, permission: Permission, attempted: str) -> None:
        if self.guard is not None and self.guard.access.enforced:
            self.guard.require(actor, permission, attempted, self.get(ref))

    @contextlib.contextmanager
    def _permitted(
        self, ref: int, actor: str, permission: Permission, attempted: str
    ) -> Iterator[tuple[UnitOfWork, Ticket]]:
        """The open ticket, locked, for an actor allowed to change it. Checked before (so a refusal
        comes first) and again on the locked row: another process may have just moved the ticket
        to a team the actor is not in. A refusal changes nothing and is audited."""
        self._check(ref, actor, permission, attempted)
        refused: Ticket | None = None
        with self.store.transaction() as uow:
            ticket = self._open_ticket(uow, ref)
            if self.guard is None or self.guard.access.allowed(actor, permission, ticket):
                yield uow, ticket
                return
            refused = ticket
        if self.guard is not None:
            self.guard.require(actor, permission, attempted, refused)  # audits the refusal
        raise Forbidden()

    def _act(self, ref: int, actor: str, action: str, apply: Change, attempted: str) -> Ticket:
        with self._permitted(ref, actor, Permission.ACT, attempted) as (uow, ticket):
            now = self.clock.now()
            detail = apply(ticket, now)
            uow.save_ticket(ticket)
            uow.audit(ref, now, actor, action, detail)
            change = self._change(actor, action, now, detail)
            self._queue_cards(uow, ticket, now, "card_update", self._card_targets(ticket), change)
        log.info("ticket %s", action, extra={"ref": ref, "action": action})
        return ticket

    def _open_ticket(self, uow: UnitOfWork, ref: int) -> Ticket:
        ticket = uow.get_ticket(ref, for_update=True)
        if ticket is None:
            raise UnknownTicket(f"#{ref}")
        if ticket.status is Status.RESOLVED:
            raise TriageError("error.already_resolved", ref=ref)
        return ticket

    def _change(self, actor: str, action: str, at: datetime, detail: dict[str, Any]) -> dict[str, Any]:
        return {"actor": actor, "action": action, "at": at, "action_text": self._action_text(action, detail)}

    def _action_text(self, action: str, detail: dict[str, Any]) -> str:
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

    def _card_targets(self, ticket: Ticket) -> list[Target]:
        return self.directory.ticket_targets(ticket)

    def _queue_cards(
        self,
        uow: UnitOfWork,
        ticket: Ticket,
        now: datetime,
        kind: str,
        targets: Sequence[Target],
        change: dict[str, Any] | None = None,
    ) -> None:
        text, data = self.writer.card(ticket, now, change)
        for platform, channel in targets:
            uow.queue(OutboundMessage(platform, channel, kind, text, data, ticket.ref), now)
