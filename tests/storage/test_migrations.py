"""Upgrading a database that already holds tickets: 0002 schedules the open ones for the sweep."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, text

from storage.database import make_engine
from storage.migrate import _alembic_config, upgrade


def downgrade(engine: Engine, revision: str) -> None:
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


INSERT = (
    "INSERT INTO tickets (platform, channel, forwarder, text, language, confidence, needs_triage, priority,"
    " flags, status, created_at, due_at, first_response_at) VALUES ('console', 'c', 'u', 't', 'ja', 0.9,"
    " false, false, '[]', :status, '2026-11-16 00:00:00', '2026-11-17 00:00:00', :answered)"
)


def test_0002_backfills_remind_at_for_open_unanswered_tickets(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)  # PostgreSQL's fixture is at head already; SQLite is empty
        downgrade(engine, "0001")
        upgrade(engine, "0001")
        with engine.begin() as connection:
            for status, answered in (("open", None), ("open", "2026-11-16 01:00:00"), ("resolved", None)):
                connection.execute(text(INSERT), {"status": status, "answered": answered})
        upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, remind_at FROM tickets ORDER BY id")).all()
        assert [row[1] is not None for row in rows] == [True, False, False]
    finally:
        engine.dispose()
