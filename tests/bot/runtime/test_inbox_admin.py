"""``triage-bot inbox list|retry|drop`` run as a user would, on a real SQLite file and PostgreSQL:
complaints quarantined after failing in the worker, seen masked, given back or dropped, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Config
from bot.core.clock import FakeClock
from bot.core.domain import IncomingMessage
from bot.core.inbox import QUARANTINE_AFTER
from bot.runtime.services import App, create_app
from storage.models import AccessEventRow, InboxRow
from tests.cli_runner import run_cli
from tests.conftest import START
from tests.fakes import KeywordClassifier, RecordingSender

TEXT = "配送が遅れています。連絡先 090-1234-5678 hanako@example.com"


def complaint(number: int) -> IncomingMessage:
    return IncomingMessage("slack", f"C0INTAKE:{number}", "C0INTAKE", "U0STAFF", TEXT, START)


def quarantined(app: App, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Two complaints the worker fails to open every time until they are quarantined."""

    def broken(messages: list[IncomingMessage]) -> Any:
        raise RuntimeError("always")

    with monkeypatch.context() as patch:
        patch.setattr(app.service, "intake_many", broken)
        for number in (1, 2):
            app.intake.accept(complaint(number))
        for _ in range(QUARANTINE_AFTER):
            clock.advance(timedelta(minutes=10))
            app.intake.drain()
    assert app.intake.inbox.waiting() == 0
    with app.session_factory() as session:
        return list(session.scalars(select(InboxRow.id).order_by(InboxRow.id)))


def test_admins_list_retry_and_drop_quarantined_complaints(
    config: Config, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender, clock = RecordingSender(), FakeClock(START)
    app = create_app(config, clock=clock, senders={"slack": sender}, classifier=KeywordClassifier())
    try:
        first, second = quarantined(app, clock, monkeypatch)
        settings = tmp_path / "config.toml"
        settings.write_text('[bot]\nlanguage = "en"\n', encoding="utf-8")
        env = {"DATABASE_URL": database_url, "TRIAGE_CONFIG": str(settings)}

        listed = run_cli("inbox", "list", cwd=tmp_path, env=env)
        assert listed.returncode == 0, listed.stderr
        lines = [line.split("\t") for line in listed.stdout.splitlines()]
        assert lines[0][:4] == ["ID", "STATE", "PLATFORM", "ATTEMPTS"]
        assert [row[:4] for row in lines[1:]] == [
            [str(first), "quarantined", "slack", str(QUARANTINE_AFTER)],
            [str(second), "quarantined", "slack", str(QUARANTINE_AFTER)],
        ]
        assert all(row[5] == "RuntimeError" for row in lines[1:])
        for private in ("090-1234-5678", "hanako@example.com"):
            assert private not in listed.stdout + listed.stderr

        unknown = run_cli("inbox", "retry", "999", cwd=tmp_path, env=env)
        assert unknown.returncode == 1 and "There is no complaint 999 in the inbox." in unknown.stderr
        retried = run_cli("inbox", "retry", str(first), cwd=tmp_path, env=env)
        assert retried.returncode == 0, retried.stderr
        assert f"1 complaint(s) back with the workers: {first}" in retried.stdout
        refused = run_cli("inbox", "drop", str(first), cwd=tmp_path, env=env)
        assert refused.returncode == 1 and f"Complaint {first} is not quarantined" in refused.stderr
        dropped = run_cli("inbox", "drop", str(second), cwd=tmp_path, env=env)
        assert dropped.returncode == 0, dropped.stderr
        assert "quarantined complaint dropped" in dropped.stderr

        clock.advance(datetime.now(UTC) - clock.now() + timedelta(minutes=1))  # the CLI's real clock
        assert app.intake.drain() == 1  # the retried one, with the fault gone, becomes a ticket
        assert [ticket.text for ticket in app.service.open_tickets()] == [TEXT]
        assert run_cli("inbox", "list", cwd=tmp_path, env=env).stdout.strip() == "No quarantined complaints."
        with app.session_factory() as session:
            audit = [
                (row.action, row.actor[:4], row.detail["inbox_id"])
                for row in session.scalars(
                    select(AccessEventRow)
                    .where(AccessEventRow.action.like("inbox_%"))
                    .order_by(AccessEventRow.id)
                )
            ]
        assert audit == [("inbox_retried", "cli:", first), ("inbox_dropped", "cli:", second)]
    finally:
        app.close()
