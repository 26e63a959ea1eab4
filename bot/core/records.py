"""A ticket's records for the people allowed to see them: its history, its full text, CSV exports,
and retention, which erases old complaint texts while the figures and the audit trail stay.
"""

from __future__ import annotations

import contextlib
import csv
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Protocol, TextIO

from bot.config import Config
from bot.core.access import AccessEntry, Forbidden, Guard, Permission
from bot.core.cards import CardWriter
from bot.core.domain import Ticket, TriageError
from bot.core.ports import Clock, UnitOfWork
from bot.core.triage import TriageService, existing_ticket

log = logging.getLogger(__name__)

EXPORT_COLUMNS = (
    "ref",
    "created_at",
    "department",
    "needs_triage",
    "priority",
    "status",
    "due_at",
    "first_response_at",
    "resolved_at",
    "language",
    "platform",
    "forwarder",
    "text",
)


class RecordStore(Protocol):
    def tickets_since(self, since: datetime) -> list[Ticket]: ...
    def erase_texts_before(self, cutoff: datetime, now: datetime) -> int: ...


class Records:
    def __init__(
        self,
        config: Config,
        service: TriageService,
        guard: Guard,
        store: RecordStore,
        writer: CardWriter,
        clock: Clock,
    ) -> None:
        self.config = config
        self.service = service
        self.guard = guard
        self.store = store
        self.writer = writer
        self.clock = clock
        self.t = writer.t

    def history_text(self, ref: int, actor: str) -> str:
        """The ticket's audit trail, one line per event, for someone allowed to view the ticket."""
        with self._viewed(ref, actor, "history") as uow:
            entries = uow.history(ref)
        lines = [self.t("history.header", ref=ref)]
        for entry in entries:
            lines.append(
                self.t(
                    "history.item",
                    at=self.t.moment(entry.at, self.config.tz),
                    actor=entry.actor,
                    action=self.service.describe(entry),
                )
            )
        return "\n".join(lines)

    def full_text(self, ref: int, actor: str) -> str:
        """The complaint unmasked, for someone allowed to view the ticket; the viewing is audited.

        Raises:
            Forbidden: the actor may not view it (the refusal is audited).
            TriageError: retention has erased the text.
        """
        with self._viewed(ref, actor, "full_text") as uow:
            ticket = uow.get_ticket(ref)
            if ticket is not None and ticket.erased_at is None:
                uow.audit(ref, self.clock.now(), actor, "viewed_full_text", {})
        if ticket is None or ticket.erased_at is not None:
            raise TriageError("error.text_erased", ref=ref)
        return self.t("records.full_text", ref=ref, text=ticket.text)

    @contextlib.contextmanager
    def _viewed(self, ref: int, actor: str, attempted: str) -> Iterator[UnitOfWork]:
        """One transaction in which ``actor`` may view ticket ``ref``; a refusal is audited in it."""
        with self.service.store.transaction() as uow:
            ticket = existing_ticket(uow, ref)
            allowed = self.guard.allows(uow, actor, Permission.VIEW, attempted, ticket)
            if allowed:
                yield uow
        if not allowed:
            raise Forbidden()

    def export_csv(self, out: TextIO, since: datetime, *, full: bool, actor: str) -> int:
        return export_csv(
            out, since, full=full, actor=actor, guard=self.guard, store=self.store, cards=self.writer
        )

    def erase_expired_texts(self, now: datetime) -> int:
        """The retention job: erases complaint texts older than ``[privacy] retention_days``."""
        if self.config.retention_days is None:
            return 0
        erased = self.store.erase_texts_before(now - timedelta(days=self.config.retention_days), now)
        if erased:
            log.info("retention erased %d complaint texts", erased)
        return erased


def export_table(
    since: datetime,
    *,
    full: bool,
    actor: str,
    guard: Guard,
    store: RecordStore,
    cards: CardWriter,
) -> tuple[list[str], list[list[str | int]]]:
    """The tickets created since ``since`` as a table for Excel: headers, department names, Yes/No
    and states in the bot's language, times local to [bot].timezone; texts masked unless ``full``.

    Only admins may export; the export is audited with its scope (who, since when, masked or full,
    how many tickets).
    """
    guard.require(actor, Permission.ADMIN, "export_full" if full else "export")
    tickets = store.tickets_since(since)
    t, tz = cards.t, cards.config.tz
    yes_no = {True: t("export.yes"), False: t("export.no")}

    def local(at: datetime | None) -> str:
        return at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if at else ""

    rows: list[list[str | int]] = [
        [
            ticket.ref,
            local(ticket.created_at),
            cards.department_name(ticket.department),
            yes_no[ticket.needs_triage],
            yes_no[bool(ticket.priority)],
            t(f"status.{ticket.status.value}"),
            local(ticket.due_at),
            local(ticket.first_response_at),
            local(ticket.resolved_at),
            ticket.language,
            ticket.platform,
            ticket.forwarder,
            _inert(ticket.text if full else cards.masked(ticket)),
        ]
        for ticket in tickets
    ]
    detail = {"since": since.isoformat(), "full": full, "tickets": len(tickets)}
    guard.log_store.log_access(AccessEntry(guard.clock.now(), actor, "export", True, detail))
    return [t(f"export.{column}") for column in EXPORT_COLUMNS], rows


def export_csv(
    out: TextIO,
    since: datetime,
    *,
    full: bool,
    actor: str,
    guard: Guard,
    store: RecordStore,
    cards: CardWriter,
) -> int:
    """Writes :func:`export_table` as CSV to ``out``; returns the number of tickets written.

    The caller opens ``out`` as UTF-8 with a byte-order mark (``utf-8-sig``): without it Japanese
    Excel reads the file as Shift_JIS and garbles it.
    """
    header, rows = export_table(since, full=full, actor=actor, guard=guard, store=store, cards=cards)
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return len(rows)


def _inert(text: str) -> str:
    """A spreadsheet would run a cell starting with these as a formula; a quote keeps it text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
