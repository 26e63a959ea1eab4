"""What the admin commands (``triage-bot outbox``, ``triage-bot inbox``) share: the database opened
as at start, the bot's language and masking, the operator at the machine, and masked previews.

Only what the commands need, not the whole app with its classifier: they start in a moment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Config
from bot.core.access import cli_operator
from bot.core.i18n import Translator
from bot.core.masking import Masker
from bot.runtime.services import SchemaOutOfDate, opened_database, translator_and_masker

PREVIEW_CHARS = 40
ERROR_CHARS = 80


@dataclass(frozen=True)
class AdminDesk:
    """What an admin action works with."""

    sessions: sessionmaker[Session]
    t: Translator
    masker: Masker
    actor: str


def run_admin(config: Config, err: TextIO, action: Callable[[AdminDesk], int]) -> int:
    """Runs ``action`` on the database, SQLite migrated as at start; an out-of-date PostgreSQL schema
    is refused with a message (exit status 1), since the release step migrates it."""
    t, masker = translator_and_masker(config)
    try:
        with opened_database(config) as sessions:
            return action(AdminDesk(sessions, t, masker, cli_operator()))
    except SchemaOutOfDate:
        print(t("outbox.schema_behind"), file=err)
        return 1


def preview(text: str | None, limit: int, masker: Masker) -> str:
    """``text`` masked, on one line, cut to ``limit`` characters."""
    if not text:
        return "-"
    flat = " ".join(masker.mask(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
