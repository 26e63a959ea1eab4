"""What a chat platform may call: the use cases, with their rules and permission checks inside.

A platform translates its events into these calls and their answers into its messages; it never
opens a transaction, checks a permission or decides a rule itself. ``bot/runtime/services.py``
builds one :class:`Services` and hands it to every platform.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from bot.config import Config
from bot.core.access import Access, Forbidden, Guard
from bot.core.cards import CardWriter
from bot.core.customers import CustomerDesk
from bot.core.digest import Digest, DigestBuilder, Week
from bot.core.domain import DuplicateEvent, IncomingMessage, OutboundMessage, Status, Ticket
from bot.core.i18n import Translator
from bot.core.inbox import Inbox
from bot.core.intake import IntakeResult
from bot.core.originals import Originals
from bot.core.ports import Clock, Store
from bot.core.records import Records
from bot.core.routing import Directory, team_key
from bot.core.search import Finder
from bot.core.triage import TriageService


class Services:
    """The use cases a platform calls, and what it reads to word their answers (config, texts)."""

    def __init__(
        self,
        *,
        config: Config,
        clock: Clock,
        writer: CardWriter,
        store: Store,
        directory: Directory,
        service: TriageService,
        inbox: Inbox,
        records: Records,
        digests: DigestBuilder,
        access: Access,
        guard: Guard,
        desk: CustomerDesk,
        finder: Finder,
    ) -> None:
        self.config = config
        self.clock = clock
        self.writer = writer
        self.t: Translator = writer.t
        self._store = store
        self._directory = directory
        self._service = service
        self._originals = Originals(service)
        self._inbox = inbox
        self._records = records
        self._digests = digests
        self._access = access
        self._guard = guard
        self.desk = desk
        """Working a ticket with its customer: reply, take, wait, satisfaction."""
        self.finder = finder
        """``/find``."""

    # -- complaints -----------------------------------------------------------------------------

    def accept(self, message: IncomingMessage) -> None:
        """Stores a complaint for a worker, which opens its ticket (the platform answers at once).

        Raises:
            EmptyComplaint: nothing but whitespace or control characters.
        """
        self._inbox.accept(message)

    def open_ticket(self, message: IncomingMessage, *, department: str | None = None) -> IntakeResult:
        """Opens the ticket now, for a person waiting for the answer (a shortcut, the form), in
        ``department`` when they chose one. See :meth:`TriageService.intake`."""
        return self._service.intake(message, department=department)

    def attach(
        self, platform: str, forwarder: str, kind: str, reference: str, *, within: timedelta
    ) -> Ticket | None:
        """Notes media on the forwarder's complaint of the last ``within``, once any complaint of
        theirs still waiting in the inbox has its ticket; ``None`` when there is none."""
        self._inbox.settle(platform, forwarder)
        return self._service.attach(platform, forwarder, kind, reference, within=within)

    def is_staff(self, actor: str) -> bool:
        """Named in [roles]: on a customer channel they forward, everyone else is a customer."""
        return self._access.listed(actor)

    def staff_see_tickets(self) -> bool:
        """Some team channel, triage target or managers' channel exists for customers' tickets."""
        teams = [self._directory.team_targets(key) for key in (None, *self.config.department_keys)]
        return any(teams) or bool(self._directory.manager_targets())

    def settle(self, platform: str, forwarder: str) -> None:
        """Waits (briefly) until the forwarder's complaints waiting in the inbox have their tickets."""
        self._inbox.settle(platform, forwarder)

    # -- the original message -------------------------------------------------------------------

    def withdraw(self, platform: str, message_id: str, actor: str, *, by_customer: bool) -> Ticket | None:
        """The original message was taken back (unsent) by ``actor``: its complaint is erased from
        the ticket and every message waiting to be sent, and the card says so. A complaint of
        ``actor``'s still waiting in the inbox gets its ticket first (often the same webhook).
        ``None`` when the message opened no ticket."""
        self._inbox.settle(platform, actor)
        return self._originals.withdraw(platform, message_id, actor, by_customer=by_customer)

    def deleted(self, platform: str, message_id: str, actor: str) -> Ticket | None:
        """The original message was deleted: noted on its ticket's card (``None``: no ticket)."""
        return self._originals.deleted(platform, message_id, actor)

    def edited(self, platform: str, message_id: str, actor: str, text: str) -> Ticket | None:
        """The original message was edited: soon after, the ticket takes ``text``; later, the card
        notes it (``None``: no ticket, or nothing changed)."""
        return self._originals.edited(platform, message_id, actor, text)

    # -- the card -------------------------------------------------------------------------------

    def acknowledge(self, ref: int, actor: str) -> Ticket:
        return self._service.acknowledge(ref, actor)

    def resolve(self, ref: int, actor: str) -> Ticket:
        return self._service.resolve(ref, actor)

    def not_a_complaint(self, ref: int, actor: str) -> Ticket:
        return self._service.not_a_complaint(ref, actor)

    def snooze(self, ref: int, actor: str, hours: float) -> Ticket:
        return self._service.snooze(ref, actor, hours)

    def reassign(self, ref: int, actor: str, department: str) -> Ticket:
        return self._service.reassign(ref, actor, department)

    def reply_in_thread(self, platform: str, channel: str, thread: str, actor: str) -> None:
        """A person's reply in a card's thread is the ticket's first response; someone outside the
        team talking there is audited, not counted."""
        with self._store.transaction() as uow:
            ticket = uow.ticket_for_message(platform, channel, thread)
        # A customer who wrote in is answered only by a reply to them (お客様に返信), not by the team's talk.
        answerable = ticket is not None and ticket.contact is None
        if (
            ticket
            and answerable
            and ticket.first_response_at is None
            and ticket.status is not Status.RESOLVED
        ):
            with contextlib.suppress(Forbidden):
                self._service.respond(ticket.ref, actor)

    def full_text(self, ref: int, actor: str) -> str:
        return self._records.full_text(ref, actor)

    def history_text(self, ref: int, actor: str) -> str:
        return self._records.history_text(ref, actor)

    def open_tickets(self, department: str | None = None) -> list[Ticket]:
        return self._service.open_tickets(department)

    def tickets_for(self, actor: str) -> list[Ticket] | None:
        """The open tickets of ``actor``'s teams (every team's for managers), soonest deadline
        first; ``None`` when they are in no team."""
        departments = self._access.departments(actor)
        if departments is None:
            return self._service.open_tickets()
        if not departments:
            return None
        tickets = [ticket for key in sorted(departments) for ticket in self._service.open_tickets(key)]
        return sorted(tickets, key=lambda ticket: (ticket.due_at, ticket.ref))

    # -- digests --------------------------------------------------------------------------------

    def digest(self, actor: str, team: str) -> Digest:
        """This week's digest of ``team`` (a department or the managers) so far.

        Raises:
            UnknownDepartment: no such team.
            Forbidden: ``actor`` may not read it (logged).
        """
        key = team_key(self.config, team, managers=True)
        self._guard.require_digest(actor, key)
        now = self.clock.now()
        return self._digests.build(key, Week.of(now, self._digests.schedule(key).tz), now)

    def share_digest(self, actor: str, team: str, platform: str, channel: str) -> None:
        """Posts :meth:`digest` (with its chart) in ``channel`` through the outbox."""
        digest = self.digest(actor, team)
        with self._store.transaction() as uow:
            self._digests.queue(uow, digest, self.clock.now(), targets=[(platform, channel)])

    # -- messages -------------------------------------------------------------------------------

    def first_time(self, platform: str, event_id: str) -> bool:
        """Records an event that opens no ticket; False when it was handled before (a redelivery)."""
        with self._store.transaction() as uow:
            try:
                uow.record_event(platform, event_id, self.clock.now())
            except DuplicateEvent:
                return False
        return True

    def post(self, message: OutboundMessage) -> None:
        """Queues ``message`` for delivery."""
        with self._store.transaction() as uow:
            uow.queue(message, self.clock.now())

    def tell_managers(self, text: str, data: dict[str, Any]) -> int:
        """Queues a notice to the managers on every platform; returns to how many places."""
        targets = self._directory.manager_targets()
        with self._store.transaction() as uow:
            for platform, channel in targets:
                uow.queue(OutboundMessage(platform, channel, "notice", text, dict(data)), self.clock.now())
        return len(targets)
