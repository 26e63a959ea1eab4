"""Storage plumbing: migrations match the models, times stay UTC, SQLite is set up for concurrency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from storage.database import make_engine, make_session_factory
from storage.migrate import current_revision, head_revision, is_current, upgrade
from storage.models import Base, DigestRow


def test_migrations_create_exactly_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        assert is_current(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_times_come_back_aware_utc_and_naive_times_are_refused(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    tokyo_morning = datetime(2026, 11, 16, 9, 0, tzinfo=timezone(timedelta(hours=9)))
    try:
        with sessions() as session, session.begin():
            session.add(DigestRow(team="logistics", week="2026-W47", sent_at=tokyo_morning, late=False))
        with sessions() as session:
            row = session.query(DigestRow).one()
            assert row.sent_at == datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
            assert row.sent_at.tzinfo is UTC
        with pytest.raises(Exception, match="naive datetime"), sessions() as session, session.begin():
            session.add(DigestRow(team="orders", week="2026-W47", sent_at=datetime(2026, 1, 1), late=False))  # noqa: DTZ001
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    finally:
        engine.dispose()
