"""/metrics over real HTTP after signed Slack and LINE events: what Prometheus would scrape."""

from __future__ import annotations

import re
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bot.core.clock import FakeClock
from storage.models import DigestRow, InboxRow, OutboxRow, ReminderRow
from tests.served import Served, line_text, post_line, served, slack_mention


def scrape(site: Served) -> tuple[str, dict[tuple[str, frozenset[tuple[str, str]]], float]]:
    """The /metrics text and its samples by (name, labels)."""
    status, body, headers = site.get("/metrics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=")
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }
    return body, samples


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def outbox_count(site: Served, *statuses: str) -> int:
    with site.app.session_factory() as session:
        count = session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.status.in_(statuses))
        )
        return int(count or 0)


def test_metrics_count_tickets_requests_confidence_and_the_outbox(database_url: str) -> None:
    with served(database_url, outbox={"max_attempts": 1}) as site:
        mention = slack_mention("Ev0001", "配送が3日遅れています", "1763850000.000100")
        assert site.post_slack(mention) == 200
        assert site.post_slack(mention, retry=1) == 200  # Slack's retry: the same ticket, not a second
        assert site.post_line(line_text("01LINE0001", "請求が二重になっています")) == 200
        assert site.post_line(line_text("01LINE0002", "hello there")) == 200  # unclear: triage
        assert site.get("/no/such/page")[0] == 404

        body, samples = scrape(site)

        assert re.search(r"^# TYPE \S*ticket\S* ", body, re.MULTILINE)
        created = "triage_tickets_created"
        assert value(samples, created, department="logistics") == 1
        assert value(samples, created, department="billing") == 1
        assert value(samples, created, department="triage") == 1
        confidence = "triage_classifier_confidence"
        assert value(samples, confidence + "_count") == 3
        assert value(samples, confidence + "_bucket", le="0.1") == 1  # the unclear one
        assert value(samples, confidence + "_bucket", le="0.9") == 3
        requests = "triage_http_requests_total"
        assert value(samples, requests, endpoint="/slack/events", method="POST", status="200") == 2
        assert value(samples, requests, endpoint="/line/webhook", method="POST", status="200") == 2
        assert value(samples, requests, endpoint="unmatched", method="GET", status="404") == 1
        assert not any("/no/such/page" in str(labels) for _, labels in samples)
        latency = "triage_http_request_duration_seconds"
        assert value(samples, latency + "_count", endpoint="/slack/events") == 2
        assert value(samples, latency + "_sum", endpoint="/line/webhook") > 0
        assert value(samples, "triage_intake_waiting") == 0
        waiting = outbox_count(site, "pending")
        assert waiting >= 6  # a reply and a card for each of the three tickets
        assert value(samples, "triage_outbox_pending") == waiting
        assert value(samples, "triage_outbox_dead_letters") == 0
        assert value(samples, "triage_database_up") == 1

        # Slack refuses one message for good: with max_attempts = 1 it is a dead letter at once.
        site.slack_api.fail("chat.postMessage", 200, {"ok": False, "error": "channel_not_found"})
        site.app.dispatcher.drain()

        _, samples = scrape(site)
        assert value(samples, "triage_outbox_pending") == outbox_count(site, "pending", "sending") == 0
        assert value(samples, "triage_outbox_dead_letters") == 1
        assert value(samples, requests, endpoint="/metrics", method="GET", status="200") == 1

        # Acknowledged, not yet a ticket: what the worker has still to do.
        assert post_line(site.url, line_text("01LINE0003", "返品したいです")) == 200
        _, samples = scrape(site)
        assert value(samples, "triage_intake_waiting") == 1
        assert sum(v for (name, _), v in samples.items() if name == created) == 3


def test_metrics_count_reminders_and_digests_from_the_database(database_url: str) -> None:
    with served(database_url) as site:
        assert site.post_line(line_text("01LINE0101", "請求が二重になっています")) == 200
        assert site.post_line(line_text("01LINE0102", "配送が遅れています")) == 200
        clock = site.app.clock
        assert isinstance(clock, FakeClock)
        for hours in (21, 2, 2):  # warning, last call, overdue
            clock.advance(timedelta(hours=hours))
            site.app.run_due_jobs()
        clock.advance(timedelta(days=7))  # the next Monday: last week's digests
        site.app.run_due_jobs()

        _, samples = scrape(site)

        with site.app.session_factory() as session:
            stages = {
                stage: count
                for stage, count in session.execute(
                    select(ReminderRow.stage, func.count()).group_by(ReminderRow.stage)
                )
            }
            digests = session.scalar(select(func.count()).select_from(DigestRow))
        assert len(stages) >= 3 and all(count == 2 for count in stages.values())
        for stage, count in stages.items():
            assert value(samples, "triage_reminders_sent_total", stage=stage) == count
        assert digests
        sent_digests = sum(v for (name, _), v in samples.items() if name == "triage_digests_sent_total")
        assert sent_digests == digests
        assert value(samples, "triage_digests_sent_total", team="managers") == 1


def test_metrics_show_what_waits_for_each_destination_and_quarantined_complaints(database_url: str) -> None:
    with served(database_url) as site:
        for number in range(3):
            mention = slack_mention(f"Ev01{number}", "配送が3日遅れています", f"1763850000.00010{number}")
            assert site.post_slack(mention) == 200
        clock = site.app.clock
        assert isinstance(clock, FakeClock)
        clock.advance(timedelta(seconds=90))

        _, samples = scrape(site)

        destinations = {
            dict(labels)["destination"]: count
            for (name, labels), count in samples.items()
            if name == "triage_outbox_waiting"
        }
        assert sum(destinations.values()) == outbox_count(site, "pending") == 6  # 3 cards, 3 replies
        assert all(key.startswith("slack:C") for key in destinations)
        for destination in destinations:
            assert value(samples, "triage_outbox_oldest_wait_seconds", destination=destination) == 90
        assert value(samples, "triage_intake_quarantined") == 0

        site.app.dispatcher.drain()
        with site.app.session_factory() as session, session.begin():
            session.add(
                InboxRow(
                    platform="slack",
                    event_id="C0:1",
                    forwarder="U0",
                    message={},
                    received_at=clock.now(),
                    available_at=clock.now(),
                    attempts=5,
                    quarantined_at=clock.now(),
                )
            )
        _, samples = scrape(site)
        assert not any(name == "triage_outbox_waiting" for name, _ in samples)  # all sent
        assert value(samples, "triage_intake_quarantined") == 1
        assert value(samples, "triage_intake_waiting") == 0
