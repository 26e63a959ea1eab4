"""The platform APIs misbehave (429 with Retry-After, 500, hangs past the client's timeout): every
message still arrives, later, in order per card, and none twice.

The bot's real Slack and LINE senders talk over HTTP to the fake APIs; the outbox is on SQLite or
the real PostgreSQL; the fake clock moves time on between delivery rounds.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest

from bot.config import parse_config
from bot.core.clock import FakeClock
from bot.core.domain import IncomingMessage, OutboundMessage
from bot.core.outbox import Dispatcher
from bot.core.ports import SendResult
from bot.platforms.line.sender import LineSender, retry_key
from bot.platforms.slack.blocks import fallback
from bot.platforms.slack.sender import SlackSender
from bot.runtime.services import App, create_app
from storage.models import OutboxRow
from storage.outbox import _message
from tests.conftest import START
from tests.fakes import KeywordClassifier
from tests.faults.harness import STAFF, outbox_rows, shop_config, shop_env
from tests.line_api import FakeLineApi, serve_fake_line_api
from tests.slack_api import FakeSlackApi, fake_slack_api

TIMEOUT = 0.3


@dataclass
class Shop:
    app: App
    slack: FakeSlackApi
    line: FakeLineApi
    clock: FakeClock
    database_url: str

    def deliver_everything(self, rounds: int = 300) -> None:
        """Delivery rounds a second of (fake) time apart, until the outbox is empty."""
        for _ in range(rounds):
            self.app.dispatcher.run_once()
            if self.app.outbox.pending_count() == 0:
                return
            self.clock.advance(timedelta(seconds=1))
        raise AssertionError("the outbox did not drain")


@pytest.fixture
def shop(database_url: str) -> Iterator[Shop]:
    with fake_slack_api() as slack, serve_fake_line_api() as line:
        raw = shop_config(send_timeout=TIMEOUT)
        config = replace(parse_config(raw, shop_env(slack.url, line.url)), database_url=database_url)
        clock = FakeClock(START)
        senders = {"slack": SlackSender(config), "line": LineSender(config)}
        app = create_app(config, clock=clock, senders=senders, classifier=KeywordClassifier())
        try:
            yield Shop(app, slack, line, clock, database_url)
        finally:
            app.close()


def complaint(number: int, platform: str) -> IncomingMessage:
    channel = "C0INTAKE" if platform == "slack" else STAFF
    return IncomingMessage(platform, f"ev-{number}", channel, "U0STAFF", f"配送が遅い {number}", START)


def work_tickets(shop: Shop) -> None:
    """Four complaints (cards on Slack and LINE), each acknowledged then resolved before any
    delivery: a card and two updates per card wait in the outbox together."""
    refs = [shop.app.service.intake(complaint(n, "slack" if n % 2 else "line")).ticket.ref for n in range(4)]
    for ref in refs:
        shop.app.service.acknowledge(ref, "U0LEAD")
        shop.app.service.resolve(ref, "U0LEAD")


def script_faults(shop: Shop) -> None:
    slack, line = shop.slack, shop.line
    slack.fail("chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "20"})
    slack.fail("chat.postMessage", 500, {"ok": False, "error": "internal_error"})
    slack.hang("chat.postMessage", TIMEOUT * 4)
    slack.hang("chat.postMessage", TIMEOUT * 4, accept=True)  # Slack posted it; the answer is lost
    slack.fail("chat.update", 500, {"ok": False, "error": "internal_error"})
    slack.hang("chat.update", TIMEOUT * 4)
    slack.fail("chat.update", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"})
    line.fail("/message/push", 429, retry_after="20")
    line.fail("/message/push", 500)
    line.hang("/message/push", TIMEOUT * 4, accept=True)  # LINE took it; the answer is lost
    line.hang("/message/push", TIMEOUT * 4)


def slack_text(row: OutboxRow) -> str:
    return fallback(row.text)


def test_every_message_arrives_later_in_order_per_card_and_none_twice(shop: Shop) -> None:
    work_tickets(shop)
    script_faults(shop)

    shop.deliver_everything()

    rows = outbox_rows(shop.database_url)
    assert {row.status for row in rows} == {"sent"}
    # Every scripted fault cost an attempt, except the three rate limits: a wait, not a failure.
    assert sum(row.attempts for row in rows) == 8
    slack_rows = [row for row in rows if row.platform == "slack"]
    line_rows = [row for row in rows if row.platform == "line"]

    # Slack: each post and each edit carried out exactly once.
    posted = Counter((c["channel"], c["text"]) for c in shop.slack.delivered("chat.postMessage"))
    assert posted == Counter((r.channel, slack_text(r)) for r in slack_rows if r.kind != "card_update")
    edits = shop.slack.delivered("chat.update")
    assert len(edits) == sum(r.kind == "card_update" for r in slack_rows)
    # ... and each card's edits in the order they were made (the last one is what people see).
    for card in (r for r in slack_rows if r.kind == "card"):
        made = [
            slack_text(r) for r in slack_rows if r.kind == "card_update" and r.ticket_id == card.ticket_id
        ]
        applied = [c["text"] for c in edits if c["ts"] == card.platform_message_id]
        assert applied == made, f"card of ticket {card.ticket_id}"

    # LINE: every push accepted once (the retry after a lost answer got 409), each card's in order.
    accepted = [c.headers.get("x-line-retry-key") for c in shop.line.sent()]
    keys = {row.id: retry_key(_message(row), row.id) for row in line_rows}
    assert sorted(accepted, key=str) == sorted(keys.values())
    assert len(shop.line.to("/message/push")) > len(accepted)  # the failed tries
    for ticket in {r.ticket_id for r in line_rows if r.kind == "card"}:
        made_keys = [keys[r.id] for r in line_rows if r.ticket_id == ticket and r.kind.startswith("card")]
        assert [k for k in accepted if k in made_keys] == made_keys, f"LINE card of ticket {ticket}"


@dataclass
class SlowSlack:
    """Slack at its slowest: every call takes ``seconds`` (of the fake clock) to answer."""

    inner: SlackSender
    clock: FakeClock
    seconds: float
    meanwhile: Callable[[], object] | None = None
    """What another worker does while the third call is answered."""
    calls: int = 0

    def pace(self, message: OutboundMessage, *, editing: bool) -> None:
        return None  # this test is about slowness, not pacing

    def send(self, message: OutboundMessage, **kwargs: Any) -> SendResult:
        self.clock.advance(timedelta(seconds=self.seconds))
        result = self.inner.send(message, **kwargs)
        self.calls += 1
        if self.calls == 3 and self.meanwhile:
            self.meanwhile()
        return result


def test_a_slow_platform_does_not_let_a_second_worker_send_a_claimed_batch_again(shop: Shop) -> None:
    """A worker that claimed a batch stops starting sends at half its lease, so the messages a
    second worker may take over once the lease has run out are never sent by both."""
    for number in range(4):
        shop.app.service.intake(complaint(2 * number + 1, "slack"))  # a card and a reply each
    lease = shop.app.outbox.lease.total_seconds()
    slack = SlackSender(shop.app.config)
    second = Dispatcher(shop.app.outbox, {"slack": slack}, shop.clock, lease=shop.app.outbox.lease)
    slow = SlowSlack(slack, shop.clock, lease * 0.4, second.run_once)  # three calls outlast the lease
    first = Dispatcher(shop.app.outbox, {"slack": slow}, shop.clock, lease=shop.app.outbox.lease)

    first.run_once()
    shop.clock.advance(timedelta(seconds=lease))
    for _ in range(5):  # the rest, at the team channel's pace
        second.drain()
        shop.clock.advance(timedelta(seconds=1.05))

    posted = Counter((c["channel"], c["text"]) for c in shop.slack.delivered("chat.postMessage"))
    slack_rows = [r for r in outbox_rows(shop.database_url) if r.platform == "slack"]
    assert {r.status for r in slack_rows} == {"sent"}
    assert posted == Counter((r.channel, slack_text(r)) for r in slack_rows)


def test_a_worker_killed_after_slack_took_the_card_does_not_post_it_again(shop: Shop) -> None:
    """The worker dies between Slack's answer and recording it (kill -9): the claim runs out, the
    next worker finds the card in the channel by its metadata and records it instead of posting."""
    shop.app.service.intake(complaint(1, "slack"))

    def killed(item_id: int, now: object, message_id: str | None) -> None:
        raise KeyboardInterrupt  # the process is gone before the database hears of it

    outbox = copy.copy(shop.app.outbox)
    outbox.delivered = killed  # type: ignore[method-assign]
    dying = Dispatcher(outbox, shop.app.senders, shop.clock, lease=shop.app.outbox.lease)
    with pytest.raises(KeyboardInterrupt):
        dying.run_once()
    first = shop.slack.delivered("chat.postMessage")
    assert len(first) == 1 and first[0]["metadata"]["event_type"] == "triage_outbox"

    shop.clock.advance(shop.app.outbox.lease)
    shop.deliver_everything()

    posted = Counter((c["channel"], c["text"]) for c in shop.slack.delivered("chat.postMessage"))
    assert max(posted.values()) == 1
    (card,) = [r for r in outbox_rows(shop.database_url) if r.platform == "slack" and r.kind == "card"]
    assert (
        card.status == "sent" and card.platform_message_id == shop.slack.answers("chat.postMessage")[0]["ts"]
    )
    assert "conversations.history" in shop.slack.methods()
