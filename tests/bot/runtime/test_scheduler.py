"""The scheduler's log: a job that overruns its turns is one line, not one every turn it skips."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent

from bot.runtime.scheduler import OverrunLog
from tests.conftest import START

SKIPPED = 'Execution of job "%s" skipped: maximum number of running instances reached (%d)'
"""APScheduler's own warning (apscheduler.schedulers.base), logged at every turn a job is still running."""


def test_an_overrunning_job_is_one_log_line_until_it_ends(caplog: pytest.LogCaptureFixture) -> None:
    overruns = OverrunLog()
    slow, other = SimpleNamespace(id="send_reminders"), SimpleNamespace(id="send_weekly_digests")
    with caplog.at_level(logging.INFO, logger="apscheduler.scheduler"):
        for _ in range(30):  # a minute of 2-second turns
            overruns.warning(SKIPPED, slow, 1)
        overruns.warning(SKIPPED, other, 1)
        overruns.ended(JobExecutionEvent(EVENT_JOB_EXECUTED, "send_reminders", "default", START))
        overruns.warning(SKIPPED, slow, 1)  # a new overrun
        overruns.info("Scheduler started")

    lines = [record.getMessage() for record in caplog.records]
    assert lines == [
        "job send_reminders is still running at its next turn; turns are skipped until it ends",
        "job send_weekly_digests is still running at its next turn; turns are skipped until it ends",
        "job send_reminders is still running at its next turn; turns are skipped until it ends",
        "Scheduler started",
    ]
