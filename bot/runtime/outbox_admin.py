"""``triage-bot outbox list|retry|drop``: the admins' view of messages that could not be delivered.

Texts are shown masked and cut short (the listing is for finding a message, not reading it), and
the last error is masked too, since a platform's error can quote what was sent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TextIO

from bot.config import Config
from bot.core.ports import Clock
from bot.runtime.admin import ERROR_CHARS, PREVIEW_CHARS, AdminDesk, preview, run_admin
from storage.outbox_admin import OutboxAdminError, OutboxEntry, drop, list_entries, retry

log = logging.getLogger(__name__)


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

    def act(desk: AdminDesk) -> int:
        try:
            if action == "list":
                return _list(desk, pending, out)
            if action == "retry":
                return _retry(desk, ids, all_dead, clock, out, err)
            return _drop(desk, ids, clock, out)
        except OutboxAdminError as error:
            params = dict(error.params)
            if "status" in params:
                params["status"] = desk.t(f"outbox.status.{params['status']}")
            print(desk.t(error.text_key, **params), file=err)
            return 1

    return run_admin(config, err, act)


def _list(desk: AdminDesk, pending: bool, out: TextIO) -> int:
    entries = list_entries(desk.sessions, pending=pending)
    if not entries:
        print(desk.t("outbox.none_pending" if pending else "outbox.none"), file=out)
        return 0
    print(desk.t("outbox.header"), file=out)
    for entry in entries:
        print(_row(entry, desk), file=out)
    return 0


def _retry(
    desk: AdminDesk, ids: Sequence[int], all_dead: bool, clock: Clock, out: TextIO, err: TextIO
) -> int:
    if all_dead == bool(ids):
        print(desk.t("outbox.retry_usage"), file=err)
        return 2
    done = retry(desk.sessions, None if all_dead else ids, clock.now(), desk.actor)
    log.warning("outbox dead letters retried", extra={"outbox_ids": done, "actor": desk.actor})
    print(desk.t("outbox.retried", count=len(done), ids=", ".join(map(str, done)) or "-"), file=out)
    return 0


def _drop(desk: AdminDesk, ids: Sequence[int], clock: Clock, out: TextIO) -> int:
    (item_id,) = ids
    entry = drop(desk.sessions, item_id, clock.now(), desk.actor)
    log.warning(
        "outbox dead letter dropped",
        extra={"outbox_id": entry.id, "ref": entry.ticket_ref, "kind": entry.kind, "actor": desk.actor},
    )
    print(
        desk.t(
            "outbox.dropped", id=entry.id, kind=entry.kind, platform=entry.platform, ticket=_ticket(entry)
        ),
        file=out,
    )
    return 0


def _ticket(entry: OutboxEntry) -> str:
    return f"#{entry.ticket_ref}" if entry.ticket_ref is not None else "-"


def _row(entry: OutboxEntry, desk: AdminDesk) -> str:
    return "\t".join(
        [
            str(entry.id),
            desk.t(f"outbox.status.{entry.status}"),  # in words (配信不能), not the database's dead
            entry.platform,
            entry.kind,
            str(entry.attempts),
            _ticket(entry),
            preview(entry.last_error, ERROR_CHARS, desk.masker),
            preview(entry.text, PREVIEW_CHARS, desk.masker),
        ]
    )
