"""The console answers through the same use cases as the chat platforms: its /digest is checked
like Slack's (the team named, the reader's permission), for whoever the console's user is."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.config import parse_config
from bot.core.clock import FakeClock
from bot.runtime.services import App, console, create_app
from tests.fakes import KeywordClassifier, RecordingSender, complaint


@pytest.fixture
def app(sqlite_url: str, clock: FakeClock) -> Iterator[App]:
    roles = {"teams": {"logistics": ["U0TEAM"]}, "managers": ["U0BOSS"]}
    config = replace(parse_config({"roles": roles}, {}), database_url=sqlite_url)
    application = create_app(
        config, clock=clock, senders={"console": RecordingSender()}, classifier=KeywordClassifier()
    )
    application.service.intake(replace(complaint("配送が遅い"), forwarder="U0TEAM"))
    yield application
    application.close()


def said(app: App, user: str, line: str) -> str:
    out = io.StringIO()
    console(app, out, user=user).handle_line(line)
    return out.getvalue()


def test_the_consoles_digest_is_for_the_team_and_the_managers_only(app: App) -> None:
    assert "📊 週次レポート 物流・配送" in said(app, "U0TEAM", "/digest logistics")
    assert "📊 週次レポート" in said(app, "U0BOSS", "/digest")  # the managers' view
    assert "この操作を行う権限がありません" in said(app, "U0TEAM", "/digest")
    assert "この操作を行う権限がありません" in said(app, "U0NOBODY", "/digest logistics")
    assert "📊" in said(app, "console", "/digest billing")  # the person at the terminal is an admin


def test_an_unknown_team_gets_the_same_answer_as_everywhere(app: App) -> None:
    answer = said(app, "console", "/digest shipping")
    assert "部署「shipping」はありません" in answer and "logistics" in answer and "managers" in answer
