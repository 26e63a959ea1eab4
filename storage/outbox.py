"""The outbox table as the dispatcher sees it: claim, deliver, fail, dead-letter.

A claim is a lease: rows move to ``sending`` with ``claimed_at``; a worker that dies mid-send leaves
them there, and after ``lease`` they are claimable again, so a crash delivers the message after
restart instead of losing it. On PostgreSQL claims use ``FOR UPDATE SKIP LOCKED`` so several workers
share the queue; SQLite has one writer at a time (BEGIN IMMEDIATE), which gives the same guarantee.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.domain import OutboundMessage, QueuedMessage
from storage.models import OutboxRow

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=2)


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

    def claim(self, now: datetime, limit: int) -> list[QueuedMessage]:
        with self.session_factory() as session, session.begin():
            statement = (
                select(OutboxRow)
                .where(
                    or_(
                        (OutboxRow.status == "pending") & (OutboxRow.next_attempt_at <= now),
                        (OutboxRow.status == "sending") & (OutboxRow.claimed_at <= now - self.lease),
                    )
                )
                .order_by(OutboxRow.id)
                .limit(limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                statement = statement.with_for_update(skip_locked=True)
            claimed = []
            for row in session.scalars(statement).all():
                edit_id, card_pending = self._card_state(session, row)
                if card_pending:
                    continue  # an update waits for its card, so a card is never edited before it exists
                if row.kind == "digest_chart" and self._digest_pending(session, row):
                    continue  # a chart follows its digest's text, which may be retrying
                row.status = "sending"
                row.claimed_at = now
                claimed.append(QueuedMessage(row.id, _message(row), row.attempts, edit_id))
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
                .values(status="sent", sent_at=now, platform_message_id=message_id, last_error=None)
            )

    def failed(self, item_id: int, now: datetime, error: str, retry_at: datetime | None) -> None:
        with self.session_factory() as session, session.begin():
            row = session.get(OutboxRow, item_id)
            if row is None:
                return
            row.attempts += 1
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
