"""tickets.remind_at: when the reminder sweep next looks at a ticket

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:30:00

Open, unanswered tickets get ``remind_at = created_at`` so the first sweep after the upgrade looks
at each of them once and schedules its next reminder from the team's policy.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remind_at", storage.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_tickets_status_remind", ["status", "remind_at"], unique=False)
    op.execute(
        "UPDATE tickets SET remind_at = created_at WHERE status = 'open' AND first_response_at IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_status_remind")
        batch_op.drop_column("remind_at")
