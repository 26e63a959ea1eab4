"""``/find`` on a real database: by number, order number, customer or words, newest first, only
the tickets the asker may see, masked as on the cards."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.config import parse_config
from bot.core.clock import FakeClock
from bot.core.domain import IncomingMessage, InvalidArgument
from bot.runtime.services import App, create_app
from tests.conftest import START
from tests.fakes import KeywordClassifier, RecordingSender

TEAM, BILLING, BOSS, STAFF = "U0TEAM", "U0BILL", "U0BOSS", "U0STAFF"
ROLES = {"staff": [STAFF], "managers": [BOSS], "teams": {"logistics": [TEAM], "billing": [BILLING]}}


@pytest.fixture
def app(database_url: str) -> Iterator[App]:
    config = replace(parse_config({"roles": ROLES}, {}), database_url=database_url)
    clock = FakeClock(START)
    application = create_app(
        config, clock=clock, senders={"console": RecordingSender()}, classifier=KeywordClassifier()
    )
    yield application
    application.close()


def forward(app: App, text: str, event: str, customer: str | None = None) -> int:
    assert isinstance(app.clock, FakeClock)
    app.clock.advance(timedelta(minutes=1))
    message = IncomingMessage("console", event, "console", STAFF, text, app.clock.now(), customer=customer)
    return app.service.intake(message).ticket.ref


def refs(app: App, text: str, actor: str) -> list[int]:
    return [ticket.ref for ticket in app.finder.find(text, actor)]


def test_by_number_order_customer_and_words_newest_first(app: App) -> None:
    first = forward(app, "配送が遅れています。注文番号 A-15001", "e1", customer="佐藤花子")
    second = forward(app, "まだ届きません。注文番号 A-15001", "e2")
    billing = forward(app, "請求が二重です 100%_返金希望", "e3", customer="鈴木一郎")

    assert refs(app, f"#{first}", BOSS) == [first]
    assert refs(app, "A-15001", BOSS) == [second, first]
    assert refs(app, "佐藤", BOSS) == [first]
    assert refs(app, "二重", BOSS) == [billing]
    assert refs(app, "100%_", BOSS) == [billing] and refs(app, "%", BOSS) == [billing]  # typed, not wildcards


def test_only_the_tickets_the_asker_may_see(app: App) -> None:
    logistics = forward(app, "配送が遅れています", "e1")
    billing = forward(app, "請求が遅れています", "e2")

    assert refs(app, "遅れ", TEAM) == [logistics]
    assert refs(app, "遅れ", BILLING) == [billing]
    assert refs(app, "遅れ", STAFF) == [billing, logistics]  # the ones they forwarded
    assert refs(app, "遅れ", "U0NOBODY") == []


def test_the_answer_is_masked_like_the_cards(app: App) -> None:
    forward(app, "配送が遅れています。電話 090-1234-5678 佐藤花子", "e1", customer="佐藤花子")
    text = app.finder.find_text("配送", BOSS, app.clock.now())
    assert "#1" in text and "090-1234-5678" not in text and "佐藤花子" not in text
    assert "一致するチケットはありません" in app.finder.find_text("存在しない", BOSS, app.clock.now())
    with pytest.raises(InvalidArgument):
        app.finder.find("   ", BOSS)
