"""Sending: each recipient's message fields, and who holds a message being sent.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the columns."""
    with op.batch_alter_table("recipients") as batch:
        batch.add_column(sa.Column("context", sa.Text))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("claim", sa.String(100)))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True)))
    op.create_index("messages_by_status", "messages", ["campaign_id", "status", "due_on"])


def downgrade() -> None:
    """Drop the columns."""
    op.drop_index("messages_by_status", "messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("claimed_at")
        batch.drop_column("claim")
    with op.batch_alter_table("recipients") as batch:
        batch.drop_column("context")
