"""Benchmark: building every team's weekly digest on a 1,000,000-ticket database.

Two years of tickets for 10 teams (about 9,600 a week), a 50th of them reassigned, the last two
weeks partly open and overdue, repeat customers; loaded with the bulk loaders of ``sweep.py``.
Times building all digests for one week (every team's figures and the managers' view, text and
themes; not the chart) on SQLite and, when a URL is given, PostgreSQL. Target: under 2 s each.
See README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.sweep import FixedClassifier, NullSender, bulk_load_postgres, bulk_load_sqlite
from bot.config import parse_config
from bot.core.clock import FakeClock
from bot.core.digest import MANAGERS, Week
from bot.runtime.services import create_app
from storage.database import make_engine
from storage.migrate import upgrade
from tests.schemas import migrated_schema

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 10:00 in Tokyo: last week's digests are due
TEAMS = (
    "logistics",
    "orders",
    "billing",
    "product",
    "website",
    "marketing",
    "support",
    "returns",
    "membership",
    "wholesale",
)
YEARS = 2
TICKET_COLUMNS = [
    "id",
    "platform",
    "channel",
    "forwarder",
    "customer",
    "text",
    "language",
    "department",
    "confidence",
    "needs_triage",
    "priority",
    "flags",
    "status",
    "created_at",
    "due_at",
    "first_response_at",
    "resolved_at",
]
EVENT_COLUMNS = ["id", "ticket_id", "at", "actor", "action", "detail"]
PHRASES = (
    "配送が遅れています",
    "商品が壊れていました",
    "請求が二重になっています",
    "ログインできません",
    "クーポンが使えません",
    "返品の手続きがわかりません",
    "サイズが違う商品が届きました",
    "the refund has not arrived",
    "배송이 늦어요",
    "ポイントが反映されていません",
)


def tickets(total: int) -> Iterator[tuple[object, ...]]:
    """``total`` tickets spread evenly over the two years before ``NOW``, newest last."""
    span = timedelta(days=365 * YEARS).total_seconds()
    for i in range(1, total + 1):
        created = NOW - timedelta(seconds=span * (total - i) / total + 60)
        team = TEAMS[i % len(TEAMS)]
        due = created + timedelta(hours=24)
        recent = NOW - created < timedelta(days=14)
        answered = None if recent and i % 7 == 0 else created + timedelta(hours=(i % 30) + 1)
        status = "open" if answered is None else ("acknowledged" if recent and i % 5 == 0 else "resolved")
        resolved = answered if status == "resolved" else None
        customer = f"customer-{i % 4000}" if i % 3 == 0 else None
        phrase = PHRASES[(i * 7 + i // 1000) % len(PHRASES)]
        yield (i, "slack", "C0INTAKE", "U0STAFF", customer, f"{phrase} 注文番号{i}", "ja", team, 0.9, False,
               i % 50 == 0, "[]", status, created, due, answered, resolved)  # fmt: skip


def events(total: int) -> Iterator[tuple[object, ...]]:
    """A reassignment for every 50th ticket, an hour after it came in."""
    span = timedelta(days=365 * YEARS).total_seconds()
    for n, i in enumerate(range(25, total + 1, 50), start=1):
        at = NOW - timedelta(seconds=span * (total - i) / total) + timedelta(hours=1)
        detail = json.dumps({"from": TEAMS[(i + 1) % len(TEAMS)], "to": TEAMS[i % len(TEAMS)]})
        yield (n, i, at, "U0LEAD", "reassigned", detail)


def config_for(url: str) -> object:
    return replace(parse_config({"departments": [{"key": key} for key in TEAMS]}, {}), database_url=url)


def measure(url: str, repeat: int) -> tuple[float, float, int]:
    """(first build, median of the following builds) in ms, and the digests built."""
    config = config_for(url)
    app = create_app(
        config,  # type: ignore[arg-type]
        clock=FakeClock(NOW),
        senders={"console": NullSender()},
        classifier=FixedClassifier(),
    )
    builder = app.digests
    week, _late = builder.due_week(MANAGERS, NOW)

    def build_all() -> int:
        teams = builder.collect(week, NOW)
        built = [
            builder.render(teams[team], week, NOW, teams=teams if team == MANAGERS else None)
            for team in (*app.config.department_keys, MANAGERS)
        ]
        return len(built)

    try:
        times = []
        count = 0
        for _ in range(repeat + 1):
            start = time.perf_counter()
            count = build_all()
            times.append((time.perf_counter() - start) * 1000)
        return times[0], statistics.median(times[1:]), count
    finally:
        app.close()


def load(url: str, total: int, sqlite_path: Path | None) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    if sqlite_path is not None:
        bulk_load_sqlite(sqlite_path, "tickets", TICKET_COLUMNS, tickets(total))
        bulk_load_sqlite(sqlite_path, "ticket_events", EVENT_COLUMNS, events(total))
    else:
        bulk_load_postgres(url, "tickets", TICKET_COLUMNS, tickets(total))
        bulk_load_postgres(url, "ticket_events", EVENT_COLUMNS, events(total))


def bench_sqlite(total: int, repeat: int) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        load(url, total, Path(tmp) / "bench.db")
        return measure(url, repeat)


def bench_postgres(base: str, total: int, repeat: int) -> tuple[float, float, int]:
    with migrated_schema(base, "bench") as url:
        load(url, total, None)
        return measure(url, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets stored (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed builds after the first (median)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TRIAGE_BENCH_POSTGRES_URL") or os.environ.get("TRIAGE_TEST_POSTGRES_URL"),
        help="PostgreSQL URL (default $TRIAGE_BENCH_POSTGRES_URL, then $TRIAGE_TEST_POSTGRES_URL); "
        "a schema of its own is created and dropped",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON as well")
    args = parser.parse_args()
    backends: list[tuple[str, Callable[[], tuple[float, float, int]]]] = [
        ("sqlite", lambda: bench_sqlite(args.tickets, args.repeat))
    ]
    if args.postgres:
        backends.append(("postgresql", lambda: bench_postgres(args.postgres, args.tickets, args.repeat)))
    week = Week.of(NOW - timedelta(days=7), parse_config({}, {}).tz).label
    print(f"all {len(TEAMS)} teams' digests and the managers' for {week}, {args.tickets:,} tickets stored")
    print(f"{'database':<11} {'first build':>12} {'median':>10} {'digests':>8} {'load':>7}")
    results = []
    for name, bench in backends:
        start = time.perf_counter()
        first, median, count = bench()
        total = time.perf_counter() - start
        results.append({"database": name, "first_ms": first, "median_ms": median, "digests": count})
        print(f"{name:<11} {first:>9.0f} ms {median:>7.0f} ms {count:>8} {total:>5.0f} s", flush=True)
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
