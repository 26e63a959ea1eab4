"""/metrics under gunicorn with two workers: with PROMETHEUS_MULTIPROC_DIR every scrape, whichever
worker answers it, adds up what both workers counted."""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from storage.database import make_engine
from storage.migrate import upgrade
from tests.bot.runtime.test_processes import free_port
from tests.cli_runner import clean_env
from tests.line_api import serve_fake_line_api
from tests.served import LINE_SECRET, LINE_TOKEN, line_text, post_line

STARTUP_SECONDS = 120


def webhooks_answered(base: str) -> float:
    """The LINE webhooks answered, as a scrape of whichever worker answers it counts them."""
    with urllib.request.urlopen(base + "/metrics", timeout=10) as response:  # noqa: S310 - loopback
        body = response.read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == "triage_http_requests_total" and sample.labels["endpoint"] == "/line/webhook"
    )


def wait_until_serving(base: str, child: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert child.poll() is None, "gunicorn exited"
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5):  # noqa: S310 - loopback
                return
        except OSError:  # refused, or accepted by a worker still loading the app
            time.sleep(0.2)  # a subprocess starting up: nothing to wait on but the socket
    raise AssertionError("gunicorn did not start")


def test_two_gunicorn_workers_report_the_same_totals(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path}/bot.db"
    engine = make_engine(database_url)
    upgrade(engine)  # the release step
    engine.dispose()
    shared = tmp_path / "prometheus"
    shared.mkdir()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serve_fake_line_api() as api:
        env = clean_env(
            DATABASE_URL=database_url,
            LINE_CHANNEL_SECRET=LINE_SECRET,
            LINE_CHANNEL_ACCESS_TOKEN=LINE_TOKEN,
            LINE_API_URL=api.url,
            PROMETHEUS_MULTIPROC_DIR=str(shared),
        )
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
        child = subprocess.Popen(
            [*command, "--graceful-timeout", "5", "bot.runtime.web:wsgi()"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_serving(base, child)
            sent = 0
            # Concurrent requests keep both sync workers busy, so both count requests. The second
            # worker may still be training its model when the first answers: keep sending until
            # both have counted (each has its own file), for as long as a slow start may take.
            deadline = time.monotonic() + 120
            with ThreadPoolExecutor(max_workers=6) as pool:
                for batch in itertools.count():
                    if time.monotonic() > deadline:
                        break
                    ids = [f"01GUNI{batch:03d}{n:04d}" for n in range(6)]
                    answers = list(
                        pool.map(lambda i: post_line(base, line_text(i, "配送が遅れています")), ids)
                    )
                    assert answers == [200] * len(ids)
                    sent += len(ids)
                    counting = {path.name.split("_")[-1] for path in shared.glob("counter_*.db")}
                    if len(counting) >= 2:
                        break
            assert len(counting) >= 2, "one worker took every request"

            assert [webhooks_answered(base) for _ in range(6)] == [sent] * 6
        finally:
            child.send_signal(signal.SIGTERM)
            child.wait(30)
    assert child.returncode == 0
