"""The weekly digest on a real database: figures, once per (team, week), late catch-up."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.clock import FakeClock
from bot.config import Config, parse_config
from bot.digest import MANAGERS, Week
from storage.models import DigestRow
from tests.fakes import RecordingSender, complaint

MONDAY_0900_JST = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)


def test_week_labels_follow_iso_weeks_in_the_shop_time_zone() -> None:
    config = parse_config({}, {})
    # Sunday 23:30 UTC is already Monday in Tokyo
    assert Week.containing(datetime(2026, 11, 15, 23, 30, tzinfo=UTC), config).label == "2026-W47"
    assert Week.containing(datetime(2026, 11, 15, 14, 59, tzinfo=UTC), config).label == "2026-W46"
    week = Week.parse("2026-W47", config)
    assert week.start == datetime(2026, 11, 16, tzinfo=config.tz)
    assert week.previous().label == "2026-W46"
    assert Week.parse("2027-W01", config).previous().label == "2026-W53"
    with pytest.raises(ValueError):
        Week.parse("2026-47", config)


def test_team_digest_counts_the_week_and_the_deadline_kept(app: App, clock: FakeClock) -> None:
    for i in range(3):
        app.service.intake(complaint("配送が遅い", f"e{i}"))
    app.service.intake(complaint("請求が二重", "b1"))
    clock.advance(timedelta(hours=2))
    app.service.acknowledge(1, "U1")
    clock.advance(timedelta(hours=30))
    app.service.acknowledge(2, "U1")  # answered after its deadline

    digest = app.digests.build("logistics", Week.containing(MONDAY_0900_JST, app.config), clock.now())

    assert digest.data["count"] == 3
    assert digest.data["deadline_kept"] == pytest.approx(1 / 3)
    assert digest.data["overdue"] == [3]
    assert "件数：3 件" in digest.text
    assert "#3" in digest.text


def test_managers_digest_lists_every_team_biggest_change_first(app: App) -> None:
    for i in range(3):
        app.service.intake(complaint("配送が遅い", f"e{i}"))
    app.service.intake(complaint("請求が二重", "b1"))
    digest = app.digests.build(MANAGERS, Week.containing(MONDAY_0900_JST, app.config), MONDAY_0900_JST)
    lines = digest.text.splitlines()
    first_team = next(i for i, line in enumerate(lines) if line.startswith("物流・配送"))
    second_team = next(i for i, line in enumerate(lines) if line.startswith("決済・返金"))
    assert first_team < second_team
    assert digest.data["count"] == 4


def test_weekly_digests_are_sent_once_per_team_and_week(
    app: App, clock: FakeClock, sender: RecordingSender
) -> None:
    app.service.intake(complaint("配送が遅い"))
    assert app.digests.send_weekly_digests(clock.now()) == []  # nothing before this week yet

    clock.set(MONDAY_0900_JST + timedelta(days=7, minutes=1))
    sent = app.digests.send_weekly_digests(clock.now())
    assert {d.team for d in sent} == {*app.config.department_keys, MANAGERS}
    assert all(d.week.label == "2026-W47" and not d.data["late"] for d in sent)
    assert app.digests.send_weekly_digests(clock.now() + timedelta(minutes=5)) == []

    app.dispatcher.drain()
    channels = [s.message.channel for s in sender.sent if s.message.kind == "digest"]
    assert "team:logistics" in channels and "managers" in channels
    with app.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(DigestRow)) == len(sent)


def test_a_week_missed_while_down_is_sent_late(app: App, clock: FakeClock) -> None:
    app.service.intake(complaint("配送が遅い"))
    clock.set(MONDAY_0900_JST + timedelta(days=9))  # back on Wednesday
    sent = app.digests.send_weekly_digests(clock.now())
    assert sent and all(d.data["late"] for d in sent)
    assert "停止中" in sent[0].text


def test_digest_schedule_follows_config(config: Config, clock: FakeClock) -> None:
    from bot.app import create_app
    from tests.fakes import KeywordClassifier

    config = replace(config, digest=replace(config.digest, weekday="fri", hour=17, minute=30))
    app = create_app(
        config, clock=clock, senders={"console": RecordingSender()}, classifier=KeywordClassifier()
    )
    try:
        app.service.intake(complaint("配送が遅い"))
        # The digest always covers the last full ISO week; with weekday = fri it comes on Friday.
        friday_1729 = datetime(2026, 11, 27, 8, 29, tzinfo=UTC)
        assert app.digests.scheduled_time(friday_1729) == datetime(2026, 11, 27, 17, 30, tzinfo=config.tz)
        assert app.digests.send_weekly_digests(friday_1729) == []  # the week before had no tickets
        sent = app.digests.send_weekly_digests(friday_1729 + timedelta(minutes=1))
        assert sent and sent[0].week.label == "2026-W47" and not sent[0].data["late"]
    finally:
        app.close()
