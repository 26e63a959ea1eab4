"""Delivery of every outgoing chat message: claim from the outbox, pace, send, record, retry or dead-letter.

Each platform's sender names the limit a message counts against (:class:`~bot.core.ports.Pace`:
a Slack channel takes about one message a second, with short bursts). The outbox hands out send
times that keep each destination within it, for every worker at once (the pacing state is in the
database), so a burst goes out as fast as the platform allows without provoking rate limits.
A rate limit that comes anyway is not a failure: the message, and every other one to the same
destination, waits for ``Retry-After`` and uses no attempt. Real failures go back to the queue
with exponential backoff until ``max_attempts``, then the message is dead-lettered and stays in
the database for the admins: never dropped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import ParamSpec

from bot.core.domain import OutboundMessage, QueuedMessage
from bot.core.ports import Clock, Outbox, Pace, Sender, SendError

log = logging.getLogger(__name__)
P = ParamSpec("P")

MAX_BACKOFF = timedelta(hours=1)
PACE_MARGIN = 1.05
"""Messages are spaced 5 % wider than the published rate: a message the network delays a little
must not make the next one arrive early enough to find the platform's bucket empty."""
URGENT_KINDS = frozenset({"card", "card_update", "escalation", "reminder"})
"""What the team must see: before forwarders' confirmations when a destination is backed up."""
DEFAULT_RATE_WAIT = 1.0
"""Seconds a destination waits after a rate limit that names no ``Retry-After``."""


def priority(kind: str) -> int:
    """0 for the team's cards, their updates, reminders and escalations; 1 for the rest."""
    return 0 if kind in URGENT_KINDS else 1


def gate_key(platform: str, pace: Pace) -> str:
    return f"{platform}:{pace.key}"[:200]


def next_slot(open_at: datetime | None, pace: Pace, now: datetime) -> tuple[datetime, datetime]:
    """The generic cell rate algorithm: when the next message to a destination may go, and when
    the one after it may, given when this one could (``open_at``; ``None``: never used).

    ``open_at`` runs ``(burst - 2)`` intervals ahead of the steady pace, which lets a quiet
    destination take ``burst - 1`` messages at once and then one per interval. One message of the
    platform's burst is kept in reserve: a message that leaves late (a slow send before it) must
    not make the next one, on time, find the platform's bucket empty.
    """
    interval = timedelta(seconds=PACE_MARGIN / pace.per_second)
    slack = interval * max(0, pace.burst - 2)
    send_at = now if open_at is None else max(now, open_at)
    theoretical = now if open_at is None else max(open_at + slack, send_at)
    return send_at, theoretical + interval - slack


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
    limited: int = 0


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
        horizon: timedelta = timedelta(0),
    ) -> None:
        self.outbox = outbox
        self.senders = senders
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.batch = batch
        self.lease = lease
        """How long a claim lasts: past half of it no new send starts, so the claim never runs out
        while this worker still holds messages that another worker may then take and send too."""
        self.horizon = horizon
        """How far ahead a claim books send times: the dispatcher waits for each, so a paced
        destination sends steadily instead of once per poll."""
        self._stopping = threading.Event()
        self._unrecorded: list[Callable[[], None]] = []
        """What the last batch could not write to the outbox (the database went away mid-batch)."""
        self._unrecorded_claim: datetime | None = None

    def stop(self) -> None:
        """Graceful shutdown: the send in flight finishes, the rest of the batch is released at once
        (not after the lease), and no new batch is claimed."""
        self._stopping.set()

    def run_once(self) -> DispatchReport:
        """Claims what is due and tries each once; returns what happened."""
        report = DispatchReport()
        if self._stopping.is_set():
            return report
        self._record_the_cut_batch()
        claimed_at = self.clock.now()
        claimed = self.outbox.claim(claimed_at, self.batch, pace=self.pace, horizon=self.horizon)
        claimed.sort(key=lambda item: item.send_at or claimed_at)  # stable: in order per destination
        paused: dict[str, datetime] = {}
        for index, item in enumerate(claimed):
            self._wait_until(item.send_at)
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
            try:
                self._step(item, report, paused)
            except Exception:
                untried = [rest.id for rest in claimed[index + 1 :]]
                self._unrecorded.append(partial(self.outbox.release, untried))
                self._unrecorded_claim = claimed_at
                raise
        return report

    def _step(self, item: QueuedMessage, report: DispatchReport, paused: dict[str, datetime]) -> None:
        if item.gate is not None and item.gate in paused:  # its destination just said "wait"
            self._record(self.outbox.limited, item.id, item.gate, paused[item.gate])
            report.limited += 1
            return
        self._deliver(item, report, paused)

    def _record(self, write: Callable[P, None], *args: P.args, **kwargs: P.kwargs) -> None:
        """Writes what became of a message; if the database is away, the write is kept for later."""
        record = partial(write, *args, **kwargs)
        try:
            record()
        except Exception:
            self._unrecorded.append(record)
            raise

    def _record_the_cut_batch(self) -> None:
        """Writes what a batch cut short by the database going away could not: what it sent or
        failed to send, and the release of the messages it never tried, so these go as soon as the
        database is back instead of a lease later (and are not taken for sends in doubt). Once the
        lease has run out the messages may be another worker's: the lease's rules decide then."""
        claimed_at = self._unrecorded_claim
        if claimed_at is None or self.lease is None or self.clock.now() - claimed_at >= self.lease:
            self._unrecorded.clear()
        while self._unrecorded:
            self._unrecorded[0]()
            self._unrecorded.pop(0)
        self._unrecorded_claim = None

    def pace(self, message: OutboundMessage, editing: bool) -> Pace | None:
        sender = self.senders.get(message.platform)
        return None if sender is None else sender.pace(message, editing=editing)

    def _wait_until(self, moment: datetime | None) -> None:
        if moment is not None:
            seconds = (moment - self.clock.now()).total_seconds()
            if seconds > 0:
                self._stopping.wait(seconds)

    def drain(self, max_rounds: int = 100) -> DispatchReport:
        """Runs until nothing more is due now (used by the console and tests)."""
        total = DispatchReport()
        for _ in range(max_rounds):
            report = self.run_once()
            total.sent += report.sent
            total.retried += report.retried
            total.dead += report.dead
            total.limited += report.limited
            if report.sent == 0 and report.dead == 0:
                break  # nothing moved: what is left is due later (retries) or waits for its card
        return total

    def _deliver(self, item: QueuedMessage, report: DispatchReport, paused: dict[str, datetime]) -> None:
        message = item.message
        sender = self.senders.get(message.platform)
        if sender is None:
            error = f"no sender for {message.platform}"
            self._record(self.outbox.failed, item.id, self.clock.now(), error, None)
            log.error("outbox message dead-lettered: no sender", extra={"outbox_id": item.id})
            report.dead += 1
            return
        try:
            result = sender.send(
                message, edit_message_id=item.edit_message_id, outbox_id=item.id, unsure=item.unsure
            )
        except SendError as exc:
            if exc.rate_limited:
                self._limited(item, exc.retry_after, report, paused)
            else:
                self._failed(item, str(exc), exc.retry_after, exc.permanent, report, unsure=exc.unsure)
        except Exception as exc:  # a bug in a sender must not stop the queue
            log.exception("sender crashed", extra={"outbox_id": item.id})
            self._failed(item, f"{type(exc).__name__}: {exc}", None, False, report)
        else:
            self._record(self.outbox.delivered, item.id, self.clock.now(), result.message_id)
            report.sent += 1

    def _limited(
        self,
        item: QueuedMessage,
        retry_after: float | None,
        report: DispatchReport,
        paused: dict[str, datetime],
    ) -> None:
        """The platform asks to wait: this message and its destination wait, no attempt is used."""
        until = self.clock.now() + timedelta(seconds=retry_after or DEFAULT_RATE_WAIT)
        if item.gate is not None:
            paused[item.gate] = until
        self._record(self.outbox.limited, item.id, item.gate, until)
        log.info("outbox destination rate limited", extra={"outbox_id": item.id, "wait": retry_after})
        report.limited += 1

    def _failed(
        self,
        item: QueuedMessage,
        error: str,
        retry_after: float | None,
        permanent: bool,
        report: DispatchReport,
        *,
        unsure: bool = False,
    ) -> None:
        attempts = item.attempts + 1
        now = self.clock.now()
        retry_at = None if permanent else self.policy.next_try(attempts, now, retry_after)
        self._record(self.outbox.failed, item.id, now, error, retry_at, unsure=unsure)
        if retry_at is None:
            log.error("outbox message dead-lettered", extra={"outbox_id": item.id, "attempts": attempts})
            report.dead += 1
        else:
            log.warning("outbox send failed; will retry", extra={"outbox_id": item.id, "attempts": attempts})
            report.retried += 1


def run_delivery(
    dispatcher: Dispatcher, stop: threading.Event, wake: threading.Event, *, every: float = 1.0
) -> None:
    """The delivery loop: as soon as ``wake`` is set (new tickets' cards and replies), and at least
    every ``every`` seconds for retries and paced destinations. The only deliverer of a process, so
    a long backlog is one drain, not a scheduled job overrunning its turn."""
    while not stop.is_set():
        wake.wait(every)
        wake.clear()
        try:
            dispatcher.drain()
        except Exception as exc:  # the database away: the next wake or the job tries again
            log.warning("outbox delivery failed: %s", type(exc).__name__)
