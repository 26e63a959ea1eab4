"""The whole configuration, :class:`Config`, and :func:`load_config` and :func:`parse_config` that build it.

The small sections ([bot], [database], [classifier], [privacy], [outbox], [logging], [web]) and the
environment are read here; the larger ones by their own modules in this package.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config.digest import Digest, _digest
from bot.config.platforms import PlatformSection, PlatformSettings, Secrets
from bot.config.sla import SlaSettings, _sla
from bot.config.teams import DEFAULT_DEPARTMENTS, Department, Managers, Roles, _departments, _managers, _roles
from bot.config.values import ConfigError, _choice, _number, _reject_unknown, _str, _str_list, _table

LANGUAGES = ("ja", "en", "ko")
DEFAULT_DATABASE_URL = "sqlite:///triage-bot.db"
LOCAL_CONFIG = "config.toml"
"""Read from the working directory when neither --config nor TRIAGE_CONFIG names a file."""


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
    classifier_threshold: float | None = None
    """None: the thresholds chosen for the model by cross-validation (classifiers/README.md)."""
    model_path: str | None = None
    order_patterns: tuple[str, ...] | None = None
    outbox_max_attempts: int = 6
    outbox_base_delay_seconds: float = 5.0
    outbox_send_timeout_seconds: float = 10.0
    """How long one call to Slack or LINE may take before it counts as failed and is retried."""
    outbox_lease_seconds: float = 120.0
    """How long a claimed message stays with the worker that claimed it before another may take it."""
    platforms: Mapping[str, PlatformSettings] = field(default_factory=dict)
    """Each chat platform's own section ([slack], [line]), parsed by the platform's own reader."""
    enabled: tuple[str, ...] = ()
    """The chat platforms whose credentials are set."""
    secrets: Secrets = field(default_factory=Secrets)
    port: int = 3000
    host: str = "0.0.0.0"  # noqa: S104 - in a container the web app must be reachable from outside it
    """Where ``triage-bot run`` listens (HOST, or ``run --host``); 127.0.0.1 keeps it to one machine."""
    log_format: str = "text"
    """``text`` or ``json`` lines ([logging] format, or LOG_FORMAT in the environment)."""
    roles: Roles = field(default_factory=Roles)
    retention_days: int | None = None
    """Complaint texts older than this are erased by the daily retention job (``None``: kept)."""
    public_url: str | None = None
    """[web] public_url: the bot's public https address, for links platforms fetch (LINE's chart images)."""
    source: str | None = None
    """The config file read and why (``--config``, ``TRIAGE_CONFIG``, the working directory)."""

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

    def platform(self, name: str) -> Any:
        """The platform's parsed section; each platform knows its own type."""
        return self.platforms[name]


def load_config(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Reads the config file and the environment: ``path``, else ``$TRIAGE_CONFIG``, else
    ``config.toml`` in the working directory when there is one (where the README says to put it),
    else the defaults.

    Raises:
        ConfigError: a value is invalid, or the named file is missing or not TOML.
    """
    env = os.environ if env is None else env
    source = None
    if path:
        source = f"{path} (--config)"
    elif env.get("TRIAGE_CONFIG"):
        path = env["TRIAGE_CONFIG"]
        source = f"{path} (TRIAGE_CONFIG)"
    elif Path(LOCAL_CONFIG).is_file():
        path = LOCAL_CONFIG
        source = f"{Path(LOCAL_CONFIG).resolve()} (the working directory)"
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError("--config", f"file not found: {path}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError("--config", f"{path} is not valid TOML: {exc}") from None
    return replace(parse_config(raw, env), source=source)


def parse_config(
    raw: Mapping[str, Any], env: Mapping[str, str], sections: Sequence[PlatformSection] | None = None
) -> Config:
    """Builds a :class:`Config` from parsed TOML and the environment.

    ``sections`` are the chat platforms' parts of the config; by default every registered platform's.
    """
    if sections is None:
        from bot.platforms.registry import config_sections

        sections = config_sections()
    _reject_unknown(raw, "", SECTIONS | {section.name for section in sections})
    language, timezone = _bot(_table(raw, "bot"))
    departments = _departments(raw, sections)
    keys = {d.key for d in departments}
    managers = _managers(_table(raw, "managers"), sections)
    sla, sla_departments = _sla(_table(raw, "sla"), keys)
    database = _table(raw, "database")
    return Config(
        language=language,
        timezone=timezone,
        database_url=env.get("DATABASE_URL") or _str(database, "database.url", "url", DEFAULT_DATABASE_URL),
        departments=departments,
        managers=managers,
        sla=sla,
        sla_departments=sla_departments,
        digest=_digest(_table(raw, "digest"), keys, timezone),
        **_classifier(_table(raw, "classifier")),
        **_privacy(_table(raw, "privacy")),
        **_outbox(_table(raw, "outbox")),
        platforms={s.name: s.parse(_table(raw, s.name), env.get(s.api_url_env) or None) for s in sections},
        enabled=tuple(s.name for s in sections if env.get(s.enabled_by)),
        secrets=Secrets({name: env[name] for s in sections for name in s.secrets if env.get(name)}),
        port=_port(env),
        host=_host(env),
        log_format=_log_format(_table(raw, "logging"), env),
        roles=_roles(raw, keys, managers, sections),
        public_url=_public_url(_table(raw, "web")),
    )


SECTIONS = {
    "bot",
    "database",
    "departments",
    "managers",
    "sla",
    "digest",
    "classifier",
    "privacy",
    "outbox",
    "logging",
    "roles",
    "web",
}
"""The sections every config may have; each chat platform adds its own."""


def _bot(table: Mapping[str, Any]) -> tuple[str, str]:
    _reject_unknown(table, "bot.", {"language", "timezone"})
    language = _choice(table, "bot.language", "language", LANGUAGES, "ja")
    timezone = _str(table, "bot.timezone", "timezone", "Asia/Tokyo")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("bot.timezone", f"unknown time zone {timezone!r}") from None
    return language, timezone


def _classifier(table: Mapping[str, Any]) -> dict[str, Any]:
    return {
        # Unset: the model's own thresholds, chosen by cross-validation (classifiers/README.md).
        "classifier_threshold": (
            _number(table, "classifier.threshold", "threshold", 0.0, low=0.0, high=1.0)
            if "threshold" in table
            else None
        ),
        "model_path": _str(table, "classifier.model_path", "model_path", "") or None,
    }


def _privacy(table: Mapping[str, Any]) -> dict[str, Any]:
    retention = table.get("retention_days")
    return {
        "order_patterns": _patterns(table, "privacy.order_patterns"),
        "retention_days": None
        if retention is None
        else int(_number(table, "privacy.retention_days", "retention_days", 0, low=1, high=36_500)),
    }


def _outbox(table: Mapping[str, Any]) -> dict[str, Any]:
    send_timeout = _number(
        table, "outbox.send_timeout_seconds", "send_timeout_seconds", 10.0, low=0.1, high=300
    )
    lease = _number(table, "outbox.lease_seconds", "lease_seconds", 120.0, low=1.0, high=3600)
    if lease < 2 * send_timeout:  # a worker starts no send past half its lease (bot/core/outbox.py)
        raise ConfigError("outbox.lease_seconds", "must be at least twice outbox.send_timeout_seconds")
    return {
        "outbox_max_attempts": int(_number(table, "outbox.max_attempts", "max_attempts", 6, low=1, high=50)),
        "outbox_base_delay_seconds": _number(
            table, "outbox.base_delay_seconds", "base_delay_seconds", 5.0, low=0.0, high=3600
        ),
        "outbox_send_timeout_seconds": send_timeout,
        "outbox_lease_seconds": lease,
    }


def _log_format(table: Mapping[str, Any], env: Mapping[str, str]) -> str:
    _reject_unknown(table, "logging.", {"format"})
    log_format = _choice(table, "logging.format", "format", ("text", "json"), "text")
    if env.get("LOG_FORMAT"):
        log_format = _choice({"format": env["LOG_FORMAT"]}, "LOG_FORMAT", "format", ("text", "json"), "text")
    return log_format


def _port(env: Mapping[str, str]) -> int:
    port_text = env.get("PORT", "3000")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError("PORT", f"must be a TCP port number, got {port_text!r}")
    return int(port_text)


def _host(env: Mapping[str, str]) -> str:
    host = env.get("HOST", "0.0.0.0").strip()  # noqa: S104 - see Config.host
    if not re.fullmatch(r"[0-9A-Za-z.:_-]{1,253}", host):
        raise ConfigError("HOST", f"an address to listen on such as 127.0.0.1 or 0.0.0.0, got {host!r}")
    return host


def _public_url(table: Mapping[str, Any]) -> str | None:
    _reject_unknown(table, "web.", {"public_url"})
    url = _str(table, "web.public_url", "public_url", "").strip().rstrip("/")
    if url and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url):
        raise ConfigError("web.public_url", f"an address such as https://triage.example.com, got {url!r}")
    return url or None


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
