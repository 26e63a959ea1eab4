"""Every port the core depends on, in one place: the classifier, the clock, the chat platforms, the
store (split by concept, one unit of work over them all), the digest's figures and the two queues.

Adapters and storage implement these; the core never imports their libraries. Each concept has its
own module here; import them from this package.
"""

from bot.core.ports.chat import Media, MediaSource, Names, Pace, Sender, SendError, SendResult
from bot.core.ports.classifier import DEFAULT_THRESHOLD, Classifier, ModelStore, Prediction
from bot.core.ports.clock import Clock
from bot.core.ports.figures import DayFigures, Figures, WeekRows
from bot.core.ports.queues import InboxStore, Outbox
from bot.core.ports.store import (
    AuditTrail,
    CustomerTickets,
    DigestLog,
    EventKey,
    EventLog,
    OutboxQueue,
    PendingReplies,
    ReminderLog,
    Store,
    TicketQuery,
    Tickets,
    UnitOfWork,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "AuditTrail",
    "Classifier",
    "Clock",
    "CustomerTickets",
    "DayFigures",
    "DigestLog",
    "EventKey",
    "EventLog",
    "Figures",
    "InboxStore",
    "Media",
    "MediaSource",
    "ModelStore",
    "Names",
    "Outbox",
    "OutboxQueue",
    "Pace",
    "PendingReplies",
    "Prediction",
    "ReminderLog",
    "SendError",
    "SendResult",
    "Sender",
    "Store",
    "TicketQuery",
    "Tickets",
    "UnitOfWork",
    "WeekRows",
]
