"""A PostgreSQL schema of its own, migrated, for one test or one benchmark run, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from storage.database import make_engine
from storage.migrate import upgrade


@contextmanager
def migrated_schema(base: str, prefix: str) -> Iterator[str]:
    """Yields the URL of a new schema on the PostgreSQL at ``base`` (``search_path`` set to it),
    migrated as the release step does; the schema and everything in it goes afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    try:
        engine = make_engine(url)
        upgrade(engine)  # what the release step (`triage-bot db upgrade`) does before the bot starts
        engine.dispose()
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
