"""Benchmark: a burst of complaints to one team under Slack's per-channel rate limit.

The fake Slack API (tests/slack_api.py) enforces chat.postMessage's limit per channel on the wall
clock: ``--rate`` messages a second with bursts of ``--burst``, beyond that 429 with Retry-After in
whole seconds, as Slack does. The bot runs as in production (``triage-bot run``: web, intake and
dispatcher in one process; with ``--workers 2`` a ``triage-bot worker`` races it over the same
database). ``--complaints`` signed Slack messages arrive in the intake channel within ``--within``
seconds; every department posts its cards to one team channel, so the team channel takes one card
per complaint and the intake channel one reply per complaint. Reports: messages delivered, dead
letters, 429s as a share of chat calls, duplicates, and the time from the first complaint to the
last team card against the limit's own minimum ((N - burst) / rate). See README.md.
"""

from __future__ import annotations

import argparse
import http.client
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import func, select

from storage.database import make_engine
from storage.models import OutboxRow
from tests.faults.harness import shop_env, slack_message, write_toml
from tests.faults.processes import Processes, free_port, healthy
from tests.schemas import migrated_schema
from tests.slack_api import FakeSlackApi, fake_slack_api

TEAM, INTAKE = "C0TEAM", "C0INTAKE"
DEPARTMENTS = ("logistics", "orders", "billing", "product", "website", "marketing", "support")
TEXTS = ["注文した商品が届きません", "箱が潰れていました", "二重に請求されています", "ログインできません"]


@dataclass
class Result:
    workers: int
    complaints: int
    cards: int
    replies: int
    duplicates: int
    dead: int
    limited: int
    chat_calls: int
    last_card: float
    minimum: float

    def line(self) -> str:
        share = self.limited / max(1, self.chat_calls)
        return (
            f"workers={self.workers}: {self.cards}/{self.complaints} cards, "
            f"{self.replies}/{self.complaints} replies, "
            f"{self.duplicates} twice, {self.dead} dead letters, 429s {self.limited}/{self.chat_calls} "
            f"({100 * share:.1f} % of chat calls), last card at {self.last_card:.1f} s "
            f"(the limit's minimum {self.minimum:.0f} s, ratio {self.last_card / self.minimum:.3f})"
        )


def config_file(folder: Path) -> Path:
    raw = {
        "departments": [{"key": key, "slack_channel": TEAM} for key in DEPARTMENTS],
        "slack": {"triage_channel": TEAM, "intake_channels": [INTAKE]},
    }
    return write_toml(raw, folder / "config.toml")


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        connection.request("POST", "/slack/events", body, headers)
        return connection.getresponse().status
    finally:
        connection.close()


def send_burst(url: str, count: int, within: float) -> float:
    """``count`` signed messages spread evenly over ``within`` seconds; returns when the first went."""
    start = time.monotonic()
    for number in range(count):
        due = start + within * number / count
        time.sleep(max(0.0, due - time.monotonic()))
        text = f"{TEXTS[number % len(TEXTS)]}（{number + 1}件目）注文番号 A-{10000 + number}"
        status = post(url, *slack_message(number + 1, text))
        if status != 200:
            raise SystemExit(f"complaint {number + 1} answered {status}")
    return start


def posts(api: FakeSlackApi, channel: str) -> list[str]:
    return [str(call["text"]) for call in api.delivered("chat.postMessage") if call.get("channel") == channel]


@contextmanager
def database(postgres: str | None, folder: Path) -> Iterator[str]:
    if postgres:
        with migrated_schema(postgres, "burst") as url:
            yield url
    else:
        yield f"sqlite:///{folder}/bot.db"


def run(args: argparse.Namespace, workers: int) -> Result:
    with (
        tempfile.TemporaryDirectory(prefix="burst-") as name,
        fake_slack_api() as api,
        database(args.postgres, Path(name)) as url,
    ):
        folder = Path(name)
        api.limit(args.rate, args.burst, lambda: datetime.now(UTC))
        port = free_port()
        env = {
            **{k: v for k, v in shop_env(api.url, "http://127.0.0.1:9/").items() if not k.startswith("LINE")},
            "DATABASE_URL": url,
            "TRIAGE_CONFIG": str(config_file(folder)),
            "PORT": str(port),
            "HOST": "127.0.0.1",
        }
        processes = Processes(folder, env)
        try:
            processes.start("run", sys.executable, "-m", "bot.cli", "run")
            for number in range(1, workers):
                processes.start(f"worker{number}", sys.executable, "-m", "bot.cli", "worker")
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while not healthy(base):
                if time.monotonic() > deadline:
                    raise SystemExit("the bot did not start: " + processes.log("run")[-400:])
                time.sleep(0.2)
            start = send_burst(base, args.complaints, args.within)
            minimum = (args.complaints - args.burst) / args.rate
            give_up = start + 3 * minimum + 60
            while time.monotonic() < give_up:
                if len(posts(api, TEAM)) >= args.complaints and len(posts(api, INTAKE)) >= args.complaints:
                    break
                time.sleep(0.5)
            return measure(api, url, workers, args.complaints, start, minimum)
        finally:
            processes.stop_all()


def measure(
    api: FakeSlackApi, url: str, workers: int, complaints: int, start: float, minimum: float
) -> Result:
    cards, replies = posts(api, TEAM), posts(api, INTAKE)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            dead = connection.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.status == "dead")
            )
    finally:
        engine.dispose()
    chat = [call for call in api.methods() if call in ("chat.postMessage", "chat.update")]
    return Result(
        workers=workers,
        complaints=complaints,
        cards=len(set(cards)),
        replies=len(set(replies)),
        duplicates=sum(count - 1 for count in Counter(cards + replies).values()),
        dead=int(dead or 0),
        limited=api.limited(),
        chat_calls=len(chat),
        last_card=api.last_post_at(TEAM) - start,
        minimum=minimum,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--complaints", type=int, default=200)
    parser.add_argument("--within", type=float, default=5.0, help="seconds the burst arrives in")
    parser.add_argument("--rate", type=float, default=1.0, help="chat.postMessage per second per channel")
    parser.add_argument("--burst", type=int, default=3)
    parser.add_argument("--workers", default="1,2", help="runs: how many processes deliver")
    parser.add_argument("--postgres", help="a PostgreSQL URL (a schema of its own, dropped afterwards)")
    args = parser.parse_args(argv)
    results = [run(args, int(count)) for count in args.workers.split(",")]
    for result in results:
        print(result.line())
    ok = all(
        r.dead == 0
        and r.cards == r.replies == r.complaints
        and r.duplicates == 0
        and r.limited <= 0.05 * r.chat_calls
        and r.last_card <= 1.2 * r.minimum
        for r in results
    )
    print(
        "targets (0 dead, all delivered once, 429s <= 5 %, last card <= 1.2 x minimum):",
        "met" if ok else "MISSED",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
