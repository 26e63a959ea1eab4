"""PostgreSQL "restarts" while the web app and the dispatcher run (a TCP proxy in front of the real
server is cut, then restored): requests that fail get a 5xx so Slack and LINE retry them, nothing
accepted is lost, and the same processes carry on once the database is back."""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from sqlalchemy import make_url
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

from bot.config import parse_config
from bot.core.clock import FakeClock
from bot.platforms.line.sender import LineSender
from bot.platforms.slack.sender import SlackSender
from bot.runtime.services import App, create_app
from bot.runtime.web import create_web_app
from tests.conftest import START
from tests.fakes import KeywordClassifier
from tests.faults.harness import (
    line_message,
    outbox_rows,
    post,
    shop_config,
    shop_env,
    slack_message,
)
from tests.faults.tcp_proxy import TcpProxy
from tests.line_api import FakeLineApi, serve_fake_line_api
from tests.slack_api import FakeSlackApi, fake_slack_api

PACE_STEP = timedelta(seconds=1.05)
"""One Slack channel's interval between messages (bot/core/outbox.py: 5 % wider than one a second)."""
WITHIN = timedelta(minutes=1)
"""The contract: once the database is back, everything pending goes out within about a minute."""


@dataclass
class Served:
    app: App
    clock: FakeClock
    url: str
    proxy: TcpProxy
    slack: FakeSlackApi
    line: FakeLineApi

    def event(self, number: int, *, again: bool = False) -> int:
        """Even numbers come from Slack (``again``: Slack's retry), odd ones from LINE (a redelivery)."""
        if number % 2 == 0:
            body, headers = slack_message(number, f"配送が遅い {number}", retry=1 if again else 0)
            return post(f"{self.url}/slack/events", body, headers)
        body, headers = line_message(number, f"荷物が届かない {number}", redelivery=again)
        return post(f"{self.url}/line/webhook", body, headers)

    def work(self) -> None:
        """What the worker does: open the accepted complaints' tickets, deliver what they queued.
        Delivery is paced on the app's clock (one message a second per Slack channel, so a dozen
        cards take a dozen seconds): the clock moves one interval at a time, for at most a minute."""
        self.app.intake.drain()
        self.app.dispatcher.drain()
        waited = timedelta(0)
        while self.app.outbox.pending_count() and waited < WITHIN:
            waited += PACE_STEP
            self.clock.advance(PACE_STEP)
            self.app.dispatcher.drain()

    def ready(self) -> int:
        try:
            with urllib.request.urlopen(f"{self.url}/readyz", timeout=10) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)


# A server restart is a PostgreSQL matter: SQLite is a file in the process.
pytestmark = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def served(database_url: str) -> Iterator[Served]:
    parsed = make_url(database_url)
    proxy = TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432).start()
    through_proxy = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    with fake_slack_api() as slack, serve_fake_line_api() as line:
        raw = shop_config(send_timeout=10, lease=120)  # the default lease: a minute must not wait for it
        config = replace(parse_config(raw, shop_env(slack.url, line.url)), database_url=through_proxy)
        senders = {"slack": SlackSender(config), "line": LineSender(config)}
        clock = FakeClock(START)
        app = create_app(config, clock=clock, senders=senders, classifier=KeywordClassifier())
        server = make_server("127.0.0.1", 0, create_web_app(app), threaded=True)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        thread.start()
        try:
            yield Served(app, clock, f"http://127.0.0.1:{server.server_port}", proxy, slack, line)
        finally:
            server.shutdown()
            server.server_close()
            app.close()
            proxy.close()


def test_requests_during_a_restart_get_5xx_and_nothing_accepted_is_lost(served: Served) -> None:
    before = [served.event(n) for n in range(6)]
    assert before == [200] * 6
    served.work()
    connections = served.proxy.accepted

    served.proxy.cut()
    during = [served.event(n) for n in range(6, 12)]
    assert all(500 <= status < 600 for status in during), during  # so Slack and LINE send them again
    assert served.ready() == 503
    with pytest.raises(OperationalError):
        served.app.dispatcher.drain()  # the scheduler logs this and runs the job again later
    with pytest.raises(OperationalError):
        served.app.intake.process()  # the intake loop logs this and tries again a second later

    served.proxy.restore()
    again = [served.event(n, again=True) for n in range(12)]  # retries and redeliveries of all
    assert again == [200] * 12
    assert served.ready() == 200
    served.work()

    assert served.proxy.accepted > connections  # the same process reconnected by itself
    tickets = served.app.service.open_tickets()
    assert len(tickets) == 12  # one per distinct event: none lost, none twice
    rows = outbox_rows(served.app.config.database_url)
    assert {row.status for row in rows} == {"sent"}
    posted = [(c["channel"], c["text"]) for c in served.slack.delivered("chat.postMessage")]
    assert len(posted) == len(set(posted)) == sum(row.platform == "slack" for row in rows)
    assert len(served.line.sent()) == sum(row.platform == "line" for row in rows)


def test_a_restart_between_slacks_answer_and_the_commit_does_not_send_twice(served: Served) -> None:
    """The dispatcher keeps trying to record a delivery while the database is away (within a
    quarter of the lease), instead of leaving the message to be sent again after the lease."""
    assert served.event(0) == 200
    served.app.intake.drain()
    served.slack.hang("chat.postMessage", 30, accept=True)  # Slack posts it; the answer is held
    drain = threading.Thread(target=served.app.dispatcher.drain)
    drain.start()
    served.slack.wait_for(lambda: served.slack.delivered("chat.postMessage"), what="the post")
    served.proxy.cut()
    served.slack.release()  # Slack's answer arrives while the database is away
    threading.Timer(1.0, served.proxy.restore).start()
    drain.join(30)
    assert not drain.is_alive()

    served.clock.advance(timedelta(minutes=10))  # long past any lease
    served.app.dispatcher.drain()
    rows = outbox_rows(served.app.config.database_url)
    assert {row.status for row in rows} == {"sent"}
    posted = [(c["channel"], c["text"]) for c in served.slack.delivered("chat.postMessage")]
    assert len(posted) == len(set(posted)) == sum(row.platform == "slack" for row in rows)


def test_a_batch_cut_short_by_the_restart_goes_on_once_the_database_is_back(served: Served) -> None:
    """The database goes away in the middle of the dispatcher's batch: the card in hand fails and
    that cannot be recorded, the rest of the batch was never tried. Within a minute of the database
    being back every message is delivered, each once, without waiting out the claim's lease."""
    assert served.event(0) == 200  # a Slack card, a LINE card and the forwarder's confirmation
    served.app.intake.drain()
    served.slack.hang("chat.postMessage", 30)  # the card gets no answer, then an error
    cut_short: list[BaseException] = []
    drain = threading.Thread(target=lambda: _catching(served.app.dispatcher.drain, cut_short))
    drain.start()
    served.slack.wait_for(lambda: served.slack.to("chat.postMessage"), what="the card's post")
    served.proxy.cut()
    served.slack.release()
    drain.join(30)
    assert not drain.is_alive()
    assert [type(error) for error in cut_short] == [OperationalError]

    served.proxy.restore()
    assert {row.status for row in outbox_rows(served.app.config.database_url)} == {"sending"}
    served.work()
    rows = outbox_rows(served.app.config.database_url)
    assert {row.status for row in rows} == {"sent"}
    posted = [(c["channel"], c["text"]) for c in served.slack.delivered("chat.postMessage")]
    assert len(posted) == len(set(posted)) == sum(row.platform == "slack" for row in rows) == 2
    assert len(served.line.sent()) == 1


def _catching(work: Callable[[], object], errors: list[BaseException]) -> None:
    try:
        work()
    except Exception as error:
        errors.append(error)
