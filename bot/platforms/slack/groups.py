"""Slack user groups (``S...`` ids in ``[roles]``) resolved to their members.

Asked with ``usergroups.users.list`` (scope ``usergroups:read``) and kept briefly, so a busy card
does not ask Slack on every click while a change to a group still counts within minutes. When
Slack cannot be asked, the last answer serves; with none, nobody counts as a member (closed, not
open).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from slack_sdk.errors import SlackClientError
from slack_sdk.web import WebClient

from bot.core.ports import Clock

log = logging.getLogger(__name__)

CACHE_FOR = timedelta(minutes=5)


class SlackUserGroups:
    def __init__(self, client: WebClient, clock: Clock, ttl: timedelta = CACHE_FOR) -> None:
        self.client = client
        self.clock = clock
        self.ttl = ttl
        self._cache: dict[str, tuple[datetime, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def members(self, group: str) -> frozenset[str] | None:
        now = self.clock.now()
        with self._lock:
            cached = self._cache.get(group)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        try:
            response = self.client.usergroups_users_list(usergroup=group)
            users = frozenset(str(user) for user in response.get("users") or [])
        except (SlackClientError, OSError) as error:
            log.warning("could not list the members of user group %s: %s", group, type(error).__name__)
            return cached[1] if cached is not None else None
        with self._lock:
            self._cache[group] = (now, users)
        return users
