"""Who may do what: the roles from ``[roles]``, checked by the core before anything changes.

Staff forward complaints; a team's members act on their department's tickets; managers act on all;
admins also handle dead letters, retraining and exports. Without a ``[roles]`` table the bot is
open to everyone (the single-machine default; a warning says so at start). People at the bot's
own terminal (the console, the CLI) are admins: whoever can run it there owns the database anyway.

Identities are the platforms' own ids, taken from signed payloads by the adapters: Slack user ids,
Slack user-group ids (their members are asked from Slack through :class:`GroupMembers`) and LINE
user ids.
"""

from __future__ import annotations

import enum
import getpass
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn, Protocol

from bot.config import Roles
from bot.core.domain import Ticket, TriageError
from bot.core.ports import AuditTrail, Clock, Store

log = logging.getLogger(__name__)

CONSOLE_ACTOR = "console"
CLI_PREFIX = "cli:"


class Permission(enum.StrEnum):
    FORWARD = "forward"
    """Open a ticket for a complaint."""
    ACT = "act"
    """Acknowledge, resolve, snooze a ticket; answer it in its thread."""
    REASSIGN = "reassign"
    """Move a ticket to another department (also its forwarder's correction, and the triage queue)."""
    VIEW = "view"
    """See a ticket's full text and its history."""
    ADMIN = "admin"
    """Dead letters, retraining, exports."""


class Forbidden(TriageError):
    """The actor's role does not allow the action; nothing was changed."""

    def __init__(self) -> None:
        super().__init__("error.forbidden")


class GroupMembers(Protocol):
    """A platform's user groups (Slack's ``S...`` ids)."""

    def members(self, group: str) -> frozenset[str] | None:
        """The group's user ids; ``None`` when they cannot be found out now (then nobody is in it)."""
        ...


def cli_operator() -> str:
    """The person at the machine running a ``triage-bot`` command, as the audit trail names them."""
    try:
        return CLI_PREFIX + getpass.getuser()
    except (OSError, KeyError):  # no login name for this uid (some containers)
        return CLI_PREFIX + "admin"


def is_local(actor: str) -> bool:
    """The console's user and the CLI's operator: people at the machine itself."""
    return actor == CONSOLE_ACTOR or actor.startswith(CLI_PREFIX)


class Access:
    """Answers "may this actor do that (to this ticket)?" from the configured roles."""

    def __init__(self, roles: Roles, groups: GroupMembers | None = None) -> None:
        self.roles = roles
        self.groups = groups
        """Set by the Slack adapter, which can ask Slack for a user group's members."""

    @property
    def enforced(self) -> bool:
        return self.roles.configured

    def warn_if_open(self) -> None:
        if not self.enforced:
            log.warning(
                "no [roles] configured: everyone who can reach the bot may act on every ticket; "
                "configure [roles] before sharing it with a team"
            )

    def allowed(self, actor: str, permission: Permission, ticket: Ticket | None = None) -> bool:
        if not self.enforced or is_local(actor) or self.is_admin(actor):
            return True
        if permission is Permission.ADMIN:
            return False
        if self.is_manager(actor):
            return True
        teams = self.teams_of(actor)
        if permission is Permission.FORWARD:
            return bool(teams) or self._holds(actor, self.roles.staff)
        if ticket is None:
            return False
        if ticket.department is not None and ticket.department in teams:
            return True
        if permission is Permission.VIEW:
            return ticket.forwarder == actor
        if permission is Permission.REASSIGN:
            # The forwarder corrects the department; anyone who triages empties the triage queue.
            in_triage = ticket.needs_triage and (bool(teams) or self._holds(actor, self.roles.staff))
            return ticket.forwarder == actor or in_triage
        return False

    def may_read_digest(self, actor: str, team: str) -> bool:
        """A team's digest is for its members and the managers; the managers' digest for managers."""
        if not self.enforced or self.is_manager(actor):
            return True
        return team in self.teams_of(actor)

    def is_admin(self, actor: str) -> bool:
        return self.enforced and (is_local(actor) or self._holds(actor, self.roles.admins))

    def is_manager(self, actor: str) -> bool:
        return self.is_admin(actor) or self._holds(actor, self.roles.managers)

    def teams_of(self, actor: str) -> frozenset[str]:
        return frozenset(key for key, ids in self.roles.teams.items() if self._holds(actor, ids))

    def departments(self, actor: str) -> frozenset[str] | None:
        """The departments whose tickets ``actor`` works on; ``None`` means all of them."""
        if not self.enforced or self.is_manager(actor):
            return None
        return self.teams_of(actor)

    def _holds(self, actor: str, ids: Iterable[str]) -> bool:
        for entry in ids:
            if entry == actor:
                return True
            if entry.startswith("S") and self.groups is not None:
                members = self.groups.members(entry)
                if members is not None and actor in members:
                    return True
        return False


@dataclass(frozen=True)
class AccessEntry:
    """An audited event that concerns no single ticket (a refused complaint, an export)."""

    at: datetime
    actor: str
    action: str
    allowed: bool
    detail: dict[str, Any]


class AccessLog(Protocol):
    def log_access(self, entry: AccessEntry) -> None: ...
    def access_log(self) -> list[AccessEntry]: ...


class Guard:
    """Checks a permission and, when it is missing, audits the refusal and raises :class:`Forbidden`.

    A refusal about a ticket goes into that ticket's audit trail (``/history`` shows it); one about
    no ticket (a complaint from someone without a role, an export) into the access log.
    """

    def __init__(self, access: Access, store: Store, log_store: AccessLog, clock: Clock) -> None:
        self.access = access
        self.store = store
        self.log_store = log_store
        self.clock = clock

    def require(
        self, actor: str, permission: Permission, attempted: str, ticket: Ticket | None = None
    ) -> None:
        if self.access.allowed(actor, permission, ticket):
            return
        self._refuse(actor, attempted, ticket)

    def allows(
        self, uow: AuditTrail, actor: str, permission: Permission, attempted: str, ticket: Ticket
    ) -> bool:
        """The check inside a unit of work that already holds ``ticket``: a refusal is audited in it
        (the caller commits it and then raises :class:`Forbidden`)."""
        if self.access.allowed(actor, permission, ticket):
            return True
        uow.audit(ticket.ref, self.clock.now(), actor, "refused", {"attempted": attempted})
        log.info("refused %s to %s", attempted, actor, extra={"ref": ticket.ref})
        return False

    def require_digest(self, actor: str, team: str) -> None:
        """Reading (or posting) a digest, which names a team's tickets and their themes."""
        if not self.access.may_read_digest(actor, team):
            self._refuse(actor, f"digest:{team}", None)

    def _refuse(self, actor: str, attempted: str, ticket: Ticket | None) -> NoReturn:
        now = self.clock.now()
        if ticket is not None:
            with self.store.transaction() as uow:
                uow.audit(ticket.ref, now, actor, "refused", {"attempted": attempted})
        else:
            self.log_store.log_access(AccessEntry(now, actor, attempted, False, {}))
        log.info("refused %s to %s", attempted, actor, extra={"ref": ticket.ref if ticket else None})
        raise Forbidden()
