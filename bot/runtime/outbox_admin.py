"""``triage-bot outbox list|retry|drop``: the admins' view of messages that could not be delivered.

Texts are shown masked and cut short (the listing is for finding a message, not reading it), and
the last error is masked too, since a platform's error can quote what was sent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TextIO

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Config
from bot.core.access import cli_operator
from bot.core.i18n import Translator
from bot.core.masking import DEFAULT_ORDER_PATTERNS, Masker
from bot.core.ports import Clock
from storage.database import make_engine, make_session_factory
from storage.migrate import is_current, upgrade
from storage.outbox_admin import OutboxAdminError, OutboxEntry, drop, list_entries, retry

log = logging.getLogger(__name__)

PREVIEW_CHARS = 40
ERROR_CHARS = 80


def outbox_command(
    config: Config,
    clock: Clock,
    action: str,
    ids: Sequence[int],
    *,
    all_dead: bool = False,
    pending: bool = False,
    out: TextIO,
    err: TextIO,
) -> int:
    """Runs one admin action; returns the exit status (0 done, 1 refused, 2 bad usage)."""
    # Only what the command needs (not the whole app with its classifier): it starts in a moment.
    t, masker = admin_texts(config)
    engine = make_engine(config.database_url)
    try:
        sessions = admin_sessions(engine, t, err)
        if sessions is None:
            return 1
        actor = cli_operator()
        if action == "list":
            entries = list_entries(sessions, pending=pending)
            if not entries:
                print(t("outbox.none_pending" if pending else "outbox.none"), file=out)
            else:
                print(t("outbox.header"), file=out)
                for entry in entries:
                    print(_row(entry, masker, t), file=out)
            return 0
        if action == "retry":
            if all_dead == bool(ids):
                print(t("outbox.retry_usage"), file=err)
                return 2
            done = retry(sessions, None if all_dead else ids, clock.now(), actor)
            log.warning("outbox dead letters retried", extra={"outbox_ids": done, "actor": actor})
            print(t("outbox.retried", count=len(done), ids=", ".join(map(str, done)) or "-"), file=out)
            return 0
        (item_id,) = ids
        entry = drop(sessions, item_id, clock.now(), actor)
        log.warning(
            "outbox dead letter dropped",
            extra={"outbox_id": entry.id, "ref": entry.ticket_ref, "kind": entry.kind, "actor": actor},
        )
        ticket = f"#{entry.ticket_ref}" if entry.ticket_ref is not None else "-"
        print(
            t("outbox.dropped", id=entry.id, kind=entry.kind, platform=entry.platform, ticket=ticket),
            file=out,
        )
        return 0
    except OutboxAdminError as error:
        params = dict(error.params)
        if "status" in params:
            params["status"] = t(f"outbox.status.{params['status']}")
        print(t(error.text_key, **params), file=err)
        return 1
    finally:
        engine.dispose()


def preview(text: str | None, limit: int, masker: Masker) -> str:
    """``text`` masked, on one line, cut to ``limit`` characters."""
    if not text:
        return "-"
    flat = " ".join(masker.mask(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _row(entry: OutboxEntry, masker: Masker, t: Translator) -> str:
    def short(text: str | None, limit: int) -> str:
        return preview(text, limit, masker)

    ticket = f"#{entry.ticket_ref}" if entry.ticket_ref is not None else "-"
    return "\t".join(
        [
            str(entry.id),
            t(f"outbox.status.{entry.status}"),  # in words (配信不能), not the database's dead
            entry.platform,
            entry.kind,
            str(entry.attempts),
            ticket,
            short(entry.last_error, ERROR_CHARS),
            short(entry.text, PREVIEW_CHARS),
        ]
    )


def admin_texts(config: Config) -> tuple[Translator, Masker]:
    """The bot's language and its masking, for the admin commands."""
    t = Translator(config.language)
    return t, Masker(config.order_patterns or DEFAULT_ORDER_PATTERNS, label=lambda kind: t(f"mask.{kind}"))


def admin_sessions(engine: Engine, t: Translator, err: TextIO) -> sessionmaker[Session] | None:
    """The admin commands' database: SQLite migrated as at start; an out-of-date PostgreSQL schema is
    refused with a message (``None``), since the release step migrates it."""
    if engine.dialect.name == "sqlite":
        upgrade(engine)
    elif not is_current(engine):
        print(t("outbox.schema_behind"), file=err)
        return None
    return make_session_factory(engine)
