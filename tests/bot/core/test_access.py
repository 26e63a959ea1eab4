"""Roles in the core: who may forward, act, reassign, view and export; refusals change nothing and
are audited; with no [roles] the bot stays open.

The rules run on the in-memory store (``core``); a refusal (nothing changed, the audit entry, the
access log) and the start-up warning also on SQLite and PostgreSQL (``app``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from bot.config import ConfigError, parse_config
from bot.core.access import Access, Forbidden, Permission
from bot.core.clock import FakeClock
from bot.core.domain import Status
from bot.runtime.services import App, create_app
from tests.bot.core.conftest import Core, build_core
from tests.conftest import START
from tests.fakes import KeywordClassifier, RecordingSender, complaint

STAFF, TEAM, BILLING, BOSS, ADMIN, OUTSIDER = "U0STAFF", "U0TEAM", "U0BILL", "U0BOSS", "U0ADMIN", "U0NOBODY"
LINE_MEMBER = "U" + "ab" * 16
ROLES: dict[str, Any] = {
    "staff": [STAFF],
    "managers": [BOSS],
    "admins": [ADMIN],
    "teams": {"logistics": [TEAM, LINE_MEMBER], "billing": [BILLING]},
}


def build(database_url: str, roles: dict[str, Any] | None = ROLES, **raw: Any) -> App:
    tables = {"roles": roles, **raw} if roles is not None else raw
    config = replace(parse_config(tables, {}), database_url=database_url)
    return create_app(
        config, clock=FakeClock(START), senders={"console": RecordingSender()}, classifier=KeywordClassifier()
    )


def build_memory(roles: dict[str, Any] | None = ROLES, **raw: Any) -> Core:
    tables = {"roles": roles, **raw} if roles is not None else raw
    return build_core(parse_config(tables, {}), FakeClock(START), RecordingSender())


@pytest.fixture
def app(database_url: str) -> Iterator[App]:
    application = build(database_url)
    yield application
    application.close()


@pytest.fixture
def core() -> Core:
    return build_memory()


def open_ticket(app: App | Core, text: str = "配送が遅れています", event: str = "ev-1") -> int:
    return app.service.intake(complaint(text, event)).ticket.ref


def test_team_members_act_on_their_departments_tickets_and_managers_on_all(core: Core) -> None:
    ref = open_ticket(core)  # logistics

    assert core.service.acknowledge(ref, TEAM).acknowledged_by == TEAM
    assert core.service.snooze(ref, LINE_MEMBER, 2).snoozed_until is not None
    assert core.service.reassign(ref, BOSS, "billing").department == "billing"
    assert core.service.resolve(ref, BILLING).status is Status.RESOLVED
    actors = [(e.actor, e.action) for e in core.service.history(ref)]
    assert actors[1:] == [
        (TEAM, "acknowledged"),
        (LINE_MEMBER, "snoozed"),
        (BOSS, "reassigned"),
        (BILLING, "resolved"),
    ]


@pytest.mark.parametrize("actor", [BILLING, OUTSIDER, STAFF, ""])
def test_a_refused_action_changes_nothing_and_is_audited(app: App, actor: str) -> None:
    ref = open_ticket(app)
    before = app.service.get(ref)
    queued = app.outbox.pending_count()

    for attempt in (
        lambda: app.service.acknowledge(ref, actor),
        lambda: app.service.resolve(ref, actor),
        lambda: app.service.snooze(ref, actor, 4),
        lambda: app.service.respond(ref, actor),
    ):
        with pytest.raises(Forbidden) as refused:
            attempt()
        assert refused.value.text_key == "error.forbidden"

    assert app.service.get(ref) == before
    history = app.service.history(ref)
    assert [(e.actor, e.action, e.detail) for e in history[1:]] == [
        (actor, "refused", {"attempted": attempt})
        for attempt in ("acknowledge", "resolve", "snooze", "respond")
    ]
    assert app.service.describe(history[1]) == "権限がないため「対応開始」を拒否しました"
    assert app.outbox.pending_count() == queued  # no card update, nothing posted to the team


def test_the_refusal_is_polite_and_in_the_users_language() -> None:
    english = build_memory(bot={"language": "en"})
    ref = open_ticket(english)
    with pytest.raises(Forbidden) as refused:
        english.service.resolve(ref, OUTSIDER)
    text = english.translator(refused.value.text_key)
    assert text.startswith("Sorry, you are not allowed")


def test_a_click_or_a_view_is_one_transaction_with_one_check_refused_or_not(core: Core) -> None:
    ref = open_ticket(core)
    before = core.store.transactions
    with pytest.raises(Forbidden):
        core.service.acknowledge(ref, OUTSIDER)
    core.service.acknowledge(ref, TEAM)
    with pytest.raises(Forbidden):
        core.records.full_text(ref, OUTSIDER)
    assert "配送" in core.records.full_text(ref, TEAM)
    assert core.store.transactions == before + 4
    assert [(e.actor, e.action) for e in core.service.history(ref)][1:] == [
        (OUTSIDER, "refused"),
        (TEAM, "acknowledged"),
        (OUTSIDER, "refused"),
        (TEAM, "viewed_full_text"),
    ]


def test_staff_and_teams_forward_complaints_others_are_refused_and_logged(app: App) -> None:
    assert app.service.intake(complaint("配送が遅い", "ev-1")).created
    team_forwards = replace(complaint("請求が二重です", "ev-2"), forwarder=BILLING)
    assert app.service.intake(team_forwards).created

    with pytest.raises(Forbidden):
        app.service.intake(replace(complaint("配送が遅い", "ev-3"), forwarder=OUTSIDER))

    assert len(app.service.open_tickets()) == 2
    (entry,) = app.records.guard.log_store.access_log()
    assert (entry.actor, entry.action, entry.allowed, entry.at) == (OUTSIDER, "forward", False, START)


def test_the_forwarder_corrects_the_department_and_staff_empty_the_triage_queue(core: Core) -> None:
    ref = open_ticket(core)  # forwarded by STAFF, routed to logistics
    assert core.service.reassign(ref, STAFF, "billing").department == "billing"
    with pytest.raises(Forbidden):
        core.service.acknowledge(ref, STAFF)  # correcting is not working the ticket

    unclear = core.service.intake(replace(complaint("よくわからない", "ev-2"), forwarder=BILLING)).ticket
    assert unclear.needs_triage
    assert core.service.reassign(unclear.ref, STAFF, "logistics").department == "logistics"
    with pytest.raises(Forbidden):
        core.service.reassign(unclear.ref, OUTSIDER, "billing")


def test_viewing_the_full_text_is_for_the_team_the_forwarder_and_managers_and_is_audited(core: Core) -> None:
    ref = open_ticket(core, "配送が遅れています。電話 090-1234-5678 まで")

    for actor in (TEAM, STAFF, BOSS, ADMIN):
        assert "090-1234-5678" in core.records.full_text(ref, actor)
    for actor in (BILLING, OUTSIDER):
        with pytest.raises(Forbidden):
            core.records.full_text(ref, actor)
        with pytest.raises(Forbidden):
            core.records.history_text(ref, actor)

    trail = [(e.actor, e.action) for e in core.service.history(ref)][1:]
    assert trail == [
        (TEAM, "viewed_full_text"),
        (STAFF, "viewed_full_text"),
        (BOSS, "viewed_full_text"),
        (ADMIN, "viewed_full_text"),
        (BILLING, "refused"),
        (BILLING, "refused"),
        (OUTSIDER, "refused"),
        (OUTSIDER, "refused"),
    ]
    text = core.records.history_text(ref, TEAM)
    assert text.splitlines()[0] == core.translator("history.header", ref=ref)
    assert "全文を表示しました" in text and "権限がないため「全文表示」を拒否しました" in text


def test_the_console_user_is_an_admin(core: Core) -> None:
    ref = open_ticket(core)
    assert core.access.is_admin("console") and core.access.allowed("cli:ops", Permission.ADMIN)
    assert core.service.resolve(ref, "console").status is Status.RESOLVED
    assert not core.access.allowed(BOSS, Permission.ADMIN)
    assert core.access.allowed(ADMIN, Permission.ADMIN)


def test_without_roles_the_bot_stays_open_and_says_so_once_at_start(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.core.access"):
        app = build(database_url, roles=None)
    try:
        warnings = [r for r in caplog.records if r.name == "bot.core.access"]
        assert len(warnings) == 1 and "[roles]" in warnings[0].getMessage()
    finally:
        app.close()
    core = build_memory(roles=None)
    ref = core.service.intake(replace(complaint("配送が遅い"), forwarder=OUTSIDER)).ticket.ref
    assert core.service.resolve(ref, OUTSIDER).status is Status.RESOLVED
    assert core.access.departments(OUTSIDER) is None


class Groups:
    def __init__(self, members: dict[str, frozenset[str]] | None) -> None:
        self.members_of = members
        self.asked: list[str] = []

    def members(self, group: str) -> frozenset[str] | None:
        self.asked.append(group)
        return None if self.members_of is None else self.members_of.get(group, frozenset())


def test_user_groups_count_as_their_members_and_an_unknown_membership_grants_nothing() -> None:
    roles = parse_config({"roles": {"teams": {"logistics": ["S0LOGI"]}, "managers": ["S0BOSSES"]}}, {}).roles
    access = Access(roles, Groups({"S0LOGI": frozenset({TEAM}), "S0BOSSES": frozenset({BOSS})}))
    assert access.departments(TEAM) == frozenset({"logistics"})
    assert access.departments(BOSS) is None
    assert access.departments(OUTSIDER) == frozenset()

    unreachable = Access(roles, Groups(None))
    assert unreachable.departments(TEAM) == frozenset()
    assert not unreachable.allowed(TEAM, Permission.FORWARD)


@pytest.mark.parametrize(
    ("roles", "key"),
    [
        ({"staff": "U0STAFF"}, "roles.staff"),
        ({"staff": ["alice"]}, "roles.staff"),
        ({"teams": {"shipping": ["U0TEAM"]}}, "roles.teams.shipping"),
        ({"teams": {"logistics": ["#logistics"]}}, "roles.teams.logistics"),
        ({"owners": ["U0BOSS"]}, "roles.owners"),
    ],
)
def test_bad_roles_are_refused_at_start_naming_the_key(roles: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config({"roles": roles}, {})
    assert error.value.key == key


def test_managers_from_the_managers_table_are_managers() -> None:
    config = parse_config({"roles": {"staff": [STAFF]}, "managers": {"slack_users": [BOSS]}}, {})
    assert config.roles.configured and BOSS in config.roles.managers
    assert Access(config.roles).departments(BOSS) is None
