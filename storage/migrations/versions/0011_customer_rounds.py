"""customer follow-ups: another answer owed after the customer writes again (or reopens a resolved
ticket), its round for the reminders, and the first response's own deadline

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(
            sa.Column("awaiting_since", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("answer_round", sa.Integer(), server_default=sa.text("0"), nullable=False))
        batch.add_column(sa.Column("first_due_at", storage.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        for column in ("first_due_at", "answer_round", "awaiting_since"):
            batch.drop_column(column)
