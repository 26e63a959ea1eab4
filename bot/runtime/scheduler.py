"""APScheduler wiring only: triggers mapped to the plain job functions of the app."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.learning import QUICK_SECONDS
from bot.platforms.registry import enabled
from bot.runtime.services import App
from storage.database import checkpoint

log = logging.getLogger(__name__)


def chase_tickets(app: App) -> None:
    """The minute's sweep: reminders, then the tickets that waited too long for their customer."""
    now = app.clock.now()
    app.sweep.run(now)
    app.desk.close_waiting(now)


class OverrunLog(logging.LoggerAdapter[logging.Logger]):
    """APScheduler's log, with one line when a job overruns instead of one at each of its turns
    skipped meanwhile (every 2 s for a job that runs every 2 s)."""

    def __init__(self) -> None:
        super().__init__(logging.getLogger("apscheduler.scheduler"), {})
        self._overrunning: set[str] = set()
        self._lock = threading.Lock()

    def warning(self, msg: object, *args: Any, **kwargs: Any) -> None:
        if isinstance(msg, str) and "maximum number of running instances" in msg and args:
            job = getattr(args[0], "id", str(args[0]))
            with self._lock:
                if job in self._overrunning:
                    return
                self._overrunning.add(job)
            self.logger.warning(
                "job %s is still running at its next turn; turns are skipped until it ends", job
            )
            return
        super().warning(msg, *args, **kwargs)

    def ended(self, event: JobEvent) -> None:
        with self._lock:
            self._overrunning.discard(event.job_id)


ScheduledJob = tuple[str, Callable[[], object], BaseTrigger]
"""The job's name (also its id), what it runs, when."""


def build_scheduler(
    app: App, *, deliver: bool = True, deliver_every_seconds: float = 2.0
) -> BackgroundScheduler:
    """The worker's jobs. Misfires coalesce (one run after a pause, not a burst), one instance each.
    ``deliver=False`` when a delivery thread sends the outbox (``run`` and ``worker``).

    Every job is safe with several workers: claims and (ticket, stage) and (team, week) keys live
    in the database.
    """
    overruns = OverrunLog()
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        logger=overruns,
    )
    scheduler.add_listener(overruns.ended, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    jobs = [*_ticket_jobs(app), *_platform_jobs(app), *_upkeep_jobs(app)]
    if deliver:
        jobs.append(("deliver_outbox", app.dispatcher.drain, IntervalTrigger(seconds=deliver_every_seconds)))
    for name, run, trigger in jobs:
        scheduler.add_job(run, trigger, id=name, name=name)
    return scheduler


def _ticket_jobs(app: App) -> Iterator[ScheduledJob]:
    """Reminders, digests and the erasure of expired texts: the rules' own jobs."""
    yield "send_reminders", lambda: chase_tickets(app), IntervalTrigger(minutes=1)
    yield (
        "send_weekly_digests",
        lambda: app.digests.send_weekly_digests(app.clock.now()),
        IntervalTrigger(minutes=5),
    )
    if app.config.retention_days is not None:
        yield (
            "erase_expired_texts",
            lambda: app.records.erase_expired_texts(app.clock.now()),
            CronTrigger(hour=3, minute=30, timezone=app.config.tz),  # daily, at a quiet hour
        )


def _platform_jobs(app: App) -> Iterator[ScheduledJob]:
    for platform in enabled(app.config):
        for job in platform.jobs:
            yield job.name, job.start(app.services), IntervalTrigger(minutes=job.every_minutes)


def _upkeep_jobs(app: App) -> Iterator[ScheduledJob]:
    """The classifier learning from corrections, and SQLite's checkpoints."""
    if app.learner is not None:
        learner = app.learner
        yield (
            "retrain_classifier",
            lambda: learner.retrain_weekly(app.clock.now()),
            CronTrigger(day_of_week="sun", hour=3, timezone=app.config.tz),
        )
        yield (
            "learn_corrections",
            lambda: learner.retrain_on_new_labels(app.clock.now()),
            IntervalTrigger(seconds=QUICK_SECONDS),
        )
    if app.engine.dialect.name == "sqlite":
        yield "checkpoint_sqlite", lambda: checkpoint(app.engine), IntervalTrigger(seconds=5)
