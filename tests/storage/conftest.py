"""The store ports under contract: each test runs on the in-memory fake, SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bot.core.ports import Figures, Outbox, Store
from storage.database import make_engine, make_session_factory
from storage.figures import SqlFigures
from storage.migrate import upgrade
from storage.outbox import SqlOutbox
from storage.store import SqlStore
from tests.conftest import POSTGRES_ENV
from tests.memory_figures import MemoryFigures
from tests.memory_outbox import MemoryOutbox
from tests.memory_store import MemoryStore
from tests.schemas import migrated_schema


@dataclass
class Ports:
    store: Store
    outbox: Outbox
    figures: Figures


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ports(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> Iterator[Ports]:
    if request.param == "memory":
        store = MemoryStore()
        yield Ports(store, MemoryOutbox(store), MemoryFigures(store))
        return
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path}/test.db"
        else:
            base = os.environ.get(POSTGRES_ENV)
            if not base:
                pytest.skip(f"no PostgreSQL configured: set {POSTGRES_ENV} to run these")
            url = stack.enter_context(migrated_schema(base, "t"))
        engine = make_engine(url)
        stack.callback(engine.dispose)
        upgrade(engine)
        sessions = make_session_factory(engine)
        yield Ports(SqlStore(sessions), SqlOutbox(sessions), SqlFigures(sessions))
