"""Who is who: the departments ([[departments]]), the managers ([managers]) and who may do what ([roles])."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.config.platforms import PlatformSection
from bot.config.values import ConfigError, _reject_unknown, _str, _str_list, _table


@dataclass(frozen=True)
class Department:
    key: str
    names: Mapping[str, str]
    targets: Mapping[str, str] = field(default_factory=dict)
    """Platform name -> the team's channel or group there."""

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
    users: tuple[str, ...] = ()
    """The managers' user ids on every platform."""
    targets: Mapping[str, str] = field(default_factory=dict)
    """Platform name -> the managers' channel or group there (escalations, the managers' digest)."""


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


_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def _targets(entry: Mapping[str, Any], where: str, sections: Sequence[PlatformSection]) -> dict[str, str]:
    found = {}
    for section in sections:
        value = section.check_target(
            f"{where}.{section.team_key}", _str(entry, f"{where}.{section.team_key}", section.team_key, "")
        )
        if value:
            found[section.name] = value
    return found


def _departments(raw: Mapping[str, Any], sections: Sequence[PlatformSection]) -> tuple[Department, ...]:
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
        _reject_unknown(entry, where + ".", {"key", "name"} | {s.team_key for s in sections})
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
                targets=_targets(entry, where, sections),
            )
        )
    return tuple(result)


def _managers(table: Mapping[str, Any], sections: Sequence[PlatformSection]) -> Managers:
    _reject_unknown(table, "managers.", {key for s in sections for key in (s.users_key, s.team_key)})
    users = tuple(u for s in sections for u in _str_list(table, f"managers.{s.users_key}", s.users_key))
    return Managers(users=users, targets=_targets(table, "managers", sections))


def _roles(
    raw: Mapping[str, Any], departments: set[str], managers: Managers, sections: Sequence[PlatformSection]
) -> Roles:
    if "roles" not in raw:
        return Roles()
    table = _table(raw, "roles")
    _reject_unknown(table, "roles.", {"staff", "teams", "managers", "admins"})

    def ids(where: Mapping[str, Any], key: str, name: str) -> tuple[str, ...]:
        found = _str_list(where, key, name)
        for value in found:
            if not any(section.user_pattern.match(value) for section in sections):
                forms = "; ".join(f"{s.name}: {s.user_example}" for s in sections)
                raise ConfigError(key, f"user or user-group ids ({forms}), got {value!r}")
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
        managers=ids(table, "roles.managers", "managers") + managers.users,
        admins=ids(table, "roles.admins", "admins"),
        configured=True,
    )
