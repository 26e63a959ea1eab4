"""The core on the in-memory store: the same use cases as ``create_app`` builds, no database.

The tests that need the database itself (concurrency, locking, the SQL of each port) use the
``app`` fixture of tests/conftest.py, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.config import Config, parse_config
from bot.core.access import Access, Guard
from bot.core.clock import FakeClock
from bot.core.digest import DigestBuilder
from bot.core.i18n import Translator
from bot.core.outbox import Dispatcher, RetryPolicy
from bot.core.ports import Sender
from bot.core.records import Records
from bot.core.reminders import ReminderSweep
from bot.core.triage import TriageService
from bot.platforms.registry import directory
from bot.runtime.services import make_writer
from tests.fakes import KeywordClassifier, RecordingSender
from tests.memory_figures import MemoryFigures
from tests.memory_outbox import MemoryOutbox
from tests.memory_store import MemoryStore


@dataclass
class Core:
    """What a core test drives: the use cases, the fake store behind them and the delivery."""

    config: Config
    clock: FakeClock
    store: MemoryStore
    outbox: MemoryOutbox
    access: Access
    guard: Guard
    service: TriageService
    sweep: ReminderSweep
    dispatcher: Dispatcher
    records: Records
    digests: DigestBuilder
    translator: Translator
    senders: dict[str, Sender] = field(default_factory=dict)


def build_core(config: Config, clock: FakeClock, sender: RecordingSender) -> Core:
    """The core wired as ``create_app`` wires it, on a :class:`MemoryStore`, posting to the console."""
    writer = make_writer(config)
    places = directory(config, ["console"])
    store = MemoryStore()
    outbox = MemoryOutbox(store)
    access = Access(config.roles)
    guard = Guard(access, store, store, clock)
    service = TriageService(config, store, KeywordClassifier(), clock, places, writer, writer.sla, guard)
    policy = RetryPolicy(config.outbox_max_attempts, config.outbox_base_delay_seconds)
    senders: dict[str, Sender] = {"console": sender}
    return Core(
        config=config,
        clock=clock,
        store=store,
        outbox=outbox,
        access=access,
        guard=guard,
        service=service,
        sweep=ReminderSweep(store, writer.sla, places, writer),
        dispatcher=Dispatcher(outbox, senders, clock, policy, lease=outbox.lease),
        records=Records(config, service, guard, store, writer, clock),
        digests=DigestBuilder(config, store, MemoryFigures(store), places, writer),
        translator=writer.t,
        senders=senders,
    )


@pytest.fixture
def memory_config() -> Config:
    """The default configuration; its database is never opened."""
    return parse_config({}, {})


@pytest.fixture
def core(memory_config: Config, clock: FakeClock, sender: RecordingSender) -> Core:
    return build_core(memory_config, clock, sender)
