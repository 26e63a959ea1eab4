"""Delivery of every outgoing chat message: claim from the outbox, send, record, retry or dead-letter.

A message is never dropped: a failed send goes back to the queue with exponential backoff (or
the platform's ``Retry-After`` when longer) until ``max_attempts``, then it is dead-lettered and
stays in the database for the admins.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.domain import QueuedMessage
from bot.core.ports import Clock, Outbox, Sender, SendError

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 5.0

    def next_try(self, attempts: int, now: datetime, retry_after: float | None) -> datetime | None:
        """When to try again after ``attempts`` failed tries; ``None`` means give up."""
        if attempts >= self.max_attempts:
            return None
        backoff = min(timedelta(seconds=self.base_delay * 2 ** (attempts - 1)), MAX_BACKOFF)
        return now + max(backoff, timedelta(seconds=retry_after or 0))


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0


class Dispatcher:
    def __init__(
        self,
        outbox: Outbox,
        senders: Mapping[str, Sender],
        clock: Clock,
        policy: RetryPolicy | None = None,
        *,
        batch: int = 50,
        lease: timedelta | None = None,
    ) -> None:
        self.outbox = outbox
        self.senders = senders
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.batch = batch
        self.lease = lease
        """How long a claim lasts: past half of it no new send starts, so the claim never runs out
        while this worker still holds messages that another worker may then take and send too."""
        self._stopping = threading.Event()

    def stop(self) -> None:
        """Graceful shutdown: the send in flight finishes, the rest of the batch is released at once
        (not after the lease), and no new batch is claimed."""
        self._stopping.set()

    def run_once(self) -> DispatchReport:
        """Claims what is due and tries each once; returns what happened."""
        report = DispatchReport()
        if self._stopping.is_set():
            return report
        claimed_at = self.clock.now()
        claimed = self.outbox.claim(claimed_at, self.batch)
        for index, item in enumerate(claimed):
            if self._stopping.is_set():
                unsent = [rest.id for rest in claimed[index:]]
                self.outbox.release(unsent)
                log.info("outbox claims released on shutdown", extra={"outbox_ids": unsent})
                break
            if self.lease is not None and self.clock.now() - claimed_at >= self.lease / 2:
                # A slow platform: the rest stay claimed until the lease runs out, then any worker
                # takes them. Later, but once.
                log.warning("outbox claim half spent; the rest wait", extra={"left": len(claimed) - index})
                break
            self._deliver(item, report)
        return report

    def drain(self, max_rounds: int = 100) -> DispatchReport:
        """Runs until nothing more is due now (used by the console and tests)."""
        total = DispatchReport()
        for _ in range(max_rounds):
            report = self.run_once()
            total.sent += report.sent
            total.retried += report.retried
            total.dead += report.dead
            if report.sent == 0 and report.dead == 0:
                break  # nothing moved: what is left is due later (retries) or waits for its card
        return total

    def _deliver(self, item: QueuedMessage, report: DispatchReport) -> None:
        message = item.message
        sender = self.senders.get(message.platform)
        if sender is None:
            self.outbox.failed(item.id, self.clock.now(), f"no sender for {message.platform}", None)
            log.error("outbox message dead-lettered: no sender", extra={"outbox_id": item.id})
            report.dead += 1
            return
        try:
            result = sender.send(message, edit_message_id=item.edit_message_id)
        except SendError as exc:
            self._failed(item, str(exc), exc.retry_after, exc.permanent, report)
        except Exception as exc:  # a bug in a sender must not stop the queue
            log.exception("sender crashed", extra={"outbox_id": item.id})
            self._failed(item, f"{type(exc).__name__}: {exc}", None, False, report)
        else:
            self.outbox.delivered(item.id, self.clock.now(), result.message_id)
            report.sent += 1

    def _failed(
        self,
        item: QueuedMessage,
        error: str,
        retry_after: float | None,
        permanent: bool,
        report: DispatchReport,
    ) -> None:
        attempts = item.attempts + 1
        now = self.clock.now()
        retry_at = None if permanent else self.policy.next_try(attempts, now, retry_after)
        self.outbox.failed(item.id, now, error, retry_at)
        if retry_at is None:
            log.error("outbox message dead-lettered", extra={"outbox_id": item.id, "attempts": attempts})
            report.dead += 1
        else:
            log.warning("outbox send failed; will retry", extra={"outbox_id": item.id, "attempts": attempts})
            report.retried += 1


def run_delivery(dispatcher: Dispatcher, stop: threading.Event, wake: threading.Event) -> None:
    """Delivers as soon as ``wake`` is set (new tickets' cards and replies), so the messages do not
    wait for the delivery job; the job still runs on its schedule for retries."""
    while not stop.is_set():
        if not wake.wait(1.0):
            continue
        wake.clear()
        try:
            dispatcher.drain()
        except Exception as exc:  # the database away: the next wake or the job tries again
            log.warning("outbox delivery failed: %s", type(exc).__name__)
