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
from bot.core.ports import Clock
from bot.runtime.admin import ERROR_CHARS, PREVIEW_CHARS, AdminDesk, preview, run_admin
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

    def act(desk: AdminDesk) -> int:
        try:
            if action == "list":
                _list(desk, waiting, out)
            elif action == "retry":
                _retry(desk, ids, clock, out)
            else:
                _drop(desk, ids, clock, out)
        except InboxAdminError as error:
            print(desk.t(error.text_key, **error.params), file=err)
            return 1
        return 0

    return run_admin(config, err, act)


def _list(desk: AdminDesk, waiting: bool, out: TextIO) -> None:
    entries = list_entries(desk.sessions, waiting=waiting)
    print(desk.t("inbox.header") if entries else desk.t("inbox.none"), file=out)
    for entry in entries:
        print(_row(entry, desk), file=out)


def _retry(desk: AdminDesk, ids: Sequence[int], clock: Clock, out: TextIO) -> None:
    done = retry(desk.sessions, ids, clock.now(), desk.actor)
    log.warning("quarantined complaints retried", extra={"inbox_ids": done, "actor": desk.actor})
    print(desk.t("inbox.retried", count=len(done), ids=", ".join(map(str, done))), file=out)


def _drop(desk: AdminDesk, ids: Sequence[int], clock: Clock, out: TextIO) -> None:
    (item_id,) = ids
    entry = drop(desk.sessions, item_id, clock.now(), desk.actor)
    log.warning(
        "quarantined complaint dropped",
        extra={"inbox_id": entry.id, "event_id": entry.event_id, "actor": desk.actor},
    )
    print(desk.t("inbox.dropped", id=entry.id, platform=entry.platform, event=entry.event_id), file=out)


def _row(entry: InboxEntry, desk: AdminDesk) -> str:
    state = desk.t("inbox.quarantined" if entry.quarantined_at is not None else "inbox.waiting")
    return "\t".join(
        [
            str(entry.id),
            state,
            entry.platform,
            str(entry.attempts),
            entry.received_at.isoformat(timespec="seconds"),
            preview(entry.last_error, ERROR_CHARS, desk.masker),
            preview(entry.text, PREVIEW_CHARS, desk.masker),
        ]
    )
