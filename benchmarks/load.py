"""Benchmark: the web app under load, against a bare slack-bolt app on the same gunicorn settings.

Starts two gunicorns on loopback (the Procfile's settings: 2 workers, 8 threads), one serving the
baseline (benchmarks/baseline.py: signature checks and a 200, nothing else), one the bot
(``bot.runtime.web:wsgi()``, the real model trained at start, SQLite or PostgreSQL) with its worker.
Sends signed Slack events and LINE webhooks, a share of them again as Slack retries and LINE
redeliveries, flat out in alternating rounds (baseline, bot, baseline, bot...), then to the bot at a
target rate; reports events/s and p50/p99 time to acknowledge per round, the median ratio of
throughput, errors, tickets created against distinct events, and each web worker's memory.
``--multi N`` runs the many-processes check instead: two web and two worker processes over
PostgreSQL, N events.
See README.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

from sqlalchemy import create_engine, select, text

from benchmarks.traffic import Client, Run, Traffic, at_rate, flat_out, percentile
from storage.database import make_engine
from storage.migrate import upgrade
from storage.models import InboundEventRow, InboxRow, TicketRow
from tests.faults.harness import check_once, settled, shop_config, shop_env, wait_until, write_toml
from tests.faults.processes import Processes, free_port, gunicorn, healthy
from tests.line_api import serve_fake_line_api
from tests.schemas import migrated_schema
from tests.slack_api import fake_slack_api

Memory = tuple[int, int, int, int]
"""(pid, resident MB, peak resident MB, proportional MB)."""


def memory_of(pid: int) -> Memory:
    """A process's memory from /proc. Resident counts the pages it shares with others (the gunicorn
    workers share what the master loaded before forking them); proportional splits those."""
    folder = Path("/proc") / str(pid)
    status = (folder / "status").read_text() + (folder / "smaps_rollup").read_text()
    kb = {
        line.split(":")[0]: int(line.split()[1])
        for line in status.splitlines()
        if line.startswith(("VmRSS:", "VmHWM:", "Pss:"))
    }
    return pid, kb["VmRSS"] // 1024, kb["VmHWM"] // 1024, kb["Pss"] // 1024


def worker_memory(master: int) -> list[Memory]:
    """The memory of each gunicorn worker (the master's children)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                found.append(memory_of(int(stat.parent.name)))
        except (OSError, IndexError, ValueError):
            continue
    return found


def waiting(url: str) -> int:
    """Complaints acknowledged and not yet tickets."""
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(select(text("count(*)")).select_from(InboxRow)) or 0
    engine.dispose()
    return int(count)


def drain(url: str, timeout: float = 1800) -> float:
    """Waits until the worker has made every acknowledged complaint a ticket; the seconds it took."""
    began = time.monotonic()
    wait_until(lambda: waiting(url) == 0, timeout=timeout, what="the worker to open every ticket")
    return time.monotonic() - began


@contextmanager
def database(postgres: str | None, folder: Path) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file, or a schema of its own on PostgreSQL."""
    if not postgres:
        url = f"sqlite:///{folder}/load.db"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    with migrated_schema(postgres, "load") as url:
        yield url


def tickets_for(url: str, numbers: set[int]) -> tuple[int, int, int]:
    """(tickets, of them for the given event numbers, acknowledged events without a ticket)."""
    engine = create_engine(url)
    with engine.connect() as connection:
        tickets = connection.scalar(select(text("count(*)")).select_from(TicketRow)) or 0
        ids = connection.scalars(
            select(InboundEventRow.event_id).where(InboundEventRow.ticket_id.is_not(None))
        )
        stored = {int(i.rsplit(".", 1)[1]) if ":" in i else int(i[3:]) for i in ids}
    engine.dispose()
    return tickets, len(stored & numbers), len(numbers - stored)


def serve(processes: Processes, name: str, app: str, args: argparse.Namespace) -> tuple[int, int]:
    """Starts gunicorn on a free loopback port; (port, master pid) once it answers."""
    port = free_port()
    master = gunicorn(processes, name, port, app=app, workers=args.workers, threads=args.threads)
    wait_until(lambda: healthy(f"http://127.0.0.1:{port}"), timeout=120, what=f"{name} to start")
    return port, master.pid


def _serve_platforms(urls: Queue[tuple[str, str]], stop: EventType, nice: int) -> None:
    os.nice(nice)
    with fake_slack_api() as slack, serve_fake_line_api() as line:
        urls.put((slack.url, line.url))
        stop.wait()


@contextmanager
def platforms_apart(nice: int) -> Iterator[tuple[str, str]]:
    """The fake Slack and LINE APIs in a process of their own: the bot's cards and replies are
    answered elsewhere, as the real platforms are, not by the threads timing the requests; at a
    lower priority, as the real ones take none of this machine's cores."""
    context = multiprocessing.get_context("fork")  # nothing runs yet in this process but this thread
    urls: Queue[tuple[str, str]] = context.Queue()
    stop = context.Event()
    process = context.Process(target=_serve_platforms, args=(urls, stop, nice), daemon=True)
    process.start()
    try:
        yield urls.get(timeout=60)
    finally:
        stop.set()
        process.join(10)


PLATFORMS_NICE = 10
"""The fake Slack and LINE APIs stand in for services that take none of this machine's cores."""


@dataclass
class Round:
    """One baseline phase and the bot phase after it, both flat out."""

    baseline: Run
    bot: Run
    drained: float
    """Seconds after the bot phase until the worker had opened every ticket of it."""

    @property
    def ratio(self) -> float:
        return self.bot.rate / self.baseline.rate


@dataclass
class Bot:
    """The bot's figures outside the rounds: its warm-up, the paced phase, memory."""

    warm_up: Run
    paced: Run
    paced_drained: float
    web_memory: list[Memory]
    worker_memory: Memory


@dataclass
class Tickets:
    """The tickets against the events sent."""

    acknowledged: set[int]
    tickets: int
    matched: int
    lost: int
    unacknowledged_with_ticket: int


def bench(args: argparse.Namespace, folder: Path) -> bool:
    with platforms_apart(PLATFORMS_NICE) as (slack_url, line_url), database(args.postgres, folder) as url:
        (folder / "metrics").mkdir()
        env = {
            **shop_env(slack_url, line_url),
            "TRIAGE_CONFIG": str(write_toml(shop_config(), folder / "config.toml")),
            "DATABASE_URL": url,
            "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics"),  # the Procfile's web sets it
        }
        processes = Processes(folder, env)
        try:
            rounds, bot = run_rounds(processes, args, url)
        finally:
            processes.stop_all()
        tickets = count_tickets(url, [one.bot for one in rounds] + [bot.warm_up, bot.paced])
    return report(args, rounds, bot, tickets)


def start_worker(processes: Processes, args: argparse.Namespace) -> int:
    """``triage-bot worker`` at ``--nice``; its pid once it has done its start-up work: on a fresh
    database its first look at the labels (after 20 s) retrains the classifier, 10-20 s of a core
    that would otherwise fall into a measured phase."""
    command = [sys.executable, "-m", "bot.cli", "--log-level", "info", "worker"]
    worker = processes.start("worker", "nice", "-n", str(args.nice), *command)
    wait_until(
        lambda: re.search(r"classifier (promoted|kept)", processes.log("worker")) is not None,
        timeout=300,
        what="the worker's first retraining",
    )
    return worker.pid


def run_rounds(processes: Processes, args: argparse.Namespace, url: str) -> tuple[list[Round], Bot]:
    """Both servers up side by side (one idle while the other is measured) and the worker; then
    ``--rounds`` times: the baseline flat out, the bot flat out, and the worker left to catch up
    before the next round. Last, the bot at ``--rate``."""
    baseline_port, _ = serve(processes, "baseline", "benchmarks.baseline:wsgi()", args)
    bot_port, master = serve(processes, "bot", "bot.runtime.web:wsgi()", args)
    worker = start_worker(processes, args)
    flat_out(baseline_port, Traffic(args.line_share, 0, 900_000), 2, args.clients)  # warm-up
    warm_up = flat_out(bot_port, Traffic(args.line_share, args.retry_share, 800_000), 2, args.clients)
    drain(url)
    rounds = []
    for number in range(args.rounds):
        baseline = flat_out(baseline_port, Traffic(args.line_share, 0, 900_000), args.seconds, args.clients)
        traffic = Traffic(args.line_share, args.retry_share, number * 100_000)
        bot = flat_out(bot_port, traffic, args.seconds, args.clients)
        rounds.append(Round(baseline, bot, drain(url)))
        print(f"round {number + 1}: baseline {baseline.rate:.0f} ev/s, bot {bot.rate:.0f} ev/s", flush=True)
    traffic = Traffic(args.line_share, args.retry_share, 700_000)
    paced = at_rate(bot_port, traffic, args.seconds, args.rate, args.clients)
    paced_drained = drain(url)
    return rounds, Bot(warm_up, paced, paced_drained, worker_memory(master), memory_of(worker))


def count_tickets(url: str, runs: list[Run]) -> Tickets:
    acknowledged = set().union(*(run.acknowledged for run in runs))
    sent = set().union(*(run.sent for run in runs))
    tickets, matched, lost = tickets_for(url, acknowledged)
    _, unacknowledged_with_ticket, _ = tickets_for(url, sent - acknowledged)
    return Tickets(acknowledged, tickets, matched, lost, unacknowledged_with_ticket)


def report_rounds(rounds: list[Round]) -> float:
    """Prints each round and the pooled latencies; the median ratio of throughput."""
    for number, one in enumerate(rounds, 1):
        print(one.baseline.line(f"{number}: baseline (bare bolt)"))
        print(one.bot.line(f"{number}: bot, flat out"))
        print(f"{'':<28} ratio {one.ratio:.2f}; the worker caught up {one.drained:.1f} s after")
    ratios = [one.ratio for one in rounds]
    for name, runs in (("baseline", [one.baseline for one in rounds]), ("bot", [one.bot for one in rounds])):
        pooled = [latency for run in runs for latency in run.latencies]
        print(
            f"{name} over the rounds: median {statistics.median(run.rate for run in runs):.0f} ev/s, "
            f"p50 {percentile(pooled, 0.5) * 1000:.1f} ms, p99 {percentile(pooled, 0.99) * 1000:.1f} ms"
        )
    print(f"ratios {', '.join(f'{ratio:.2f}' for ratio in ratios)}; median {statistics.median(ratios):.2f}")
    return statistics.median(ratios)


def report(args: argparse.Namespace, rounds: list[Round], bot: Bot, tickets: Tickets) -> bool:
    """Prints the figures and the checks; True when every check holds."""
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"\n{backend}; gunicorn --workers {args.workers} --threads {args.threads}; {args.clients} clients; "
        f"worker at nice {args.nice}; p99 = nearest rank"
    )
    ratio = report_rounds(rounds)
    print(bot.paced.line(f"bot at {args.rate:g}/s"))
    print(
        f"distinct events acknowledged {len(tickets.acknowledged)}, tickets {tickets.tickets} "
        f"({tickets.matched} for them, {tickets.lost} missing, "
        f"{tickets.unacknowledged_with_ticket} for events answered with an error); "
        f"the paced phase's tickets all open {bot.paced_drained:.1f} s after it ended"
    )
    for pid, rss, peak, pss in bot.web_memory:
        print(f"web worker {pid}: {rss} MB resident (peak {peak} MB, {pss} MB proportional)")
    _, rss, peak, pss = bot.worker_memory
    print(f"worker process (classifies): {rss} MB resident (peak {peak} MB, {pss} MB proportional)")
    runs = [one.bot for one in rounds] + [bot.warm_up, bot.paced]
    checks = {
        f"median throughput ratio >= 0.5 ({ratio:.2f})": ratio >= 0.5,
        f"median throughput ratio >= 0.7 ({ratio:.2f})": ratio >= 0.7,
        f"p99 < 100 ms at {args.rate:g}/s ({bot.paced.p99 * 1000:.1f} ms)": bot.paced.p99 < 0.1,
        "no errors": all(run.statuses[200] == sum(run.statuses.values()) for run in runs),
        "no ticket lost or duplicated": bool(tickets.acknowledged)
        and tickets.lost == 0
        and tickets.tickets == tickets.matched + tickets.unacknowledged_with_ticket,
        "each web worker < 250 MB resident": bool(bot.web_memory)
        and all(peak < 250 for _, _, peak, _ in bot.web_memory),
    }
    for check, ok in checks.items():
        print(f"  [{'ok' if ok else 'MISSED'}] {check}")
    return all(checks.values())


def multi(args: argparse.Namespace, folder: Path) -> bool:
    """Two web processes (one gunicorn, 2 workers) and two workers over PostgreSQL, ``--multi`` events."""
    if not args.postgres:
        raise SystemExit("--multi needs --postgres URL: several processes share one PostgreSQL")
    with fake_slack_api() as slack, serve_fake_line_api() as line, database(args.postgres, folder) as url:
        raw = shop_config(lease=30.0, send_timeout=10.0)
        env = {
            **shop_env(slack.url, line.url),
            "TRIAGE_CONFIG": str(write_toml(raw, folder / "config.toml")),
            "DATABASE_URL": url,
        }
        processes = Processes(folder, env)
        try:
            args.workers = 2
            port, _ = serve(processes, "web", "bot.runtime.web:wsgi()", args)
            processes.worker("worker-1", days_ahead=10)
            processes.worker("worker-2", days_ahead=10)
            runs = [(n, False) for n in range(args.multi)]
            runs += [(n, True) for n in range(0, args.multi, 10)]
            random.Random(8).shuffle(runs)
            traffic, run, client = Traffic(args.line_share, 0, 0), Run(), Client(port)
            began = time.monotonic()

            def one(item: tuple[int, bool]) -> None:
                started = time.perf_counter()
                run.record(item[0], client.post(*traffic.request(*item)), time.perf_counter() - started)

            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(one, runs))
            run.elapsed = time.monotonic() - began
            print(run.line(f"{args.multi} events + {len(runs) - args.multi} again"))
            wait_until(lambda: settled(url, raw, args.multi), timeout=600, what="the workers to finish")
            print(f"workers done {time.monotonic() - began:.0f} s after the first event")
        finally:
            processes.stop_all()
        check_once(url, raw, slack, line, args.multi)
    print("one ticket per distinct event; every message, reminder stage and digest sent once")
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL instead of a SQLite file")
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase (default 20)")
    parser.add_argument("--rate", type=float, default=200, help="the paced phase's events/s (default 200)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, the Procfile's)")
    parser.add_argument(
        "--threads", type=int, default=8, help="threads per worker (default 8, the Procfile's)"
    )
    parser.add_argument("--line-share", type=float, default=0.5, help="share of LINE webhooks (default 0.5)")
    parser.add_argument("--retry-share", type=float, default=0.05, help="share sent again (default 0.05)")
    parser.add_argument("--multi", type=int, metavar="N", help="the many-processes run with N events")
    parser.add_argument("--rounds", type=int, default=3, help="baseline, bot rounds (default 3)")
    parser.add_argument("--nice", type=int, default=0, help="the worker's niceness (default 0: normal)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="triage-load-") as folder:
        ok = multi(args, Path(folder)) if args.multi else bench(args, Path(folder))
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
