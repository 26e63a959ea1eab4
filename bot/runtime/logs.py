"""Log output: one line per record, as text or JSON lines, with the record's context fields.

The code logs context as ``extra={"ref": 12, "event_id": "Ev1"}``; both formats show those fields
(text as ``key=value`` after the message), so each event's line carries its ticket reference and
event id. Complaint texts are never passed to a logger; as a second guard every configured secret
is blanked from the final line, and the HTTP clients' debug output (which holds request bodies and
headers) is kept at warning level whatever ``--log-level`` says.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.config import Secrets

FORMATS = ("text", "json")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
QUIETED = ("slack_sdk", "slack_bolt", "linebot", "urllib3", "werkzeug", "apscheduler")
"""Libraries whose info/debug output holds request bodies, headers or per-request noise."""
REDACTED = "[redacted]"


def context(record: logging.LogRecord) -> dict[str, Any]:
    """The fields given with ``extra=``, in the order they were given."""
    return {key: value for key, value in vars(record).items() if key not in _STANDARD}


class _Redacting(logging.Formatter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is blanked whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        line = self.render(record)
        for secret in self.secrets:
            line = line.replace(secret, REDACTED)
        return line

    def render(self, record: logging.LogRecord) -> str:
        raise NotImplementedError


class TextFormatter(_Redacting):
    """``2026-11-30T15:00:00.123Z INFO bot.core.triage ticket created ref=12 event_id=Ev1``"""

    def render(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        parts = [at.replace("+00:00", "Z"), record.levelname, record.name, record.getMessage()]
        parts += [f"{key}={value}" for key, value in context(record).items()]
        line = " ".join(str(part) for part in parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(_Redacting):
    """One JSON object per line: time, level, logger, message and the context fields."""

    def render(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **context(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(
    level: str, log_format: str, secrets: Secrets | None = None, stream: TextIO | None = None
) -> logging.Handler:
    """Sends every log record to ``stream`` (stderr) in ``log_format``; returns the handler."""
    values = list(secrets) if secrets else []
    formatter = JsonFormatter(values) if log_format == "json" else TextFormatter(values)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    numeric = getattr(logging, level.upper())
    root.setLevel(numeric)
    for name in QUIETED:
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING))
    return handler
