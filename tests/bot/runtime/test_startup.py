"""The start-up checks against the fake Slack and LINE APIs over real HTTP: each problem in words, in
the log and in /readyz, and the bot still ready for what works."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import pytest

from bot.config import parse_config
from bot.runtime.startup import report_startup, startup_problems
from tests.line_api import serve_fake_line_api
from tests.served import both_config, served
from tests.slack_api import fake_slack_api

GROUP = "C" + "a" * 32


def test_a_good_setup_has_no_problems(sqlite_url: str) -> None:
    with fake_slack_api() as slack, serve_fake_line_api() as line:
        slack.channels = {"C0TRIAGE": ("triage", True), "C0LOGISTICS": ("logistics", True)}
        slack.channels["C0BILLING"] = ("billing", True)
        config = both_config(sqlite_url, slack, line)
        assert startup_problems(config) == []
        assert {call.method for call in slack.calls} == {"auth.test", "conversations.info"}
        assert [c.path for c in line.calls] == ["/v2/bot/info", "/v2/bot/channel/webhook/endpoint"]


def test_channels_missing_without_the_bot_or_given_by_name_are_named(sqlite_url: str) -> None:
    departments = [
        {"key": "logistics", "slack_channel": "#logistics"},
        {"key": "billing", "slack_channel": "C0BILLING", "line_group": GROUP},
        {"key": "product", "slack_channel": "C0GONE", "line_group": "物流グループ"},
    ]
    with fake_slack_api() as slack, serve_fake_line_api() as line:
        slack.channels = {"C0TRIAGE": ("triage", True), "C0BILLING": ("billing", False)}
        line.webhook_active, line.groups = False, {"C" + "b" * 32}
        problems = startup_problems(both_config(sqlite_url, slack, line, departments=departments))

    assert problems == [
        "slack: departments.logistics.slack_channel: '#logistics' is not a channel id such as C0123ABCD "
        "(a name is not enough)",
        "slack: departments.billing.slack_channel = C0BILLING (#billing): the bot is not in this channel, "
        "so it does not see replies in the cards' threads (the first response); "
        "invite it with /invite @triage",
        "slack: departments.product.slack_channel = C0GONE: no such channel, or a private one the bot has "
        "not been invited to",
        "line: departments.product.line_group: '物流グループ' is not a channel id such as C4af4980629... "
        "(a name is not enough)",
        "line: the LINE webhook is off: turn on 'Use webhook' in the LINE Developers console",
        f"line: departments.billing.line_group = {GROUP}: the bot is not in this group (invite the official "
        "account)",
    ]


def test_a_refused_token_and_an_unknown_holiday_country_are_said_and_the_bot_stays_ready(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with served(sqlite_url, sla={"business_hours": True, "holidays": "XX"}) as site:
        site.slack_api.fail("auth.test", 200, {"ok": False, "error": "invalid_auth"})
        site.line_api.fail("/v2/bot/info", 401)
        with caplog.at_level(logging.WARNING, "bot.runtime.startup"):
            site.app.problems = report_startup(site.app.config)
        status, body, _ = site.get("/readyz")

    problems = [
        "sla.holidays = 'XX': no public-holiday calendar for that country code, so deadlines count "
        "holidays as working days",
        "slack: Slack refused SLACK_BOT_TOKEN (invalid_auth): nothing can be posted",
        "line: LINE refused LINE_CHANNEL_ACCESS_TOKEN (HTTP 401)",
    ]
    assert status == 200
    assert json.loads(body)["problems"] == problems
    assert json.loads(body)["ready"] is True
    logged = [r.getMessage() for r in caplog.records if r.name == "bot.runtime.startup"]
    assert logged == [f"start-up check: {p}" for p in problems]


def test_the_console_alone_checks_only_the_calendar(sqlite_url: str) -> None:
    config = replace(
        parse_config({"sla": {"business_hours": True, "holidays": "JP"}}, {}), database_url=sqlite_url
    )
    assert startup_problems(config) == []
