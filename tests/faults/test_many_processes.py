"""Two web processes (gunicorn, as the Procfile runs them) and two workers over one PostgreSQL:
a run of Slack events and LINE webhooks, with Slack's retries and LINE's redeliveries racing their
originals, makes one ticket per distinct event; every message, reminder stage and digest goes out
once. The workers' clocks run ten days ahead, so every ticket's reminders and the week's digest
are due while the events still arrive. ``benchmarks/load.py --multi`` runs the same with 10,000.
"""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.faults.harness import (
    check_once,
    line_message,
    post,
    settled,
    shop_config,
    shop_env,
    slack_message,
    wait_until,
    write_toml,
)
from tests.faults.processes import Processes, free_port, gunicorn, healthy
from tests.line_api import serve_fake_line_api
from tests.slack_api import fake_slack_api

pytestmark = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)

DISTINCT = 90
REPEATED = 30
TEXTS = ["配送が遅い", "請求が二重です", "商品が壊れていた", "ログインできない", "The delivery is late"]


def send(url: str, number: int, again: bool) -> int:
    text = f"{TEXTS[number % len(TEXTS)]} (#{number})"
    if number % 2 == 0:
        body, headers = slack_message(number, text, retry=1 if again else 0)
        return post(f"{url}/slack/events", body, headers)
    body, headers = line_message(number, text, redelivery=again)
    return post(f"{url}/line/webhook", body, headers)


def test_two_webs_and_two_workers_make_one_ticket_per_event_and_send_everything_once(
    database_url: str, tmp_path: Path
) -> None:
    with fake_slack_api() as slack, serve_fake_line_api() as line:
        raw = shop_config(lease=5.0)
        port = free_port()
        env = {
            **shop_env(slack.url, line.url),
            "TRIAGE_CONFIG": str(write_toml(raw, tmp_path / "config.toml")),
            "DATABASE_URL": database_url,
        }
        processes = Processes(tmp_path, env)
        try:
            gunicorn(processes, "web", port, workers=2)  # two web processes behind one socket
            processes.worker("worker-1", days_ahead=10)
            processes.worker("worker-2", days_ahead=10)
            url = f"http://127.0.0.1:{port}"
            wait_until(lambda: healthy(url), what="the web app")  # gunicorn's socket, another process

            runs = [(n, False) for n in range(DISTINCT)] + [(n, True) for n in range(0, DISTINCT, 3)]
            random.Random(8).shuffle(runs)  # retries race their originals
            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(lambda run: send(url, *run), runs))
            assert Counter(statuses) == {200: DISTINCT + REPEATED}, processes.log("web")

            # The workers' processes on their own clocks: their progress shows in the database only.
            wait_until(lambda: settled(database_url, raw, DISTINCT), what="the workers to finish")
        finally:
            processes.stop_all()

        check_once(database_url, raw, slack, line, DISTINCT)
