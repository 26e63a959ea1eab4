"""Reading typed values out of parsed TOML tables; a wrong one raises :class:`ConfigError` naming its key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigError(ValueError):
    """A config value is missing or wrong; the message names the key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"config error at '{key}': {problem}")
        self.key = key


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
