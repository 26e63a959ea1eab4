"""Configuration: ``config.toml`` plus the environment, parsed once into frozen dataclasses.

Every value is checked at start; a bad one raises :class:`ConfigError` naming its key, so a
deployment fails loudly before it takes any traffic. Secrets come only from the environment.

Every public name is re-exported here, so callers import from ``bot.config`` only. The modules:

- ``settings``: :class:`Config`, :func:`load_config`, :func:`parse_config` and the small sections
  ([bot], [database], [classifier], [privacy], [outbox], [logging], [web], the environment);
- ``teams``: [[departments]], [managers] and [roles];
- ``sla``: [sla] deadline policies, business hours and closed days;
- ``digest``: [digest] schedules, per team;
- ``platforms``: what a chat platform declares of its own section, and the secrets;
- ``values``: :class:`ConfigError` and the readers of typed values that all of them share.
"""

from bot.config.digest import DEFAULT_SILENT_RATIO, Digest, DigestSchedule
from bot.config.platforms import PlatformSection, PlatformSettings, Secrets
from bot.config.settings import DEFAULT_DATABASE_URL, LANGUAGES, Config, load_config, parse_config
from bot.config.sla import DEFAULT_CLOSED_DAYS, DEFAULT_WEEK, Shift, SlaSettings
from bot.config.teams import DEFAULT_DEPARTMENTS, Department, Managers, Roles
from bot.config.values import WEEKDAYS, ConfigError

__all__ = [
    "DEFAULT_CLOSED_DAYS",
    "DEFAULT_DATABASE_URL",
    "DEFAULT_DEPARTMENTS",
    "DEFAULT_SILENT_RATIO",
    "DEFAULT_WEEK",
    "LANGUAGES",
    "WEEKDAYS",
    "Config",
    "ConfigError",
    "Department",
    "Digest",
    "DigestSchedule",
    "Managers",
    "PlatformSection",
    "PlatformSettings",
    "Roles",
    "Secrets",
    "Shift",
    "SlaSettings",
    "load_config",
    "parse_config",
]
