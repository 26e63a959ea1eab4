"""``triage-bot``: run | console | demo | classify | train | evaluate | digest | db."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Config, ConfigError, load_config

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("bot")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(f"triage-bot: {error}", file=sys.stderr)
        return 2
    try:
        result: int = args.handler(config, args)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the last line of defence: a clear message, the details in the log
        from classifiers.training import ModelFileError

        if isinstance(error, ModelFileError | RuntimeError | OSError):
            print(f"triage-bot: {error}", file=sys.stderr)
            return 1
        raise
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="triage-bot", description=__doc__)
    parser.add_argument(
        "--config", metavar="PATH", help="config file (default: $TRIAGE_CONFIG, else built-in)"
    )
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run", help="run the bot (the console when no Slack or LINE credentials are set)"
    )
    run.set_defaults(handler=cmd_run)

    worker = commands.add_parser("worker", help="run the scheduler and the outbox dispatcher (no web app)")
    worker.set_defaults(handler=cmd_worker)

    console = commands.add_parser("console", help="chat with the bot in the terminal")
    console.add_argument(
        "--fake-clock",
        nargs="?",
        const="now",
        metavar="START",
        help="use a clock moved by /advance (optionally starting at an ISO time)",
    )
    console.set_defaults(handler=cmd_console)

    demo = commands.add_parser("demo", help="replay a week of sample complaints on a temporary database")
    demo.set_defaults(handler=cmd_demo)

    from bot.model_commands import add_commands

    add_commands(commands)  # classify, train, evaluate

    digest = commands.add_parser("digest", help="print a team's weekly digest")
    digest.add_argument("--team", default="managers", help="department key, or managers (default)")
    digest.add_argument("--week", help="ISO week such as 2026-W47 (default: the current week)")
    digest.add_argument("--out", metavar="PNG", help="also write the digest's chart to this file")
    digest.set_defaults(handler=cmd_digest)

    db = commands.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])
    db.set_defaults(handler=cmd_db)
    return parser


def cmd_run(config: Config, args: argparse.Namespace) -> int:
    if not (config.has_slack or config.has_line):
        return cmd_console(config, argparse.Namespace(fake_clock=None))
    from bot.processes import run_all

    return _serve(config, run_all)


def cmd_worker(config: Config, args: argparse.Namespace) -> int:
    from bot.processes import run_worker

    return _serve(config, run_worker)


def _serve(config: Config, process: Callable[[App], None]) -> int:
    """Runs a long-lived process on the real clock with the configured platforms' senders."""
    from bot.app import create_app
    from bot.clock import SystemClock
    from bot.web import build_senders

    app = create_app(config, clock=SystemClock(), senders=build_senders(config))
    try:
        process(app)
    finally:
        app.close()
    return 0


def cmd_console(config: Config, args: argparse.Namespace) -> int:
    from bot.adapters.console import CONSOLE, ConsoleAdapter, ConsoleSender
    from bot.app import create_app
    from bot.clock import FakeClock, SystemClock
    from bot.ports import Clock
    from bot.scheduler import build_scheduler

    clock: Clock = SystemClock()
    if args.fake_clock:
        start = datetime.now(UTC) if args.fake_clock == "now" else datetime.fromisoformat(args.fake_clock)
        if start.tzinfo is None:
            start = start.replace(tzinfo=config.tz)
        clock = FakeClock(start)
    out = sys.stdout
    app = create_app(
        config, clock=clock, senders={CONSOLE: ConsoleSender(lambda text: print(text, file=out))}
    )
    # On the real clock the jobs run in the background, so reminders appear while you type; on a
    # fake clock they run when /advance moves it.
    scheduler = None if args.fake_clock else build_scheduler(app)
    try:
        if scheduler is not None:
            scheduler.start()
        ConsoleAdapter(app, out).run(sys.stdin)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        app.close()
    return 0


def cmd_demo(config: Config, args: argparse.Namespace) -> int:
    from dataclasses import replace

    from bot.demo import run_demo

    with tempfile.TemporaryDirectory(prefix="triage-demo-") as folder:
        demo_config = replace(config, database_url=f"sqlite:///{Path(folder) / 'demo.db'}")
        run_demo(demo_config, sys.stdout)
    return 0


def cmd_digest(config: Config, args: argparse.Namespace) -> int:
    from bot.app import make_writer, prepare_database
    from bot.charts import render_chart
    from bot.clock import SystemClock
    from bot.digest import MANAGERS, DigestBuilder, Week
    from bot.routing import Directory
    from storage.database import make_engine, make_session_factory
    from storage.figures import SqlFigures
    from storage.store import SqlStore

    if args.team != MANAGERS and config.department(args.team) is None:
        print(
            f"triage-bot: unknown team {args.team!r}; use one of {', '.join(config.department_keys)} "
            "or managers",
            file=sys.stderr,
        )
        return 2
    now = SystemClock().now()
    try:
        week = Week.parse(args.week, config) if args.week else Week.containing(now, config)
    except ValueError:
        print(f"triage-bot: --week must look like 2026-W47, got {args.week!r}", file=sys.stderr)
        return 2
    engine = make_engine(config.database_url)
    prepare_database(config, engine)
    sessions = make_session_factory(engine)
    writer = make_writer(config)
    builder = DigestBuilder(config, SqlStore(sessions), SqlFigures(sessions), Directory(config, []), writer)
    digest = builder.build(args.team, week, now)
    print(digest.text)
    if args.out:
        Path(args.out).write_bytes(render_chart(digest.data, writer.t))
    return 0


def cmd_db(config: Config, args: argparse.Namespace) -> int:
    from storage.database import describe, make_engine
    from storage.migrate import current_revision, head_revision, upgrade

    engine = make_engine(config.database_url)
    if args.action == "upgrade":
        upgrade(engine)
    print(f"{describe(config.database_url)}: revision {current_revision(engine)} (head {head_revision()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
