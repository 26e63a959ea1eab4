"""customer channel: the customer's chat, an owner, waiting for the customer, satisfaction, and
the LINE staff who pressed お客様に返信 (their next message is the reply)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("contact", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("owner", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("waiting_since", storage.models.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("satisfaction", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("reply_token", sa.String(length=256), nullable=True))
        batch.add_column(
            sa.Column("reply_token_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_index("ix_tickets_platform_contact", "tickets", ["platform", "contact"], unique=False)
    op.create_index("ix_tickets_waiting_since", "tickets", ["waiting_since"], unique=False)
    op.create_table(
        "pending_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat", sa.String(length=128), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_pending_replies_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_replies")),
        sa.UniqueConstraint("platform", "chat", "actor", name="uq_pending_replies_platform_chat"),
    )


def downgrade() -> None:
    op.drop_table("pending_replies")
    op.drop_index("ix_tickets_waiting_since", table_name="tickets")
    op.drop_index("ix_tickets_platform_contact", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        for column in ("reply_token_at", "reply_token", "satisfaction", "waiting_since", "owner", "contact"):
            batch.drop_column(column)
