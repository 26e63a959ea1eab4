"""What the fault tests share: the config of a shop on Slack and LINE, SDK-signed requests, the
outbox as the platforms saw it, and waiting (with a deadline) for other processes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from linebot.v3.webhook import SignatureValidator
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bot.platforms.slack.blocks import fallback
from storage.models import DigestRow, InboundEventRow, OutboxRow, ReminderRow, TicketRow
from tests.line_api import FakeLineApi
from tests.slack_api import FakeSlackApi

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
LINE_SECRET = "d41d8cd98f00b204e9800998ecf8427e"
LOGISTICS_GROUP = "C" + "a" * 32
MANAGERS_GROUP = "C" + "b" * 32
TRIAGE_GROUP = "C" + "c" * 32
STAFF = "U" + "1" * 32


def shop_config(*, send_timeout: float = 0.5, lease: float = 2.0) -> dict[str, Any]:
    """A shop with cards on Slack and on LINE, fast timeouts and a short lease for the tests."""
    return {
        "departments": [
            {"key": "logistics", "slack_channel": "C0LOGISTICS", "line_group": LOGISTICS_GROUP},
            {"key": "billing", "slack_channel": "C0BILLING"},
            {"key": "product", "slack_channel": "C0PRODUCT"},
            {"key": "website", "slack_channel": "C0WEBSITE"},
        ],
        "managers": {"slack_channel": "C0MANAGERS", "line_group": MANAGERS_GROUP},
        "slack": {"triage_channel": "C0TRIAGE", "intake_channels": ["C0INTAKE"]},
        "line": {"triage_group": TRIAGE_GROUP},
        "outbox": {"send_timeout_seconds": send_timeout, "lease_seconds": lease, "base_delay_seconds": 1},
    }


def shop_env(slack_url: str, line_url: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-1-test",
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_API_URL": slack_url,
        "LINE_CHANNEL_SECRET": LINE_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": "test-token",
        "LINE_API_URL": line_url,
    }


def write_toml(raw: Mapping[str, Any], path: Path) -> Path:
    """Writes the (flat) tables and arrays of tables of :func:`shop_config` as TOML."""

    def value(item: Any) -> str:
        if isinstance(item, str | list):
            return json.dumps(item, ensure_ascii=False)
        return str(item).lower() if isinstance(item, bool) else repr(item)

    lines: list[str] = []
    for name, table in raw.items():
        for entry in table if isinstance(table, list) else [table]:
            lines.append(f"[[{name}]]" if isinstance(table, list) else f"[{name}]")
            lines.extend(f"{key} = {value(item)}" for key, item in entry.items())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- requests as Slack and LINE send them ----------------------------------------------------------


def slack_message(number: int, text: str, *, retry: int = 0) -> tuple[bytes, dict[str, str]]:
    """A message in the intake channel, signed by slack_sdk's own code (a retry carries the same ts)."""
    ts = f"1763850000.{number:06d}"
    body = json.dumps(
        {
            "team_id": "T0SHOP",
            "api_app_id": "A0TRIAGE",
            "type": "event_callback",
            "event_id": f"Ev{number:08d}",
            "event_time": 1763850000,
            "event": {
                "type": "message",
                "user": "U0STAFF",
                "text": text,
                "ts": ts,
                "channel": "C0INTAKE",
                "channel_type": "channel",
                "event_ts": ts,
            },
            "authorizations": [{"team_id": "T0SHOP", "user_id": "U0BOT", "is_bot": True}],
        },
        ensure_ascii=False,
    )
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(SLACK_SECRET).generate_signature(timestamp=stamp, body=body),
    }
    if retry:
        headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_error"})
    return body.encode(), headers


def line_message(number: int, text: str, *, redelivery: bool = False) -> tuple[bytes, dict[str, str]]:
    """A 1:1 text to the bot; a redelivery carries the same ``webhookEventId``."""
    event_id = f"01J{number:023d}"
    event = {
        "type": "message",
        "mode": "active",
        "timestamp": 1763850000000,
        "source": {"type": "user", "userId": STAFF},
        "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": redelivery},
        "replyToken": f"rt-{number}-{int(redelivery)}",
        "message": {"id": f"5{number:09d}", "type": "text", "quoteToken": "q", "text": text},
    }
    body = json.dumps({"destination": "U0LINEBOT", "events": [event]}, ensure_ascii=False).encode()
    return body, {"Content-Type": "application/json", "X-Line-Signature": line_signature(body)}


def line_signature(body: bytes) -> str:
    """How LINE signs a webhook; checked against the SDK's own validator so the two cannot drift."""
    signature = base64.b64encode(hmac.new(LINE_SECRET.encode(), body, hashlib.sha256).digest()).decode()
    assert SignatureValidator(LINE_SECRET).validate(body.decode(), signature)
    return signature


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float = 30) -> int:
    """POSTs on loopback; the HTTP status (0 when the server could not be reached)."""
    request = urllib.request.Request(url, body, dict(headers), method="POST")  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback only
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


# -- what happened --------------------------------------------------------------------------------


def outbox_rows(database_url: str) -> list[OutboxRow]:
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))
    finally:
        engine.dispose()


def wait_until(condition: Callable[[], Any], timeout: float = 120.0, what: str = "condition") -> Any:
    """Polls ``condition`` until it is truthy; fails after ``timeout``. Only for what other processes
    do (a socket that starts listening, rows they write): what happens in this process has an event
    to wait on (:meth:`tests.slack_api.FakeSlackApi.wait_for`) or a fake clock to move."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def check_once(
    database_url: str, raw: Mapping[str, Any], slack: FakeSlackApi, line: FakeLineApi, distinct: int
) -> None:
    """After a run of ``distinct`` events (with retries and redeliveries) and the workers' jobs:
    one ticket per event, each ticket reminded, each (ticket, stage) and each team's digest once per
    channel, and every message carried out by the platform exactly once."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(TicketRow)) == distinct
        assert session.scalar(select(func.count()).select_from(InboundEventRow)) == distinct
        stages = session.execute(select(ReminderRow.ticket_id, ReminderRow.stage)).all()
        tickets = set(session.scalars(select(TicketRow.id)))
        assert {ticket for ticket, _ in stages} == tickets, "every ticket reminded"
        assert len(stages) == len(set(stages))
        teams = session.scalars(select(DigestRow.team)).all()
        assert sorted(teams) == sorted({*(d["key"] for d in raw["departments"]), "managers"})
    engine.dispose()

    rows = outbox_rows(database_url)
    assert {row.status for row in rows} == {"sent"}
    reminded = Counter(
        (r.platform, r.channel, r.kind, entry["ref"], entry["stage"])
        for r in rows
        if r.kind in ("reminder", "escalation")
        for entry in r.data["tickets"]
    )
    assert set(reminded.values()) == {1}, "each ticket's stage once per channel"
    digested = Counter((r.platform, r.channel, r.data.get("team")) for r in rows if r.kind == "digest")
    assert set(digested.values()) == {1}, "each team's digest once per channel"

    posted = Counter((c["channel"], c["text"]) for c in slack.delivered("chat.postMessage"))
    messages = [r for r in rows if r.platform == "slack" and r.kind != "digest_chart"]
    assert posted == Counter((r.channel, fallback(r.text)) for r in messages)
    charts = Counter(c["channel_id"] for c in slack.delivered("files.completeUploadExternal"))
    assert charts == Counter(r.channel for r in rows if r.kind == "digest_chart"), "each chart uploaded once"
    assert len(line.sent()) == sum(r.platform == "line" for r in rows)


def settled(database_url: str, raw: Mapping[str, Any], distinct: int) -> bool:
    """The workers are done: every ticket taken and reminded, every digest queued, nothing left to send."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            tickets = session.scalar(select(func.count()).select_from(TicketRow))
            reminded = session.scalar(select(func.count(func.distinct(ReminderRow.ticket_id))))
            digests = session.scalar(select(func.count()).select_from(DigestRow))
            unsent = session.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.status != "sent")
            )
    finally:
        engine.dispose()
    teams = len(raw["departments"]) + 1
    return tickets == reminded == distinct and digests == teams and unsent == 0
