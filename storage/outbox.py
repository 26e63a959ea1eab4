"""The outbox table as the dispatcher sees it: claim (paced per destination), deliver, fail, dead-letter.

A claim is a lease: rows move to ``sending`` with ``claimed_at``; a worker that dies mid-send leaves
them there, and after ``lease`` they are claimable again, so a crash delivers the message after
restart instead of losing it. On PostgreSQL claims use ``FOR UPDATE SKIP LOCKED`` so several workers
share the queue; SQLite has one writer at a time (BEGIN IMMEDIATE), which gives the same guarantee.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.domain import OutboundMessage, QueuedMessage
from bot.core.outbox import gate_key, next_slot
from bot.core.ports import Pace
from storage.models import OutboxGateRow, OutboxRow

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=2)
SCAN_ROWS = 500
"""Due messages a paced claim looks at: the first ones of each open destination are among them,
since the ones waiting for a closed destination are pushed to its opening time."""


def _lock_gates(session: Session, keys: set[str], now: datetime) -> dict[str, OutboxGateRow]:
    """The gates of ``keys``, created when new (open since long ago) and locked in key order, so two
    workers claiming at once wait for each other instead of deadlocking (SQLite: one writer)."""
    if not keys:
        return {}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    opened = now - timedelta(days=1)
    session.execute(
        insert(OutboxGateRow).on_conflict_do_nothing(),
        [{"key": key, "open_at": opened} for key in sorted(keys)],
    )
    statement = select(OutboxGateRow).where(OutboxGateRow.key.in_(keys)).order_by(OutboxGateRow.key)
    if dialect == "postgresql":
        statement = statement.with_for_update()
    return {gate.key: gate for gate in session.scalars(statement)}


def _age(now: datetime, since: datetime | None) -> float:
    if since is None:
        return 0.0
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return max(0.0, (now - since).total_seconds())


def _message(row: OutboxRow) -> OutboundMessage:
    return OutboundMessage(
        platform=row.platform,
        channel=row.channel,
        kind=row.kind,
        text=row.text,
        data=dict(row.data or {}),
        ticket_ref=row.ticket_id,
        thread=row.thread,
    )


class SqlOutbox:
    def __init__(self, session_factory: sessionmaker[Session], *, lease: timedelta = DEFAULT_LEASE) -> None:
        self.session_factory = session_factory
        self.lease = lease

    def claim(
        self,
        now: datetime,
        limit: int,
        *,
        pace: Callable[[OutboundMessage, bool], Pace | None] | None = None,
        horizon: timedelta = timedelta(0),
    ) -> list[QueuedMessage]:
        """Takes up to ``limit`` due messages, most urgent first, each with a send time within
        ``horizon`` that keeps its destination's pace. The pacing state is a row per destination
        (``outbox_gates``) changed in the same transaction, so workers share one pace; a message
        whose destination is not open in time waits (``next_attempt_at``) until it is, so the
        messages behind it to other destinations are not held up."""
        with self.session_factory() as session, session.begin():
            statement = (
                select(OutboxRow)
                .where(
                    or_(
                        (OutboxRow.status == "pending") & (OutboxRow.next_attempt_at <= now),
                        (OutboxRow.status == "sending") & (OutboxRow.claimed_at <= now - self.lease),
                    )
                )
                .order_by(OutboxRow.priority, OutboxRow.id)
                .limit(max(limit, SCAN_ROWS) if pace else limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                statement = statement.with_for_update(skip_locked=True)
            candidates: list[tuple[OutboxRow, str | None, Pace | None]] = []
            for row in session.scalars(statement).all():
                edit_id, card_pending = self._card_state(session, row)
                if card_pending:
                    continue  # an update waits for its card, so a card is never edited before it exists
                if row.kind == "digest_chart" and self._digest_pending(session, row):
                    continue  # a chart follows its digest's text, which may be retrying
                lane = pace(_message(row), edit_id is not None) if pace else None
                candidates.append((row, edit_id, lane))
            keys = {gate_key(row.platform, lane) for row, _, lane in candidates if lane is not None}
            gates = _lock_gates(session, keys, now)
            return self._admit(candidates, gates, now, limit, horizon)

    @staticmethod
    def _admit(
        candidates: Sequence[tuple[OutboxRow, str | None, Pace | None]],
        gates: dict[str, OutboxGateRow],
        now: datetime,
        limit: int,
        horizon: timedelta,
    ) -> list[QueuedMessage]:
        claimed: list[QueuedMessage] = []
        for row, edit_id, lane in candidates:
            if len(claimed) >= limit:
                break
            unsure = row.unsure or row.status == "sending"  # a worker died holding it: sent or not?
            key, send_at = None, None
            if lane is not None:
                key = gate_key(row.platform, lane)
                gate = gates[key]
                send_at, after = next_slot(gate.open_at, lane, now)
                if send_at > now + horizon:
                    row.status, row.claimed_at, row.unsure = "pending", None, unsure
                    row.next_attempt_at = max(row.next_attempt_at, send_at)
                    continue
                gate.open_at = after
            row.status = "sending"
            row.claimed_at = now
            row.unsure = unsure
            claimed.append(QueuedMessage(row.id, _message(row), row.attempts, edit_id, send_at, key, unsure))
        return claimed

    @staticmethod
    def _card_state(session: Session, row: OutboxRow) -> tuple[str | None, bool]:
        """For a card update: the card's platform message id, and whether the card or an earlier
        update of it is still queued (or being sent): updates go out one at a time, in the order
        they were made, so a retried update never lands on top of a newer one."""
        if row.kind != "card_update" or row.ticket_id is None:
            return None, False
        earlier = session.scalar(
            select(OutboxRow.id)
            .where(
                OutboxRow.ticket_id == row.ticket_id,
                OutboxRow.kind == "card_update",
                OutboxRow.platform == row.platform,
                OutboxRow.channel == row.channel,
                OutboxRow.id < row.id,
                OutboxRow.status.in_(("pending", "sending")),
            )
            .limit(1)
        )
        if earlier is not None:
            return None, True
        card = session.execute(
            select(OutboxRow.status, OutboxRow.platform_message_id)
            .where(
                OutboxRow.ticket_id == row.ticket_id,
                OutboxRow.kind == "card",
                OutboxRow.platform == row.platform,
                OutboxRow.channel == row.channel,
            )
            .order_by(OutboxRow.id)
            .limit(1)
        ).first()
        if card is None:
            return None, False
        status, message_id = card
        return message_id, status != "sent" and status != "dead"

    @staticmethod
    def _digest_pending(session: Session, row: OutboxRow) -> bool:
        """Whether an earlier digest text to the chart's channel is still queued (or being sent)."""
        earlier = session.scalar(
            select(OutboxRow.id)
            .where(
                OutboxRow.status.in_(("pending", "sending")),
                OutboxRow.kind == "digest",
                OutboxRow.platform == row.platform,
                OutboxRow.channel == row.channel,
                OutboxRow.id < row.id,
            )
            .limit(1)
        )
        return earlier is not None

    def delivered(self, item_id: int, now: datetime, message_id: str | None) -> None:
        """Records a message the platform has taken. The database may be away for a moment (a
        restart, a failover): the record is tried again for up to a quarter of the lease, because
        giving up leaves the message claimed, and the next worker would send it a second time."""
        deadline = time.monotonic() + self.lease.total_seconds() / 4
        pause = 0.1
        while True:
            try:
                return self._delivered(item_id, now, message_id)
            except OperationalError:
                if time.monotonic() + pause > deadline:
                    raise
                log.warning("database unreachable while recording a delivery; trying again")
                time.sleep(pause)
                pause = min(pause * 2, 2.0)

    def _delivered(self, item_id: int, now: datetime, message_id: str | None) -> None:
        with self.session_factory() as session, session.begin():
            session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == item_id)
                .values(
                    status="sent", sent_at=now, platform_message_id=message_id, last_error=None, unsure=False
                )
            )

    def limited(self, item_id: int, gate: str | None, until: datetime) -> None:
        """The platform said "wait": the message waits, using no attempt, and its destination's
        gate opens no earlier than ``until`` for every worker."""
        with self.session_factory() as session, session.begin():
            session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == item_id)
                .values(status="pending", claimed_at=None, next_attempt_at=until, last_error="rate limited")
            )
            if gate is not None:
                row = _lock_gates(session, {gate}, until)[gate]
                row.open_at = max(row.open_at, until)

    def failed(
        self, item_id: int, now: datetime, error: str, retry_at: datetime | None, *, unsure: bool = False
    ) -> None:
        with self.session_factory() as session, session.begin():
            row = session.get(OutboxRow, item_id)
            if row is None:
                return
            row.attempts += 1
            row.unsure = row.unsure or unsure
            row.last_error = error[:500]
            row.claimed_at = None
            if retry_at is None:
                row.status = "dead"
            else:
                row.status = "pending"
                row.next_attempt_at = retry_at

    def release(self, item_ids: Sequence[int]) -> None:
        if not item_ids:
            return
        with self.session_factory() as session, session.begin():
            session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(item_ids), OutboxRow.status == "sending")
                .values(status="pending", claimed_at=None)
            )

    def waiting(self, now: datetime) -> list[tuple[str, int, float]]:
        """Per destination (platform and channel): messages waiting and the oldest one's wait in
        seconds (for ``/metrics``)."""
        destination = OutboxRow.platform + ":" + OutboxRow.channel
        with self.session_factory() as session:
            rows = session.execute(
                select(destination, func.count(), func.min(OutboxRow.created_at))
                .where(OutboxRow.status.in_(("pending", "sending")))
                .group_by(OutboxRow.platform, OutboxRow.channel)
            ).all()
        return [(str(key), int(count), _age(now, oldest)) for key, count, oldest in rows]

    def pending_count(self) -> int:
        with self.session_factory() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(OutboxRow)
                    .where(OutboxRow.status.in_(("pending", "sending")))
                )
                or 0
            )

    def dead_letters(self) -> Iterator[QueuedMessage]:
        with self.session_factory() as session:
            rows = session.scalars(select(OutboxRow).where(OutboxRow.status == "dead").order_by(OutboxRow.id))
            for row in rows.all():
                yield QueuedMessage(row.id, _message(row), row.attempts)
