"""``triage-bot outbox list|retry|drop`` run as a user would, on a real SQLite file and PostgreSQL."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from bot.config import Config
from bot.core.clock import FakeClock
from bot.core.ports import SendError
from bot.runtime.inbox_admin import inbox_command
from bot.runtime.outbox_admin import outbox_command
from bot.runtime.services import create_app
from storage.models import OutboxRow
from tests.cli_runner import run_cli
from tests.conftest import START
from tests.fakes import KeywordClassifier, RecordingSender, complaint

TEXT = "配送が遅れています。連絡先 090-1234-5678 hanako@example.com"


def dead_letters(config: Config) -> tuple[list[int], RecordingSender]:
    """A complaint whose reply and card could not be delivered: two dead letters."""
    sender = RecordingSender(
        failures=[SendError("refused for hanako@example.com", permanent=True) for _ in range(2)]
    )
    app = create_app(
        config, clock=FakeClock(START), senders={"console": sender}, classifier=KeywordClassifier()
    )
    try:
        app.service.intake(complaint(TEXT, "ev-ops-1"))
        assert app.dispatcher.drain().dead == 2
        with app.session_factory() as session:
            return list(session.scalars(select(OutboxRow.id).order_by(OutboxRow.id))), sender
    finally:
        app.close()


def statuses(config: Config) -> dict[int, tuple[str, int]]:
    app = create_app(config, clock=FakeClock(START), senders={}, classifier=KeywordClassifier())
    try:
        with app.session_factory() as session:
            return {row.id: (row.status, row.attempts) for row in session.scalars(select(OutboxRow))}
    finally:
        app.close()


def test_admins_list_retry_and_drop_dead_letters(config: Config, database_url: str, tmp_path: Path) -> None:
    config = replace(config, outbox_max_attempts=3)
    (reply, card), _ = dead_letters(config)
    settings = tmp_path / "config.toml"
    settings.write_text('[bot]\nlanguage = "en"\n', encoding="utf-8")
    env = {"DATABASE_URL": database_url, "TRIAGE_CONFIG": str(settings)}

    listed = run_cli("outbox", "list", cwd=tmp_path, env=env)

    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split("\t")[:6] == ["ID", "STATUS", "PLATFORM", "KIND", "ATTEMPTS", "TICKET"]
    rows = [line.split("\t") for line in lines[1:]]
    assert [row[:6] for row in rows] == [
        [str(reply), "undeliverable", "console", "reply", "1", "#1"],
        [str(card), "undeliverable", "console", "card", "1", "#1"],
    ]
    assert all(row[6].startswith("refused for ") for row in rows)
    for private in ("090-1234-5678", "hanako@example.com", "配送が遅れています。連絡先"):
        assert private not in listed.stdout + listed.stderr  # masked and cut short, never the raw text

    unknown = run_cli("outbox", "retry", "999", cwd=tmp_path, env=env)
    assert unknown.returncode == 1 and "There is no outbox message 999." in unknown.stderr
    assert run_cli("outbox", "retry", cwd=tmp_path, env=env).returncode == 2  # neither ids nor --all

    retried = run_cli("outbox", "retry", str(reply), cwd=tmp_path, env=env)
    assert retried.returncode == 0, retried.stderr
    assert f"1 message(s) back in the queue: {reply}" in retried.stdout
    assert statuses(config)[reply] == ("pending", 0)  # a fresh set of attempts
    refused = run_cli("outbox", "drop", str(reply), cwd=tmp_path, env=env)
    assert refused.returncode == 1 and f"Message {reply} is waiting, not a dead letter." in refused.stderr

    dropped = run_cli("outbox", "drop", str(card), cwd=tmp_path, env=env)
    assert dropped.returncode == 0, dropped.stderr
    assert f"Message {card} dropped (card, console, ticket #1)." in dropped.stdout
    assert "outbox dead letter dropped" in dropped.stderr and f"outbox_id={card}" in dropped.stderr
    assert card not in statuses(config)
    pending = run_cli("outbox", "list", "--pending", cwd=tmp_path, env=env)
    assert [line.split("\t")[:2] for line in pending.stdout.splitlines()[1:]] == [[str(reply), "waiting"]]

    app = create_app(config, clock=FakeClock(START), senders={}, classifier=KeywordClassifier())
    try:
        actions = [(entry.action, entry.actor) for entry in app.service.history(1)]
    finally:
        app.close()
    assert [action for action, _ in actions][-2:] == ["outbox_retried", "outbox_dropped"]
    assert all(actor.startswith("cli:") for _, actor in actions[-2:])


def test_retry_all_puts_every_dead_letter_back_and_they_are_delivered(config: Config, tmp_path: Path) -> None:
    (reply, card), sender = dead_letters(config)

    result = run_cli("outbox", "retry", "--all", cwd=tmp_path, env={"DATABASE_URL": config.database_url})

    assert result.returncode == 0, result.stderr
    assert f"{reply}, {card}" in result.stdout  # in Japanese by default: 2件を再送キューに戻しました
    assert "2件" in result.stdout
    # The command ran on the real clock: the messages are due from that moment.
    later = FakeClock(datetime.now(UTC) + timedelta(seconds=1))
    app = create_app(config, clock=later, senders={"console": sender}, classifier=KeywordClassifier())
    try:
        assert app.dispatcher.drain().sent == 2
    finally:
        app.close()
    assert statuses(config) == {reply: ("sent", 0), card: ("sent", 0)}
    empty = run_cli("outbox", "list", cwd=tmp_path, env={"DATABASE_URL": config.database_url})
    assert empty.stdout.strip() == "配信できなかったメッセージ（デッドレター）はありません。"


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_admin_commands_refuse_a_postgresql_schema_behind_the_code(config: Config) -> None:
    """SQLite is migrated by the command itself; PostgreSQL is migrated by the release step only."""
    engine = create_engine(config.database_url)
    with engine.begin() as connection:  # as if the release step had not run the newest migration yet
        connection.execute(text("UPDATE alembic_version SET version_num = '0009'"))
    engine.dispose()
    config = replace(config, language="en")

    for command in (
        lambda out, err: outbox_command(config, FakeClock(START), "list", [], out=out, err=err),
        lambda out, err: inbox_command(config, FakeClock(START), "retry", [1], out=out, err=err),
    ):
        out, err = io.StringIO(), io.StringIO()
        assert command(out, err) == 1
        assert err.getvalue() == "The database schema is not current: run `triage-bot db upgrade` first.\n"
        assert out.getvalue() == ""
