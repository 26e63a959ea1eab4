"""Configuration: ``config.toml`` plus the environment, parsed once into frozen dataclasses.

Every value is checked at start; a bad one raises :class:`ConfigError` naming its key, so a
deployment fails loudly before it takes any traffic. Secrets come only from the environment.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LANGUAGES = ("ja", "en", "ko")
DEFAULT_DATABASE_URL = "sqlite:///triage-bot.db"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigError(ValueError):
    """A config value is missing or wrong; the message names the key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"config error at '{key}': {problem}")
        self.key = key


@dataclass(frozen=True)
class Department:
    key: str
    names: Mapping[str, str]
    slack_channel: str | None = None
    line_group: str | None = None

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.key


DEFAULT_DEPARTMENTS = (
    Department("logistics", {"ja": "物流・配送", "en": "Logistics & delivery", "ko": "물류·배송"}),
    Department("orders", {"ja": "受注・在庫", "en": "Orders & stock", "ko": "주문·재고"}),
    Department("billing", {"ja": "決済・返金", "en": "Billing & refunds", "ko": "결제·환불"}),
    Department("product", {"ja": "商品品質", "en": "Product quality", "ko": "상품 품질"}),
    Department("website", {"ja": "サイト・システム", "en": "Website & systems", "ko": "사이트·시스템"}),
    Department("marketing", {"ja": "販促・集客", "en": "Marketing & promotions", "ko": "판촉·마케팅"}),
    Department("support", {"ja": "カスタマーサポート", "en": "Customer support", "ko": "고객지원"}),
)


@dataclass(frozen=True)
class Managers:
    slack_users: tuple[str, ...] = ()
    line_users: tuple[str, ...] = ()
    slack_channel: str | None = None
    line_group: str | None = None


@dataclass(frozen=True)
class Roles:
    """Who may do what ([roles]): Slack user ids (U..., W...), Slack user-group ids (S...) and LINE
    user ids. With ``configured`` False (no [roles] table) everyone may do everything."""

    staff: tuple[str, ...] = ()
    teams: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Department key -> its members."""
    managers: tuple[str, ...] = ()
    admins: tuple[str, ...] = ()
    configured: bool = False


@dataclass(frozen=True)
class DigestSchedule:
    """When one digest is posted: weekday and time in ``timezone``."""

    weekday: str = "mon"
    hour: int = 9
    minute: int = 0
    timezone: str = "Asia/Tokyo"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Digest:
    weekday: str = "mon"
    hour: int = 9
    minute: int = 0
    silent_ratio: float = 29.0
    """Unhappy customers who never complain for each one who does (Heinrich's 1:29:300 as a rule of thumb)."""
    timezone: str | None = None
    """``None``: [bot].timezone."""
    teams: Mapping[str, DigestSchedule] = field(default_factory=dict)
    """Teams (department keys, and ``managers``) whose schedule differs from [digest]."""

    def schedule(self, team: str, default_timezone: str) -> DigestSchedule:
        """``team``'s schedule: its own table, else [digest]'s weekday and time in its time zone."""
        own = self.teams.get(team)
        if own is not None:
            return own
        return DigestSchedule(self.weekday, self.hour, self.minute, self.timezone or default_timezone)


DEFAULT_LINE_KEYWORD = "#クレーム"

Shift = tuple[time, time]
DEFAULT_WEEK: tuple[tuple[Shift, ...], ...] = (
    *[((time(9), time(12)), (time(13), time(18)))] * 5,
    (),
    (),
)
"""Monday to Friday 09:00-12:00 and 13:00-18:00 (a lunch break), closed at the weekend."""
DEFAULT_CLOSED_DAYS = (((12, 29), (1, 3)),)
"""年末年始: 29 December to 3 January."""


@dataclass(frozen=True)
class SlaSettings:
    """One team's deadline policy as configured ([sla], or [sla.departments.KEY] over it)."""

    hours: float = 24.0
    warning_before_hours: float = 4.0
    last_call_before_hours: float = 1.0
    nudge_every_hours: float = 4.0
    nudges: int = 3
    business_hours: bool = False
    timezone: str | None = None
    """``None``: [bot].timezone."""
    week: tuple[tuple[Shift, ...], ...] = DEFAULT_WEEK
    holidays: str = "JP"
    closed_days: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = DEFAULT_CLOSED_DAYS
    breach_notice_minutes: float = 30.0


@dataclass(frozen=True)
class Platform:
    api_url: str | None = None
    triage_target: str | None = None
    complaint_keyword: str = DEFAULT_LINE_KEYWORD
    """LINE: in a group, a message starting with this is a complaint (as is one mentioning the bot)."""
    intake_channels: tuple[str, ...] = ()
    """Slack: channels where every new top-level message is a complaint."""


@dataclass(frozen=True)
class Secrets:
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    line_channel_secret: str | None = None
    line_channel_access_token: str | None = None

    def __repr__(self) -> str:  # never print a token, even by accident in a traceback
        present = [name for name, value in vars(self).items() if value]
        return f"Secrets(set={present})"


@dataclass(frozen=True)
class Config:
    language: str = "ja"
    timezone: str = "Asia/Tokyo"
    database_url: str = DEFAULT_DATABASE_URL
    departments: tuple[Department, ...] = DEFAULT_DEPARTMENTS
    managers: Managers = field(default_factory=Managers)
    sla: SlaSettings = field(default_factory=SlaSettings)
    sla_departments: Mapping[str, SlaSettings] = field(default_factory=dict)
    """Departments whose policy differs from [sla]."""
    digest: Digest = field(default_factory=Digest)
    classifier_threshold: float = 0.3
    model_path: str | None = None
    order_patterns: tuple[str, ...] | None = None
    outbox_max_attempts: int = 6
    outbox_base_delay_seconds: float = 5.0
    outbox_send_timeout_seconds: float = 10.0
    """How long one call to Slack or LINE may take before it counts as failed and is retried."""
    outbox_lease_seconds: float = 120.0
    """How long a claimed message stays with the worker that claimed it before another may take it."""
    slack: Platform = field(default_factory=Platform)
    line: Platform = field(default_factory=Platform)
    secrets: Secrets = field(default_factory=Secrets)
    port: int = 3000
    log_format: str = "text"
    """``text`` or ``json`` lines ([logging] format, or LOG_FORMAT in the environment)."""
    roles: Roles = field(default_factory=Roles)
    retention_days: int | None = None
    """Complaint texts older than this are erased by the daily retention job (``None``: kept)."""
    public_url: str | None = None
    """[web] public_url: the bot's public https address, for links platforms fetch (LINE's chart images)."""

    @property
    def sla_hours(self) -> float:
        return self.sla.hours

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def department(self, key: str) -> Department | None:
        return next((d for d in self.departments if d.key == key), None)

    @property
    def department_keys(self) -> tuple[str, ...]:
        return tuple(d.key for d in self.departments)

    @property
    def has_slack(self) -> bool:
        return bool(self.secrets.slack_bot_token)

    @property
    def has_line(self) -> bool:
        return bool(self.secrets.line_channel_secret)


def load_config(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Reads the config file (``path``, else ``$TRIAGE_CONFIG``, else defaults) and the environment.

    Raises:
        ConfigError: a value is invalid, or the named file is missing or not TOML.
    """
    env = os.environ if env is None else env
    path = path or env.get("TRIAGE_CONFIG") or None
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError("--config", f"file not found: {path}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError("--config", f"{path} is not valid TOML: {exc}") from None
    return parse_config(raw, env)


def parse_config(raw: Mapping[str, Any], env: Mapping[str, str]) -> Config:
    """Builds a :class:`Config` from parsed TOML and the environment."""
    _reject_unknown(
        raw,
        "",
        {
            "bot",
            "database",
            "departments",
            "managers",
            "sla",
            "digest",
            "classifier",
            "privacy",
            "outbox",
            "slack",
            "line",
            "logging",
            "roles",
            "web",
        },
    )
    bot = _table(raw, "bot")
    _reject_unknown(bot, "bot.", {"language", "timezone"})
    language = _choice(bot, "bot.language", "language", LANGUAGES, "ja")
    timezone = _str(bot, "bot.timezone", "timezone", "Asia/Tokyo")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("bot.timezone", f"unknown time zone {timezone!r}") from None

    database = _table(raw, "database")
    database_url = env.get("DATABASE_URL") or _str(database, "database.url", "url", DEFAULT_DATABASE_URL)

    departments = _departments(raw)
    sla, sla_departments = _sla(_table(raw, "sla"), {d.key for d in departments})
    digest = _digest(_table(raw, "digest"), {d.key for d in departments}, timezone)
    classifier = _table(raw, "classifier")
    threshold = _number(classifier, "classifier.threshold", "threshold", 0.3, low=0.0, high=1.0)
    model_path = _str(classifier, "classifier.model_path", "model_path", "") or None
    privacy = _table(raw, "privacy")
    order_patterns = _patterns(privacy, "privacy.order_patterns")
    retention = privacy.get("retention_days")
    retention_days = (
        None
        if retention is None
        else int(_number(privacy, "privacy.retention_days", "retention_days", 0, low=1, high=36_500))
    )
    outbox = _table(raw, "outbox")
    max_attempts = int(_number(outbox, "outbox.max_attempts", "max_attempts", 6, low=1, high=50))
    base_delay = _number(outbox, "outbox.base_delay_seconds", "base_delay_seconds", 5.0, low=0.0, high=3600)
    send_timeout = _number(
        outbox, "outbox.send_timeout_seconds", "send_timeout_seconds", 10.0, low=0.1, high=300
    )
    lease = _number(outbox, "outbox.lease_seconds", "lease_seconds", 120.0, low=1.0, high=3600)
    if lease < 2 * send_timeout:  # a worker starts no send past half its lease (bot/outbox.py)
        raise ConfigError("outbox.lease_seconds", "must be at least twice outbox.send_timeout_seconds")

    logging_table = _table(raw, "logging")
    _reject_unknown(logging_table, "logging.", {"format"})
    log_format = _choice(logging_table, "logging.format", "format", ("text", "json"), "text")
    if env.get("LOG_FORMAT"):
        log_format = _choice({"format": env["LOG_FORMAT"]}, "LOG_FORMAT", "format", ("text", "json"), "text")

    port_text = env.get("PORT", "3000")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError("PORT", f"must be a TCP port number, got {port_text!r}")

    return Config(
        language=language,
        timezone=timezone,
        database_url=database_url,
        departments=departments,
        managers=_managers(_table(raw, "managers")),
        sla=sla,
        sla_departments=sla_departments,
        digest=digest,
        classifier_threshold=threshold,
        model_path=model_path,
        order_patterns=order_patterns,
        outbox_max_attempts=max_attempts,
        outbox_base_delay_seconds=base_delay,
        outbox_send_timeout_seconds=send_timeout,
        outbox_lease_seconds=lease,
        slack=_platform(raw, "slack", env.get("SLACK_API_URL")),
        line=_platform(raw, "line", env.get("LINE_API_URL")),
        secrets=Secrets(
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            slack_app_token=env.get("SLACK_APP_TOKEN") or None,
            line_channel_secret=env.get("LINE_CHANNEL_SECRET") or None,
            line_channel_access_token=env.get("LINE_CHANNEL_ACCESS_TOKEN") or None,
        ),
        port=int(port_text),
        log_format=log_format,
        roles=_roles(raw, {d.key for d in departments}, _managers(_table(raw, "managers"))),
        retention_days=retention_days,
        public_url=_public_url(_table(raw, "web")),
    )


def _digest(table: Mapping[str, Any], departments: set[str], default_timezone: str) -> Digest:
    _reject_unknown(
        table, "digest.", {"weekday", "time", "silent_ratio", "timezone", "departments", "managers"}
    )
    base = _digest_schedule(table, "digest.", DigestSchedule(timezone=default_timezone))
    teams = {}
    overrides = _table(table, "departments")
    for key in overrides:
        where = f"digest.departments.{key}"
        if key not in departments:
            raise ConfigError(where, f"unknown department (known: {', '.join(sorted(departments))})")
        teams[key] = _digest_schedule(_table(overrides, key), where + ".", base)
    if "managers" in table:
        teams["managers"] = _digest_schedule(_table(table, "managers"), "digest.managers.", base)
    return Digest(
        weekday=base.weekday,
        hour=base.hour,
        minute=base.minute,
        silent_ratio=_number(table, "digest.silent_ratio", "silent_ratio", 29.0, low=0, high=10_000),
        timezone=base.timezone if "timezone" in table else None,
        teams=teams,
    )


def _digest_schedule(table: Mapping[str, Any], prefix: str, base: DigestSchedule) -> DigestSchedule:
    if prefix != "digest.":
        _reject_unknown(table, prefix, {"weekday", "time", "timezone"})
    timezone = _str(table, prefix + "timezone", "timezone", base.timezone)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(prefix + "timezone", f"unknown time zone {timezone!r}") from None
    at = (
        _time_of_day(table, prefix + "time")
        if "time" in table
        else {"hour": base.hour, "minute": base.minute}
    )
    weekday = _choice(table, prefix + "weekday", "weekday", WEEKDAYS, base.weekday)
    return DigestSchedule(weekday=weekday, timezone=timezone, **at)


def _public_url(table: Mapping[str, Any]) -> str | None:
    _reject_unknown(table, "web.", {"public_url"})
    url = _str(table, "web.public_url", "public_url", "").strip().rstrip("/")
    if url and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url):
        raise ConfigError("web.public_url", f"an address such as https://triage.example.com, got {url!r}")
    return url or None


_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def _departments(raw: Mapping[str, Any]) -> tuple[Department, ...]:
    if "departments" not in raw:
        return DEFAULT_DEPARTMENTS
    entries = raw["departments"]
    if not isinstance(entries, list) or not entries:
        raise ConfigError("departments", "must be a non-empty list of [[departments]] tables")
    seen: set[str] = set()
    result = []
    for i, entry in enumerate(entries):
        where = f"departments[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(where, "must be a table")
        _reject_unknown(entry, where + ".", {"key", "name", "slack_channel", "line_group"})
        key = _str(entry, f"{where}.key", "key", "")
        if not _KEY.match(key):
            raise ConfigError(f"{where}.key", "lower-case letters, digits and _ (starting with a letter)")
        if key in seen:
            raise ConfigError(f"{where}.key", f"duplicate department {key!r}")
        seen.add(key)
        names = entry.get("name", {})
        if isinstance(names, str):
            names = {"ja": names}
        if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
            raise ConfigError(f"{where}.name", "a string or a table of language = name")
        default = next((d for d in DEFAULT_DEPARTMENTS if d.key == key), None)
        merged = {**(dict(default.names) if default else {}), **names}
        result.append(
            Department(
                key=key,
                names=merged or {"en": key},
                slack_channel=_str(entry, f"{where}.slack_channel", "slack_channel", "") or None,
                line_group=_str(entry, f"{where}.line_group", "line_group", "") or None,
            )
        )
    return tuple(result)


_SLA_KEYS = {
    "hours",
    "warning_before_hours",
    "last_call_before_hours",
    "nudge_every_hours",
    "nudges",
    "business_hours",
    "timezone",
    "week",
    "holidays",
    "closed_days",
    "breach_notice_minutes",
}


def _sla(table: Mapping[str, Any], departments: set[str]) -> tuple[SlaSettings, dict[str, SlaSettings]]:
    _reject_unknown(table, "sla.", _SLA_KEYS | {"departments"})
    default = _sla_settings(table, "sla.", SlaSettings())
    overrides = _table(table, "departments")
    result = {}
    for key in overrides:
        where = f"sla.departments.{key}"
        if key not in departments:
            raise ConfigError(where, f"unknown department (known: {', '.join(sorted(departments))})")
        entry = _table(overrides, key)
        _reject_unknown(entry, where + ".", _SLA_KEYS)
        result[key] = _sla_settings(entry, where + ".", default)
    return default, result


def _sla_settings(table: Mapping[str, Any], prefix: str, base: SlaSettings) -> SlaSettings:
    def number(name: str, default: float, low: float, high: float) -> float:
        return _number(table, prefix + name, name, default, low=low, high=high)

    hours = number("hours", base.hours, 0.25, 24 * 14)
    warning = number("warning_before_hours", base.warning_before_hours, 0, hours)
    last_call = number("last_call_before_hours", base.last_call_before_hours, 0, warning)
    business = table.get("business_hours", base.business_hours)
    if not isinstance(business, bool):
        raise ConfigError(prefix + "business_hours", f"must be true or false, got {business!r}")
    timezone = _str(table, prefix + "timezone", "timezone", base.timezone or "") or None
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(prefix + "timezone", f"unknown time zone {timezone!r}") from None
    holidays = _str(table, prefix + "holidays", "holidays", base.holidays).strip().upper()
    if holidays and not re.fullmatch(r"[A-Z]{2}", holidays):
        raise ConfigError(
            prefix + "holidays", f'a two-letter country code such as "JP", or "", got {holidays!r}'
        )
    return SlaSettings(
        hours=hours,
        warning_before_hours=warning,
        last_call_before_hours=last_call,
        nudge_every_hours=number("nudge_every_hours", base.nudge_every_hours, 0.25, 24 * 14),
        nudges=int(number("nudges", base.nudges, 0, 10)),
        business_hours=business,
        timezone=timezone,
        week=_week(table, prefix + "week", base.week),
        holidays=holidays,
        closed_days=_closed_days(table, prefix + "closed_days", base.closed_days),
        breach_notice_minutes=number("breach_notice_minutes", base.breach_notice_minutes, 0, 24 * 60),
    )


_SHIFT = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)")


def _week(
    table: Mapping[str, Any], key: str, base: tuple[tuple[Shift, ...], ...]
) -> tuple[tuple[Shift, ...], ...]:
    days = _table(table, "week")
    _reject_unknown(days, key + ".", set(WEEKDAYS))
    week = list(base)
    for index, name in enumerate(WEEKDAYS):
        if name not in days:
            continue
        shifts: list[Shift] = []
        for text in _str_list(days, f"{key}.{name}", name):
            match = _SHIFT.fullmatch(text.strip())
            end_minutes = int(match[3]) * 60 + int(match[4]) if match else 0
            if not match or end_minutes > 24 * 60:
                raise ConfigError(f"{key}.{name}", f'shifts such as "09:00-12:00", got {text!r}')
            start = time(int(match[1]), int(match[2]))
            end = time(0) if end_minutes == 24 * 60 else time(int(match[3]), int(match[4]))
            after_previous = not shifts or (shifts[-1][1] != time(0) and start >= shifts[-1][1])
            if (end != time(0) and end <= start) or not after_previous:
                raise ConfigError(f"{key}.{name}", f"shifts must run forward and not overlap, got {text!r}")
            shifts.append((start, end))
        week[index] = tuple(shifts)
    if not any(week):
        raise ConfigError(key, "at least one day needs a shift")
    return tuple(week)


_DAY = re.compile(r"(\d{2})-(\d{2})")


def _closed_days(
    table: Mapping[str, Any], key: str, base: tuple[tuple[tuple[int, int], tuple[int, int]], ...]
) -> tuple[tuple[tuple[int, int], tuple[int, int]], ...]:
    if "closed_days" not in table:
        return base
    result = []
    for text in _str_list(table, key, "closed_days"):
        parts = [_DAY.fullmatch(part.strip()) for part in text.split("..")]
        if not 1 <= len(parts) <= 2 or not all(parts):
            raise ConfigError(key, f'days such as "08-13" or ranges such as "12-29..01-03", got {text!r}')
        days = [(int(m[1]), int(m[2])) for m in parts if m]
        for month, day in days:
            try:
                date(2024, month, day)  # a leap year, so 02-29 is accepted
            except ValueError:
                raise ConfigError(key, f"no such day {month:02}-{day:02} in {text!r}") from None
        result.append((days[0], days[-1]))
    return tuple(result)


def _managers(table: Mapping[str, Any]) -> Managers:
    _reject_unknown(table, "managers.", {"slack_users", "line_users", "slack_channel", "line_group"})
    return Managers(
        slack_users=_str_list(table, "managers.slack_users", "slack_users"),
        line_users=_str_list(table, "managers.line_users", "line_users"),
        slack_channel=_str(table, "managers.slack_channel", "slack_channel", "") or None,
        line_group=_str(table, "managers.line_group", "line_group", "") or None,
    )


_ROLE_ID = re.compile(r"^(?:[UWS][A-Z0-9]{2,}|U[0-9a-f]{32})$")
"""Slack user (U..., W...) and user-group (S...) ids, and LINE user ids (U + 32 hex digits)."""


def _roles(raw: Mapping[str, Any], departments: set[str], managers: Managers) -> Roles:
    if "roles" not in raw:
        return Roles()
    table = _table(raw, "roles")
    _reject_unknown(table, "roles.", {"staff", "teams", "managers", "admins"})

    def ids(where: Mapping[str, Any], key: str, name: str) -> tuple[str, ...]:
        found = _str_list(where, key, name)
        for value in found:
            if not _ROLE_ID.match(value):
                raise ConfigError(key, f"Slack user or user-group ids or LINE user ids, got {value!r}")
        return found

    teams_table = _table(table, "teams")
    teams = {}
    for key in teams_table:
        if key not in departments:
            known = ", ".join(sorted(departments))
            raise ConfigError(f"roles.teams.{key}", f"unknown department (known: {known})")
        teams[key] = ids(teams_table, f"roles.teams.{key}", key)
    return Roles(
        staff=ids(table, "roles.staff", "staff"),
        teams=teams,
        managers=ids(table, "roles.managers", "managers") + managers.slack_users + managers.line_users,
        admins=ids(table, "roles.admins", "admins"),
        configured=True,
    )


def _platform(raw: Mapping[str, Any], name: str, env_url: str | None) -> Platform:
    table = _table(raw, name)
    target_key = "triage_channel" if name == "slack" else "triage_group"
    known = {"api_url", target_key} | ({"complaint_keyword"} if name == "line" else {"intake_channels"})
    _reject_unknown(table, name + ".", known)
    url = env_url or _str(table, f"{name}.api_url", "api_url", "") or None
    if url is not None and not re.match(r"^https?://", url):
        raise ConfigError(f"{name}.api_url", f"must start with http:// or https://, got {url!r}")
    keyword = _str(table, f"{name}.complaint_keyword", "complaint_keyword", DEFAULT_LINE_KEYWORD).strip()
    if not 0 < len(keyword) <= 20 or any(ch.isspace() for ch in keyword):
        raise ConfigError(f"{name}.complaint_keyword", "1 to 20 characters without spaces")
    return Platform(
        api_url=url,
        triage_target=_str(table, f"{name}.{target_key}", target_key, "") or None,
        complaint_keyword=keyword,
        intake_channels=_channel_ids(table, f"{name}.intake_channels", "intake_channels"),
    )


_SLACK_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


def _channel_ids(table: Mapping[str, Any], key: str, name: str) -> tuple[str, ...]:
    channels = _str_list(table, key, name)
    for channel in channels:
        if not _SLACK_CHANNEL_ID.match(channel):
            raise ConfigError(key, f"Slack channel IDs such as C0123ABCD (not names), got {channel!r}")
    return channels


def _time_of_day(table: Mapping[str, Any], key: str) -> dict[str, int]:
    text = _str(table, key, "time", "09:00")
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text)
    if not match:
        raise ConfigError(key, f"must be HH:MM, got {text!r}")
    return {"hour": int(match[1]), "minute": int(match[2])}


def _patterns(table: Mapping[str, Any], key: str) -> tuple[str, ...] | None:
    if "order_patterns" not in table:
        return None
    patterns = _str_list(table, key, "order_patterns")
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(key, f"invalid regular expression {pattern!r}: {exc}") from None
    return patterns


def _table(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(key, "must be a table")
    return value


def _reject_unknown(table: Mapping[str, Any], prefix: str, known: set[str]) -> None:
    for name in table:
        if name not in known:
            raise ConfigError(prefix + name, f"unknown key (known: {', '.join(sorted(known))})")


def _str(table: Mapping[str, Any], key: str, name: str, default: str) -> str:
    value = table.get(name, default)
    if not isinstance(value, str):
        raise ConfigError(key, f"must be a string, got {value!r}")
    return value


def _str_list(table: Mapping[str, Any], key: str, name: str) -> tuple[str, ...]:
    value = table.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(key, "must be a list of strings")
    return tuple(value)


def _choice(table: Mapping[str, Any], key: str, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = _str(table, key, name, default)
    if value not in allowed:
        raise ConfigError(key, f"must be one of {', '.join(allowed)}; got {value!r}")
    return value


def _number(
    table: Mapping[str, Any], key: str, name: str, default: float, *, low: float, high: float
) -> float:
    value = table.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(key, f"must be a number, got {value!r}")
    if not low <= value <= high:
        raise ConfigError(key, f"must be between {low:g} and {high:g}, got {value!r}")
    return float(value)
