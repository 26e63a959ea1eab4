"""The long-running processes: ``run`` (web + jobs in one process) and ``worker`` (jobs only).

SIGTERM and SIGINT stop them gracefully: the web server finishes the requests in flight, the
scheduler lets running jobs finish (their outbox claims are leases, so anything unfinished is
picked up again by the next worker).
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from werkzeug.serving import make_server

from bot.app import App
from bot.scheduler import build_scheduler
from bot.web import create_web_app

log = logging.getLogger(__name__)


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping on signal %s", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def run_worker(app: App) -> None:
    """Scheduler and outbox dispatcher until a stop signal."""
    stop = threading.Event()
    _stop_on_signals(stop)
    scheduler = build_scheduler(app)
    scheduler.start()
    log.info("worker started")
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)


def run_all(app: App, host: str = "0.0.0.0") -> None:  # noqa: S104 - a server listens on all interfaces
    """Web app, scheduler and dispatcher in one process: the single-machine default."""
    stop = threading.Event()
    _stop_on_signals(stop)
    server = make_server(host, app.config.port, create_web_app(app), threaded=True)
    serving = threading.Thread(target=server.serve_forever, name="web", daemon=True)
    scheduler = build_scheduler(app)
    scheduler.start()
    serving.start()
    extra = [start() for start in app.background]
    log.info("listening on port %d", app.config.port)
    try:
        stop.wait()
    finally:
        server.shutdown()
        serving.join(timeout=30)
        for stop_extra in extra:
            stop_extra()
        scheduler.shutdown(wait=True)
