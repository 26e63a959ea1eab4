"""Every text the bot says, in Japanese (default), English and Korean.

Each language is a package (``ja``, ``en``, ``ko``) with the same area modules, and a key lives in
the same area in every language; the key's first part says which:

- ``tickets``: reply, status, action, done, attempt, error, usage, flag, department, reminder, time,
  duration
- ``cards``: card, button, list, history, find, home, records, mask
- ``customers``: customer, thread, satisfaction, template
- ``digest``: digest, chart, week
- ``operations``: outbox, inbox, export, cli
- ``console``, ``slack``, ``line``: the texts only that chat shows

:data:`TEXTS` joins each language's areas into one table (tests/bot/core/test_i18n.py checks that no
key is in two areas and that every language has the same keys in the same areas). A new language is
a package with the same area modules and its entry in :data:`AREAS`, :data:`GLOSSARY`, :data:`RETIRED`
and the weekday names.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.i18n import en, ja, ko

AREAS: dict[str, tuple[ModuleType, ...]] = {"ja": ja.AREAS, "en": en.AREAS, "ko": ko.AREAS}
"""Each language's area modules; each holds its part of the texts as ``TEXTS``."""


def _joined(areas: tuple[ModuleType, ...]) -> dict[str, str]:
    return {key: text for area in areas for key, text in area.TEXTS.items()}


TEXTS: dict[str, dict[str, str]] = {language: _joined(areas) for language, areas in AREAS.items()}

GLOSSARY: dict[str, dict[str, str]] = {
    "ja": {
        "complaint": "苦情",
        "ticket": "チケット",
        "acknowledge": "対応開始",
        "resolve": "解決",
        "reassign": "振り替え",
        "snooze": "スヌーズ",
        "open": "未対応",
        "acknowledged": "対応中",
        "resolved": "解決済み",
        "deadline": "返信期限",
        "triage": "トリアージ",
    },
    "en": {
        "complaint": "complaint",
        "ticket": "ticket",
        "acknowledge": "Acknowledge",
        "resolve": "Resolve",
        "reassign": "Reassign",
        "snooze": "Snooze",
        "open": "open",
        "acknowledged": "acknowledged",
        "resolved": "resolved",
        "deadline": "reply due",
        "triage": "triage",
    },
    "ko": {
        "complaint": "불만",
        "ticket": "티켓",
        "acknowledge": "처리 시작",
        "resolve": "해결",
        "reassign": "재배정",
        "snooze": "일시 정지",
        "open": "미처리",
        "acknowledged": "처리 중",
        "resolved": "해결됨",
        "deadline": "답변 기한",
        "triage": "트리아지",
    },
}
"""One word per action and state in each language. Every text that names one uses this word; the
words others had used for the same thing (:data:`RETIRED`) appear nowhere (tests/bot/core/test_i18n.py)."""

RETIRED: dict[str, tuple[str, ...]] = {
    "ja": ("担当変更", "部署を変更", "部署を訂正", "リマインダーを止め", "時間止める"),
    "en": ("Correct the department", "pause reminders", "Snooze reminders", "moved it"),
    "ko": ("부서 변경", "부서 정정", "알림 멈춤", "멈췄습니다"),
}

_WEEKDAYS = {
    "ja": "月火水木金土日",
    "ko": "월화수목금토일",
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


class Translator:
    """Looks texts up in one language; a missing key falls back to English, then to the key."""

    def __init__(self, language: str = "ja") -> None:
        if language not in TEXTS:
            raise ValueError(f"unsupported language {language!r}")
        self.language = language

    def __call__(self, text_key: str, /, **params: Any) -> str:
        return self.template(text_key).format(**params)

    def template(self, text_key: str) -> str:
        """The text not yet filled in (a reply template the shop may also configure)."""
        return TEXTS[self.language].get(text_key) or TEXTS["en"].get(text_key) or text_key

    def duration(self, delta: timedelta) -> str:
        """A length of time, compact: 2日, 1日6時間, 3時間20分, 45分 (no zero parts)."""
        return self.span(delta)

    def span(self, delta: timedelta, *, days: bool = True) -> str:
        """``delta`` (its size) in days and hours from a day on, else hours and minutes.

        ``days=False`` keeps whole hours past a day: working hours read as days would mislead.
        """
        minutes = max(0, int(abs(delta).total_seconds()) // 60)
        hours, minutes = divmod(minutes, 60)
        if days and hours >= 24:
            d, h = divmod(hours, 24)
            return self("duration.dh", d=d, h=h) if h else self("duration.d", d=d)
        if hours and minutes:
            return self("duration.hm", h=hours, m=minutes)
        return self("duration.h", h=hours) if hours else self("duration.m", m=minutes)

    def time_left(self, due_at: datetime, now: datetime) -> str:
        """Clock time left (or overdue); a ticket's time left is :func:`bot.core.wording.time_left`."""
        delta = due_at - now
        if delta > timedelta(0):
            return self("time.left", duration=self.duration(delta))
        return self("time.over", duration=self.duration(delta))

    def term(self, name: str) -> str:
        """The glossary's word for an action or a state (see :data:`GLOSSARY`)."""
        return GLOSSARY[self.language][name]

    def day(self, at: datetime) -> str:
        """A date with its weekday: 12/7（月）, Mon 7 Dec, 12/7(월)."""
        name = _WEEKDAYS[self.language][at.weekday()]
        if self.language == "en":
            return f"{name} {at.day} {at:%b}"
        if self.language == "ja":
            return f"{at.month}/{at.day}（{name}）"
        return f"{at.month}/{at.day}({name})"

    def weekday(self, index: int) -> str:
        """The short name of a weekday, Monday being 0."""
        return _WEEKDAYS[self.language][index]

    def moment(self, at: datetime, tz: ZoneInfo) -> str:
        """A short local date and time: 11/24(火) 09:12, Tue 24 Nov 09:12, 11/24(화) 09:12."""
        local = at.astimezone(tz)
        day = _WEEKDAYS[self.language][local.weekday()]
        if self.language == "en":
            return f"{day} {local.day} {local:%b %H:%M}"
        return f"{local.month}/{local.day}({day}) {local:%H:%M}"

    def percent(self, value: float) -> str:
        return f"{value * 100:.0f}%"
