"""Every text exists in every language with the same placeholders; times and durations read right."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.i18n import AREAS, GLOSSARY, RETIRED, TEXTS, Translator


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_language_has_every_text_with_the_same_placeholders(language: str) -> None:
    assert set(TEXTS[language]) == set(TEXTS["ja"])
    for key, template in TEXTS["ja"].items():
        assert placeholders(TEXTS[language][key]) == placeholders(template), key


@pytest.mark.parametrize("language", ["ja", "en", "ko"])
def test_no_key_is_in_two_areas(language: str) -> None:
    # Joining the areas would keep one of the texts silently (within one area, ruff's F601 says so).
    areas_of_key: dict[str, list[str]] = {}
    for area in AREAS[language]:
        for key in area.TEXTS:
            areas_of_key.setdefault(key, []).append(area.__name__)
    assert {key: areas for key, areas in areas_of_key.items() if len(areas) > 1} == {}


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_key_is_in_the_same_area_in_every_language(language: str) -> None:
    def area_of_each_key(language: str) -> dict[str, str]:
        return {key: area.__name__.rpartition(".")[2] for area in AREAS[language] for key in area.TEXTS}

    assert area_of_each_key(language) == area_of_each_key("ja")


def test_durations_and_deadlines() -> None:
    ja, en, ko = Translator("ja"), Translator("en"), Translator("ko")
    assert ja.duration(timedelta(hours=26, minutes=5)) == "1日2時間"
    assert ja.duration(timedelta(hours=48)) == "2日"
    assert ja.span(timedelta(hours=30), days=False) == "30時間"
    assert en.duration(timedelta(minutes=42)) == "42 min"
    assert ko.duration(timedelta(hours=3)) == "3시간"
    now = datetime(2026, 11, 16, tzinfo=UTC)
    assert ja.time_left(now + timedelta(hours=3, minutes=20), now) == "残り3時間20分"
    assert ja.time_left(now - timedelta(hours=1), now) == "1時間超過"
    tokyo = ZoneInfo("Asia/Tokyo")
    assert ja.moment(now, tokyo) == "11/16(月) 09:00"
    assert en.moment(now, tokyo) == "Mon 16 Nov 09:00"
    assert ko.moment(now, tokyo) == "11/16(월) 09:00"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="fr"):
        Translator("fr")


@pytest.mark.parametrize("language", ["ja", "en", "ko"])
def test_one_word_per_action_the_glossarys(language: str) -> None:
    texts = TEXTS[language]
    for retired in RETIRED[language]:
        assert not [key for key, text in texts.items() if retired in text], retired
    assert texts["card.action.reassign"] == texts["line.button.reassign"] == GLOSSARY[language]["reassign"]
    assert texts["slack.correct"] == GLOSSARY[language]["reassign"]
    assert texts["card.action.snooze"] == GLOSSARY[language]["snooze"]
    assert texts["attempt.snooze"].casefold() == GLOSSARY[language]["snooze"].casefold()
    assert texts["card.action.acknowledge"] == GLOSSARY[language]["acknowledge"]
    for state in ("open", "acknowledged", "resolved"):
        assert texts[f"status.{state}"] == GLOSSARY[language][state]


JAPANESE = r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]"


def test_japanese_sentences_have_no_half_width_spaces_and_quote_with_brackets() -> None:
    # A command's arguments are separated by a space (/reassign #1 部署): those are not sentences.
    spaced = {
        key: text
        for key, text in TEXTS["ja"].items()
        if re.search(rf"{JAPANESE} | {JAPANESE}", re.sub(r"/\w+ #\S+ \S+|^[^\w\s]+ ", "", text))
    }
    assert spaced == {}
    assert "「受注・在庫」に振り替えました" in Translator("ja")(
        "action.reassigned", from_department="未分類", to_department="受注・在庫"
    )


def test_weeks_and_days_read_as_dates() -> None:
    from bot.core.wording import week_range

    tokyo = ZoneInfo("Asia/Tokyo")
    start, end = datetime(2026, 12, 7, tzinfo=tokyo), datetime(2026, 12, 14, tzinfo=tokyo)
    assert week_range(Translator("ja"), start, end) == "12/7（月）〜12/13（日）"
    assert week_range(Translator("en"), start, end) == "Mon 7 Dec – Sun 13 Dec"
