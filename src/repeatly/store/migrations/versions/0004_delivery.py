"""Delivery outcomes: a time to try a message again, and outcomes not known.

``retry_at`` is when a message a server put off for now (a 4xx answer, a lost
connection) may be tried again; ``unsure`` counts the times a message was handed over
and its answer never came (status ``unknown``). Messages of earlier releases have
neither.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``retry_at`` and ``unsure`` to the messages."""
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("retry_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("unsure", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    """Drop them; a message whose outcome is unknown goes back to pending."""
    op.execute("UPDATE messages SET status = 'pending', claim = NULL WHERE status = 'unknown'")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("unsure")
        batch.drop_column("retry_at")
