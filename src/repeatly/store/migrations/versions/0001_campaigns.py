"""Campaigns: settings, campaigns, recipients, messages, coupons, opt-outs, responses.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 2)


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("playbook", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("control_share", sa.Float, nullable=False),
        sa.Column("options", sa.Text, nullable=False),
    )
    op.create_table(
        "recipients",
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), primary_key=True),
        sa.Column("customer_id", sa.String(200), primary_key=True),
        sa.Column("grp", sa.String(10), nullable=False),
        sa.Column("stratum", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(10)),
        sa.Column("coupon_code", sa.String(20)),
        sa.Column("why", sa.Text, nullable=False),
    )
    op.create_table(
        "messages",
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), primary_key=True),
        sa.Column("customer_id", sa.String(200), primary_key=True),
        sa.Column("step", sa.String(100), primary_key=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("message_id", sa.String(255), nullable=False, unique=True),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("error", sa.Text),
    )
    op.create_index("messages_by_customer", "messages", ["customer_id", "sent_at"])
    op.create_table(
        "coupons",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("customer_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("value", MONEY, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("usage_limit", sa.Integer, nullable=False),
        sa.Column("uses", sa.Integer, nullable=False, server_default="0"),
        sa.Column("min_order", MONEY, nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
    )
    op.create_table(
        "unsubscribes",
        sa.Column("customer_id", sa.String(200), primary_key=True),
        sa.Column("channel", sa.String(10), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "do_not_contact",
        sa.Column("value", sa.String(255), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "responses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id")),
        sa.Column("customer_id", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(10)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revenue", MONEY),
        sa.Column("note", sa.Text),
    )
    op.create_index("responses_by_customer", "responses", ["customer_id"])


def downgrade() -> None:
    """Drop the tables."""
    for name in (
        "responses",
        "do_not_contact",
        "unsubscribes",
        "coupons",
        "messages",
        "recipients",
        "campaigns",
        "settings",
    ):
        op.drop_table(name)
