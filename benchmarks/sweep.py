"""Benchmark: the reminder sweep's cost grows with the tickets due, not with the tickets stored.

Builds a database of N tickets (a tenth of them open, the rest resolved) with fast bulk inserts
(executemany on SQLite, COPY on PostgreSQL), then times one sweep with nothing due and one with
1,000 tickets due, at each size, and prints a table and the query plans. See README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from bot.config import parse_config
from bot.core.clock import FakeClock
from bot.core.domain import OutboundMessage
from bot.core.ports import Prediction, SendResult
from bot.runtime.services import App, create_app
from storage.database import make_engine
from storage.migrate import upgrade
from tests.schemas import migrated_schema

NOW = datetime(2026, 11, 16, 3, 0, tzinfo=UTC)
DEPARTMENTS = ("logistics", "orders", "billing", "product", "website", "marketing", "support")
COLUMNS = [
    "id",
    "platform",
    "channel",
    "forwarder",
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
    "remind_at",
]


class NullSender:
    def send(self, message: OutboundMessage, **_: object) -> SendResult:
        return SendResult("x")

    def pace(self, message: OutboundMessage, *, editing: bool) -> None:
        return None


class FixedClassifier:
    def predict(self, text: str) -> Prediction:
        return Prediction("logistics", 0.9)

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        return [self.predict(text) for text in texts]


def rows(total: int, open_ratio: float) -> Iterator[tuple[object, ...]]:
    """Resolved tickets spread over the past year; open ones received in the last 3 hours, so their
    first reminder (the warning, 20 h after intake) is well ahead: nothing is due."""
    open_every = round(1 / open_ratio)
    for i in range(1, total + 1):
        department = DEPARTMENTS[i % len(DEPARTMENTS)]
        if i % open_every == 0:
            created = NOW - timedelta(seconds=i % 10_800)
            due = created + timedelta(hours=24)
            yield (i, "slack", "C0INTAKE", "U0STAFF", f"配送が遅い {i}", "ja", department, 0.9, False, False,
                   "[]", "open", created, due, None, None, due - timedelta(hours=4))  # fmt: skip
        else:
            created = NOW - timedelta(days=2, seconds=i * 31 % 31_536_000)
            due = created + timedelta(hours=24)
            answered = created + timedelta(hours=3)
            yield (i, "line", "Cgroup", "U0STAFF", f"請求が二重 {i}", "ja", department, 0.9, False, False,
                   "[]", "resolved", created, due, answered, answered, None)  # fmt: skip


def load_sqlite(path: Path, total: int, open_ratio: float) -> None:
    bulk_load_sqlite(path, "tickets", COLUMNS, rows(total, open_ratio))


def bulk_load_sqlite(
    path: Path, table: str, columns: Sequence[str], values: Iterable[Sequence[object]]
) -> None:
    """Appends ``values`` to ``table`` with executemany in batches (times stored as naive UTC)."""

    def value(v: object) -> object:
        return (
            v.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
            if isinstance(v, datetime)
            else v
        )

    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    placeholders = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
    batch: list[tuple[object, ...]] = []
    for row in values:
        batch.append(tuple(value(v) for v in row))
        if len(batch) == 50_000:
            connection.executemany(statement, batch)
            batch.clear()
    connection.executemany(statement, batch)
    connection.commit()
    connection.execute("ANALYZE")
    connection.close()


def load_postgres(url: str, total: int, open_ratio: float) -> None:
    bulk_load_postgres(url, "tickets", COLUMNS, rows(total, open_ratio))


def bulk_load_postgres(
    url: str, table: str, columns: Sequence[str], values: Iterable[Sequence[object]]
) -> None:
    """Appends ``values`` to ``table`` with COPY, then moves its id sequence past them."""
    engine = create_engine(url)
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
        raw.commit()
        cursor.execute(f"ANALYZE {table}")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()


def make_due(app: App, count: int) -> None:
    """Brings ``count`` open tickets to their warning: due in 3 h, reminder time just passed."""
    with app.engine.begin() as connection:
        ids = [
            r[0]
            for r in connection.execute(
                text("SELECT id FROM tickets WHERE status = 'open' ORDER BY id LIMIT :n"), {"n": count}
            )
        ]
        connection.execute(text("DELETE FROM reminders"))
        connection.execute(text("DELETE FROM outbox"))
        params = [
            {"id": i, "due": NOW + timedelta(hours=3), "remind": NOW - timedelta(minutes=1)} for i in ids
        ]
        due_at = "CAST(:due AS TIMESTAMPTZ)" if app.engine.dialect.name == "postgresql" else ":due"
        remind_at = "CAST(:remind AS TIMESTAMPTZ)" if app.engine.dialect.name == "postgresql" else ":remind"
        if app.engine.dialect.name == "sqlite":
            for p in params:
                p["due"] = p["due"].replace(tzinfo=None).isoformat(" ", "microseconds")  # type: ignore[attr-defined]
                p["remind"] = p["remind"].replace(tzinfo=None).isoformat(" ", "microseconds")  # type: ignore[attr-defined]
        connection.execute(
            text(f"UPDATE tickets SET due_at = {due_at}, remind_at = {remind_at} WHERE id = :id"), params
        )


def timed(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def measure(url: str, due: int) -> tuple[float, float, int]:
    config = replace(parse_config({}, {}), database_url=url)
    app = create_app(
        config, clock=FakeClock(NOW), senders={"console": NullSender()}, classifier=FixedClassifier()
    )
    try:
        app.sweep.run(NOW)  # warm up the connection pool and the caches
        empty, _ = timed(lambda: app.sweep.run(NOW), 5)
        busy: list[float] = []
        reminded = 0
        for _ in range(3):
            make_due(app, due)
            ms, report = timed(lambda: app.sweep.run(NOW), 1)
            busy.append(ms)
            reminded = report.count  # type: ignore[attr-defined]
        return empty, statistics.median(busy), reminded
    finally:
        app.close()


def plans(url: str) -> list[str]:
    engine = make_engine(url)
    now = "'2026-11-16 03:00:00'"
    queries = {
        "claim (status, remind_at)": "SELECT id FROM tickets WHERE status = 'open' AND remind_at <= {now} "
        "ORDER BY remind_at LIMIT 2000",
        "breach list (status, due_at)": "SELECT id FROM tickets WHERE status = 'open' AND due_at > {now} "
        "AND due_at <= {now} AND first_response_at IS NULL ORDER BY due_at, id",
    }
    found = []
    with engine.connect() as connection:
        for name, query in queries.items():
            sql = query.format(now=now if engine.dialect.name == "sqlite" else now + "::timestamptz")
            prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
            lines = [" ".join(str(c) for c in r) for r in connection.execute(text(prefix + sql))]
            found.append(f"  {name}: " + " | ".join(lines))
    engine.dispose()
    return found


def bench_sqlite(total: int, open_ratio: float, due: int) -> tuple[tuple[float, float, int], list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        load_sqlite(Path(tmp) / "bench.db", total, open_ratio)
        return measure(url, due), plans(url)


def bench_postgres(
    base: str, total: int, open_ratio: float, due: int
) -> tuple[tuple[float, float, int], list[str]]:
    with migrated_schema(base, "bench") as url:
        load_postgres(url, total, open_ratio)
        return measure(url, due), plans(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="tickets stored, comma-separated")
    parser.add_argument(
        "--open-ratio", type=float, default=0.1, help="share of the stored tickets that are open"
    )
    parser.add_argument("--due", type=int, default=1000, help="tickets due in the busy sweep")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TRIAGE_BENCH_POSTGRES_URL") or os.environ.get("TRIAGE_TEST_POSTGRES_URL"),
        help="PostgreSQL URL (default $TRIAGE_BENCH_POSTGRES_URL, then $TRIAGE_TEST_POSTGRES_URL); "
        "a schema of its own is created and dropped",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON as well")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    backends: list[tuple[str, Callable[[int], tuple[tuple[float, float, int], list[str]]]]] = [
        ("sqlite", lambda n: bench_sqlite(n, args.open_ratio, args.due))
    ]
    if args.postgres:
        backends.append(("postgresql", lambda n: bench_postgres(args.postgres, n, args.open_ratio, args.due)))
    results = []
    print(f"{'database':<11} {'stored':>10} {'open':>9} {'empty sweep':>12} {'sweep, due':>18} {'build':>8}")
    for name, bench in backends:
        for size in sizes:
            start = time.perf_counter()
            (empty, busy, reminded), plan = bench(size)
            build = time.perf_counter() - start
            results.append(
                {"database": name, "stored": size, "empty_ms": empty, "due_ms": busy, "due": reminded}
            )
            print(
                f"{name:<11} {size:>10,} {round(size * args.open_ratio):>9,} {empty:>9.1f} ms "
                f"{busy:>9.1f} ms ({reminded:,}) {build:>6.0f} s",
                flush=True,
            )
            if size == sizes[-1]:
                print("\n".join(plan))
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
