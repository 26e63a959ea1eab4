"""The push-message quota: LINE stops pushes for the rest of the month once it is used up, and
cards, reminders and digests to groups are pushes. The scheduler runs :meth:`QuotaWatch.check`;
the managers hear about it at 80 % and again at 95 %.
"""

from __future__ import annotations

import logging
from datetime import datetime

import urllib3
from linebot.v3.messaging import ApiException, MessagingApi

from bot.core.usecases import Services
from bot.platforms.line.sender import TIMEOUT, make_api

log = logging.getLogger(__name__)

LEVELS = (0.8, 0.95)


class QuotaWatch:
    def __init__(self, services: Services, api: MessagingApi | None = None) -> None:
        self.services = services
        self.api = api or make_api(services.config)
        self._warned: set[tuple[str, float]] = set()
        """(month, level) already warned about by this process. Another process may warn too: the
        warning names itself (``once``), so its push retry key is the same and LINE drops the copy."""

    def check(self, now: datetime) -> float | None:
        """Reads quota and usage; queues a warning to the managers when a level is newly reached.

        Returns the used share of a limited quota, ``None`` when unlimited or unreadable.
        """
        try:
            quota = self.api.get_message_quota(_request_timeout=TIMEOUT)
            if str(getattr(quota.type, "value", quota.type)) != "limited" or not quota.value:
                return None
            used = self.api.get_message_quota_consumption(_request_timeout=TIMEOUT).total_usage
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            log.warning("LINE quota could not be read: %s", type(exc).__name__)
            return None
        share = float(used) / float(quota.value)
        reached = [level for level in LEVELS if share >= level]
        month = now.astimezone(self.services.config.tz).strftime("%Y-%m")
        if not reached or (month, reached[-1]) in self._warned:
            return share
        level = reached[-1]
        self._warned.add((month, level))
        t = self.services.t
        text = t("line.quota", level=t.percent(level), quota=int(quota.value), month=month)
        targets = self.services.tell_managers(text, {"once": f"quota-{month}-{level}"})
        log.warning("LINE push quota at %.0f%%", share * 100, extra={"targets": targets})
        return share
