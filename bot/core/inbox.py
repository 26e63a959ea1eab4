"""The inbox's two ends: accepting complaints fast (web) and opening their tickets right after (worker).

Slack and LINE want an answer within seconds and retry when it is late; classifying the text and
writing the ticket, its audit row and its messages takes milliseconds of CPU each. So the web
process only checks the text and stores the signed event (:meth:`Inbox.accept`, one INSERT) and
acknowledges; a worker thread (the ``worker`` process, or inside ``triage-bot run``) takes the
waiting complaints in batches (:meth:`Inbox.process`) and opens their tickets. A complaint is
never lost in between: it is in the database before the platform hears "OK", and a worker that
dies mid-batch leaves its rows to be taken again after the lease (the event key makes the second
try a no-op).
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.core.domain import (
    Accepted,
    DuplicateEvent,
    EmptyComplaint,
    IncomingMessage,
    OutboundMessage,
    TriageError,
)
from bot.core.i18n import Translator
from bot.core.intake import IntakeResult, cleaned
from bot.core.ports import Clock, InboxStore, Store
from bot.core.triage import TriageService

log = logging.getLogger(__name__)

Outcome = IntakeResult | TriageError | None
"""What became of one complaint: its ticket, why it was refused, or nothing (not a complaint)."""

BATCH = 50
MAX_RETRY_DELAY = timedelta(minutes=10)
QUARANTINE_AFTER = 5
"""Failed attempts after which a complaint waits for an admin (``triage-bot inbox``), not a worker."""
SETTLE_SECONDS = 1.0
IDLE_POLL_SECONDS = 0.2
"""How often an idle worker looks for new complaints: the card follows the acknowledgement by
about this much."""


class Inbox:
    """Complaints between the platform's acknowledgement and their tickets (see the module)."""

    def __init__(
        self,
        inbox: InboxStore,
        service: TriageService,
        store: Store,
        clock: Clock,
        translator: Translator,
        *,
        batch: int = BATCH,
    ) -> None:
        self.inbox = inbox
        self.service = service
        self.store = store
        self.clock = clock
        self.t = translator
        self.batch = batch

    def accept(self, message: IncomingMessage) -> None:
        """Stores a forwarded complaint for a worker (an event already waiting is kept once).

        The text is cleaned here, once: the worker opens the ticket of the text as stored.

        Raises:
            EmptyComplaint: nothing but whitespace or control characters (answered at once).
        """
        message = cleaned(message)
        if not message.text:
            raise EmptyComplaint()
        self.inbox.add(message)

    def process(self, *, platform: str | None = None, forwarder: str | None = None) -> int:
        """Opens the tickets of up to one batch of waiting complaints; returns how many it took."""
        claimed = self.inbox.claim(self.clock.now(), self.batch, platform=platform, forwarder=forwarder)
        if not claimed:
            return 0
        # A complaint tried before (it failed, or its worker died) goes on its own: a bad row never
        # fails a batch twice.
        fresh = [item for item in claimed if item.attempts <= 1]
        self._one_by_one([item for item in claimed if item.attempts > 1])
        if not fresh:
            return len(claimed)
        try:
            outcomes = self._open(fresh)
        except Exception as exc:
            # One bad complaint must not hold the others back: each on its own, the failing one retried.
            log.warning("intake batch failed (%s); taking its complaints one by one", type(exc).__name__)
            self._one_by_one(fresh)
            return len(claimed)
        self._finish(fresh, outcomes)
        return len(claimed)

    def _one_by_one(self, items: Sequence[Accepted]) -> None:
        for item in items:
            try:
                self._process_one(item)
            except Exception as again:  # even recording the failure failed: its lease runs out
                log.error("complaint %s left to its lease: %s", item.message.event_id, type(again).__name__)

    def settle(self, platform: str, forwarder: str, *, within: float = SETTLE_SECONDS) -> None:
        """Opens one forwarder's waiting complaints now, or waits (up to ``within`` seconds) while a
        worker does: their photo that follows must find the ticket to be attached to."""
        deadline = time.monotonic() + within
        while self.inbox.waiting_for(platform, forwarder) and time.monotonic() < deadline:
            if not self.process(platform=platform, forwarder=forwarder):
                time.sleep(0.05)  # a worker holds them: nothing to wait on but the database

    def drain(self) -> int:
        """Processes until nothing is waiting now (the console, tests, a stopping worker's peers)."""
        total = 0
        while taken := self.process():
            total += taken
        return total

    def _process_one(self, item: Accepted) -> None:
        try:
            outcomes = self._open([item])
        except Exception as exc:
            now, quarantine = self.clock.now(), item.attempts >= QUARANTINE_AFTER
            if quarantine:
                self.inbox.quarantine(item.id, now, type(exc).__name__)
            else:
                self.inbox.failed(item.id, retry_at(now, item.attempts), type(exc).__name__)
            # Where it failed, not the message: a database error's text can quote the complaint.
            log.error(
                "complaint %s could not be opened (attempt %d); %s: %s\n%s",
                item.message.event_id,
                item.attempts,
                "quarantined for the admins (triage-bot inbox list)" if quarantine else "tried again later",
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)),
                extra={"event_id": item.message.event_id, "attempts": item.attempts},
            )
            return
        self._finish([item], outcomes)

    def _open(self, items: Sequence[Accepted]) -> list[Outcome]:
        """One classifier call and one transaction for the batch (``TriageService.intake_many``)."""
        messages = [item.message if item.cleaned else cleaned(item.message) for item in items]
        return [
            None if isinstance(outcome, DuplicateEvent) else outcome  # handled already as something else
            for outcome in self.service.intake_many(messages)
        ]

    def _finish(self, claimed: Sequence[Accepted], outcomes: Sequence[Outcome]) -> None:
        refusals = [
            (item.message, outcome)
            for item, outcome in zip(claimed, outcomes, strict=True)
            if isinstance(outcome, TriageError)
        ]
        if refusals:
            self._tell(refusals)
        self.inbox.done([item.id for item in claimed])

    def _tell(self, refusals: Sequence[tuple[IncomingMessage, TriageError]]) -> None:
        """The forwarder, and only they, hears why a complaint was not opened."""
        now = self.clock.now()
        with self.store.transaction() as uow:
            for message, error in refusals:
                log.info("complaint refused: %s", error.text_key, extra={"event_id": message.event_id})
                t = Translator(error.language) if error.language else self.t
                text = t(error.text_key, **error.params)
                uow.queue(refusal(message, text), now)


def run_intake(inbox: Inbox, stop: threading.Event, after_batch: Callable[[], object]) -> None:
    """The worker's loop: batches while complaints wait, a short sleep when none do. After each
    batch ``after_batch`` wakes the delivery of the new cards and replies."""
    while not stop.is_set():
        try:
            taken = inbox.process()
            if taken:
                after_batch()
        except Exception as exc:  # the database away: try again shortly, never stop the loop
            log.warning("intake failed: %s; trying again in a second", type(exc).__name__)
            stop.wait(1.0)
            continue
        if not taken:
            stop.wait(IDLE_POLL_SECONDS)


def retry_at(now: datetime, attempts: int) -> datetime:
    """When a complaint that failed ``attempts`` times is tried again: 2, 4, 8 s... up to 10 min."""
    return now + min(timedelta(seconds=2 ** min(attempts, 10)), MAX_RETRY_DELAY)


def refusal(message: IncomingMessage, text: str) -> OutboundMessage:
    """Why a complaint was not opened, for its forwarder only: by the free reply token where the
    platform gave one, else ``private_to`` the forwarder, which each platform's sender delivers as
    privately as it can (an ephemeral message in the channel, else the 1:1 chat), never to a group."""
    if message.reply_token:
        return OutboundMessage(
            message.platform, message.channel, "notice", text, {"reply_token": message.reply_token}
        )
    data = {"private_to": message.forwarder}
    return OutboundMessage(message.platform, message.channel, "notice", text, data, None, message.thread)
