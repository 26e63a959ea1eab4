"""The inbox's acknowledgement path: many request threads storing at once (a group commit), on
SQLite and PostgreSQL, and SQLite's single writer lock held by another process (which the LINE
webhook's question "is this text an announced reply?" does not wait for)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from bot.core.domain import IncomingMessage
from storage.database import checkpoint, make_engine, make_session_factory
from storage.inbox import GroupCommit, SqlInbox
from storage.migrate import upgrade
from storage.store import SqlStore


def message(number: int) -> IncomingMessage:
    return IncomingMessage(
        "slack", f"C0INTAKE:{number}", "C0INTAKE", "U0STAFF", "配送が遅い", datetime.now(UTC)
    )


@pytest.fixture
def inbox(database_url: str) -> Any:
    engine = make_engine(database_url)
    upgrade(engine)  # SQLite's file is new; PostgreSQL's schema is migrated already
    yield SqlInbox(make_session_factory(engine))
    engine.dispose()


def test_many_threads_storing_at_once_keep_every_event_once(inbox: SqlInbox) -> None:
    numbers = [n % 300 for n in range(400)]  # a hundred of them twice: Slack's retries
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda n: inbox.add(message(n)), numbers))

    assert inbox.waiting() == 300
    inbox.add(message(7))  # one already waiting is not stored again
    assert inbox.waiting() == 300


def test_a_customers_own_message_comes_back_as_theirs(inbox: SqlInbox) -> None:
    customer = "U" + "c0" * 16
    written = IncomingMessage(
        "line",
        "01CU0001",
        customer,
        customer,
        "届きません",
        datetime.now(UTC),
        customer="山田",
        from_customer=True,
    )
    inbox.add(written)

    [accepted] = inbox.claim(datetime.now(UTC), 10)
    assert accepted.message.from_customer is True and accepted.message.customer == "山田"


def test_a_failed_group_commit_fails_every_request_in_it() -> None:
    entered, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def write(rows: list[dict[str, Any]]) -> None:
        calls.append(len(rows))
        if len(calls) == 1:  # the first writer holds on while the others queue behind it
            entered.set()
            release.wait(10)
            return
        raise RuntimeError("database went away")

    group = GroupCommit(write)
    outcomes: list[object] = []

    def add(number: int) -> None:
        try:
            group.add({"platform": "line", "event_id": str(number)})
            outcomes.append(True)
        except RuntimeError as error:
            outcomes.append(error)

    first = threading.Thread(target=add, args=(0,))
    first.start()
    assert entered.wait(10)
    queued = [threading.Thread(target=add, args=(n,)) for n in range(1, 6)]
    for thread in queued:
        thread.start()
    time.sleep(0.1)  # let them queue behind the writer: there is nothing to wait on but time
    release.set()
    for thread in [first, *queued]:
        thread.join(10)

    assert calls == [1, 5]  # the five that queued went in one transaction
    assert outcomes.count(True) == 1
    assert sum(isinstance(outcome, RuntimeError) for outcome in outcomes) == 5


def test_one_row_the_database_refuses_fails_only_its_own_request(inbox: SqlInbox) -> None:
    entered, release = threading.Event(), threading.Event()
    real = inbox._insert_rows

    def first_waits(rows: list[dict[str, Any]]) -> None:
        if not entered.is_set():  # the first writer holds on while the others queue behind it
            entered.set()
            release.wait(10)
        real(rows)

    inbox._group._write = first_waits
    outcomes: dict[int, object] = {}

    def add(number: int, event_id: str | None = None) -> None:
        incoming = message(number)
        if event_id is not None:
            incoming = IncomingMessage(**{**incoming.__dict__, "event_id": event_id})
        try:
            inbox.add(incoming)
            outcomes[number] = "stored"
        except Exception as error:
            outcomes[number] = type(error).__name__

    first = threading.Thread(target=add, args=(0,))
    first.start()
    assert entered.wait(10)
    group = [threading.Thread(target=add, args=(n,)) for n in range(1, 6)]
    too_long = threading.Thread(target=add, args=(6, "x" * 200))  # the column holds 128 characters
    for thread in [*group, too_long]:
        thread.start()
    time.sleep(0.1)  # let them queue behind the writer: there is nothing to wait on but time
    release.set()
    for thread in [first, *group, too_long]:
        thread.join(10)

    stored = [n for n, outcome in outcomes.items() if outcome == "stored"]
    if inbox.engine.dialect.name == "postgresql":  # SQLite does not enforce a column's length
        assert sorted(stored) == [0, 1, 2, 3, 4, 5] and outcomes[6] == "DataError"
        assert inbox.waiting() == 6
    else:
        assert len(stored) == 7 and inbox.waiting() == 7


def test_on_sqlite_the_acknowledgement_waits_out_a_lock_held_by_another_process(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    inbox = SqlInbox(make_session_factory(engine))
    other = make_engine(sqlite_url)  # another web process, or the worker, writing
    stored: list[bool] = []
    try:
        with other.begin() as connection:
            connection.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is taken
            adding = threading.Thread(target=lambda: stored.append(inbox.add(message(1)) is None))
            adding.start()
            time.sleep(0.2)  # the other writer's transaction lasts this long
            assert stored == []  # still waiting for the lock, not failed
        adding.join(10)
        assert stored == [True] and inbox.waiting() == 1
        inbox.add(message(2))
        assert inbox.waiting() == 2
    finally:
        other.dispose()
        engine.dispose()


def test_on_sqlite_asking_whether_a_reply_is_expected_does_not_wait_for_the_write_lock(
    sqlite_url: str,
) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    store = SqlStore(make_session_factory(engine))
    other = make_engine(sqlite_url)
    try:
        with other.begin() as connection:
            connection.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is taken
            began = time.monotonic()
            assert not store.expects_reply("line", "U1", "U1")
            assert time.monotonic() - began < 1  # the busy timeout would be 30 s
    finally:
        other.dispose()
        engine.dispose()


def test_the_workers_checkpoint_copies_sqlites_log_into_the_database(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    inbox = SqlInbox(make_session_factory(engine))
    try:
        for number in range(50):
            inbox.add(message(number))
        result = checkpoint(engine)
        assert result is not None
        busy, pages, copied = result
        assert busy == 0 and pages > 0 and copied == pages
    finally:
        engine.dispose()
