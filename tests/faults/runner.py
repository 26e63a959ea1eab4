"""A worker process for the fault tests: ``python -m tests.faults.runner [--days-ahead N] [--go FILE]``.

It is ``triage-bot worker`` with two test settings: the jobs (opening the accepted complaints'
tickets, reminders, digests, delivery) run back to back every 50 ms instead of on their own
threads and the scheduler's minutes, and its clock may run ``N`` days ahead of the web
processes', so the reminders and the digest of the tickets those took are due (a ticket counts from
when the web process accepted it). Everything else is the real code: the config and credentials
from the environment, the real senders, the real inbox, outbox and store. The keyword classifier
keeps start-up short (the classifier itself is tested elsewhere); with
``--go`` the process starts up and waits for that file before it connects, so a test can have the
next worker ready when it kills one.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType

from bot.config import load_config
from bot.core.clock import SystemClock
from bot.platforms.registry import build_senders
from bot.runtime.services import create_app
from tests.fakes import KeywordClassifier

log = logging.getLogger("tests.faults.runner")


class AheadClock:
    def __init__(self, ahead: timedelta) -> None:
        self.ahead = ahead
        self.system = SystemClock()

    def now(self) -> datetime:
        return self.system.now() + self.ahead


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days-ahead", type=float, default=0.0)
    parser.add_argument("--go", type=Path)
    args = parser.parse_args()
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    while args.go and not args.go.exists():
        if stop.wait(0.02):
            return
    logging.basicConfig(level=logging.WARNING)
    config = load_config()
    clock = AheadClock(timedelta(days=args.days_ahead))
    app = create_app(config, clock=clock, senders=build_senders(config), classifier=KeywordClassifier())
    try:
        while not stop.is_set():
            try:
                app.run_due_jobs()
            except Exception:  # as the scheduler does: log, and run again next time
                log.exception("jobs failed")
            stop.wait(0.05)
    finally:
        app.close()


if __name__ == "__main__":
    main()
