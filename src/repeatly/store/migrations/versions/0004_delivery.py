"""Delivery outcomes and sender leases.

``retry_at`` is when a message a server put off for now (a 4xx answer, a lost
connection) may be tried again; ``unsure`` counts the times a message was handed over
and its answer never came (status ``unknown``). Messages of earlier releases have
neither. ``senders`` holds each running send's lease: its claim, where it runs, and
until when its claims hold unless it renews them.

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
    """Add ``retry_at`` and ``unsure`` to the messages, and the senders' leases."""
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("retry_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("unsure", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "senders",
        sa.Column("claim", sa.String(100), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop them; a message whose outcome is unknown goes back to pending."""
    op.drop_table("senders")
    op.execute("UPDATE messages SET status = 'pending', claim = NULL WHERE status = 'unknown'")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("unsure")
        batch.drop_column("retry_at")
