"""Logs: one line per event with its ticket reference and event id, text or JSON lines, and never
the complaint text or a token, even at debug level."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.config import ConfigError, parse_config
from bot.runtime.logs import QUIETED, configure_logging
from tests.served import LINE_SECRET, LINE_TOKEN, SLACK_SECRET, SLACK_TOKEN, line_text, served, slack_mention

SLACK_COMPLAINT = "配送が遅れています。山田花子 090-1234-5678 までご連絡ください"
LINE_COMPLAINT = "請求が二重です。カード 4111 1111 1111 1111 で払いました"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging changes the root logger: put pytest's handlers and the levels back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    chatty = {name: logging.getLogger(name).level for name in QUIETED}
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, old in chatty.items():
        logging.getLogger(name).setLevel(old)


def run_intake(database_url: str, log_format: str) -> str:
    """Slack and LINE complaints in, the outbox delivered, a failing event: everything logged."""
    stream = io.StringIO()
    with served(database_url) as site:
        configure_logging("debug", log_format, site.app.config.secrets, stream)
        assert site.post_slack(slack_mention("EvLOG0001", SLACK_COMPLAINT, "1763850000.000200")) == 200
        assert (
            site.post_slack(slack_mention("EvLOG0001", SLACK_COMPLAINT, "1763850000.000200"), retry=1) == 200
        )
        assert site.post_line(line_text("01LOGLINE01", LINE_COMPLAINT)) == 200
        site.slack_api.fail("chat.postMessage", 500, {"ok": False, "error": "internal_error"})
        site.app.dispatcher.drain()
        logging.getLogger("bot.test").error("a token in a message by mistake: %s", SLACK_TOKEN)
    return stream.getvalue()


def assert_nothing_secret(output: str) -> None:
    for secret in (SLACK_TOKEN, LINE_TOKEN, SLACK_SECRET, LINE_SECRET):
        assert secret not in output
    for fragment in ("配送が遅れています", "山田花子", "090-1234-5678", "請求が二重です", "4111 1111"):
        assert fragment not in output


@pytest.mark.usefixtures("restore_logging")
def test_text_logs_show_ticket_and_event_but_never_the_text_or_a_token(database_url: str) -> None:
    output = run_intake(database_url, "text")

    assert_nothing_secret(output)
    created = [line for line in output.splitlines() if " ticket created " in line]
    assert len(created) == 2
    assert any("ref=1 " in line and "event_id=C0SUPPORT:1763850000.000200" in line for line in created)
    assert any("ref=2 " in line and "event_id=01LOGLINE01" in line for line in created)
    (duplicate,) = [line for line in output.splitlines() if " duplicate event " in line]
    assert "ref=1" in duplicate and "event_id=C0SUPPORT:1763850000.000200" in duplicate
    assert "[redacted]" in output  # the token logged by mistake was blanked
    assert " WARNING bot.core.outbox outbox send failed; will retry outbox_id=" in output


@pytest.mark.usefixtures("restore_logging")
def test_json_logs_are_one_object_per_line_with_the_context_fields(database_url: str) -> None:
    output = run_intake(database_url, "json")

    assert_nothing_secret(output)
    entries = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert entries and all(line.startswith("{") for line in output.splitlines())  # one record, one line
    created = [entry for entry in entries if entry["message"] == "ticket created"]
    assert [(entry["ref"], entry["event_id"]) for entry in created] == [
        (1, "C0SUPPORT:1763850000.000200"),
        (2, "01LOGLINE01"),
    ]
    assert {entry["level"] for entry in created} == {"INFO"} and created[0]["logger"] == "bot.core.intake"
    assert created[0]["department"] == "logistics" and created[1]["platform"] == "line"
    assert any(entry["message"] == "duplicate event" and entry["ref"] == 1 for entry in entries)


def test_the_log_format_comes_from_the_config_file_or_the_environment() -> None:
    assert parse_config({}, {}).log_format == "text"
    assert parse_config({"logging": {"format": "json"}}, {}).log_format == "json"
    assert parse_config({"logging": {"format": "json"}}, {"LOG_FORMAT": "text"}).log_format == "text"
    assert parse_config({}, {"LOG_FORMAT": "json"}).log_format == "json"
    with pytest.raises(ConfigError, match=r"'logging\.format'"):
        parse_config({"logging": {"format": "xml"}}, {})
    with pytest.raises(ConfigError, match="'LOG_FORMAT'"):
        parse_config({}, {"LOG_FORMAT": "yaml"})
    with pytest.raises(ConfigError, match=r"'logging\.level'"):
        parse_config({"logging": {"level": "debug"}}, {})
