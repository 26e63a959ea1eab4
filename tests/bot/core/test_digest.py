"""The weekly digest: figures, once per (team, week), late catch-up.

The rules run on the in-memory store (``core``); the hand-computed week (the SQL aggregates) and
two workers racing run on SQLite and PostgreSQL (``app``).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.config import Config, parse_config
from bot.core.clock import FakeClock
from bot.core.digest import MANAGERS, Week
from bot.runtime.services import App
from storage.models import DigestRow
from tests.bot.core.conftest import Core, build_core
from tests.fakes import RecordingSender, complaint

MONDAY_0900_JST = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)


def test_week_labels_follow_iso_weeks_in_the_shop_time_zone() -> None:
    config = parse_config({}, {})
    # Sunday 23:30 UTC is already Monday in Tokyo
    assert Week.of(datetime(2026, 11, 15, 23, 30, tzinfo=UTC), config.tz).label == "2026-W47"
    assert Week.of(datetime(2026, 11, 15, 14, 59, tzinfo=UTC), config.tz).label == "2026-W46"
    week = Week.parse("2026-W47", config.tz)
    assert week.start == datetime(2026, 11, 16, tzinfo=config.tz)
    assert week.previous().label == "2026-W46"
    assert Week.parse("2027-W01", config.tz).previous().label == "2026-W53"
    with pytest.raises(ValueError):
        Week.parse("2026-47", config.tz)


def test_team_digest_counts_the_week_and_the_deadline_kept(core: Core, clock: FakeClock) -> None:
    for i in range(3):
        core.service.intake(complaint("配送が遅い", f"e{i}"))
    core.service.intake(complaint("請求が二重", "b1"))
    clock.advance(timedelta(hours=2))
    core.service.acknowledge(1, "U1")
    clock.advance(timedelta(hours=30))
    core.service.acknowledge(2, "U1")  # answered after its deadline

    digest = core.digests.build("logistics", Week.of(MONDAY_0900_JST, core.config.tz), clock.now())

    assert digest.data["count"] == 3
    assert digest.data["deadline_kept"] == pytest.approx(1 / 3)
    assert digest.data["overdue"] == [3]
    assert "件数：3件" in digest.text
    assert "#3" in digest.text


def test_managers_digest_lists_every_team_biggest_change_first(core: Core) -> None:
    for i in range(3):
        core.service.intake(complaint("配送が遅い", f"e{i}"))
    core.service.intake(complaint("請求が二重", "b1"))
    digest = core.digests.build(MANAGERS, Week.of(MONDAY_0900_JST, core.config.tz), MONDAY_0900_JST)
    lines = digest.text.splitlines()
    first_team = next(i for i, line in enumerate(lines) if line.startswith("物流・配送"))
    second_team = next(i for i, line in enumerate(lines) if line.startswith("決済・返金"))
    assert first_team < second_team
    assert digest.data["count"] == 4


def test_weekly_digests_are_sent_once_per_team_and_week(
    core: Core, clock: FakeClock, sender: RecordingSender
) -> None:
    core.service.intake(complaint("配送が遅い"))
    assert core.digests.send_weekly_digests(clock.now()) == []  # nothing before this week yet

    clock.set(MONDAY_0900_JST + timedelta(days=7, minutes=1))
    sent = core.digests.send_weekly_digests(clock.now())
    assert {d.team for d in sent} == {*core.config.department_keys, MANAGERS}
    assert all(d.week.label == "2026-W47" and not d.data["late"] for d in sent)
    assert core.digests.send_weekly_digests(clock.now() + timedelta(minutes=5)) == []

    core.dispatcher.drain()
    channels = [s.message.channel for s in sender.sent if s.message.kind == "digest"]
    assert "team:logistics" in channels and "managers" in channels
    assert len(core.store.state.digests) == len(sent)


def test_a_week_missed_while_down_is_sent_late(core: Core, clock: FakeClock) -> None:
    core.service.intake(complaint("配送が遅い"))
    clock.set(MONDAY_0900_JST + timedelta(days=9))  # back on Wednesday
    sent = core.digests.send_weekly_digests(clock.now())
    assert sent and all(d.data["late"] for d in sent)
    assert "停止中" in sent[0].text


def test_digest_schedule_follows_config(memory_config: Config, clock: FakeClock) -> None:
    config = replace(memory_config, digest=replace(memory_config.digest, weekday="fri", hour=17, minute=30))
    core = build_core(config, clock, RecordingSender())
    core.service.intake(complaint("配送が遅い"))
    # The digest always covers the last full ISO week; with weekday = fri it comes on Friday.
    friday_1729 = datetime(2026, 11, 27, 8, 29, tzinfo=UTC)
    assert core.digests.scheduled_time(friday_1729) == datetime(2026, 11, 27, 17, 30, tzinfo=config.tz)
    assert core.digests.send_weekly_digests(friday_1729) == []  # the week before had no tickets
    sent = core.digests.send_weekly_digests(friday_1729 + timedelta(minutes=1))
    assert sent and sent[0].week.label == "2026-W47" and not sent[0].data["late"]


def _at(day: int, hour: int) -> datetime:
    """``day`` days after Monday 2026-11-16, at ``hour`` o'clock in Tokyo."""
    return MONDAY_0900_JST + timedelta(days=day, hours=hour - 9)


def test_figures_match_a_hand_computed_week(app: App, clock: FakeClock) -> None:
    def intake(text: str, event: str, at: datetime) -> int:
        clock.set(at)
        return app.service.intake(complaint(text, event, at=at)).ticket.ref

    intake("配送が遅い", "last-week", _at(-4, 10))  # W46, Thursday, never answered
    a = intake("配送が遅い", "a", _at(0, 10))  # Monday
    b = intake("荷物が届かない", "b", _at(0, 11))  # Monday
    intake("配送が来ない", "c", _at(2, 9))  # Wednesday, never answered
    d = intake("請求が二重", "d", _at(1, 9))  # billing, Tuesday
    clock.set(_at(0, 12))
    app.service.acknowledge(a, "U1")  # after 2 h: in time
    clock.set(_at(1, 17))
    app.service.acknowledge(b, "U1")  # after 30 h: late
    clock.set(_at(1, 10))
    app.service.acknowledge(d, "U2")  # after 1 h
    now = _at(7, 9)  # the digest's Monday

    teams = app.digests.collect(Week.parse("2026-W47", app.config.tz), now)

    logistics = teams["logistics"]
    assert logistics.by_day == [2, 0, 1, 0, 0, 0, 0]
    assert logistics.last_by_day == [0, 0, 0, 1, 0, 0, 0]
    assert logistics.history == [1, 0, 0, 0]
    assert (logistics.measured, logistics.kept) == (3, 1)
    assert logistics.kept_by_day == [0.5, None, 0.0, None, None, None, None]
    assert sorted(logistics.waits) == [timedelta(hours=2), timedelta(hours=30)]
    assert (logistics.open, logistics.overdue) == (4, 2)
    assert [ref for ref, _ in logistics.overdue_list] == [1, 4]  # the longest overdue first
    billing = teams["billing"]
    assert (billing.count, billing.kept, billing.measured) == (1, 1, 1)
    marketing = teams["marketing"]  # a team with no complaints
    assert marketing.count == 0 and marketing.kept_share is None and marketing.themes == []
    managers = teams[MANAGERS]
    assert managers.count == 4 and (managers.measured, managers.kept) == (4, 2)

    text = app.digests.render(logistics, Week.parse("2026-W47", app.config.tz), now).text
    assert "件数：3件（先週1件、4週平均0.2）▲2" in text
    assert "曜日別：月2 火0 水1 木0 金0 土0 日0" in text
    assert "期限内返信率：33%（中央値1日6時間" in text
    assert "　・#1：" in text and "　・#4：" in text
    empty = app.digests.render(marketing, Week.parse("2026-W47", app.config.tz), now).text
    assert "期限内返信率：対象なし" in empty and "声に出さない" not in empty


def test_a_week_without_complaints_and_a_week_across_the_new_year(core: Core, clock: FakeClock) -> None:
    clock.set(datetime(2026, 12, 31, 3, tzinfo=UTC))  # Thursday of 2026-W53
    core.service.intake(complaint("配送が遅い", "nye", at=clock.now()))
    clock.set(datetime(2027, 1, 3, 14, 59, tzinfo=UTC))  # Sunday 23:59 in Tokyo, still W53
    core.service.intake(complaint("配送が遅い", "last-minute", at=clock.now()))

    week = Week.parse("2026-W53", core.config.tz)
    assert week.end == datetime(2027, 1, 4, tzinfo=core.config.tz)
    teams = core.digests.collect(week, datetime(2027, 1, 4, 1, tzinfo=UTC))
    assert teams["logistics"].by_day == [0, 0, 0, 1, 0, 0, 1]
    quiet = core.digests.collect(Week.parse("2026-W45", core.config.tz), datetime(2027, 1, 4, tzinfo=UTC))
    assert quiet[MANAGERS].count == 0 and quiet[MANAGERS].open == 0


def test_themes_name_what_grew_with_a_masked_example(core: Core, clock: FakeClock) -> None:
    texts = [
        "配送の追跡番号が反映されない、090-1111-2222に電話して",
        "配送の追跡番号が反映されないのですが",
        "配送の追跡番号が反映されません",
        "配送が遅い",
    ]
    for i, text in enumerate(texts):
        core.service.intake(complaint(text, f"t{i}"))
    digest = core.digests.build("logistics", Week.of(clock.now(), core.config.tz), clock.now())
    phrases = [phrase for phrase, _ in digest.data["themes"]]
    assert "追跡番号" in phrases and "配送" in phrases  # whole words, not 「追跡番」 or 「配送が遅」
    assert "「追跡番号」3件（先週0件）例：配送の追跡番号が反映されない、［電話番号］に電話して" in digest.text
    assert "090-1111-2222" not in digest.text
    assert "［電話番号］" in digest.text


def test_chart_is_a_png_drawn_with_a_cjk_font(core: Core, clock: FakeClock, tmp_path: object) -> None:
    from matplotlib.ft2font import FT2Font
    from noto_cjk_sans_jp_regular import FONT_PATH

    from bot.core.charts import _font_family, render_chart

    core.service.intake(complaint("配送が遅い"))
    digest = core.digests.build("logistics", Week.of(clock.now(), core.config.tz), clock.now())
    png = render_chart(digest.data, core.translator)  # pytest turns a missing-glyph warning into an error

    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5_000
    assert _font_family() == "Noto Sans CJK JP"
    font = FT2Font(str(FONT_PATH))
    for char in "物流配送月火水今週先週期限내월":
        assert font.get_char_index(ord(char)) != 0, char


def _schedule_app(config: Config, clock: FakeClock, sender: RecordingSender) -> App:
    from bot.runtime.services import create_app
    from tests.fakes import KeywordClassifier

    return create_app(config, clock=clock, senders={"console": sender}, classifier=KeywordClassifier())


def test_each_team_and_the_managers_follow_their_own_schedule(clock: FakeClock) -> None:
    raw = {
        "digest": {
            "departments": {
                "logistics": {"weekday": "wed", "time": "18:00", "timezone": "America/New_York"},
            },
            "managers": {"weekday": "tue", "time": "08:30"},
        }
    }
    config = parse_config(raw, {})
    core = build_core(config, clock, RecordingSender())
    core.service.intake(complaint("配送が遅い"))
    monday = MONDAY_0900_JST + timedelta(days=7, minutes=1)
    sent = {d.team: d for d in core.digests.send_weekly_digests(monday)}
    assert set(sent) == set(config.department_keys)  # the managers' day is Tuesday
    assert sent["billing"].week.label == "2026-W47" and not sent["billing"].data["late"]
    # Logistics posts on Wednesdays in New York: its W46 digest (New York's week, which holds
    # the complaint made on Sunday evening there) was due last Wednesday, so it comes late.
    new_york = ZoneInfo("America/New_York")
    logistics = sent["logistics"]
    assert logistics.week.label == "2026-W46" and logistics.week.start.tzinfo == new_york
    assert logistics.data["count"] == 1 and logistics.data["late"]

    tuesday = datetime(2026, 11, 24, 8, 31, tzinfo=config.tz)
    assert [d.team for d in core.digests.send_weekly_digests(tuesday)] == [MANAGERS]

    assert core.digests.send_weekly_digests(datetime(2026, 11, 25, 17, 59, tzinfo=new_york)) == []
    (logistics,) = core.digests.send_weekly_digests(datetime(2026, 11, 25, 18, 0, tzinfo=new_york))
    assert logistics.team == "logistics" and logistics.week.label == "2026-W47"
    assert logistics.week.start == datetime(2026, 11, 16, tzinfo=new_york)
    assert logistics.data["count"] == 0 and not logistics.data["late"]


def test_two_workers_racing_send_each_digest_once(database_url: str, clock: FakeClock) -> None:
    config = replace(parse_config({}, {}), database_url=database_url)
    senders = [RecordingSender(), RecordingSender()]
    workers = [_schedule_app(config, clock, sender) for sender in senders]
    try:
        workers[0].service.intake(complaint("配送が遅い"))
        now = MONDAY_0900_JST + timedelta(days=7, minutes=1)
        clock.set(now)
        start = threading.Barrier(2)
        results: list[list[str]] = [[], []]
        errors: list[BaseException] = []

        def run(index: int) -> None:
            try:
                start.wait()
                results[index] = [d.team for d in workers[index].digests.send_weekly_digests(now)]
                workers[index].dispatcher.drain()
            except BaseException as error:  # reported below: a thread's error would pass unseen
                errors.append(error)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

        assert errors == []
        teams = [*config.department_keys, MANAGERS]
        assert sorted(results[0] + results[1]) == sorted(teams)
        delivered = [
            s.message.channel for sender in senders for s in sender.sent if s.message.kind == "digest"
        ]
        assert sorted(delivered) == sorted([f"team:{key}" for key in config.department_keys] + ["managers"])
        with workers[0].session_factory() as session:
            assert session.scalar(select(func.count()).select_from(DigestRow)) == len(teams)
    finally:
        for worker in workers:
            worker.close()
