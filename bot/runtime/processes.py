"""The long-running processes: ``run`` (web + jobs in one process) and ``worker`` (jobs only).

SIGTERM and SIGINT stop them gracefully, within a few seconds: the intake thread finishes the batch
of complaints in hand, the dispatcher finishes the send in flight and hands the rest of its claimed
batch back to the queue at once (another worker takes it now, not after the lease), the scheduler
lets running jobs finish, and the web server stops accepting and waits for the requests in flight.
The process then exits 0. Under gunicorn (the Procfile's ``web``) gunicorn's own SIGTERM handling
does the web part (``--graceful-timeout``).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import timedelta
from types import FrameType

from flask import Flask
from werkzeug.serving import make_server

from bot.core.inbox import run_intake
from bot.core.outbox import run_delivery
from bot.runtime.scheduler import build_scheduler
from bot.runtime.services import App
from bot.runtime.web import create_web_app

log = logging.getLogger(__name__)

REQUEST_GRACE_SECONDS = 10.0
DELIVERY_HORIZON = timedelta(seconds=2)
JOIN_SECONDS = 10.0
"""How long a stopping process waits for the intake and delivery threads."""
"""How long a stopping ``run`` waits for requests in flight (Slack's own timeout is 3 s)."""


class InFlight:
    """Counts the requests a Flask app is answering, so a shutdown can wait for them."""

    def __init__(self, web: Flask) -> None:
        self._count = 0
        self._idle = threading.Condition()
        web.before_request(self._enter)
        web.teardown_request(self._leave)

    def _enter(self) -> None:
        with self._idle:
            self._count += 1

    def _leave(self, _error: BaseException | None) -> None:
        with self._idle:
            self._count -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Waits until no request is in flight; ``False`` when ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        with self._idle:
            return self._idle.wait_for(lambda: self._count <= 0, max(0.0, deadline - time.monotonic()))


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping on signal %s", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


class IntakeThreads:
    """Two threads: one opens the tickets of accepted complaints (see :mod:`bot.core.inbox`), the other
    sends their cards and replies as soon as they are queued. Apart, so that slow sending (Slack's
    rate limits) never holds up the tickets."""

    def __init__(self, app: App, stop: threading.Event) -> None:
        # On the real clock a claim books send times a little ahead and waits for each, so a paced
        # destination (a Slack channel: one message a second) sends steadily, not once a poll.
        app.dispatcher.horizon = DELIVERY_HORIZON
        self.wake = threading.Event()
        self.threads = [
            threading.Thread(target=run_intake, args=(app.intake, stop, self.wake.set), name="intake"),
            threading.Thread(target=run_delivery, args=(app.dispatcher, stop, self.wake), name="delivery"),
        ]
        for thread in self.threads:
            thread.daemon = True
            thread.start()

    def join(self, timeout: float = JOIN_SECONDS) -> None:
        """After ``stop``: the batch in hand is finished (its complaints are tickets or still wait).
        A database that does not answer does not keep the process from exiting: the batch's
        complaints are taken again after their lease."""
        self.wake.set()
        for thread in self.threads:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("stopping while the %s thread is still busy", thread.name)


def run_worker(app: App) -> None:
    """Intake, scheduler and outbox dispatcher until a stop signal."""
    stop = threading.Event()
    _stop_on_signals(stop)
    scheduler = build_scheduler(app, deliver=False)
    scheduler.start()
    intake = IntakeThreads(app, stop)
    log.info("worker started")
    try:
        stop.wait()
    finally:
        app.dispatcher.stop()
        intake.join()
        scheduler.shutdown(wait=True)
        log.info("worker stopped")


def run_all(app: App) -> None:
    """Web app, scheduler and dispatcher in one process: the single-machine default. It listens on
    ``config.host`` (HOST or ``run --host``) and ``config.port`` (PORT)."""
    stop = threading.Event()
    _stop_on_signals(stop)
    web = create_web_app(app)
    in_flight = InFlight(web)
    server = make_server(app.config.host, app.config.port, web, threaded=True)
    serving = threading.Thread(target=server.serve_forever, name="web", daemon=True)
    scheduler = build_scheduler(app, deliver=False)
    scheduler.start()
    intake = IntakeThreads(app, stop)
    serving.start()
    extra = [start() for start in app.background]
    log.info("listening on port %d (%s)", app.config.port, app.config.host)
    try:
        stop.wait()
    finally:
        app.dispatcher.stop()
        server.shutdown()  # no new connections; the requests being answered go on in their threads
        if not in_flight.wait_idle(REQUEST_GRACE_SECONDS):
            log.warning("stopping with requests still in flight")
        server.server_close()
        for stop_extra in extra:
            stop_extra()
        intake.join()
        scheduler.shutdown(wait=True)
        log.info("stopped")
