"""The console adapter: a chat with the bot in the terminal, the embedded default.

Each line is a forwarded complaint or a command. Messages the bot posts (the reply, the team's
card, reminders, digests) go through the real outbox and are printed by :class:`ConsoleSender`,
so what you see is what a team channel would get.
"""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import TextIO

from bot.core.access import CONSOLE_ACTOR
from bot.core.card_data import from_data
from bot.core.clock import FakeClock, parse_duration
from bot.core.domain import IncomingMessage, InvalidArgument, OutboundMessage, TriageError, UnknownTicket
from bot.core.i18n import Translator
from bot.core.ports import Pace, SendResult
from bot.core.routing import MANAGERS
from bot.core.usecases import Services
from bot.core.wording import snoozed

log = logging.getLogger(__name__)

CONSOLE = "console"
STEP = timedelta(minutes=5)
"""How far /advance moves the clock between job runs: the reminder sweep runs every minute in
production, so a stage shows up here at most this much later than it would there."""


class ConsoleSender:
    """Prints what the bot posts, each message under the channel it went to."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self.write = write
        self._ids = itertools.count(1)

    def pace(self, message: OutboundMessage, *, editing: bool) -> Pace | None:
        return None  # a terminal takes whatever comes

    def send(
        self,
        message: OutboundMessage,
        *,
        edit_message_id: str | None = None,
        outbox_id: int | None = None,
        unsure: bool = False,
    ) -> SendResult:
        if message.channel != CONSOLE:
            self.write(f"── {message.channel} ({message.kind}) ──")
        self.write(self.render(message))
        return SendResult(message_id=edit_message_id or f"console-{next(self._ids)}")

    @staticmethod
    def render(message: OutboundMessage) -> str:
        """A card as its text (a row queued before the typed card: the text it was queued with)."""
        stored = message.data.get("card")
        if message.kind in ("card", "card_update") and isinstance(stored, Mapping):
            try:
                return from_data(stored).to_text()
            except (KeyError, TypeError, ValueError, IndexError):
                return message.text  # malformed, or a newer version's: its text is still the card
        return message.text


_REF = re.compile(r"^#?(\d{1,9})$")


class ConsoleAdapter:
    """The console is the embedded runtime as well: it runs the jobs (``jobs``, every few minutes of
    a fake clock) and delivers what a line queued (``deliver``) itself."""

    def __init__(
        self,
        services: Services,
        out: TextIO,
        *,
        jobs: Callable[[], object],
        deliver: Callable[[], object],
        database: str,
        user: str = CONSOLE_ACTOR,
    ) -> None:
        self.services = services
        self.out = out
        self.jobs = jobs
        self.deliver = deliver
        self.database = database
        self.user = user
        self.t = services.t
        self.session = uuid.uuid4().hex[:12]
        self._lines = itertools.count(1)
        self.commands: dict[str, Callable[[list[str]], None]] = {
            "/help": self.handle_help,
            "/list": self.handle_list,
            "/ack": self.handle_ack,
            "/resolve": self.handle_resolve,
            "/notcomplaint": self.handle_not_complaint,
            "/reassign": self.handle_reassign,
            "/snooze": self.handle_snooze,
            "/history": self.handle_history,
            "/find": self.handle_find,
            "/digest": self.handle_digest,
            "/advance": self.handle_advance,
            "/quit": self.handle_quit,
            "/exit": self.handle_quit,
        }
        self._quitting = False

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def run(self, lines: Iterable[str]) -> None:
        source = self.services.config.source or self.t("console.no_config")
        self.say(self.t("console.welcome", database=self.database, config=source))
        self.jobs()
        for line in lines:
            self.handle_line(line)
            if self._quitting:
                break

    def handle_line(self, line: str) -> None:
        """Handles one input line; errors are answered, never raised."""
        number = next(self._lines)
        text = line.rstrip("\r\n")
        if not text.strip():
            return
        command = unicodedata.normalize("NFKC", text).strip()
        try:
            if command.startswith("/"):
                self.handle_command(command)
            else:
                self.handle_complaint(text, number)
        except TriageError as error:
            # Answered in the sender's own language when the error knows it (はい, 네, thanks...).
            t = Translator(error.language) if error.language else self.t
            self.say(t(error.text_key, **error.params))
        except Exception:
            event = uuid.uuid4().hex[:8]
            log.exception("console line failed", extra={"event_id": event})
            self.say(self.t("error.internal", event=event))
        self.deliver()

    def handle_complaint(self, text: str, number: int) -> None:
        message = IncomingMessage(
            platform=CONSOLE,
            event_id=f"{self.session}-{number}",
            channel=CONSOLE,
            forwarder=self.user,
            text=text,
            received_at=self.services.clock.now(),
        )
        self.services.open_ticket(message)

    def handle_command(self, command: str) -> None:
        name, *args = command.split()
        handler = self.commands.get(name.lower())
        if handler is None:
            raise TriageError("error.unknown_command", command=name)
        handler(args)

    # -- commands -------------------------------------------------------------------------------

    def handle_help(self, _args: list[str]) -> None:
        self.say(self.t("console.help", departments=", ".join(self.services.config.department_keys)))

    def handle_quit(self, _args: list[str]) -> None:
        self.say(self.t("console.bye"))
        self._quitting = True

    def handle_list(self, args: list[str]) -> None:
        # A department's shown name may hold spaces (Logistics & delivery): the rest of the line is it.
        tickets = self.services.open_tickets(" ".join(args) if args else None)
        if not tickets:
            self.say(self.t("list.empty"))
            return
        now = self.services.clock.now()
        writer = self.services.writer
        self.say(self.t("list.header", count=len(tickets)))
        for ticket in tickets:
            self.say(
                self.t(
                    "list.item",
                    ref=ticket.ref,
                    status=writer.list_status(ticket),
                    department=writer.department_name(ticket.department),
                    left=writer.time_left(ticket, now),
                    summary=writer.summary(ticket),
                )
            )

    def handle_find(self, args: list[str]) -> None:
        self.say(self.services.finder.find_text(" ".join(args), self.user, self.services.clock.now()))

    def handle_ack(self, args: list[str]) -> None:
        ticket = self.services.acknowledge(self._ref(args, "usage.ack"), self.user)
        self.say(self.t("done.acknowledged", ref=ticket.ref))

    def handle_resolve(self, args: list[str]) -> None:
        ticket = self.services.resolve(self._ref(args, "usage.resolve"), self.user)
        self.say(self.t("done.resolved", ref=ticket.ref))

    def handle_not_complaint(self, args: list[str]) -> None:
        ticket = self.services.not_a_complaint(self._ref(args, "/notcomplaint #N"), self.user)
        self.say(self.t("done.not_complaint", ref=ticket.ref))

    def handle_reassign(self, args: list[str]) -> None:
        if len(args) < 2:
            raise InvalidArgument("error.usage", usage=self.t("usage.reassign"))
        ticket = self.services.reassign(self._ref(args, "usage.reassign"), self.user, " ".join(args[1:]))
        self.say(
            self.t(
                "done.reassigned",
                ref=ticket.ref,
                department=self.services.writer.department_name(ticket.department),
            )
        )

    def handle_snooze(self, args: list[str]) -> None:
        if len(args) != 2:
            raise InvalidArgument("error.usage", usage=self.t("usage.snooze"))
        try:
            hours = float(args[1].rstrip("hH"))
        except ValueError:
            raise InvalidArgument("error.bad_hours") from None
        ticket = self.services.snooze(self._ref(args, "usage.snooze"), self.user, hours)
        self.say(snoozed(self.t, ticket, self.services.config.tz))

    def handle_history(self, args: list[str]) -> None:
        self.say(self.services.history_text(self._ref(args, "usage.history"), self.user))

    def handle_digest(self, args: list[str]) -> None:
        self.say(self.services.digest(self.user, " ".join(args) if args else MANAGERS).text)

    def handle_advance(self, args: list[str]) -> None:
        clock = self.services.clock
        if not isinstance(clock, FakeClock):
            raise TriageError("error.fake_clock_only")
        delta = parse_duration("".join(args)) if args else None
        if delta is None or delta <= timedelta(0) or delta > timedelta(days=60):
            raise InvalidArgument("error.bad_duration")
        end = clock.now() + delta
        while clock.now() < end:
            clock.advance(min(STEP, end - clock.now()))
            self.jobs()
        self.say(self.t("console.time", now=self.t.moment(clock.now(), self.services.config.tz)))

    def _ref(self, args: list[str], usage: str) -> int:
        """The ticket number in ``args[0]``; ``usage`` is the i18n key of the command's usage line."""
        if not args:
            raise InvalidArgument("error.usage", usage=self.t(usage))
        match = _REF.match(args[0])
        if not match:
            raise UnknownTicket(args[0])
        return int(match[1])
