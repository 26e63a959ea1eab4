"""How the bot words the figures people act on: time left, a week, a department typed by hand.

One function per figure, so the card, ``/list``, the reminders, the App Home and the digest all say
the same thing the same way (a card once said 「営業時間で残り 1日0時間0分」 while ``/list`` said
「残り 8日23時間30分」 for the same ticket).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import DEFAULT_SILENT_RATIO, Department
from bot.core.domain import Ticket
from bot.core.i18n import Translator
from bot.core.sla import SlaPolicy


def time_left(t: Translator, policy: SlaPolicy, due_at: datetime, now: datetime) -> str:
    """Time to the deadline as the team counts it: 残り3時間20分, 残り2日, 営業時間で残り24時間.

    A business-hours team counts working hours (a day of them would read as three calendar days, so
    they are never shown as days); a team on the clock counts clock time. Past the deadline it is
    clock time overdue for everyone.
    """
    if now >= due_at:
        return t("time.over", duration=t.span(due_at - now))
    if policy.business_hours:
        return t("time.working_left", duration=t.span(policy.working_left(due_at, now), days=False))
    return t("time.left", duration=t.span(due_at - now))


def week_range(t: Translator, start: datetime, end: datetime) -> str:
    """A week as people read it: 12/7（月）〜12/13（日）, not 2026-W50 (``end`` is exclusive)."""
    last = end - timedelta(days=1)
    return t("week.range", start=t.day(start), end=t.day(last))


def _folded(text: str) -> str:
    """Width, case and spacing folded, so 「物流・配送 」 and 「ｌｏｇｉｓｔｉｃｓ」 match as typed."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def find_department(departments: Iterable[Department], typed: str) -> str | None:
    """The key of the department ``typed`` names: its key or any of its names, in any language."""
    wanted = _folded(typed)
    if not wanted:
        return None
    for department in departments:
        if wanted in {_folded(department.key), *(_folded(name) for name in department.names.values())}:
            return department.key
    return None


def _rough(value: float) -> int:
    """Two significant figures: a range of guesses reads as a guess (約550人, not 約551人)."""
    if value < 10:
        return round(value)
    magnitude = 10 ** (len(str(int(value))) - 2)
    return int(round(value / magnitude) * magnitude)


def silent_estimate(t: Translator, complaints: int, ratio: float) -> str:
    """The unhappy customers who said nothing, as a rough range with its basis in words.

    The ratio is a rule of thumb, not a measurement, so the figure is shown from half to twice
    ``complaints * ratio``; a ratio other than the default is the shop's own, and said so.
    """
    middle = complaints * ratio
    own = ratio != DEFAULT_SILENT_RATIO
    basis = t("digest.silent.own", ratio=f"{ratio:g}") if own else t("digest.silent.heinrich")
    return t("digest.silent", low=_rough(middle / 2), high=_rough(middle * 2), basis=basis)


def snoozed(t: Translator, ticket: Ticket, tz: ZoneInfo) -> str:
    """The answer to a snooze: until when it really holds the reminders (the deadline caps it)."""
    until = ticket.snoozed_until or ticket.due_at
    key = "done.snoozed_capped" if until == ticket.due_at else "done.snoozed"
    return t(key, ref=ticket.ref, until=t.moment(until, tz))
