"""The shop's own labels for the classifier, and the record of each retraining.

A label is a department someone chose for a text: a reassigned ticket (which includes a triage
ticket given its department) or a row of imported history. Retrainings are stored with their
decision, so "why did the model change on Monday" has an answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.learning import Label
from storage.models import ClassifierLabelRow, ClassifierTrainingRow, TicketEventRow, TicketRow

LABEL_ACTIONS = ("reassigned", "not_complaint")
"""The audit actions that are labels: a department chosen, or "not a complaint" (out of scope)."""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SqlLabels:
    """Reads and writes labels and training records, each call one transaction."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self.session_factory() as session, session.begin():
            yield session

    def labels(self) -> list[Label]:
        """Every label: the latest department chosen for each reassigned ticket, then imported rows."""
        with self._session() as session:
            latest: dict[int, tuple[str, str | None]] = {}
            rows = session.execute(
                select(TicketEventRow.ticket_id, TicketEventRow.action, TicketEventRow.detail, TicketRow.text)
                .join(TicketRow, TicketRow.id == TicketEventRow.ticket_id)
                # A text erased by retention teaches nothing (its correction still counts in the figures).
                .where(TicketEventRow.action.in_(LABEL_ACTIONS), TicketRow.text != "")
                .order_by(TicketEventRow.id)
            )
            for ticket_id, action, detail, text in rows:
                # A ticket moved twice counts once, with where it ended up; "not a complaint" is
                # out of scope (None).
                latest[ticket_id] = (text, None if action == "not_complaint" else str(detail.get("to")))
            imported = session.execute(
                select(
                    ClassifierLabelRow.text, ClassifierLabelRow.department, ClassifierLabelRow.source
                ).order_by(ClassifierLabelRow.id)
            ).all()
        return [Label(text, department, "correction") for text, department in latest.values()] + [
            Label(text, department, source) for text, department, source in imported
        ]

    def import_labels(self, rows: Iterable[tuple[str, str | None]], source: str, at: datetime) -> int:
        """Stores ``(text, department)`` rows once each (per source); returns how many were new."""
        added = 0
        with self._session() as session:
            known = set(
                session.scalars(
                    select(ClassifierLabelRow.text_hash).where(ClassifierLabelRow.source == source)
                )
            )
            for text, department in rows:
                digest = text_hash(text)
                if digest in known:
                    continue
                known.add(digest)
                session.add(
                    ClassifierLabelRow(
                        text=text, text_hash=digest, department=department, source=source, created_at=at
                    )
                )
                added += 1
        return added

    def claim_training(self, run_key: str | None, trigger: str, at: datetime) -> int | None:
        """Starts a training record; ``None`` when ``run_key`` was claimed already (another worker)."""
        try:
            with self._session() as session:
                if run_key is not None and session.scalar(
                    select(ClassifierTrainingRow.id).where(ClassifierTrainingRow.run_key == run_key)
                ):
                    return None
                row = ClassifierTrainingRow(
                    run_key=run_key, at=at, trigger=trigger, status="running", detail={}
                )
                session.add(row)
                session.flush()
                training_id = row.id
        except IntegrityError:  # the unique run_key: another worker inserted it at the same moment
            return None
        return training_id

    def finish_training(self, training_id: int, status: str, detail: dict[str, Any]) -> None:
        with self._session() as session:
            row = session.get(ClassifierTrainingRow, training_id)
            if row is not None:
                row.status = status
                row.detail = detail

    def trainings(self) -> list[tuple[datetime, str, str, dict[str, Any]]]:
        """Every training record, oldest first: (at, trigger, status, detail)."""
        with self._session() as session:
            rows = session.execute(
                select(
                    ClassifierTrainingRow.at,
                    ClassifierTrainingRow.trigger,
                    ClassifierTrainingRow.status,
                    ClassifierTrainingRow.detail,
                ).order_by(ClassifierTrainingRow.id)
            ).all()
        return [(at, trigger, status, dict(detail)) for at, trigger, status, detail in rows]
