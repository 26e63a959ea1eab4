"""Every text exists in every language with the same placeholders; times and durations read right."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.i18n import TEXTS, Translator


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_language_has_every_text_with_the_same_placeholders(language: str) -> None:
    assert set(TEXTS[language]) == set(TEXTS["ja"])
    for key, template in TEXTS["ja"].items():
        assert placeholders(TEXTS[language][key]) == placeholders(template), key


def test_durations_and_deadlines() -> None:
    ja, en, ko = Translator("ja"), Translator("en"), Translator("ko")
    assert ja.duration(timedelta(hours=26, minutes=5)) == "1日2時間5分"
    assert en.duration(timedelta(minutes=42)) == "42m"
    assert ko.duration(timedelta(hours=3)) == "3시간 0분"
    now = datetime(2026, 11, 16, tzinfo=UTC)
    assert ja.time_left(now + timedelta(hours=4), now) == "残り 4時間0分"
    assert ja.time_left(now - timedelta(hours=1), now) == "1時間0分 超過"
    tokyo = ZoneInfo("Asia/Tokyo")
    assert ja.moment(now, tokyo) == "11/16(月) 09:00"
    assert en.moment(now, tokyo) == "Mon 16 Nov 09:00"
    assert ko.moment(now, tokyo) == "11/16(월) 09:00"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="fr"):
        Translator("fr")
