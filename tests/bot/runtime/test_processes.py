"""Graceful shutdown of the real processes: SIGTERM to ``triage-bot worker`` and ``triage-bot run``
while a send and a request are in flight (held by a Slack API on loopback that answers only when
the test lets it)."""

from __future__ import annotations

import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import select

from bot.config import Config, parse_config
from bot.core.clock import SystemClock
from bot.platforms.slack.events import SlackSender
from bot.runtime.services import create_app
from storage.models import OutboxRow
from tests.cli_runner import clean_env
from tests.fake_http import send_json
from tests.fakes import KeywordClassifier, complaint
from tests.served import SLACK_SECRET, SLACK_TOKEN, post_slack, slack_mention

EXIT_WITHIN = 5.0


class HeldSlackApi:
    """Answers every Slack Web API call, but holds the calls of ``held`` until :meth:`let_go`."""

    def __init__(self, held: str) -> None:
        self.held = held
        self.calls: list[str] = []
        self.arrived = threading.Event()
        self.go = threading.Event()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def do_POST(self) -> None:
                method = self.path.rsplit("/", 1)[-1]
                length = int(self.headers.get("Content-Length") or 0)
                args = dict(parse_qsl(self.rfile.read(length).decode()))
                api.calls.append(method)
                if method == api.held:
                    api.arrived.set()
                    api.go.wait(30)
                answer: dict[str, Any] = {"ok": True, "ts": f"1764.{len(api.calls):06d}"}
                if method == "conversations.replies":
                    answer["messages"] = [{"ts": args.get("ts"), "text": "配送が遅れています"}]
                send_json(self, 200, answer, {})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        ).start()

    def let_go(self) -> None:
        self.go.set()

    def close(self) -> None:
        self.go.set()
        self.server.shutdown()
        self.server.server_close()


def slack_env(database_url: str, api_url: str, **extra: str) -> dict[str, str]:
    return clean_env(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=SLACK_TOKEN,
        SLACK_SIGNING_SECRET=SLACK_SECRET,
        SLACK_API_URL=api_url,
        **extra,
    )


@contextmanager
def process(
    command: str, env: dict[str, str], cwd: Path
) -> Iterator[tuple[subprocess.Popen[str], queue.Queue[str]]]:
    """The CLI in a subprocess; its log lines arrive in the queue as they are written."""
    child = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--log-level", "info", command],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert child.stderr is not None
        for line in child.stderr:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield child, lines
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(10)
        reader.join(10)
        assert child.stderr is not None
        child.stderr.close()


def wait_for_line(lines: queue.Queue[str], text: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f"no log line with {text!r}; saw:\n{''.join(seen)}")


def rows(config: Config) -> list[OutboxRow]:
    app = create_app(config, clock=SystemClock(), senders={}, classifier=KeywordClassifier())
    try:
        with app.session_factory() as session:
            return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))
    finally:
        app.close()


def test_sigterm_to_a_worker_finishes_the_send_in_flight_and_releases_the_rest(
    database_url: str, tmp_path: Path
) -> None:
    api = HeldSlackApi(held="chat.postMessage")
    env = slack_env(database_url, api.url)
    config = replace(parse_config({"slack": {"triage_channel": "C0TRIAGE"}}, env), database_url=database_url)
    app = create_app(
        config,
        clock=SystemClock(),
        senders={"slack": SlackSender(config)},
        classifier=KeywordClassifier(),
    )
    for n in range(3):
        app.service.intake(
            replace(complaint("配送が遅れています", f"ev-{n}"), platform="slack", channel="C0SUPPORT")
        )
    app.close()
    queued = len(rows(config))
    assert queued == 6  # a reply and a card for each

    try:
        # A worker serves no HTTP: a PORT meant for the web process (or none at all) is no reason to stop.
        with process("worker", {**env, "PORT": "web only", "HOST": "?"}, tmp_path) as (child, lines):
            assert api.arrived.wait(90), "the worker never sent"
            child.send_signal(signal.SIGTERM)
            wait_for_line(lines, "stopping on signal")
            started = time.monotonic()
            api.let_go()  # the send in flight completes
            child.wait(30)
            took = time.monotonic() - started
            assert child.returncode == 0
            assert took < EXIT_WITHIN
            wait_for_line(lines, "outbox claims released on shutdown")

        after = rows(config)
        # Nothing was sent after the signal (the card goes first: its forwarder's name is asked first).
        assert [call for call in api.calls if call.startswith("chat.")] == ["chat.postMessage"]
        assert [row.status for row in after].count("sent") == 1
        assert [row.status for row in after].count("pending") == queued - 1
        assert all(
            row.claimed_at is None for row in after if row.status == "pending"
        )  # not left for the lease

        # Another worker takes them at once, without waiting out the two-minute lease.
        again = create_app(
            config,
            clock=SystemClock(),
            senders={"slack": SlackSender(config)},
            classifier=KeywordClassifier(),
        )
        again.dispatcher.horizon = timedelta(seconds=5)  # the channels' pace: a second or two, not minutes
        try:
            assert again.dispatcher.drain().sent == queued - 1
        finally:
            again.close()
    finally:
        api.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_sigterm_to_run_answers_the_request_in_flight_then_exits(sqlite_url: str, tmp_path: Path) -> None:
    api = HeldSlackApi(held="conversations.replies")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    answers: list[int] = []
    try:
        env = slack_env(sqlite_url, api.url, PORT=str(port), HOST="127.0.0.1")
        with process("run", env, tmp_path) as (child, lines):
            assert f"listening on port {port} (127.0.0.1)" in wait_for_line(lines, "listening on port")
            with urllib.request.urlopen(base + "/metrics", timeout=10) as response:  # noqa: S310 - loopback
                assert b"# TYPE triage_tickets_created" in response.read()
            # "@triage" alone in a thread: the bot asks Slack for the thread's first message (held).
            mention = slack_mention("EvRUN01", "", "1763850000.000300")
            mention["event"]["thread_ts"] = "1763850000.000100"
            request = threading.Thread(target=lambda: answers.append(post_slack(base, mention)))
            request.start()
            assert api.arrived.wait(30), "the request never reached Slack"
            child.send_signal(signal.SIGTERM)
            wait_for_line(lines, "stopping on signal")
            started = time.monotonic()
            api.let_go()
            request.join(10)
            child.wait(30)
            took = time.monotonic() - started
            assert child.returncode == 0
            assert took < EXIT_WITHIN
    finally:
        api.close()

    assert answers == [200]  # the request in flight was answered, not cut off
    config = replace(parse_config({}, {}), database_url=sqlite_url)
    app = create_app(config, clock=SystemClock(), senders={}, classifier=KeywordClassifier())
    try:
        app.intake.drain()  # what was acknowledged while stopping waits for the next start at worst
        (ticket,) = app.service.open_tickets()
        assert ticket.text == "配送が遅れています"
    finally:
        app.close()
