"""The reminder sweep: stages at the right time, once each, caught up after downtime.

The rules run on the in-memory store (``core``); the database-backed tests (``app``, SQLite and
PostgreSQL) keep a ticket's whole course and the workers racing each other.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.config import Config, Managers
from bot.core.clock import FakeClock
from bot.core.domain import Stage
from bot.runtime.services import App, create_app
from storage.models import ReminderRow
from tests.bot.core.conftest import Core, build_core
from tests.conftest import START
from tests.fakes import KeywordClassifier, RecordingSender, complaint

HOUR = timedelta(hours=1)


def at_tokyo(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Asia/Tokyo")).astimezone(UTC)  # type: ignore[misc]


def advance_and_sweep(app: App | Core, clock: FakeClock, delta: timedelta) -> list[str]:
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
    assert advance_and_sweep(app, clock, timedelta(hours=3, minutes=59)) == []
    assert advance_and_sweep(app, clock, timedelta(minutes=1)) == ["reminder:team:logistics"]  # a nudge

    reminders = sender.texts("reminder")
    assert "まもなく" in reminders[1] and "超過" in reminders[2] and "再通知" in reminders[3]
    assert all(f"#{ref}" in text for text in reminders)
    assert f"#{ref}" in sender.texts("escalation")[0]


def test_stages_missed_while_down_fold_into_the_newest(
    core: Core, clock: FakeClock, sender: RecordingSender
) -> None:
    core.service.intake(complaint("配送が遅い"))
    core.dispatcher.drain()

    assert advance_and_sweep(core, clock, timedelta(hours=30)) == [
        "reminder:team:logistics",
        "escalation:managers",
    ]
    assert "超過" in sender.texts("reminder")[0]
    assert "まもなく" not in sender.texts("reminder")[0]
    assert len(reminder_rows(core)) == 4  # all stages recorded, nudge 1 too
    assert advance_and_sweep(core, clock, timedelta(minutes=1)) == []


def test_acknowledged_and_resolved_tickets_are_not_chased(core: Core, clock: FakeClock) -> None:
    first = core.service.intake(complaint("配送が遅い", "e1")).ticket.ref
    second = core.service.intake(complaint("請求が二重", "e2")).ticket.ref
    core.service.acknowledge(first, "U1")
    core.service.resolve(second, "U1")
    core.dispatcher.drain()

    assert advance_and_sweep(core, clock, timedelta(hours=26)) == []


def test_snooze_delays_the_next_reminder_but_not_the_deadline(core: Core, clock: FakeClock) -> None:
    ref = core.service.intake(complaint("配送が遅い")).ticket.ref
    core.dispatcher.drain()
    clock.advance(timedelta(hours=19))
    core.service.snooze(ref, "U1", 3)  # until 22:00 after intake: past the warning
    core.dispatcher.drain()

    assert advance_and_sweep(core, clock, timedelta(hours=2)) == []  # warning time, snoozed
    assert advance_and_sweep(core, clock, timedelta(hours=1, minutes=1)) == ["reminder:team:logistics"]
    assert advance_and_sweep(core, clock, timedelta(hours=1)) == ["reminder:team:logistics"]
    assert advance_and_sweep(core, clock, timedelta(hours=1)) == [
        "reminder:team:logistics",
        "escalation:managers",
    ]


def test_one_message_per_channel_lists_every_ticket_newest_stage_first(
    core: Core, clock: FakeClock, sender: RecordingSender
) -> None:
    core.service.intake(complaint("配送が遅い", "e1"))
    clock.advance(timedelta(hours=3))
    core.service.intake(complaint("荷物が届かない", "e2", at=clock.now()))
    core.dispatcher.drain()

    assert advance_and_sweep(core, clock, timedelta(hours=20, minutes=30)) == ["reminder:team:logistics"]
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


# -- stage edges, nudges, catch-up -----------------------------------------------------------------


def sweep_at(app: App | Core, clock: FakeClock, moment: datetime) -> list[str]:
    return advance_and_sweep(app, clock, moment - clock.now())


def reminder_rows(app: App | Core) -> list[tuple[int, str]]:
    if isinstance(app, Core):
        return sorted(app.store.state.reminders)
    with app.session_factory() as session:
        return sorted(
            (ref, key) for ref, key in session.execute(select(ReminderRow.ticket_id, ReminderRow.stage))
        )


def test_stages_fall_due_to_the_second(core: Core, clock: FakeClock, sender: RecordingSender) -> None:
    core.service.intake(complaint("配送が遅い"))
    core.dispatcher.drain()
    second = timedelta(seconds=1)
    expected = {
        20 * HOUR - second: [],
        20 * HOUR: ["reminder:team:logistics"],
        23 * HOUR - second: [],
        23 * HOUR: ["reminder:team:logistics"],
        24 * HOUR - second: [],
        24 * HOUR: ["reminder:team:logistics", "escalation:managers"],
        24 * HOUR + second: [],
    }
    for after, messages in expected.items():
        assert sweep_at(core, clock, START + after) == messages, after
    assert [text.splitlines()[0][0] for text in sender.texts("reminder")] == ["⏰", "🔔", "🚨"]


def test_overdue_nudges_every_4_hours_at_most_3_times(
    core: Core, clock: FakeClock, sender: RecordingSender
) -> None:
    ref = core.service.intake(complaint("配送が遅い")).ticket.ref
    core.dispatcher.drain()
    assert sweep_at(core, clock, START + 24 * HOUR) == ["reminder:team:logistics", "escalation:managers"]
    for hours in (28, 32, 36):
        assert sweep_at(core, clock, START + hours * HOUR - timedelta(seconds=1)) == []
        assert sweep_at(core, clock, START + hours * HOUR) == ["reminder:team:logistics"]  # team only
    assert sweep_at(core, clock, START + 40 * HOUR) == []
    assert sweep_at(core, clock, START + 100 * HOUR) == []
    assert [key for _, key in reminder_rows(core)] == sorted(
        ["warning", "last_call", "overdue", "nudge_1", "nudge_2", "nudge_3"]
    )
    assert all("再通知" in text and f"#{ref}" in text for text in sender.texts("reminder")[1:])
    assert core.store.state.tickets[ref].remind_at is None  # never read again


def test_downtime_past_two_nudges_sends_one_overdue_alert(
    core: Core, clock: FakeClock, sender: RecordingSender
) -> None:
    core.service.intake(complaint("配送が遅い"))
    core.dispatcher.drain()
    assert sweep_at(core, clock, START + 33 * HOUR) == ["reminder:team:logistics", "escalation:managers"]
    assert sender.texts("reminder")[0].startswith("🚨 返信期限を超過しました")  # the news: it is overdue
    assert len(reminder_rows(core)) == 5  # warning .. nudge_2, folded
    assert sweep_at(core, clock, START + 35 * HOUR) == []
    assert sweep_at(core, clock, START + 36 * HOUR) == ["reminder:team:logistics"]  # nudge 3 on time


def test_downtime_after_the_alert_sends_only_the_newest_nudge(core: Core, clock: FakeClock) -> None:
    core.service.intake(complaint("配送が遅い"))
    core.dispatcher.drain()
    assert sweep_at(core, clock, START + 24 * HOUR) == ["reminder:team:logistics", "escalation:managers"]
    assert sweep_at(core, clock, START + 50 * HOUR) == ["reminder:team:logistics"]  # no second escalation
    assert len(reminder_rows(core)) == 6


def test_acknowledging_or_replying_after_the_warning_stops_the_rest(core: Core, clock: FakeClock) -> None:
    first = core.service.intake(complaint("配送が遅い", "e1")).ticket.ref
    second = core.service.intake(complaint("請求が二重", "e2")).ticket.ref
    core.dispatcher.drain()
    assert sweep_at(core, clock, START + 20 * HOUR) == ["reminder:team:logistics", "reminder:team:billing"]
    core.service.acknowledge(first, "U1")
    core.service.respond(second, "U2")
    core.dispatcher.drain()
    assert sweep_at(core, clock, START + 40 * HOUR) == []


def test_snooze_never_passes_the_deadline(core: Core, clock: FakeClock) -> None:
    ref = core.service.intake(complaint("配送が遅い")).ticket.ref
    core.dispatcher.drain()
    clock.advance(21 * HOUR)
    core.service.snooze(ref, "U1", 24)  # capped at the deadline
    core.dispatcher.drain()
    assert sweep_at(core, clock, START + 24 * HOUR - timedelta(seconds=1)) == []
    assert sweep_at(core, clock, START + 24 * HOUR) == ["reminder:team:logistics", "escalation:managers"]


# -- business hours, quiet hours, DST --------------------------------------------------------------


def business_core(config: Config, clock: FakeClock, sender: RecordingSender, timezone: str) -> Core:
    config = replace(config, timezone=timezone, sla=replace(config.sla, business_hours=True))
    return build_core(config, clock, sender)


def test_business_hours_keep_quiet_at_night_and_list_breaches_before_closing(
    memory_config: Config, clock: FakeClock, sender: RecordingSender
) -> None:
    core = business_core(memory_config, clock, sender, "Asia/Tokyo")
    ticket = core.service.intake(complaint("配送が遅い")).ticket  # Mon 16 Nov 09:00 Tokyo
    assert ticket.due_at == at_tokyo(2026, 11, 18, 18, 0)  # 24 working hours: Mon, Tue, Wed
    core.dispatcher.drain()
    card = sender.texts("card")[0]  # the promised deadline and the working time left
    assert "返信期限：11/18(水) 18:00（営業時間で残り24時間）" in card
    timeline = [
        (at_tokyo(2026, 11, 18, 13, 59), []),
        (at_tokyo(2026, 11, 18, 14, 0), ["reminder:team:logistics"]),  # warning: 4 working hours left
        (at_tokyo(2026, 11, 18, 17, 0), ["reminder:team:logistics"]),  # last call
        (at_tokyo(2026, 11, 18, 17, 29), []),
        (at_tokyo(2026, 11, 18, 17, 30), ["reminder:team:logistics"]),  # will breach before 09:00
        (at_tokyo(2026, 11, 18, 17, 45), []),  # listed once
        (at_tokyo(2026, 11, 18, 18, 0), []),  # due now, but the team has gone home
        (at_tokyo(2026, 11, 19, 3, 0), []),
        (at_tokyo(2026, 11, 19, 9, 0), ["reminder:team:logistics", "escalation:managers"]),
        (at_tokyo(2026, 11, 19, 13, 59), []),
        (at_tokyo(2026, 11, 19, 14, 0), ["reminder:team:logistics"]),  # nudge: 4 working hours on
    ]
    for moment, messages in timeline:
        assert sweep_at(core, clock, moment) == messages, moment
    breach = sender.texts("reminder")[2]
    assert breach.startswith("🌙") and "11/19(木) 09:00" in breach and f"#{ticket.ref}" in breach


def test_new_york_team_across_the_march_dst_change(
    memory_config: Config, clock: FakeClock, sender: RecordingSender
) -> None:
    core = business_core(memory_config, clock, sender, "America/New_York")
    clock.set(datetime(2027, 3, 12, 22, 0, tzinfo=UTC))  # Fri 17:00 EST
    ticket = core.service.intake(complaint("配送が遅い", at=clock.now())).ticket
    core.dispatcher.drain()
    # Fri 1 h, Mon 15 (now EDT) 8 h, Tue 8 h, Wed 7 h: Wed 17:00 EDT is 21:00 UTC
    assert ticket.due_at == datetime(2027, 3, 17, 21, 0, tzinfo=UTC)
    assert "3/17(水) 17:00" in sender.texts("reply")[0]
    warning = datetime(2027, 3, 17, 17, 0, tzinfo=UTC)  # 13:00 EDT: 4 working hours before
    assert sweep_at(core, clock, warning - timedelta(seconds=1)) == []
    assert sweep_at(core, clock, warning) == ["reminder:team:logistics"]
    assert sweep_at(core, clock, ticket.due_at) == ["reminder:team:logistics", "escalation:managers"]
    # nudge 1: 1 h on Wed (17-18), then Thu 09:00-12:00 EDT; at lunch, so at 13:00 EDT (17:00 UTC)
    assert sweep_at(core, clock, datetime(2027, 3, 18, 16, 59, tzinfo=UTC)) == []
    assert sweep_at(core, clock, datetime(2027, 3, 18, 17, 0, tzinfo=UTC)) == ["reminder:team:logistics"]


def test_new_york_clock_hours_across_the_november_dst_change(
    memory_config: Config, clock: FakeClock, sender: RecordingSender
) -> None:
    core = build_core(replace(memory_config, timezone="America/New_York"), clock, sender)
    clock.set(datetime(2026, 10, 31, 16, 0, tzinfo=UTC))  # Sat 12:00 EDT
    core.service.intake(complaint("配送が遅い", at=clock.now()))
    core.dispatcher.drain()
    assert "11/1(日) 11:00" in sender.texts("reply")[0]  # 24 elapsed hours: 11:00 EST
    due = datetime(2026, 11, 1, 16, 0, tzinfo=UTC)
    assert sweep_at(core, clock, due - 4 * HOUR - timedelta(seconds=1)) == []
    assert sweep_at(core, clock, due - 4 * HOUR) == ["reminder:team:logistics"]
    assert sweep_at(core, clock, due - timedelta(seconds=1)) == ["reminder:team:logistics"]
    assert sweep_at(core, clock, due) == ["reminder:team:logistics", "escalation:managers"]


# -- concurrency ------------------------------------------------------------------------------------


def sweep_together(app: App, barrier: threading.Barrier, clock: FakeClock) -> None:
    barrier.wait()
    app.sweep.run(clock.now())


def test_concurrent_sweeps_through_every_stage_never_double_post(config: Config, clock: FakeClock) -> None:
    config = replace(config, managers=Managers())
    senders = [RecordingSender() for _ in range(3)]
    apps = [
        create_app(config, clock=clock, senders={"console": s}, classifier=KeywordClassifier())
        for s in senders
    ]
    try:
        for i in range(30):
            apps[0].service.intake(complaint("配送が遅い", f"e{i}"))
        apps[0].dispatcher.drain()
        for hours in (20, 23, 24, 28, 32, 36, 40):
            clock.set(START + hours * HOUR)
            barrier = threading.Barrier(len(apps))
            threads = [threading.Thread(target=sweep_together, args=(a, barrier, clock)) for a in apps]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        apps[0].dispatcher.drain()
        listed = Counter(
            (entry["ref"], entry["stage"])
            for s in senders[0].sent
            if s.message.kind == "reminder"
            for entry in s.message.data["tickets"]
        )
        each = {"warning": 1, "last_call": 1, "overdue": 1, "nudge": 3}
        assert listed == {(ref, stage): n for ref in range(1, 31) for stage, n in each.items()}
        assert len(reminder_rows(apps[0])) == 30 * 6
    finally:
        for a in apps:
            a.close()
