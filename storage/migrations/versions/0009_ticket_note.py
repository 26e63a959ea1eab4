"""original_messages, tickets.note and tickets.names: what an unsend, deletion or edit finds;
the forwarder's comment on a shared message; names to mask

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 22:20:00

A Slack "Forward message" with a comment opens a ticket of the shared message; the comment is the
forwarder's note, kept apart so that it is not classified as the customer's words, and erased with
the text (retention, or the customer's unsend). ``original_messages`` maps a ticket's original
message (LINE's message id, Slack's ``channel:ts``) to the ticket, so that its unsend, deletion or
edit finds it. ``names`` are names the platform knows of the
people in the complaint (a LINE customer's display name), masked wherever the text is shown.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "original_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_original_messages_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_original_messages")),
        sa.UniqueConstraint("platform", "message_id", name="uq_original_messages_platform_message"),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("names", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("names")
        batch_op.drop_column("note")
    op.drop_table("original_messages")
