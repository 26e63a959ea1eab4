"""A forwarded message becomes a ticket: the checks, the department, the flags and the deadline,
for one message or a batch, in one transaction (see :mod:`bot.core.draft` for each message's way)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.config import Config
from bot.core.access import Guard, Permission
from bot.core.conversation import Conversation
from bot.core.domain import AuditEntry, DuplicateEvent, IncomingMessage, OutboundMessage, Ticket, TriageError
from bot.core.draft import Draft, choose_department, created_detail, new_ticket, record_originals
from bot.core.followups import CustomerThreads, FollowUps
from bot.core.i18n import Translator
from bot.core.ports import Classifier, Clock, EventKey, Prediction, Store, UnitOfWork
from bot.core.priority import REPEAT_WINDOW_DAYS
from bot.core.routing import team_key
from bot.core.sla import SlaPolicies
from classifiers.text import clean

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IntakeResult:
    ticket: Ticket
    created: bool
    reply: str


IntakeOutcome = IntakeResult | TriageError | DuplicateEvent
"""What ``intake_many`` gives for each message: ``DuplicateEvent`` when its event id was recorded
before without a ticket (LINE records the events that are not complaints)."""


def cleaned(message: IncomingMessage) -> IncomingMessage:
    """``message`` with its text and note cleaned (:func:`classifiers.text.clean`). Done once, where
    a complaint enters: the inbox stores the cleaned message, and nothing after cleans it again."""
    note = clean(message.note) if message.note else message.note
    return replace(message, text=clean(message.text), note=note)


class Intake:
    """Opens the tickets of forwarded complaints; the same platform event always gives the same ticket."""

    def __init__(
        self,
        config: Config,
        store: Store,
        classifier: Classifier,
        clock: Clock,
        *,
        sla: SlaPolicies,
        guard: Guard | None,
        conversation: Conversation,
        translator: Translator,
        cards: Callable[[Ticket, datetime], list[OutboundMessage]],
    ) -> None:
        self.config = config
        self.store = store
        self.classifier = classifier
        self.clock = clock
        self.sla = sla
        self.guard = guard
        self.conversation = conversation
        self.follow_ups = FollowUps(conversation)
        self.t = translator
        self.cards = cards
        """A new ticket's cards for its teams."""

    def intake(self, message: IncomingMessage, *, department: str | None = None) -> IntakeResult:
        """Opens a ticket for a forwarded complaint; the same platform event always gives the same ticket.

        ``department`` is the forwarder's choice (the complaint form): the ticket opens there, and
        where the classifier thought otherwise the choice is recorded as a reassignment (a label).

        Raises:
            UnknownDepartment: ``department`` is not a configured department.
            EmptyComplaint: the text is empty once control characters are removed.
            Forbidden: the forwarder has no role that may forward complaints (audited).
            DuplicateEvent: the event was recorded before without a ticket (not a complaint then).
        """
        chosen = team_key(self.config, department) if department else None
        outcome = self._intake([cleaned(message)], chosen)[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def intake_many(self, messages: Sequence[IncomingMessage]) -> list[IntakeOutcome]:
        """``intake`` for each message in order, in one transaction: each message's result or error.
        The messages are cleaned already (:func:`cleaned`, when the inbox accepted them).

        The outcome equals calling ``intake`` once per message (an event twice is one ticket, and a
        customer's earlier messages in the batch count towards the repeat flag), but the texts are
        classified in one call and the rows written in a few statements. The checks that refuse a
        message come before anything is written, so a refusal never rolls back the others; any
        other error rolls back the whole batch, which is then safe to retry.
        """
        return self._intake(messages, None)

    def _intake(self, messages: Sequence[IncomingMessage], chosen: str | None) -> list[IntakeOutcome]:
        outcomes: list[IntakeOutcome | None] = [None] * len(messages)
        drafts: list[Draft] = []
        for index, message in enumerate(messages):
            try:
                drafts.append(replace(self._draft(index, message), chosen=chosen))
            except TriageError as error:
                outcomes[index] = error
        created: list[Draft] = []
        if drafts:
            predictions = self.classifier.predict_many([draft.text for draft in drafts])
            with self.store.transaction() as uow:
                created = self._open_tickets(uow, drafts, predictions)
                self._write_created(uow, created, self.clock.now())
        for draft in drafts:
            outcomes[draft.index] = self._outcome(draft)
        for draft in created:
            self._created(draft)
        return [outcome for outcome in outcomes if outcome is not None]

    def _draft(self, index: int, message: IncomingMessage) -> Draft:
        """The checks of a message, before anything is written (a refusal is audited on its own)."""
        if self.guard is not None and not message.from_customer:  # a customer needs no role to write
            self.guard.require(message.forwarder, Permission.FORWARD, "forward")
        return Draft.of_customer(index, message)

    def _open_tickets(
        self, uow: UnitOfWork, drafts: Sequence[Draft], predictions: Sequence[Prediction]
    ) -> list[Draft]:
        """Decides each draft's outcome; returns the drafts that open a ticket, with their tickets."""
        events = {draft.key: draft.received_at for draft in reversed(drafts)}  # the first arrival
        recorded = uow.record_events(events)
        # Not recorded here: recorded before, or by another worker that has committed meanwhile.
        known: dict[EventKey, Ticket] = uow.find_event_tickets([key for key in events if key not in recorded])
        customers = sorted({draft.message.customer for draft in drafts if draft.message.customer})
        since = min(draft.received_at for draft in drafts) - timedelta(days=REPEAT_WINDOW_DAYS)
        times = uow.customer_ticket_times(customers, since) if customers else {}
        created: list[Draft] = []
        window = timedelta(hours=self.config.customers.reopen_hours)
        threads = CustomerThreads.of(uow, drafts, window)
        for draft, prediction in zip(drafts, predictions, strict=True):
            if draft.key in known:
                draft.duplicate_of = known[draft.key]
            elif draft.key not in recorded or threads.join(draft):
                continue  # recorded before without a ticket (see ``_outcome``), or a customer's follow-up
            elif draft.trivial:
                draft.refuse()
            else:
                draft.ticket = known[draft.key] = new_ticket(draft, prediction, times, self.config, self.sla)
                threads.opened(draft)
                choose_department(draft, self.sla)
                created.append(draft)
        uow.add_tickets([draft.created for draft in created])
        uow.attach_events({draft.key: draft.created.ref for draft in created})
        self.follow_ups.join(uow, threads.joined, self.clock.now())
        record_originals(uow, created)
        return created

    def _write_created(self, uow: UnitOfWork, created: Sequence[Draft], now: datetime) -> None:
        """Each new ticket's audit event, the forwarder's reply and the team cards."""
        entries, queued = [], []
        for draft in created:
            ticket, message = draft.created, draft.message
            entries.append(AuditEntry(ticket.ref, now, message.forwarder, "created", created_detail(draft)))
            if draft.moved is not None:
                entries.append(AuditEntry(ticket.ref, now, message.forwarder, "reassigned", draft.moved))
            queued.append(self.conversation.first_answer(draft))
            queued += self.cards(ticket, now)
        uow.audit_many(entries)
        uow.queue_many(queued, now)

    def _outcome(self, draft: Draft) -> IntakeOutcome:
        if draft.ticket is not None:
            return IntakeResult(draft.ticket, True, draft.reply)
        if draft.joined is not None:
            return IntakeResult(draft.joined, False, "")
        if draft.refused is not None:
            return draft.refused
        if draft.duplicate_of is None:
            return DuplicateEvent(f"{draft.key[0]}:{draft.key[1]}")
        ref = draft.duplicate_of.ref
        log.info("duplicate event", extra={"ref": ref, "event_id": draft.message.event_id})
        return IntakeResult(draft.duplicate_of, False, self.t("reply.duplicate", ref=ref))

    def _created(self, draft: Draft) -> None:
        ticket = draft.created
        log.info(
            "ticket created",
            extra={
                "ref": ticket.ref,
                "event_id": draft.message.event_id,
                "platform": ticket.platform,
                "department": ticket.department,
                "confidence": round(ticket.confidence, 3),
            },
        )
