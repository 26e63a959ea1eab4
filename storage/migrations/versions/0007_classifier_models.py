"""classifier models stored once for every process; tickets closed as not a complaint

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("not_complaint", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
    op.create_table(
        "classifier_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classifier_models")),
    )
    with op.batch_alter_table("classifier_models", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_classifier_models_version"), ["version"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("classifier_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_classifier_models_version"))
    op.drop_table("classifier_models")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("not_complaint")
