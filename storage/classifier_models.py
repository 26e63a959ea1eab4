"""The stored classifier: one row per trained model, the newest of this version in use everywhere.

Web processes ask for the newest id now and then (one indexed query) and load the blob only when it
changed; a worker that promotes a model adds a row. Rows of older models are pruned, a few kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from classifiers.store import PackedModel
from storage.models import ClassifierModelRow

KEEP = 3
"""Models kept per version: the current one and two before it (to see what changed)."""


class SqlModels:
    """Implements :class:`bot.core.ports.ModelStore`; each call is one transaction."""

    def __init__(self, session_factory: sessionmaker[Session], version: str) -> None:
        self.session_factory = session_factory
        self.version = version

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self.session_factory() as session, session.begin():
            yield session

    def latest_id(self) -> int | None:
        """The id of the newest model of this version (None: none stored)."""
        with self._session() as session:
            value = session.scalar(
                select(func.max(ClassifierModelRow.id)).where(ClassifierModelRow.version == self.version)
            )
        return None if value is None else int(value)

    def latest(self) -> tuple[int, PackedModel] | None:
        """The newest stored model of this version or, when there is none, of any version (so that the
        caller can say which version it replaces)."""
        with self._session() as session:
            row = session.scalars(
                select(ClassifierModelRow)
                .order_by((ClassifierModelRow.version == self.version).desc(), ClassifierModelRow.id.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            return row.id, PackedModel(bytes(row.blob), dict(row.detail))

    def add(self, packed: PackedModel, at: datetime) -> int:
        """Stores ``packed`` as the newest model; prunes all but the last :data:`KEEP` of its version and
        every row of another version."""
        with self._session() as session:
            row = ClassifierModelRow(
                version=packed.version,
                checksum=str(packed.metadata.get("checksum", "")),
                created_at=at,
                detail=dict(packed.metadata),
                blob=packed.blob,
            )
            session.add(row)
            session.flush()
            kept = select(ClassifierModelRow.id).where(ClassifierModelRow.version == packed.version)
            keep_ids = list(session.scalars(kept.order_by(ClassifierModelRow.id.desc()).limit(KEEP)))
            session.execute(delete(ClassifierModelRow).where(ClassifierModelRow.id.not_in(keep_ids)))
            return row.id
