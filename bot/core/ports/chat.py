"""The chat platforms as the core sees them: sending messages at their pace, naming people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.core.domain import OutboundMessage


@dataclass(frozen=True)
class SendResult:
    message_id: str | None = None


class SendError(Exception):
    """A delivery failed. ``retry_after`` (seconds) is honoured; ``permanent`` skips retries;
    ``rate_limited`` is the platform asking to wait, which is not a failure and uses no attempt;
    ``unsure`` means the platform may have taken the message although no answer came (a timeout):
    the next try looks for it before posting again."""

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        rate_limited: bool = False,
        unsure: bool = False,
    ) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.permanent = permanent
        self.rate_limited = rate_limited
        self.unsure = unsure


@dataclass(frozen=True)
class Pace:
    """A platform's published limit for one destination: ``per_second`` messages a second to
    ``key`` (a channel and API method, in the platform's words), with bursts of ``burst``."""

    key: str
    per_second: float
    burst: int = 1


class Sender(Protocol):
    def send(
        self,
        message: OutboundMessage,
        *,
        edit_message_id: str | None = None,
        outbox_id: int | None = None,
        unsure: bool = False,
    ) -> SendResult:
        """Delivers ``message`` (or edits the earlier message ``edit_message_id``).

        Args:
            outbox_id: the outbox row, for a platform that can label a message with it.
            unsure: an earlier try may have been delivered: find it instead of posting again.

        Raises:
            SendError: the platform refused or could not be reached.
        """
        ...

    def pace(self, message: OutboundMessage, *, editing: bool) -> Pace | None:
        """The limit that sending ``message`` counts against; ``None``: no limit to keep."""
        ...


class Names(Protocol):
    def display_name(self, platform: str, user_id: str, chat: str) -> str:
        """The name people know ``user_id`` of ``platform`` by in ``chat``; the id itself when the
        platform does not tell (or the person is not of this platform). Never raises: a name is a
        nicety, never a reason to fail a delivery."""
        ...


@dataclass(frozen=True)
class Media:
    """A customer's photo as their platform hands it out."""

    content: bytes
    content_type: str


class MediaSource(Protocol):
    """A platform's customers' media, for another platform's sender to show the team (a LINE
    customer's photo uploaded into the card's Slack thread)."""

    def fetch(self, reference: str, *, limit: int) -> Media | None:
        """The content of ``reference`` (the platform's message id); ``None`` when the platform
        no longer has it, refuses it, or it is larger than ``limit`` bytes.

        Raises:
            SendError: the platform could not answer now (the outbox retries the message).
        """
        ...
