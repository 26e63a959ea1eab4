"""Records: CSV exports (masked unless --full, admins only, audited) and retention, which erases old
complaint texts while figures, digests and the audit trail stay; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.config import ConfigError, parse_config
from bot.core.access import Forbidden
from bot.core.clock import FakeClock
from bot.core.digest import Week
from bot.core.domain import OutboundMessage, Status, TriageError
from bot.core.records import EXPORT_COLUMNS
from bot.runtime.scheduler import build_scheduler
from bot.runtime.services import App, create_app
from storage.models import OutboxRow
from tests.cli_runner import run_cli
from tests.conftest import START
from tests.fakes import KeywordClassifier, RecordingSender, complaint

PHONE_TEXT = "配送が遅れています。山田 090-1234-5678 yamada@example.jp"
ROLES = {"staff": ["U0STAFF"], "managers": ["U0BOSS"], "admins": ["U0ADMIN"]}


def build(database_url: str, **raw: Any) -> App:
    config = replace(parse_config(raw, {}), database_url=database_url)
    return create_app(
        config, clock=FakeClock(START), senders={"console": RecordingSender()}, classifier=KeywordClassifier()
    )


@pytest.fixture
def app(database_url: str) -> Iterator[App]:
    application = build(database_url, roles=ROLES, privacy={"retention_days": 30})
    yield application
    application.close()


def export(app: App, *, full: bool, actor: str = "U0ADMIN") -> list[dict[str, str]]:
    out = io.StringIO()
    app.records.export_csv(out, START - timedelta(days=1), full=full, actor=actor)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_exports_are_masked_unless_full_for_admins_only_and_audited(app: App) -> None:
    app.service.intake(complaint(PHONE_TEXT, "ev-1"))
    app.service.intake(complaint('=HYPERLINK("http://x") 請求が二重です', "ev-2"))

    masked = export(app, full=False)
    t = app.translator  # headers, department names, states and Yes/No in the bot's language
    assert list(masked[0]) == [t(f"export.{column}") for column in EXPORT_COLUMNS]
    assert list(masked[0])[:3] == ["番号", "受付日時", "部署"]
    assert "090-1234-5678" not in masked[0]["本文"] and "yamada@example.jp" not in masked[0]["本文"]
    assert masked[0]["部署"] == "物流・配送" and masked[0]["状態"] == "未対応"
    assert masked[0]["要トリアージ"] == "いいえ"
    assert masked[0]["受付日時"] == "2026-11-16 09:00"  # Tokyo time, as the team reads it
    assert masked[1]["本文"].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it
    full = export(app, full=True, actor="cli:ops")
    assert full[0]["本文"] == PHONE_TEXT
    with pytest.raises(Forbidden):
        export(app, full=True, actor="U0BOSS")

    log = app.records.guard.log_store.access_log()
    assert [(e.actor, e.action, e.allowed, e.detail.get("full")) for e in log] == [
        ("U0ADMIN", "export", True, False),
        ("cli:ops", "export", True, True),
        ("U0BOSS", "export_full", False, None),
    ]
    assert log[0].detail["tickets"] == 2


def test_retention_erases_old_texts_and_keeps_figures_digests_and_the_audit_trail(app: App) -> None:
    clock = app.clock
    assert isinstance(clock, FakeClock)
    old = app.service.intake(complaint(PHONE_TEXT, "ev-1")).ticket
    app.service.acknowledge(old.ref, "U0BOSS")
    app.dispatcher.drain()
    clock.advance(timedelta(days=31))
    new = app.service.intake(complaint("配送がまだです", "ev-2", at=clock.now())).ticket
    app.dispatcher.drain()

    assert app.records.erase_expired_texts(clock.now()) == 1
    assert app.records.erase_expired_texts(clock.now()) == 0  # daily runs erase each text once

    erased = app.service.get(old.ref)
    assert (erased.text, erased.customer, erased.erased_at) == ("", None, clock.now())
    assert (erased.department, erased.status, erased.due_at) == ("logistics", Status.ACKNOWLEDGED, old.due_at)
    assert [e.action for e in app.service.history(old.ref)] == ["created", "acknowledged"]
    assert app.service.get(new.ref).text == "配送がまだです"
    with pytest.raises(TriageError) as gone:
        app.records.full_text(old.ref, "U0BOSS")
    assert gone.value.text_key == "error.text_erased"
    with app.session_factory() as session:
        texts = list(session.scalars(select(OutboxRow.text).where(OutboxRow.ticket_id == old.ref)))
    assert texts and all(text == "" for text in texts)

    digest = app.digests.build("logistics", Week.of(START, app.config.tz), clock.now())
    assert digest.data["count"] == 1
    assert "090-1234-5678" not in digest.text
    assert app.service.resolve(old.ref, "U0BOSS").status is Status.RESOLVED  # still workable


def test_a_full_text_sent_shortly_before_retention_is_erased_with_its_ticket(app: App) -> None:
    clock = app.clock
    assert isinstance(clock, FakeClock)
    old = app.service.intake(complaint(PHONE_TEXT, "ev-1")).ticket
    clock.advance(timedelta(days=29))
    text = app.records.full_text(old.ref, "U0BOSS")
    with app.store.transaction() as uow:  # what the adapters do: a private message to the viewer
        uow.queue(OutboundMessage("console", "U0BOSS", "private", text, {}, old.ref), clock.now())
    app.dispatcher.drain()
    clock.advance(timedelta(days=2))

    assert app.records.erase_expired_texts(clock.now()) == 1
    with app.session_factory() as session:
        kept = list(session.scalars(select(OutboxRow.text).where(OutboxRow.kind == "private")))
    assert kept == [""]  # the message is younger than 30 days, but its ticket's text is gone


def test_without_retention_days_nothing_is_erased(database_url: str) -> None:
    app = build(database_url)
    try:
        ref = app.service.intake(complaint(PHONE_TEXT)).ticket.ref
        assert app.records.erase_expired_texts(START + timedelta(days=3650)) == 0
        assert app.service.get(ref).text == PHONE_TEXT
        assert "erase_expired_texts" not in [job.id for job in build_scheduler(app).get_jobs()]
    finally:
        app.close()


def test_the_retention_job_runs_daily_at_0330_in_the_bots_time_zone(app: App) -> None:
    job = next(job for job in build_scheduler(app).get_jobs() if job.id == "erase_expired_texts")
    first = job.trigger.get_next_fire_time(None, START)
    assert first.astimezone(app.config.tz).strftime("%H:%M") == "03:30"
    assert job.trigger.get_next_fire_time(first, first + timedelta(seconds=1)) - first == timedelta(days=1)


@pytest.mark.parametrize("days", [0, -1, "30", 40_000])
def test_bad_retention_days_are_refused_naming_the_key(days: object) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config({"privacy": {"retention_days": days}}, {})
    assert error.value.key == "privacy.retention_days"


def test_the_export_command_writes_csv_and_audits_the_operator(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/bot.db"
    app = build(url)
    app.service.intake(complaint(PHONE_TEXT))
    app.close()
    out = tmp_path / "tickets.csv"

    masked = run_cli(
        "export", "--since", "2026-11-01", "--out", str(out), cwd=tmp_path, env={"DATABASE_URL": url}
    )
    assert masked.returncode == 0, masked.stderr
    assert "1件のチケットを書き出しました" in masked.stderr  # in the bot's language (ja by default)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM Japanese Excel needs
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 1 and "090-1234-5678" not in rows[0]["本文"]
    book = tmp_path / "tickets.xlsx"
    excel = run_cli(
        "export", "--since", "2026-11-01", "--out", str(book), cwd=tmp_path, env={"DATABASE_URL": url}
    )
    assert excel.returncode == 0, excel.stderr
    sheet = load_workbook(book).active
    assert sheet is not None
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert cells[0][:3] == ["番号", "受付日時", "部署"] and cells[1][0] == 1 and cells[1][2] == "物流・配送"
    assert "090-1234-5678" not in str(cells[1][-1])
    full = run_cli("export", "--since", "2026-11-01", "--full", cwd=tmp_path, env={"DATABASE_URL": url})
    assert full.returncode == 0 and "090-1234-5678" in full.stdout
    bad = run_cli("export", "--since", "last week", cwd=tmp_path, env={"DATABASE_URL": url})
    assert bad.returncode == 2 and "--since" in bad.stderr

    app = build(url)
    try:
        log = app.records.guard.log_store.access_log()
        assert [(e.action, e.detail["full"]) for e in log] == [
            ("export", False),
            ("export", False),
            ("export", True),
        ]
        assert all(e.actor.startswith("cli:") for e in log)
    finally:
        app.close()
