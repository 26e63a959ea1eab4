"""Engine and session setup for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

import os
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_SECONDS = 30
"""How long a SQLite writer waits for another's transaction before it gives up."""
AUTOCHECKPOINT_PAGES = 25_000
"""About 100 MB of log (SQLite's default is 1,000 pages)."""
READ_ONLY = "triage_read_only"
"""An execution option: a connection with it set only reads, so on SQLite its transaction begins
deferred (in WAL mode a reader neither waits for a writer nor holds one up)."""


def with_driver(url: str) -> str:
    """``postgres://`` (what Heroku and most hosts set) and ``postgresql://`` use psycopg 3, the
    driver installed; SQLAlchemy would otherwise refuse the first and look for psycopg2."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Creates an engine with the settings each backend needs to be safe under concurrent writers,
    and across a fork (gunicorn ``--preload`` builds the app once, then forks its workers)."""
    url = with_driver(url)
    parsed = make_url(url)
    # Bound parameters hold complaint texts: keep them out of error messages and logs.
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
        if parsed.get_backend_name() == "postgresql":
            event.listen(engine, "before_cursor_execute", _without_nul, retval=True)
        _fresh_connections_after_fork(engine)
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False}, **kwargs
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from pysqlite so that BEGIN IMMEDIATE below is what starts
        # every transaction: the write lock is taken up front, so a transaction never fails with
        # SQLITE_BUSY halfway through (Python 3.11's sqlite3 would otherwise BEGIN DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # The commit that crosses the threshold copies the log into the database and syncs it: a
        # web request should not pay that. The worker checkpoints every few seconds (checkpoint()
        # below); this high threshold only bounds the log when no worker runs.
        cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(
            "BEGIN" if connection.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE"
        )

    _fresh_connections_after_fork(engine)
    return engine


def checkpoint(engine: Engine) -> tuple[int, int, int] | None:
    """Copies SQLite's write-ahead log into the database file (the worker's job, so that no web
    request pays for it): (busy, pages in the log, pages copied). Nothing to do on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return None
    with engine.connect() as connection:
        # On the driver's connection: through SQLAlchemy it would run inside BEGIN IMMEDIATE,
        # and SQLite refuses to checkpoint inside a transaction.
        raw = connection.connection.dbapi_connection
        if raw is None:  # pragma: no cover - a checked-out connection always has one
            raise RuntimeError("no driver connection")
        busy, pages, copied = raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(busy), int(pages), int(copied)


def _fresh_connections_after_fork(engine: Engine) -> None:
    """A forked child must not use its parent's pooled connections (both would talk over one
    socket or SQLite handle): the child forgets them, without closing them for the parent, and
    opens its own. Held weakly, so engines disposed of in tests are not kept alive."""
    ref = weakref.ref(engine)

    def forget() -> None:
        alive = ref()
        if alive is not None:
            alive.dispose(close=False)

    os.register_at_fork(after_in_child=forget)


NUL_STAND_IN = "\ufffd"


def _without_nul(
    _connection: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool
) -> tuple[str, Any]:
    """PostgreSQL cannot store NUL in text. A NUL that hostile input smuggled into an id or a name
    becomes U+FFFD instead of failing the whole transaction (complaint texts lose NULs earlier)."""

    def clean(value: Any) -> Any:
        return value.replace("\x00", NUL_STAND_IN) if isinstance(value, str) and "\x00" in value else value

    def row(values: Any) -> Any:
        if isinstance(values, dict):
            return {key: clean(value) for key, value in values.items()}
        if isinstance(values, list | tuple):
            return type(values)(clean(value) for value in values)
        return values

    if isinstance(parameters, list):  # executemany: one set of parameters per row
        return statement, [row(values) for values in parameters]
    return statement, row(parameters)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def describe(url: str) -> str:
    """The URL without its password, for logs."""
    return make_url(with_driver(url)).render_as_string(hide_password=True)
