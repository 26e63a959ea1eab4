"""``triage-bot inbox list|retry|drop``: the admins' view of complaints quarantined in the inbox.

A complaint lands here when opening its ticket failed too often; the workers leave it alone until
an admin retries or drops it. Texts and errors are shown masked and cut short, as in
``triage-bot outbox``; every change is audited and logged with who made it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TextIO

from bot.config import Config
from bot.core.access import cli_operator
from bot.core.i18n import Translator
from bot.core.masking import Masker
from bot.core.ports import Clock
from bot.runtime.outbox_admin import ERROR_CHARS, PREVIEW_CHARS, admin_sessions, admin_texts, preview
from storage.database import make_engine
from storage.inbox_admin import InboxAdminError, InboxEntry, drop, list_entries, retry

log = logging.getLogger(__name__)


def inbox_command(
    config: Config,
    clock: Clock,
    action: str,
    ids: Sequence[int],
    *,
    waiting: bool = False,
    out: TextIO,
    err: TextIO,
) -> int:
    """Runs one admin action; returns the exit status (0 done, 1 refused)."""
    t, masker = admin_texts(config)
    engine = make_engine(config.database_url)
    try:
        sessions = admin_sessions(engine, t, err)
        if sessions is None:
            return 1
        actor = cli_operator()
        if action == "list":
            entries = list_entries(sessions, waiting=waiting)
            print(t("inbox.header") if entries else t("inbox.none"), file=out)
            for entry in entries:
                print(_row(entry, masker, t), file=out)
            return 0
        if action == "retry":
            done = retry(sessions, ids, clock.now(), actor)
            log.warning("quarantined complaints retried", extra={"inbox_ids": done, "actor": actor})
            print(t("inbox.retried", count=len(done), ids=", ".join(map(str, done))), file=out)
            return 0
        (item_id,) = ids
        entry = drop(sessions, item_id, clock.now(), actor)
        log.warning(
            "quarantined complaint dropped",
            extra={"inbox_id": entry.id, "event_id": entry.event_id, "actor": actor},
        )
        print(t("inbox.dropped", id=entry.id, platform=entry.platform, event=entry.event_id), file=out)
        return 0
    except InboxAdminError as error:
        print(t(error.text_key, **error.params), file=err)
        return 1
    finally:
        engine.dispose()


def _row(entry: InboxEntry, masker: Masker, t: Translator) -> str:
    state = t("inbox.quarantined" if entry.quarantined_at is not None else "inbox.waiting")
    return "\t".join(
        [
            str(entry.id),
            state,
            entry.platform,
            str(entry.attempts),
            entry.received_at.isoformat(timespec="seconds"),
            preview(entry.last_error, ERROR_CHARS, masker),
            preview(entry.text, PREVIEW_CHARS, masker),
        ]
    )
