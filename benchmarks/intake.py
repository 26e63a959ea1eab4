"""Benchmark: what ticket intake costs per message, one at a time and in batches.

Trains the shipped classifier once, then for each database (a SQLite file; PostgreSQL with
``--postgres``, in a schema of its own that is dropped afterwards) and each mode (``intake`` per
message; ``intake_many`` in batches) opens a fresh database and takes in N complaints from the
bundled evaluation texts: every 20th is a redelivery of an earlier event, every customer writes
several times. Prints ms per message and messages per second. See README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.load import database
from bot.config import DEFAULT_DEPARTMENTS, parse_config
from bot.core.clock import FakeClock
from bot.core.domain import IncomingMessage, OutboundMessage
from bot.core.ports import Classifier, SendResult
from bot.runtime.services import create_app
from classifiers.model import read_split
from classifiers.training import training_set

NOW = datetime(2026, 11, 16, 3, 0, tzinfo=UTC)


class NullSender:
    def send(self, message: OutboundMessage, **_: object) -> SendResult:
        return SendResult("x")

    def pace(self, message: OutboundMessage, *, editing: bool) -> None:
        return None


def messages(count: int) -> list[IncomingMessage]:
    """``count`` complaints a second apart; every 20th repeats the event before it (a retry)."""
    texts = [example.text for example in read_split("eval")]
    found = []
    for n in range(count):
        event = n - 1 if n % 20 == 19 else n
        found.append(
            IncomingMessage(
                platform="slack",
                event_id=f"C0INTAKE:{event}",
                channel="C0INTAKE",
                forwarder="U0STAFF",
                text=texts[event % len(texts)],
                received_at=NOW + timedelta(seconds=event),
                customer=f"customer-{event % 300}",
            )
        )
    return found


def run(url: str, classifier: Classifier, batch: int, items: Sequence[IncomingMessage]) -> float:
    """Seconds to take in ``items`` on a fresh app (``batch`` 0: ``intake`` one by one)."""
    config = replace(parse_config({}, {}), database_url=url)
    app = create_app(config, clock=FakeClock(NOW), senders={"slack": NullSender()}, classifier=classifier)
    try:
        started = time.perf_counter()
        if batch:
            for start in range(0, len(items), batch):
                app.service.intake_many(items[start : start + batch])
        else:
            for message in items:
                app.service.intake(message)
        return time.perf_counter() - started
    finally:
        app.close()


@contextmanager
def fresh_database(postgres: str | None) -> Iterator[str]:
    """A migrated SQLite file, or a schema of its own on PostgreSQL (the load benchmark's)."""
    with tempfile.TemporaryDirectory() as folder, database(postgres, Path(folder)) as url:
        yield url


def profiled(measure: Callable[[], float], top: int) -> float:
    profile = cProfile.Profile()
    seconds = profile.runcall(measure)
    pstats.Stats(profile).sort_stats("cumulative").print_stats(top)
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.intake", description=__doc__)
    parser.add_argument("--messages", type=int, default=2000, help="complaints per run")
    parser.add_argument("--batch", type=int, default=50, help="messages per intake_many call")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TRIAGE_BENCH_POSTGRES_URL"),
        help="PostgreSQL URL (default $TRIAGE_BENCH_POSTGRES_URL); a schema of its own is made and dropped",
    )
    parser.add_argument("--profile", type=int, default=0, help="print this many cProfile lines per run")
    args = parser.parse_args(argv)

    classifier = training_set(tuple(d.key for d in DEFAULT_DEPARTMENTS)).train()
    items = messages(args.messages)
    classifier.predict_many([m.text for m in items[:50]])  # warm up
    databases: list[tuple[str, str | None]] = [("sqlite", None)]
    if args.postgres:
        databases.append(("postgresql", args.postgres))
    modes = [("intake", 0), (f"intake_many({args.batch})", args.batch)]
    print(f"{'database':<11} {'mode':<17} {'messages':>8} {'ms/message':>11} {'messages/s':>11}")
    for name, postgres in databases:
        for mode, batch in modes:
            with fresh_database(postgres) as url:

                def measure(url: str = url, batch: int = batch) -> float:
                    return run(url, classifier, batch, items)

                seconds = profiled(measure, args.profile) if args.profile else measure()
            per = seconds / len(items)
            print(f"{name:<11} {mode:<17} {len(items):>8} {per * 1000:>11.3f} {1 / per:>11,.0f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
