"""digest charts served by URL; the forwarded message's permalink and author; indexes for the
digest's unresolved tickets and for finding a card by its platform message id

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 15:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digest_charts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("team", sa.String(length=32), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=True),
        sa.Column("preview", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_charts")),
        sa.UniqueConstraint("token", name="uq_digest_charts_token"),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_url", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("source_author", sa.String(length=128), nullable=True))
        batch_op.create_index(
            "ix_tickets_unresolved",
            ["department", "due_at"],
            unique=False,
            sqlite_where=sa.text("status != 'resolved'"),
            postgresql_where=sa.text("status != 'resolved'"),
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_platform_message_id", ["platform_message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_platform_message_id")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_unresolved")
        batch_op.drop_column("source_author")
        batch_op.drop_column("source_url")
    op.drop_table("digest_charts")
