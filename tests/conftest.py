"""Shared fixtures: a fresh database per test (SQLite file, and PostgreSQL when configured),
a fake clock, a recording sender and a keyword classifier for core tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.config import Config, parse_config
from bot.core.clock import FakeClock
from bot.runtime.services import App, create_app
from tests.fakes import KeywordClassifier, RecordingSender
from tests.schemas import migrated_schema

POSTGRES_ENV = "TRIAGE_TEST_POSTGRES_URL"
START = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)  # Monday 09:00 in Tokyo


def _postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a schema of its own on the real PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/test.db"
        return
    base = _postgres_url()
    if base is None:
        pytest.skip(f"no PostgreSQL configured: set {POSTGRES_ENV}=postgresql+psycopg://... to run these")
    with migrated_schema(base, "t") as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: os.PathLike[str]) -> str:
    return f"sqlite:///{tmp_path}/test.db"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def config(database_url: str) -> Config:
    return replace(parse_config({}, {}), database_url=database_url)


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def app(config: Config, clock: FakeClock, sender: RecordingSender) -> Iterator[App]:
    """The real core on a real database, with a keyword classifier and a recording console sender."""
    application = create_app(config, clock=clock, senders={"console": sender}, classifier=KeywordClassifier())
    yield application
    application.close()
