"""The digest's aggregates (:class:`bot.core.ports.Figures`) computed over :class:`MemoryStore`.

The same figures as storage/figures.py computes in SQL; tests/storage/test_store_contract.py holds
the two to one set of answers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from bot.core.domain import Status, Ticket
from bot.core.ports import DayFigures, WeekRows
from storage.figures import OVERDUE_LISTED
from tests.memory_store import MemoryStore


class MemoryFigures:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def _tickets(self, start: datetime, end: datetime) -> list[Ticket]:
        with self.store.lock:
            tickets = sorted(self.store.state.tickets.values(), key=lambda t: t.ref)
        return [t for t in tickets if start <= t.created_at < end]

    def day_figures(
        self, bounds: Sequence[tuple[datetime, datetime]], until: datetime
    ) -> list[dict[str | None, DayFigures]]:
        results: list[dict[str | None, DayFigures]] = []
        for start, end in bounds:
            counts: defaultdict[str | None, list[int]] = defaultdict(lambda: [0, 0, 0])
            for ticket in self._tickets(start, end):
                answered = ticket.first_response_at
                figures = counts[ticket.department]
                figures[0] += 1
                first_due = ticket.first_due_at or ticket.due_at
                figures[1] += answered is not None or first_due <= until
                figures[2] += answered is not None and answered <= first_due
            results.append({dept: DayFigures(*numbers) for dept, numbers in counts.items()})
        return results

    def texts(self, start: datetime, end: datetime) -> defaultdict[str | None, list[tuple[int, str]]]:
        found: defaultdict[str | None, list[tuple[int, str]]] = defaultdict(list)
        for ticket in self._tickets(start, end):
            found[ticket.department].append((ticket.ref, ticket.text))
        return found

    def week_rows(self, start: datetime, end: datetime, now: datetime) -> WeekRows:
        rows = WeekRows()
        for ticket in self._tickets(start, end):
            dept = ticket.department
            rows.texts[dept].append((ticket.ref, ticket.text))
            if ticket.first_response_at is not None:
                rows.waits[dept].append(ticket.first_response_at - ticket.created_at)
            if ticket.priority:
                rows.priority[dept] += 1
            if ticket.customer:
                rows.customers[dept][ticket.customer] += 1
        overdue: defaultdict[str | None, list[tuple[int, datetime]]] = defaultdict(list)
        for ticket in self._tickets(datetime.min.replace(tzinfo=end.tzinfo), end):
            if ticket.status is Status.RESOLVED:
                continue
            late = not ticket.answered and ticket.due_at < now
            rows.open_count[ticket.department] += 1
            rows.overdue_count[ticket.department] += late
            if late:
                overdue[ticket.department].append((ticket.ref, ticket.due_at))
        for dept, listed in overdue.items():
            rows.overdue[dept] = sorted(listed, key=lambda item: item[1])[:OVERDUE_LISTED]
        with self.store.lock:
            moves = [
                e.detail for e in self.store.state.audit if e.action == "reassigned" and start <= e.at < end
            ]
        for detail in moves:
            rows.moved_away[detail.get("from")] += 1
            rows.moved_to[detail.get("to")] += 1
        return rows
