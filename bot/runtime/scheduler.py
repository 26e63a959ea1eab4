"""APScheduler wiring only: triggers mapped to the plain job functions of the app."""

from __future__ import annotations

import logging
import threading
from datetime import UTC
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.learning import QUICK_SECONDS
from bot.platforms.registry import enabled
from bot.runtime.services import App
from storage.database import checkpoint

log = logging.getLogger(__name__)


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
    scheduler.add_job(
        lambda: app.sweep.run(app.clock.now()),
        IntervalTrigger(minutes=1),
        id="send_reminders",
        name="send_reminders",
    )
    scheduler.add_job(
        lambda: app.digests.send_weekly_digests(app.clock.now()),
        IntervalTrigger(minutes=5),
        id="send_weekly_digests",
        name="send_weekly_digests",
    )
    if app.config.retention_days is not None:
        scheduler.add_job(
            lambda: app.records.erase_expired_texts(app.clock.now()),
            CronTrigger(hour=3, minute=30, timezone=app.config.tz),  # daily, at a quiet hour
            id="erase_expired_texts",
            name="erase_expired_texts",
        )
    for platform in enabled(app.config):
        for job in platform.jobs:
            scheduler.add_job(
                job.start(app.services),
                IntervalTrigger(minutes=job.every_minutes),
                id=job.name,
                name=job.name,
            )
    if app.learner is not None:
        learner = app.learner
        scheduler.add_job(
            lambda: learner.retrain_weekly(app.clock.now()),
            CronTrigger(day_of_week="sun", hour=3, timezone=app.config.tz),
            id="retrain_classifier",
            name="retrain_classifier",
        )
        scheduler.add_job(
            lambda: learner.retrain_on_new_labels(app.clock.now()),
            IntervalTrigger(seconds=QUICK_SECONDS),
            id="learn_corrections",
            name="learn_corrections",
        )
    if app.engine.dialect.name == "sqlite":
        scheduler.add_job(
            lambda: checkpoint(app.engine),
            IntervalTrigger(seconds=5),
            id="checkpoint_sqlite",
            name="checkpoint_sqlite",
        )
    if deliver:
        scheduler.add_job(
            app.dispatcher.drain,
            IntervalTrigger(seconds=deliver_every_seconds),
            id="deliver_outbox",
            name="deliver_outbox",
        )
    return scheduler
