"""``triage-bot demo``: a week of sample complaints replayed through the real bot on a fake clock.

The week is a console script (``samples/week.txt``): complaints in Japanese, English and Korean,
the team's actions, and ``/advance`` lines that move the clock so reminders, escalations and the
Monday digest happen as they would in a week of real time.
"""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from typing import TextIO

from bot.config import Config
from bot.core.clock import FakeClock
from bot.platforms.console.chat import CONSOLE, ConsoleSender
from bot.runtime.services import console, create_app

START = "2026-11-16T09:00:00"  # a Monday morning in the shop's time zone


def script_lines() -> list[str]:
    return (
        resources.files("bot").joinpath("runtime/samples/week.txt").read_text(encoding="utf-8").splitlines()
    )


def run_demo(config: Config, out: TextIO) -> None:
    """Replays the sample week against ``config.database_url`` (a fresh database), printing everything."""
    clock = FakeClock(datetime.fromisoformat(START).replace(tzinfo=config.tz))
    app = create_app(
        config, clock=clock, senders={CONSOLE: ConsoleSender(lambda text: print(text, file=out))}
    )
    adapter = console(app, out, user="demo-staff")
    try:
        for line in script_lines():
            if not line.strip():
                continue
            if line.startswith("## "):
                print(f"\n{line[3:]}", file=out)
                continue
            print(f"» {line}", file=out)
            adapter.handle_line(line)
    finally:
        app.close()
