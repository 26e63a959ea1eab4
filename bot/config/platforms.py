"""What a chat platform adds to the configuration, declared by the platform and read here.

This module names no platform: each one under ``bot/platforms/<name>/`` describes its section
(``[slack]``, ``[line]``), the key that names its channel in ``[[departments]]`` and ``[managers]``,
the key that lists its users in ``[managers]`` and the environment variables it reads, as a
:class:`PlatformSection`; the registry hands those to :func:`~bot.config.parse_config`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class PlatformSettings(Protocol):
    """What every platform's parsed section has; the rest is the platform's own."""

    @property
    def api_url(self) -> str | None: ...

    @property
    def triage_target(self) -> str | None:
        """Where tickets whose department is unclear go on this platform."""
        ...


@dataclass(frozen=True)
class PlatformSection:
    name: str
    """The section's name, and the platform's: ``[slack]``."""
    parse: Callable[[Mapping[str, Any], str | None], PlatformSettings]
    """Reads the section's table (``{}`` when absent) and the API URL from the environment."""
    team_key: str
    """The key naming the platform's channel in ``[[departments]]`` and ``[managers]``."""
    users_key: str
    """The key listing the platform's user ids in ``[managers]``."""
    secrets: tuple[str, ...]
    """The environment variables holding its credentials."""
    enabled_by: str
    """The secret whose presence turns the platform on."""
    api_url_env: str
    """The environment variable overriding the API's base URL (tests, staging)."""
    user_pattern: re.Pattern[str]
    """The form of its user (and user-group) ids, which [roles] and [managers] may list."""
    user_example: str
    target_pattern: re.Pattern[str] | None = None
    """The form of a channel id on this platform; ``None`` accepts any non-empty id."""
    target_example: str = ""

    def check_target(self, key: str, value: str) -> str | None:
        """The id as given (``None`` when empty). Its form is not refused here: a wrong one is
        reported at start (log and /readyz, see :meth:`misformed`) and the other teams still work."""
        return value or None

    def misformed(self, value: str) -> str | None:
        """Why ``value`` is not a channel id of this platform (a name such as ``#logistics``), or ``None``."""
        if self.target_pattern is None or self.target_pattern.match(value):
            return None
        return f"{value!r} is not a channel id such as {self.target_example} (a name is not enough)"


@dataclass(frozen=True)
class Secrets:
    """Credentials from the environment, by variable name; never printed."""

    values: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.values.get(name) or None

    def __iter__(self) -> Iterator[str]:
        return iter(value for value in self.values.values() if value)

    def __repr__(self) -> str:  # never print a token, even by accident in a traceback
        present = [name for name, value in self.values.items() if value]
        return f"Secrets(set={present})"
