"""Deadline math: clock hours at the edges, business hours across lunch, nights, weekends, holidays,
年末年始 and お盆, quiet hours, and daylight-saving changes in New York. Pure functions, no database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, parse_config
from bot.core.domain import Stage
from bot.core.sla import SlaPolicies, SlaPolicy, make_policy
from bot.core.workhours import BusinessCalendar

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)
S = timedelta(seconds=1)


def tokyo(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)  # type: ignore[misc]


def new_york(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)  # type: ignore[misc]


def business(raw: dict[str, object] | None = None, timezone: str = "Asia/Tokyo") -> SlaPolicy:
    config = parse_config({"bot": {"timezone": timezone}, "sla": {"business_hours": True, **(raw or {})}}, {})
    return make_policy(config.sla, config.timezone)


# -- clock hours ------------------------------------------------------------------------------------


def test_clock_hours_deadline_is_24_hours_later() -> None:
    created = datetime(2026, 11, 16, 3, 17, 42, tzinfo=UTC)
    assert SlaPolicy().deadline(created) == created + 24 * H


@pytest.mark.parametrize(
    ("after", "stage"),
    [
        (20 * H - S, None),
        (20 * H, Stage.WARNING),
        (20 * H + S, Stage.WARNING),
        (23 * H - S, Stage.WARNING),
        (23 * H, Stage.LAST_CALL),
        (23 * H + S, Stage.LAST_CALL),
        (24 * H - S, Stage.LAST_CALL),
        (24 * H, Stage.OVERDUE),
        (24 * H + S, Stage.OVERDUE),
        (28 * H - S, Stage.OVERDUE),
        (28 * H, Stage.NUDGE),
        (100 * H, Stage.NUDGE),
    ],
)
def test_stages_at_the_edges(after: timedelta, stage: Stage | None) -> None:
    created = datetime(2026, 11, 16, tzinfo=UTC)
    policy = SlaPolicy()
    assert policy.stage_at(policy.deadline(created), created + after) is stage


def test_overdue_nudges_every_4_hours_at_most_3_times() -> None:
    due = datetime(2026, 11, 17, tzinfo=UTC)
    milestones = SlaPolicy().milestones(due)
    assert [m.key for m in milestones] == ["warning", "last_call", "overdue", "nudge_1", "nudge_2", "nudge_3"]
    assert [m.at - due for m in milestones] == [-4 * H, -H, 0 * H, 4 * H, 8 * H, 12 * H]
    assert [m.key for m in SlaPolicy(max_nudges=0).milestones(due)][-1] == "overdue"


# -- business hours ---------------------------------------------------------------------------------


def test_business_deadline_counts_24_working_hours_over_three_days() -> None:
    policy = business()  # Mon-Fri 09:00-12:00 and 13:00-18:00: 8 working hours a day
    due = policy.deadline(tokyo(2026, 11, 16, 10, 0))
    assert due == tokyo(2026, 11, 19, 10, 0)
    assert policy.calendar.working_between(tokyo(2026, 11, 16, 10, 0), due) == 24 * H
    # stage times in working time: the warning 4 working hours back crosses the night
    times = {m.key: m.at for m in policy.milestones(due)}
    assert times["warning"] == tokyo(2026, 11, 18, 15, 0)
    assert times["last_call"] == tokyo(2026, 11, 19, 9, 0)  # the opening, not the closing before it
    assert times["nudge_1"] == tokyo(2026, 11, 19, 15, 0)  # 10-12, lunch, 13-15
    assert times["nudge_3"] == tokyo(2026, 11, 20, 15, 0)  # 12 working hours after the deadline


@pytest.mark.parametrize(
    ("start", "working", "end"),
    [
        (tokyo(2026, 11, 17, 11, 30), H, tokyo(2026, 11, 17, 13, 30)),  # across lunch
        (tokyo(2026, 11, 17, 12, 15), H, tokyo(2026, 11, 17, 14, 0)),  # received during lunch
        (tokyo(2026, 11, 17, 17, 30), H, tokyo(2026, 11, 18, 9, 30)),  # across the night
        (tokyo(2026, 11, 17, 22, 0), H, tokyo(2026, 11, 18, 10, 0)),  # received at night
        (tokyo(2026, 11, 27, 17, 0), 2 * H, tokyo(2026, 11, 30, 10, 0)),  # across the weekend
        (tokyo(2026, 11, 28, 11, 0), H, tokyo(2026, 11, 30, 10, 0)),  # received on Saturday
        (tokyo(2026, 11, 20, 17, 0), 24 * H, tokyo(2026, 11, 26, 17, 0)),  # Mon 23 Nov: 勤労感謝の日
        (tokyo(2026, 12, 28, 17, 0), 2 * H, tokyo(2027, 1, 4, 10, 0)),  # 年末年始 12-29..01-03
        (tokyo(2026, 11, 17, 17, 0), H, tokyo(2026, 11, 17, 18, 0)),  # due exactly at closing
    ],
)
def test_business_hours_skip_lunch_nights_weekends_holidays_and_closed_days(
    start: datetime, working: timedelta, end: datetime
) -> None:
    calendar = business().calendar
    assert calendar.add(start, working) == end
    assert calendar.working_between(start, end) == working


def test_shop_closed_days_are_configurable() -> None:
    obon = business({"closed_days": ["08-13..08-16", "12-31..01-02"]}).calendar
    assert obon.add(tokyo(2027, 8, 12, 17, 0), 2 * H) == tokyo(2027, 8, 17, 10, 0)  # お盆
    assert obon.add(tokyo(2026, 12, 29, 17, 0), 2 * H) == tokyo(2026, 12, 30, 10, 0)  # 12-29 open now
    no_holidays = business({"holidays": "", "closed_days": []}).calendar
    assert no_holidays.add(tokyo(2026, 11, 20, 17, 0), 2 * H) == tokyo(2026, 11, 23, 10, 0)


def test_working_time_left_and_quiet_hours() -> None:
    policy = business()
    due = tokyo(2026, 11, 19, 10, 0)
    assert policy.working_left(due, tokyo(2026, 11, 18, 17, 0)) == 2 * H
    assert policy.working_left(due, due + H) == -H
    assert not policy.quiet(tokyo(2026, 11, 18, 9, 0))
    assert policy.quiet(tokyo(2026, 11, 18, 12, 30))  # lunch
    assert policy.quiet(tokyo(2026, 11, 18, 18, 0))  # closed from 18:00 on
    assert policy.quiet(tokyo(2026, 11, 21, 10, 0))  # Saturday
    assert not SlaPolicy().quiet(tokyo(2026, 11, 21, 3, 0))  # clock hours are never quiet


def test_breach_window_opens_a_set_time_before_each_closing() -> None:
    policy = business({"breach_notice_minutes": 30})
    assert policy.breach_window(tokyo(2026, 11, 20, 17, 29, 59)) is None
    assert policy.breach_window(tokyo(2026, 11, 20, 17, 30)) == (
        tokyo(2026, 11, 20, 18, 0),
        tokyo(2026, 11, 24, 9, 0),  # Friday: reopens Tuesday after the weekend and the holiday
    )
    assert policy.breach_window(tokyo(2026, 11, 20, 18, 0)) is None
    assert policy.breach_window(tokyo(2026, 11, 20, 11, 45)) == (
        tokyo(2026, 11, 20, 12, 0),
        tokyo(2026, 11, 20, 13, 0),
    )
    assert SlaPolicy().breach_window(tokyo(2026, 11, 20, 17, 45)) is None


# -- daylight saving (New York) ----------------------------------------------------------------------


def test_new_york_opening_hours_follow_the_march_change() -> None:
    calendar = business(timezone="America/New_York").calendar
    # Friday 12 March 2027 is EST (UTC-5); Monday 15 March is EDT (UTC-4).
    friday_close = new_york(2027, 3, 12, 18, 0)
    monday = calendar.add(friday_close, H)
    assert monday == new_york(2027, 3, 15, 10, 0)
    assert monday.astimezone(UTC) == datetime(2027, 3, 15, 14, 0, tzinfo=UTC)
    assert calendar.is_open(datetime(2027, 3, 15, 13, 0, tzinfo=UTC))  # 09:00 EDT
    assert not calendar.is_open(datetime(2027, 3, 12, 13, 0, tzinfo=UTC))  # 08:00 EST
    assert calendar.working_between(friday_close, monday) == H


def test_new_york_opening_hours_follow_the_november_change() -> None:
    calendar = business(timezone="America/New_York").calendar
    # Friday 30 October 2026 is EDT; Monday 2 November is EST.
    assert calendar.add(new_york(2026, 10, 30, 17, 30), H) == new_york(2026, 11, 2, 9, 30)
    assert calendar.is_open(datetime(2026, 11, 2, 14, 0, tzinfo=UTC))  # 09:00 EST
    assert not calendar.is_open(datetime(2026, 11, 2, 13, 30, tzinfo=UTC))  # 08:30 EST


@pytest.mark.parametrize(
    ("created", "due_local"),
    [
        (new_york(2027, 3, 13, 12, 0), new_york(2027, 3, 14, 13, 0)),  # spring forward: 24 h = 25 on the wall
        (new_york(2026, 10, 31, 12, 0), new_york(2026, 11, 1, 11, 0)),  # fall back: 24 h = 23 on the wall
    ],
)
def test_clock_hours_are_24_elapsed_hours_across_dst(created: datetime, due_local: datetime) -> None:
    policy = make_policy(parse_config({"bot": {"timezone": "America/New_York"}}, {}).sla, "America/New_York")
    due = policy.deadline(created)
    assert due - created == 24 * H
    assert due.astimezone(NEW_YORK).replace(tzinfo=None) == due_local.replace(tzinfo=None)


def test_a_shift_may_run_to_midnight() -> None:
    calendar = BusinessCalendar(TOKYO, [[(time(9), time(0))]] * 7, None)  # 09:00-24:00 every day
    assert calendar.add(tokyo(2027, 3, 14, 23, 0), 2 * H) == tokyo(2027, 3, 15, 10, 0)
    assert calendar.is_open(tokyo(2027, 3, 14, 23, 59)) and not calendar.is_open(tokyo(2027, 3, 15, 0, 0))


# -- config -----------------------------------------------------------------------------------------


def test_per_department_policies_override_the_defaults() -> None:
    config = parse_config(
        {
            "sla": {
                "nudges": 2,
                "departments": {
                    "logistics": {
                        "business_hours": True,
                        "timezone": "America/New_York",
                        "week": {"sat": ["10:00-14:00"]},
                    },
                    "billing": {"hours": 12, "warning_before_hours": 2},
                },
            }
        },
        {},
    )
    policies = SlaPolicies.from_config(config)
    assert policies.default.max_nudges == 2 and not policies.default.business_hours
    logistics = policies.for_department("logistics")
    assert logistics.business_hours and logistics.max_nudges == 2
    assert logistics.tz == NEW_YORK
    assert logistics.calendar.is_open(new_york(2026, 11, 21, 11, 0))  # Saturday shift added
    assert logistics.calendar.is_open(new_york(2026, 11, 20, 9, 0))  # weekdays kept
    assert policies.for_department("billing").target == 12 * H
    assert policies.for_department(None) is policies.default


@pytest.mark.parametrize(
    ("sla", "key"),
    [
        ({"hours": "24"}, "sla.hours"),
        ({"warning_before_hours": 30}, "sla.warning_before_hours"),
        ({"last_call_before_hours": 5}, "sla.last_call_before_hours"),
        ({"nudges": 11}, "sla.nudges"),
        ({"business_hours": "yes"}, "sla.business_hours"),
        ({"timezone": "Mars/Olympus"}, "sla.timezone"),
        ({"holidays": "Japan"}, "sla.holidays"),
        ({"week": {"mon": ["9-18"]}}, "sla.week.mon"),
        ({"week": {"mon": ["13:00-18:00", "09:00-12:00"]}}, "sla.week.mon"),
        ({"week": {"mon": ["18:00-09:00"]}}, "sla.week.mon"),
        ({"week": {"funday": []}}, "sla.week.funday"),
        ({"week": {d: [] for d in ("mon", "tue", "wed", "thu", "fri")}}, "sla.week"),
        ({"closed_days": ["12/29"]}, "sla.closed_days"),
        ({"closed_days": ["02-30"]}, "sla.closed_days"),
        ({"departments": {"nowhere": {}}}, "sla.departments.nowhere"),
        ({"departments": {"billing": {"hourz": 3}}}, "sla.departments.billing.hourz"),
        ({"departments": {"billing": {"week": {"sun": ["x"]}}}}, "sla.departments.billing.week.sun"),
        ({"breach_notice": 30}, "sla.breach_notice"),
    ],
)
def test_bad_sla_settings_name_their_key(sla: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config({"sla": sla}, {})
    assert error.value.key == key
