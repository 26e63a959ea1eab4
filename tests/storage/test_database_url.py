"""Database URLs as hosts set them: ``postgres://`` (Heroku and most PaaS) and ``postgresql://`` use the
installed psycopg 3 driver."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from storage.database import describe, make_engine, with_driver


def test_postgres_urls_get_the_installed_driver() -> None:
    assert with_driver("postgres://u:p@db:5432/shop") == "postgresql+psycopg://u:p@db:5432/shop"
    assert with_driver("postgresql://u@db/shop") == "postgresql+psycopg://u@db/shop"
    assert with_driver("postgresql+psycopg://u@db/shop") == "postgresql+psycopg://u@db/shop"
    assert with_driver("sqlite:///triage-bot.db") == "sqlite:///triage-bot.db"
    assert describe("postgres://u:secret@db/shop") == "postgresql+psycopg://u:***@db/shop"


@pytest.mark.postgres
def test_a_postgres_url_connects() -> None:
    url = os.environ.get("TRIAGE_TEST_POSTGRES_URL")
    if not url:
        pytest.skip(
            "no PostgreSQL configured: set TRIAGE_TEST_POSTGRES_URL=postgresql+psycopg://... to run these"
        )
    engine = make_engine("postgres://" + url.split("://", 1)[1])
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()
