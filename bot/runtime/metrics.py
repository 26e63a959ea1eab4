"""``/metrics`` in the Prometheus text format (prometheus-client).

Two kinds of figures:

* counted in the process that sees them: HTTP requests and their latency by route. Each app has a
  registry of its own (tests build many apps in one process). Under gunicorn with several workers
  set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory writable by all of them: prometheus-client
  then keeps the values in files there and a scrape of any worker adds up every worker's.
* read from the database at scrape time, so that every process (web workers, the worker process
  that opens tickets and sends, other machines) reports the same: tickets created by department and
  the classifier's confidence in them, complaints accepted and waiting to become tickets, messages
  waiting in the outbox and dead letters, reminders and digests sent.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from bot.core.clock import SystemClock
from bot.core.ports import Clock
from storage.models import DigestRow, InboxRow, OutboxRow, ReminderRow, TicketRow

log = logging.getLogger(__name__)

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONFIDENCE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
UNMATCHED = "unmatched"
"""The route label of requests no route matched (404s): raw paths would make labels unbounded."""


@dataclass(frozen=True)
class _Counts:
    """What one scrape reads from the database."""

    outbox: dict[Any, int]
    reminders: dict[Any, int]
    digests: dict[Any, int]
    departments: dict[Any, int]
    confidence: HistogramMetricFamily
    quarantined: dict[Any, int]
    destinations: list[tuple[str, int, datetime]]


class DatabaseFigures:
    """A collector that counts outbox, reminder and digest rows when Prometheus scrapes."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock | None = None) -> None:
        self.session_factory = session_factory
        self.clock = clock or SystemClock()

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "triage_database_up", "1 when the figures below could be read from the database"
        )
        try:
            counts = self._read()
        except SQLAlchemyError as exc:
            log.warning("metrics could not read the database: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield _tickets_created(counts.departments)
        yield counts.confidence
        yield from _intake(counts.quarantined)
        yield from self._destinations(counts.destinations)
        yield from _outbox(counts.outbox)
        yield from _sent(counts.reminders, counts.digests)

    def _read(self) -> _Counts:
        with self.session_factory() as session:
            return _Counts(
                outbox=_counts(session, OutboxRow.status),
                reminders=_counts(session, ReminderRow.stage),
                digests=_counts(session, DigestRow.team),
                departments=_counts(session, TicketRow.department),
                confidence=_confidence(session),
                quarantined=_counts(session, InboxRow.quarantined_at.is_not(None)),
                destinations=_destinations(session),
            )

    def _destinations(self, rows: list[tuple[str, int, datetime]]) -> Iterator[Metric]:
        waiting = GaugeMetricFamily(
            "triage_outbox_waiting",
            "Outgoing messages waiting to be sent, by destination (platform:channel)",
            labels=["destination"],
        )
        oldest = GaugeMetricFamily(
            "triage_outbox_oldest_wait_seconds",
            "How long the oldest message waiting for a destination has waited",
            labels=["destination"],
        )
        now = self.clock.now()
        for destination, count, since in rows:
            waiting.add_metric([destination], count)
            aware = since if since.tzinfo else since.replace(tzinfo=UTC)
            oldest.add_metric([destination], max(0.0, (now - aware).total_seconds()))
        yield waiting
        yield oldest


def _tickets_created(departments: dict[Any, int]) -> Metric:
    # A gauge: a reassignment moves a ticket from one department's figure to another's.
    created = GaugeMetricFamily(
        "triage_tickets_created",
        "Tickets opened so far, by the department they belong to now ('triage': not yet decided)",
        labels=["department"],
    )
    for department, count in departments.items():
        created.add_metric([department or "triage"], count)
    return created


def _intake(quarantined: dict[Any, int]) -> Iterator[Metric]:
    """``quarantined``: inbox rows by whether they are quarantined."""
    waiting = GaugeMetricFamily(
        "triage_intake_waiting", "Complaints acknowledged to Slack or LINE and not yet made tickets"
    )
    waiting.add_metric([], quarantined.get(False, 0))
    yield waiting
    held = GaugeMetricFamily(
        "triage_intake_quarantined",
        "Complaints that failed in the worker too often, waiting for an admin (triage-bot inbox list)",
    )
    held.add_metric([], quarantined.get(True, 0))
    yield held


def _outbox(statuses: dict[Any, int]) -> Iterator[Metric]:
    pending = GaugeMetricFamily(
        "triage_outbox_pending", "Outgoing messages waiting to be sent (pending or being sent)"
    )
    pending.add_metric([], statuses.get("pending", 0) + statuses.get("sending", 0))
    yield pending
    dead = GaugeMetricFamily(
        "triage_outbox_dead_letters",
        "Messages given up on after the last attempt (triage-bot outbox list)",
    )
    dead.add_metric([], statuses.get("dead", 0))
    yield dead


def _sent(reminders: dict[Any, int], digests: dict[Any, int]) -> Iterator[Metric]:
    sent = CounterMetricFamily("triage_reminders_sent", "Reminders sent, by stage", labels=["stage"])
    for stage, count in reminders.items():
        sent.add_metric([stage], count)
    yield sent
    digest = CounterMetricFamily("triage_digests_sent", "Weekly digests sent, by team", labels=["team"])
    for team, count in digests.items():
        digest.add_metric([team], count)
    yield digest


def _destinations(session: Session) -> list[tuple[str, int, datetime]]:
    """Per destination (platform and channel): messages waiting to be sent, and the oldest one's time."""
    rows = session.execute(
        select(OutboxRow.platform, OutboxRow.channel, func.count(), func.min(OutboxRow.created_at))
        .where(OutboxRow.status.in_(("pending", "sending")))
        .group_by(OutboxRow.platform, OutboxRow.channel)
    )
    return [(f"{platform}:{channel}", int(count), oldest) for platform, channel, count, oldest in rows]


def _counts(session: Session, column: InstrumentedAttribute[Any] | ColumnElement[Any]) -> dict[Any, int]:
    """Rows per value of ``column``."""
    return {key: count for key, count in session.execute(select(column, func.count()).group_by(column))}


def _confidence(session: Session) -> HistogramMetricFamily:
    """The classifier's confidence in every ticket's department, as a histogram: one pass over the
    tickets counting each bucket."""
    columns = [func.count(case((TicketRow.confidence <= bound, 1))) for bound in CONFIDENCE_BUCKETS]
    row = session.execute(
        select(*columns, func.count(), func.coalesce(func.sum(TicketRow.confidence), 0))
    ).one()
    *cumulative, total, summed = row
    buckets = [(str(bound), int(count)) for bound, count in zip(CONFIDENCE_BUCKETS, cumulative, strict=True)]
    return HistogramMetricFamily(
        "triage_classifier_confidence",
        "The classifier's confidence in the department of each new ticket",
        buckets=[*buckets, ("+Inf", int(total))],
        sum_value=float(summed),
    )


class Metrics:
    """The app's metrics. ``multiprocess_dir``: see the module's docstring."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        multiprocess_dir: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.multiprocess_dir = multiprocess_dir
        self.database = DatabaseFigures(session_factory, clock)
        # In multiprocess mode the values live in files and are read back by MultiProcessCollector,
        # so the metrics are registered nowhere; otherwise in this app's own registry.
        self.registry = CollectorRegistry()
        home = None if multiprocess_dir else self.registry
        self.requests = Counter(
            "triage_http_requests",
            "HTTP requests, by route and status",
            ["endpoint", "method", "status"],
            registry=home,
        )
        self.latency = Histogram(
            "triage_http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            ["endpoint"],
            registry=home,
        )
        if not multiprocess_dir:
            self.registry.register(self.database)

    @classmethod
    def from_environment(cls, session_factory: sessionmaker[Session], clock: Clock | None = None) -> Metrics:
        return cls(session_factory, os.environ.get(MULTIPROCESS_ENV) or None, clock)

    def exposition(self) -> bytes:
        """The text Prometheus scrapes."""
        if not self.multiprocess_dir:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.multiprocess_dir)  # type: ignore[no-untyped-call]
        registry.register(self.database)
        return generate_latest(registry)

    def instrument(self, web: Flask) -> None:
        """Counts every request of ``web`` by its route (``/line/webhook``, not the raw path) and
        serves ``GET /metrics``."""

        @web.before_request
        def start_timer() -> None:
            g.metrics_started = time.perf_counter()

        @web.after_request
        def count(response: Response) -> Response:
            started = g.pop("metrics_started", None)
            endpoint = request.url_rule.rule if request.url_rule is not None else UNMATCHED
            self.requests.labels(endpoint, request.method, str(response.status_code)).inc()
            if started is not None:
                self.latency.labels(endpoint).observe(time.perf_counter() - started)
            return response

        @web.get("/metrics")
        def metrics() -> Response:
            return Response(self.exposition(), mimetype=None, content_type=CONTENT_TYPE_LATEST)
