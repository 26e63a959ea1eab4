"""``/find TEXT``: a ticket by its number, or tickets by order number, customer or words; newest
first, only those the asker may see, each line masked as on the cards."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from bot.core.access import Access
from bot.core.cards import CardWriter
from bot.core.domain import InvalidArgument, Ticket
from bot.core.ports import Store, TicketQuery

MAX_RESULTS = 20
MAX_QUERY_CHARS = 100
_REF = re.compile(r"#?([1-9][0-9]{0,8})")


class Finder:
    def __init__(self, store: Store, access: Access, writer: CardWriter) -> None:
        self.store = store
        self.access = access
        self.writer = writer
        self.t = writer.t

    def find(self, text: str, actor: str, *, limit: int = MAX_RESULTS) -> list[Ticket]:
        """The tickets matching ``text`` that ``actor`` may see: their teams' and those they forwarded.

        Raises:
            InvalidArgument: nothing to look for, or more than ``MAX_QUERY_CHARS`` characters.
        """
        words = " ".join(unicodedata.normalize("NFKC", text).split())
        if not words or len(words) > MAX_QUERY_CHARS:
            raise InvalidArgument("error.usage", usage=self.t("find.usage"))
        match = _REF.fullmatch(words)
        departments = self.access.departments(actor)
        query = TicketQuery(
            ref=int(match[1]) if match else None,
            text="" if match and words.startswith("#") else words,
            departments=departments,
            forwarder=actor if departments is not None else None,
        )
        with self.store.transaction() as uow:
            return uow.search_tickets(query, limit=limit)

    def find_text(self, text: str, actor: str, now: datetime) -> str:
        """``find`` as the lines a person reads (the console, a chat's answer only the asker sees)."""
        tickets = self.find(text, actor)
        query = self.writer.excerpt(text)
        if not tickets:
            return self.t("find.empty", query=query)
        lines = [self.t("find.header", query=query, count=len(tickets))]
        for ticket in tickets:
            lines.append(
                self.t(
                    "find.item",
                    ref=ticket.ref,
                    status=self.writer.list_status(ticket),
                    department=self.writer.department_name(ticket.department),
                    created=self.t.moment(ticket.created_at, self.writer.config.tz),
                    summary=self.writer.summary(ticket),
                )
            )
        return "\n".join(lines)
