"""Test doubles for the ports: a recording sender and a keyword classifier."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.core.domain import IncomingMessage, OutboundMessage
from bot.core.ports import Pace, Prediction, SendError, SendResult

KEYWORDS = {
    "配送": "logistics",
    "届": "logistics",
    "delivery": "logistics",
    "請求": "billing",
    "返金": "billing",
    "refund": "billing",
    "壊れ": "product",
    "broken": "product",
    "ログイン": "website",
}


class KeywordClassifier:
    """Deterministic routing for core tests: the first keyword found decides, with confidence 0.9."""

    def predict(self, text: str) -> Prediction:
        for word, department in KEYWORDS.items():
            if word in text:
                return Prediction(department, 0.9, ((department, 0.9),))
        return Prediction(None, 0.1, (("out_of_scope", 0.9),))

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        return [self.predict(text) for text in texts]


@dataclass
class Sent:
    message: OutboundMessage
    edit_message_id: str | None
    message_id: str


@dataclass
class RecordingSender:
    """Records every delivery; ``failures`` scripts the next calls: an error is raised, ``None`` succeeds."""

    sent: list[Sent] = field(default_factory=list)
    failures: list[SendError | Exception | None] = field(default_factory=list)
    calls: int = 0
    on_send: Callable[[OutboundMessage], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    limit: Pace | None = None
    """The pace it declares for every message (``None``: none)."""
    unsure: list[int] = field(default_factory=list)
    """The outbox ids it was asked to send after an unanswered try."""

    def pace(self, message: OutboundMessage, *, editing: bool) -> Pace | None:
        return self.limit

    def send(
        self,
        message: OutboundMessage,
        *,
        edit_message_id: str | None = None,
        outbox_id: int | None = None,
        unsure: bool = False,
    ) -> SendResult:
        with self._lock:
            if unsure and outbox_id is not None:
                self.unsure.append(outbox_id)
            self.calls += 1
            failure = self.failures.pop(0) if self.failures else None
            if failure is not None:
                raise failure
            message_id = edit_message_id or f"m{len(self.sent) + 1}"
            self.sent.append(Sent(message, edit_message_id, message_id))
        if self.on_send:
            self.on_send(message)
        return SendResult(message_id)

    def kinds(self) -> list[str]:
        return [s.message.kind for s in self.sent]

    def texts(self, kind: str | None = None) -> list[str]:
        return [s.message.text for s in self.sent if kind is None or s.message.kind == kind]


def complaint(
    text: str, event_id: str = "ev-1", *, at: object = None, platform: str = "console"
) -> IncomingMessage:
    from datetime import UTC, datetime

    received = at if isinstance(at, datetime) else datetime(2026, 11, 16, tzinfo=UTC)
    return IncomingMessage(
        platform=platform,
        event_id=event_id,
        channel="console",
        forwarder="U0STAFF",
        text=text,
        received_at=received,
    )
