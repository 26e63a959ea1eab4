"""Clocks: the real one, and a fake one that tests, the demo and ``console --fake-clock`` move by hand."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to. Thread-safe, so a worker thread may read it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware start time")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("time does not run backwards")
        with self._lock:
            self._now += delta
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment.astimezone(UTC)


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s)", re.IGNORECASE)
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_duration(text: str) -> timedelta | None:
    """Parses ``20h``, ``2h30m``, ``1d`` or ``90m`` (full-width digits too); ``None`` when it is not one."""
    import unicodedata

    compact = unicodedata.normalize("NFKC", text).replace(" ", "").lower()
    if not compact or _DURATION.sub("", compact):
        return None
    total = timedelta()
    for amount, unit in _DURATION.findall(compact):
        total += timedelta(**{_UNITS[unit.lower()]: float(amount)})
    return total
