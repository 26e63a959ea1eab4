"""The reminder sweep on a real database: stages at the right time, once each, caught up after downtime."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from bot.app import App, create_app
from bot.clock import FakeClock
from bot.config import Config, Managers
from bot.domain import Stage
from storage.models import ReminderRow
from tests.fakes import KeywordClassifier, RecordingSender, complaint


def advance_and_sweep(app: App, clock: FakeClock, delta: timedelta) -> list[str]:
    clock.advance(delta)
    app.sweep.run(clock.now())
    before = len(app.senders["console"].sent)  # type: ignore[attr-defined]
    app.dispatcher.drain()
    return [s.message.kind + ":" + s.message.channel for s in app.senders["console"].sent[before:]]  # type: ignore[attr-defined]


def test_warning_last_call_and_escalation_each_once(
    app: App, clock: FakeClock, sender: RecordingSender
) -> None:
    ref = app.service.intake(complaint("配送が遅い")).ticket.ref
    app.dispatcher.drain()

    assert advance_and_sweep(app, clock, timedelta(hours=19, minutes=59)) == []
    assert advance_and_sweep(app, clock, timedelta(minutes=1)) == ["reminder:team:logistics"]
    assert advance_and_sweep(app, clock, timedelta(minutes=30)) == []  # the warning is sent once
    assert advance_and_sweep(app, clock, timedelta(hours=2, minutes=30)) == ["reminder:team:logistics"]
    assert advance_and_sweep(app, clock, timedelta(hours=1)) == [
        "reminder:team:logistics",
        "escalation:managers",
    ]
    assert advance_and_sweep(app, clock, timedelta(hours=5)) == []

    reminders = sender.texts("reminder")
    assert "まもなく" in reminders[1] and "超過" in reminders[2]
    assert all(f"#{ref}" in text for text in reminders)
    assert f"#{ref}" in sender.texts("escalation")[0]


def test_stages_missed_while_down_fold_into_the_newest(
    app: App, clock: FakeClock, sender: RecordingSender
) -> None:
    app.service.intake(complaint("配送が遅い"))
    app.dispatcher.drain()

    assert advance_and_sweep(app, clock, timedelta(hours=30)) == [
        "reminder:team:logistics",
        "escalation:managers",
    ]
    assert "超過" in sender.texts("reminder")[0]
    assert "まもなく" not in sender.texts("reminder")[0]
    with app.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ReminderRow)) == 3  # all stages recorded
    assert advance_and_sweep(app, clock, timedelta(minutes=1)) == []


def test_acknowledged_and_resolved_tickets_are_not_chased(app: App, clock: FakeClock) -> None:
    first = app.service.intake(complaint("配送が遅い", "e1")).ticket.ref
    second = app.service.intake(complaint("請求が二重", "e2")).ticket.ref
    app.service.acknowledge(first, "U1")
    app.service.resolve(second, "U1")
    app.dispatcher.drain()

    assert advance_and_sweep(app, clock, timedelta(hours=26)) == []


def test_snooze_delays_the_next_reminder_but_not_the_deadline(app: App, clock: FakeClock) -> None:
    ref = app.service.intake(complaint("配送が遅い")).ticket.ref
    app.dispatcher.drain()
    clock.advance(timedelta(hours=19))
    app.service.snooze(ref, "U1", 3)  # until 22:00 after intake: past the warning
    app.dispatcher.drain()

    assert advance_and_sweep(app, clock, timedelta(hours=2)) == []  # warning time, snoozed
    assert advance_and_sweep(app, clock, timedelta(hours=1, minutes=1)) == ["reminder:team:logistics"]
    assert advance_and_sweep(app, clock, timedelta(hours=1)) == ["reminder:team:logistics"]
    assert advance_and_sweep(app, clock, timedelta(hours=1)) == [
        "reminder:team:logistics",
        "escalation:managers",
    ]


def test_one_message_per_channel_lists_every_ticket_newest_stage_first(
    app: App, clock: FakeClock, sender: RecordingSender
) -> None:
    app.service.intake(complaint("配送が遅い", "e1"))
    clock.advance(timedelta(hours=3))
    app.service.intake(complaint("荷物が届かない", "e2"))
    app.dispatcher.drain()

    assert advance_and_sweep(app, clock, timedelta(hours=20, minutes=30)) == ["reminder:team:logistics"]
    lines = sender.texts("reminder")[0].splitlines()
    # #1 is at its last call, #2 at its warning: the later stage is listed first
    assert lines[0].startswith("🔔") and lines[1].startswith("#1")
    assert lines[2].startswith("⏰") and lines[3].startswith("#2")


def test_two_workers_sweeping_at_once_post_each_stage_once(config: Config, clock: FakeClock) -> None:
    config = replace(config, managers=Managers())
    senders = [RecordingSender(), RecordingSender()]
    apps = [
        create_app(config, clock=clock, senders={"console": s}, classifier=KeywordClassifier())
        for s in senders
    ]
    try:
        for i in range(20):
            apps[0].service.intake(complaint("配送が遅い", f"e{i}"))
        clock.advance(timedelta(hours=24))
        barrier = threading.Barrier(2)

        def sweep(app: App) -> None:
            barrier.wait()
            app.sweep.run(clock.now())

        threads = [threading.Thread(target=sweep, args=(a,)) for a in apps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with apps[0].session_factory() as session:
            overdue = session.scalars(
                select(ReminderRow.ticket_id).where(ReminderRow.stage == Stage.OVERDUE.value)
            )
            assert sorted(overdue) == list(range(1, 21))
        apps[0].dispatcher.drain()
        reminders = [s for s in senders[0].sent if s.message.kind == "reminder"]
        listed = [entry["ref"] for s in reminders for entry in s.message.data["tickets"]]
        assert sorted(listed) == list(range(1, 21))  # each ticket in exactly one reminder
    finally:
        for a in apps:
            a.close()
