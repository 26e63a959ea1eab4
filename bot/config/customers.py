"""Talking to customers directly: [templates] (the acknowledgement and the reply templates) and
[customers] (the satisfaction question's scale, how long a ticket may wait for the customer)."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.config.values import ConfigError, _choice, _number, _reject_unknown, _str, _str_list

TEMPLATE_FIELDS = frozenset({"customer", "order_number", "ticket", "deadline"})
"""What a template may fill in: ``{customer}``, ``{order_number}``, ``{ticket}``, ``{deadline}``."""
SCALES = ("three", "five")
MAX_TEMPLATE_CHARS = 2000
MAX_TEMPLATES = 20


@dataclass(frozen=True)
class CustomerSettings:
    acknowledgement: str | None = None
    """The customer's immediate answer ({ticket}, {deadline}, {customer}); ``None``: the i18n text."""
    templates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Reply templates per department key, and ``default`` for every department; a department
    without its own gets ``default``, and without either the built-in polite texts (i18n)."""
    satisfaction_scale: str = "three"
    """``three``: 満足／普通／不満; ``five``: 1 to 5."""
    waiting_days: int = 7
    """A ticket waiting for the customer this long is resolved automatically, with a note."""
    reopen_hours: int = 72
    """For this long after a resolve the customer's next message belongs to that ticket: their
    thanks joins its thread, anything more reopens it (0: every later message is a new ticket)."""


def _customers(raw: Mapping[str, Any], departments: set[str]) -> CustomerSettings:
    templates = _table_of(raw, "templates")
    _reject_unknown(templates, "templates.", {"acknowledgement", "default", *departments})
    acknowledgement = _str(templates, "templates.acknowledgement", "acknowledgement", "").strip() or None
    if acknowledgement is not None:
        _check_fields(acknowledgement, "templates.acknowledgement")
    lists: dict[str, tuple[str, ...]] = {}
    for key in sorted({"default", *departments} & set(templates)):
        texts = tuple(text.strip() for text in _str_list(templates, f"templates.{key}", key))
        if not texts or len(texts) > MAX_TEMPLATES or not all(texts):
            raise ConfigError(f"templates.{key}", f"1 to {MAX_TEMPLATES} non-empty texts")
        for text in texts:
            _check_fields(text, f"templates.{key}")
        lists[key] = texts
    customers = _table_of(raw, "customers")
    _reject_unknown(customers, "customers.", {"satisfaction_scale", "waiting_days", "reopen_hours"})
    scale = _choice(customers, "customers.satisfaction_scale", "satisfaction_scale", SCALES, "three")
    days = _whole(customers, "waiting_days", 7, low=1, high=90)
    hours = _whole(customers, "reopen_hours", 72, low=0, high=720)
    return CustomerSettings(acknowledgement, lists, scale, days, hours)


def _whole(customers: Mapping[str, Any], key: str, default: int, *, low: int, high: int) -> int:
    value = _number(customers, f"customers.{key}", key, default, low=low, high=high)
    if value != int(value):
        raise ConfigError(f"customers.{key}", f"a whole number, got {value!r}")
    return int(value)


def _table_of(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(key, "must be a table")
    return value


def _check_fields(text: str, key: str) -> None:
    """A template names only known fields and is well formed, so filling it in never fails."""
    if len(text) > MAX_TEMPLATE_CHARS:
        raise ConfigError(key, f"at most {MAX_TEMPLATE_CHARS} characters")
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise ConfigError(key, f"a lone {{ or }} ({exc}); write {{{{ or }}}} for a brace") from None
    unknown = names - TEMPLATE_FIELDS
    if unknown:
        raise ConfigError(
            key, f"unknown field {sorted(unknown)[0]!r} (known: {', '.join(sorted(TEMPLATE_FIELDS))})"
        )
