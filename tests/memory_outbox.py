"""The dispatcher's side of the in-memory store (:class:`tests.memory_store.MemoryStore`): the
same queued messages, with the SQL outbox's rules: a claim is a lease, a card update waits for its
card and for the earlier updates, a digest's chart for its text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta

from bot.core.domain import OutboundMessage, QueuedMessage
from bot.core.outbox import gate_key, next_slot, priority
from bot.core.ports import Pace
from tests.memory_store import MemoryStore, OutboxItem


class MemoryOutbox:
    """The dispatcher's side of :class:`MemoryStore`'s queue; see :class:`bot.core.ports.Outbox`."""

    def __init__(self, store: MemoryStore, *, lease: timedelta = timedelta(minutes=2)) -> None:
        self.store = store
        self.lease = lease
        self.gates: dict[str, datetime] = {}

    def claim(
        self,
        now: datetime,
        limit: int,
        *,
        pace: Callable[[OutboundMessage, bool], Pace | None] | None = None,
        horizon: timedelta = timedelta(0),
    ) -> list[QueuedMessage]:
        claimed: list[QueuedMessage] = []
        with self.store.lock:
            for item in sorted(self.store.state.outbox, key=lambda i: (priority(i.message.kind), i.id)):
                if len(claimed) == limit:
                    break
                due = item.status == "pending" and item.next_attempt_at <= now
                expired = (
                    item.status == "sending"
                    and item.claimed_at is not None
                    and item.claimed_at <= now - self.lease
                )
                if not (due or expired):
                    continue
                edit_id, waiting = self._card_state(item)
                if waiting or (item.message.kind == "digest_chart" and self._digest_pending(item)):
                    continue
                item.unsure = item.unsure or expired
                lane = pace(item.message, edit_id is not None) if pace else None
                gate, send_at = None, None
                if lane is not None:
                    gate = gate_key(item.message.platform, lane)
                    send_at, after = next_slot(self.gates.get(gate), lane, now)
                    if send_at > now + horizon:
                        item.status, item.claimed_at = "pending", None
                        item.next_attempt_at = max(item.next_attempt_at, send_at)
                        continue
                    self.gates[gate] = after
                item.status, item.claimed_at = "sending", now
                claimed.append(
                    QueuedMessage(item.id, item.message, item.attempts, edit_id, send_at, gate, item.unsure)
                )
        return claimed

    def limited(self, item_id: int, gate: str | None, until: datetime) -> None:
        with self.store.lock:
            item = self._item(item_id)
            item.status, item.claimed_at, item.next_attempt_at = "pending", None, until
            if gate is not None:
                self.gates[gate] = max(self.gates.get(gate, until), until)

    def _card_state(self, item: OutboxItem) -> tuple[str | None, bool]:
        """A card update's card id, and whether it must wait (its card or an earlier update is queued)."""
        m = item.message
        if m.kind != "card_update" or m.ticket_ref is None:
            return None, False
        same = [
            other
            for other in self.store.state.outbox
            if (other.message.ticket_ref, other.message.platform, other.message.channel)
            == (m.ticket_ref, m.platform, m.channel)
        ]
        if any(o.message.kind == "card_update" and o.id < item.id and o.status in _QUEUED for o in same):
            return None, True
        card = next((o for o in same if o.message.kind == "card"), None)
        if card is None:
            return None, False
        return card.platform_message_id, card.status not in ("sent", "dead")

    def _digest_pending(self, item: OutboxItem) -> bool:
        m = item.message
        return any(
            o.id < item.id
            and o.status in _QUEUED
            and (o.message.kind, o.message.platform, o.message.channel) == ("digest", m.platform, m.channel)
            for o in self.store.state.outbox
        )

    def delivered(self, item_id: int, now: datetime, message_id: str | None) -> None:
        with self.store.lock:
            item = self._item(item_id)
            item.status, item.sent_at, item.platform_message_id, item.last_error = (
                "sent",
                now,
                message_id,
                None,
            )
            item.unsure = False

    def failed(
        self, item_id: int, now: datetime, error: str, retry_at: datetime | None, *, unsure: bool = False
    ) -> None:
        with self.store.lock:
            item = self._item(item_id)
            item.attempts += 1
            item.unsure = item.unsure or unsure
            item.last_error, item.claimed_at = error[:500], None
            if retry_at is None:
                item.status = "dead"
            else:
                item.status, item.next_attempt_at = "pending", retry_at

    def release(self, item_ids: Sequence[int]) -> None:
        with self.store.lock:
            for item_id in item_ids:
                item = self._item(item_id)
                if item.status == "sending":
                    item.status, item.claimed_at = "pending", None

    def pending_count(self) -> int:
        with self.store.lock:
            return sum(1 for item in self.store.state.outbox if item.status in _QUEUED)

    def dead_letters(self) -> Iterator[QueuedMessage]:
        with self.store.lock:
            dead = [item for item in self.store.state.outbox if item.status == "dead"]
        for item in dead:
            yield QueuedMessage(item.id, item.message, item.attempts)

    def _item(self, item_id: int) -> OutboxItem:
        return self.store.state.outbox[item_id - 1]


_QUEUED = ("pending", "sending")
