"""``triage-bot``: run, worker, console, demo, classify, train, evaluate, digest, export, outbox, inbox,
db."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Config, ConfigError, load_config
from bot.runtime.logs import configure_logging

if TYPE_CHECKING:
    from bot.runtime.services import App

log = logging.getLogger("bot")

DESCRIPTION = (
    "Customer-complaint triage for online shops: Slack and LINE intake, a department classifier, "
    "24-hour reply deadlines with reminders, weekly digests. Without Slack or LINE credentials "
    "`triage-bot run` is a chat in this terminal. `triage-bot COMMAND --help` tells more."
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config, _environment(args))
    except ConfigError as error:
        print(f"triage-bot: {error}", file=sys.stderr)
        return 2
    configure_logging(args.log_level, config.log_format, config.secrets)
    log.info("config: %s", config.source or "none found, the built-in defaults")
    try:
        result: int = args.handler(config, args)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the last line of defence: a clear message, the details in the log
        from sqlalchemy.exc import InterfaceError, OperationalError

        from classifiers.training import ModelFileError

        if isinstance(error, OperationalError | InterfaceError):
            print(f"triage-bot: {_database_problem(config, error)}", file=sys.stderr)
            log.debug("database error", exc_info=error)
            return 3
        if isinstance(error, ModelFileError | RuntimeError | OSError):
            print(f"triage-bot: {error}", file=sys.stderr)
            return 1
        raise
    return result


WEB_VARIABLES = ("PORT", "HOST")
"""Read only by ``run``, the one command that serves HTTP: a worker's PORT may be anything."""


def _environment(args: argparse.Namespace) -> Mapping[str, str]:
    if args.command != "run":
        return {name: value for name, value in os.environ.items() if name not in WEB_VARIABLES}
    return {**os.environ, "HOST": args.host} if args.host else os.environ


def _database_problem(config: Config, error: Exception) -> str:
    """One line for a database the bot cannot use (down, wrong host or password), instead of a traceback."""
    from storage.database import describe

    cause = getattr(error, "orig", None) or error
    first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return f"cannot use the database {describe(config.database_url)}: {first}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="triage-bot", description=DESCRIPTION)
    parser.add_argument(
        "--config", metavar="PATH", help="config file (default: $TRIAGE_CONFIG, else built-in)"
    )
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")
    _add_running_commands(commands)
    from bot.runtime.model_commands import add_commands

    add_commands(commands)  # classify, train, evaluate
    _add_digest_command(commands)
    _add_outbox_command(commands)
    _add_inbox_command(commands)
    from bot.runtime.export import add_command as add_export

    add_export(commands)
    db = commands.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])
    db.set_defaults(handler=cmd_db)
    return parser


def _add_running_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """run, worker, console and demo: the bot itself, in one shape or another."""
    run = commands.add_parser(
        "run", help="run the bot (the console when no Slack or LINE credentials are set)"
    )
    run.add_argument(
        "--host", help="address to listen on (default: $HOST, else 0.0.0.0; 127.0.0.1 for one machine)"
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


def _add_digest_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    digest = commands.add_parser("digest", help="print a team's weekly digest")
    digest.add_argument("--team", default="managers", help="department key, or managers (default)")
    digest.add_argument("--week", help="ISO week such as 2026-W47 (default: the current week)")
    digest.add_argument("--out", metavar="PNG", help="also write the digest's chart to this file")
    digest.set_defaults(handler=cmd_digest)


def _add_outbox_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    outbox = commands.add_parser("outbox", help="see and handle messages that could not be delivered")
    outbox_actions = outbox.add_subparsers(dest="action", required=True)
    listing = outbox_actions.add_parser("list", help="dead letters (masked), oldest first")
    listing.add_argument("--pending", action="store_true", help="also the messages still waiting")
    retry = outbox_actions.add_parser("retry", help="put dead letters back in the queue")
    retry.add_argument("ids", nargs="*", type=int, metavar="ID")
    retry.add_argument("--all", action="store_true", dest="all_dead", help="every dead letter")
    drop = outbox_actions.add_parser("drop", help="remove a dead letter for good (audited)")
    drop.add_argument("ids", nargs=1, type=int, metavar="ID")
    outbox.set_defaults(handler=cmd_outbox, ids=[], all_dead=False, pending=False)


def _add_inbox_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    inbox = commands.add_parser("inbox", help="see and handle complaints quarantined after failing")
    inbox_actions = inbox.add_subparsers(dest="action", required=True)
    waiting = inbox_actions.add_parser("list", help="quarantined complaints (masked), oldest first")
    waiting.add_argument("--waiting", action="store_true", help="also the ones still being opened")
    again = inbox_actions.add_parser("retry", help="give quarantined complaints back to the workers")
    again.add_argument("ids", nargs="+", type=int, metavar="ID")
    gone = inbox_actions.add_parser("drop", help="remove a quarantined complaint for good (audited)")
    gone.add_argument("ids", nargs=1, type=int, metavar="ID")
    inbox.set_defaults(handler=cmd_inbox, ids=[], waiting=False)


def cmd_run(config: Config, args: argparse.Namespace) -> int:
    if not config.enabled:
        return cmd_console(config, argparse.Namespace(fake_clock=None))
    from bot.runtime.processes import run_all

    return _serve(config, run_all)


def cmd_worker(config: Config, args: argparse.Namespace) -> int:
    from bot.runtime.processes import run_worker

    return _serve(config, run_worker)


def _serve(config: Config, process: Callable[[App], None]) -> int:
    """Runs a long-lived process on the real clock with the configured platforms' senders."""
    from bot.core.clock import SystemClock
    from bot.platforms.registry import build_senders
    from bot.runtime.services import create_app
    from bot.runtime.startup import report_startup

    app = create_app(config, clock=SystemClock(), senders=build_senders(config))
    app.problems = report_startup(config)
    try:
        process(app)
    finally:
        app.close()
    return 0


def cmd_console(config: Config, args: argparse.Namespace) -> int:
    from bot.core.clock import FakeClock, SystemClock
    from bot.core.ports import Clock
    from bot.platforms.console.chat import CONSOLE, ConsoleSender
    from bot.platforms.console.prompt import console_lines
    from bot.runtime.scheduler import build_scheduler
    from bot.runtime.services import console, create_app
    from bot.runtime.startup import report_startup

    clock: Clock = SystemClock()
    if args.fake_clock:
        try:
            start = datetime.now(UTC) if args.fake_clock == "now" else datetime.fromisoformat(args.fake_clock)
        except ValueError:
            from bot.core.i18n import Translator

            message = Translator(config.language)("error.bad_fake_clock", value=repr(args.fake_clock))
            print(f"triage-bot: {message}", file=sys.stderr)
            return 2
        if start.tzinfo is None:
            start = start.replace(tzinfo=config.tz)
        clock = FakeClock(start)
    out = sys.stdout
    app = create_app(
        config, clock=clock, senders={CONSOLE: ConsoleSender(lambda text: print(text, file=out))}
    )
    report_startup(config)  # the calendar's holiday country: said in the log, the console runs on
    # On the real clock the jobs run in the background, so reminders appear while you type; on a
    # fake clock they run when /advance moves it.
    scheduler = None if args.fake_clock else build_scheduler(app)
    try:
        if scheduler is not None:
            scheduler.start()
        console(app, out).run(console_lines(sys.stdin, out, app.translator("console.prompt")))
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        app.close()
    return 0


def cmd_demo(config: Config, args: argparse.Namespace) -> int:
    from bot.runtime.demo import run_demo

    with tempfile.TemporaryDirectory(prefix="triage-demo-") as folder:
        demo_config = replace(config, database_url=f"sqlite:///{Path(folder) / 'demo.db'}")
        run_demo(demo_config, sys.stdout)
    return 0


def cmd_digest(config: Config, args: argparse.Namespace) -> int:
    from bot.core.charts import render_chart
    from bot.core.clock import SystemClock
    from bot.core.digest import DigestBuilder, Week
    from bot.core.domain import UnknownDepartment
    from bot.core.routing import Directory, team_key
    from bot.runtime.services import make_writer, opened_database
    from storage.figures import SqlFigures
    from storage.store import SqlStore

    try:
        team = team_key(config, args.team, managers=True)
    except UnknownDepartment as error:
        print(f"triage-bot: unknown team {args.team!r}; use one of {error.params['known']}", file=sys.stderr)
        return 2
    now = SystemClock().now()
    tz = config.digest.schedule(team, config.timezone).tz  # the week as the team lives it
    try:
        week = Week.parse(args.week, tz) if args.week else Week.of(now, tz)
    except ValueError:
        print(f"triage-bot: --week must look like 2026-W47, got {args.week!r}", file=sys.stderr)
        return 2
    writer = make_writer(config)
    with opened_database(config) as sessions:
        builder = DigestBuilder(
            config, SqlStore(sessions), SqlFigures(sessions), Directory(config, {}), writer
        )
        digest = builder.build(team, week, now)
    print(digest.text)
    if args.out:
        Path(args.out).write_bytes(render_chart(digest.data, writer.t))
    return 0


def cmd_outbox(config: Config, args: argparse.Namespace) -> int:
    from bot.core.clock import SystemClock
    from bot.runtime.outbox_admin import outbox_command

    return outbox_command(
        config,
        SystemClock(),
        args.action,
        args.ids,
        all_dead=args.all_dead,
        pending=args.pending,
        out=sys.stdout,
        err=sys.stderr,
    )


def cmd_inbox(config: Config, args: argparse.Namespace) -> int:
    from bot.core.clock import SystemClock
    from bot.runtime.inbox_admin import inbox_command

    return inbox_command(
        config, SystemClock(), args.action, args.ids, waiting=args.waiting, out=sys.stdout, err=sys.stderr
    )


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
