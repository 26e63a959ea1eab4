"""delivery: outbox priority and unsure sends, destination gates shared by workers, inbox quarantine

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("unsure", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "outbox_gates",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("open_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_outbox_gates")),
    )
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("quarantined_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_column("quarantined_at")
    op.drop_table("outbox_gates")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("unsure")
        batch_op.drop_column("priority")
