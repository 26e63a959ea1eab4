"""What happens to a ticket when its original message changes: unsent, deleted or edited.

A ticket remembers its original message (``IncomingMessage.message_id``, recorded by
:meth:`~bot.core.triage.TriageService.intake_many`). When the customer or forwarder takes it
back (LINE's unsend), the shop must not keep what was withdrawn (APPI, PIPA): the text, the note
and the customer are erased from the ticket and from every message still waiting to be sent,
the stored copies of those sent are blanked, and the card says who withdrew it. A deletion (Slack)
is noted on the card; an edit soon after is taken into the ticket, a later one only noted. Each
is audited and none opens a ticket.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from bot.core.domain import EDITED_LATE, SOURCE_DELETED, WITHDRAWN, WITHDRAWN_BY_FORWARDER, Ticket
from bot.core.ports import UnitOfWork
from bot.core.triage import TriageService

log = logging.getLogger(__name__)

EDIT_WINDOW = timedelta(minutes=15)
"""An edit this soon after the complaint arrived corrects it (a typo, a missing word); a later one
may change what was answered, so it is only noted."""


class Originals:
    def __init__(self, service: TriageService) -> None:
        self.service = service

    def find(self, platform: str, message_id: str) -> Ticket | None:
        """The ticket whose original message this is, if any."""
        with self.service.store.transaction() as uow:
            return uow.find_original(platform, message_id)

    def withdraw(self, platform: str, message_id: str, actor: str, *, by_customer: bool) -> Ticket | None:
        """The original was unsent: erase the complaint everywhere and say so on the card.

        Returns the ticket, or ``None`` when the message opened none (nothing to do).
        """
        flag = WITHDRAWN if by_customer else WITHDRAWN_BY_FORWARDER

        def change(ticket: Ticket, now: datetime) -> dict[str, Any]:
            ticket.text, ticket.note, ticket.customer, ticket.names = "", None, None, ()
            ticket.erased_at = now
            return {"by_customer": by_customer}

        return self._change(platform, message_id, actor, "withdrawn", flag, change, erase=True)

    def deleted(self, platform: str, message_id: str, actor: str) -> Ticket | None:
        """The original was deleted: the ticket keeps the complaint; the card says it is gone."""
        return self._change(platform, message_id, actor, "source_deleted", SOURCE_DELETED, _nothing)

    def edited(self, platform: str, message_id: str, actor: str, text: str) -> Ticket | None:
        """The original was edited: soon after, the ticket takes the new text; later, it is noted."""
        ticket = self.find(platform, message_id)
        if ticket is None or ticket.erased_at is not None or text.strip() in ("", ticket.text):
            return None  # not a ticket's, nothing left, or no change (Slack's retry)
        if self.service.clock.now() - ticket.created_at > EDIT_WINDOW:
            return self._change(platform, message_id, actor, "edited_late", EDITED_LATE, _nothing)

        def change(ticket: Ticket, now: datetime) -> dict[str, Any]:
            ticket.text = text.strip()
            return {}

        return self._change(platform, message_id, actor, "edited", None, change)

    def _change(
        self,
        platform: str,
        message_id: str,
        actor: str,
        action: str,
        flag: str | None,
        apply: Any,
        *,
        erase: bool = False,
    ) -> Ticket | None:
        service = self.service
        with service.store.transaction() as uow:
            found = uow.find_original(platform, message_id)
            ticket = uow.get_ticket(found.ref, for_update=True) if found else None
            if ticket is None or (flag is not None and flag in ticket.flags) or ticket.erased_at is not None:
                return None  # no ticket, told before (a redelivery), or nothing left to change
            now = service.clock.now()
            detail = apply(ticket, now)
            if flag is not None:
                ticket.flags = (*ticket.flags, flag)
            uow.save_ticket(ticket)
            uow.audit(ticket.ref, now, actor, action, detail)
            self._queue(uow, ticket, now, actor, action, detail, erase=erase)
        log.info("original message %s", action, extra={"ref": ticket.ref, "action": action})
        return ticket

    def _queue(
        self,
        uow: UnitOfWork,
        ticket: Ticket,
        now: datetime,
        actor: str,
        action: str,
        detail: dict[str, Any],
        *,
        erase: bool,
    ) -> None:
        service = self.service
        targets = service.directory.ticket_targets(ticket)
        change = {
            "actor": actor,
            "action": action,
            "at": now,
            "action_text": service.describe_action(action, detail),
        }
        updates = service.card_messages(ticket, now, "card_update", targets, change)
        if erase:
            uow.erase_queued(ticket.ref, [*service.card_messages(ticket, now, "card", targets, change)])
        uow.queue_many(updates, now)


def _nothing(ticket: Ticket, now: datetime) -> dict[str, Any]:
    return {}
