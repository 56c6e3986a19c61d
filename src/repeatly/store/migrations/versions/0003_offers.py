"""Offers: coupons of their own, not only a campaign's.

A coupon may now be issued without a campaign (by the checkout or the loyalty
programme): ``campaign_id`` may be empty, ``source`` says who issued it and
``issued_at`` when. Coupons of earlier releases came from campaigns and were issued
when their campaign was recorded.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Loosen the coupon's campaign, add its source and issue time, fill them in."""
    with op.batch_alter_table("coupons") as batch:
        batch.alter_column("campaign_id", existing_type=sa.Integer, nullable=True)
        batch.add_column(
            sa.Column("source", sa.String(20), nullable=False, server_default="campaign")
        )
        batch.add_column(sa.Column("issued_at", sa.DateTime(timezone=True)))
    coupons = sa.table(
        "coupons",
        sa.column("campaign_id", sa.Integer),
        sa.column("issued_at", sa.DateTime(timezone=True)),
    )
    campaigns = sa.table(
        "campaigns",
        sa.column("id", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    recorded = (
        sa.select(campaigns.c.created_at)
        .where(campaigns.c.id == coupons.c.campaign_id)
        .scalar_subquery()
    )
    op.execute(coupons.update().values(issued_at=recorded))
    op.create_index("coupons_by_customer", "coupons", ["customer_id"])


def downgrade() -> None:
    """Back to campaign coupons only (coupons without a campaign are dropped)."""
    op.drop_index("coupons_by_customer", "coupons")
    op.execute("DELETE FROM coupons WHERE campaign_id IS NULL")
    with op.batch_alter_table("coupons") as batch:
        batch.drop_column("issued_at")
        batch.drop_column("source")
        batch.alter_column("campaign_id", existing_type=sa.Integer, nullable=False)
