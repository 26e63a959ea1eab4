"""classifier learning: order number, best guesses, repeat-contact index, labels, training audit

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_number", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("guesses", sa.JSON(), nullable=True))
        batch_op.create_index("ix_tickets_order_number", ["order_number"], unique=False)
        batch_op.create_index("ix_tickets_customer_created", ["customer", "created_at"], unique=False)
    op.create_table(
        "classifier_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classifier_labels")),
        sa.UniqueConstraint("source", "text_hash", name="uq_classifier_labels_source_text"),
    )
    op.create_table(
        "classifier_trainings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_key", sa.String(length=64), nullable=True),
        sa.Column("at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classifier_trainings")),
        sa.UniqueConstraint("run_key", name=op.f("uq_classifier_trainings_run_key")),
    )


def downgrade() -> None:
    op.drop_table("classifier_trainings")
    op.drop_table("classifier_labels")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_customer_created")
        batch_op.drop_index("ix_tickets_order_number")
        batch_op.drop_column("guesses")
        batch_op.drop_column("order_number")
