"""The operational database's tables, as the latest migration leaves them.

Every change to them is an Alembic migration under ``repeatly/store/migrations``; these
definitions are what the repositories query, and a test checks that they match the
schema the migrations build.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "MONEY",
    "campaigns",
    "coupons",
    "do_not_contact",
    "messages",
    "metadata",
    "recipients",
    "responses",
    "senders",
    "settings",
    "unsubscribed_addresses",
    "unsubscribes",
]

metadata = sa.MetaData()
#: Money in the store: exact decimals, never floats.
MONEY = sa.Numeric(14, 2)

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
campaigns = sa.Table(
    "campaigns",
    metadata,
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
recipients = sa.Table(
    "recipients",
    metadata,
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), primary_key=True),
    sa.Column("customer_id", sa.String(200), primary_key=True),
    sa.Column("grp", sa.String(10), nullable=False),
    sa.Column("stratum", sa.String(100), nullable=False),
    sa.Column("channel", sa.String(10)),
    sa.Column("coupon_code", sa.String(20)),
    sa.Column("why", sa.Text, nullable=False),
    sa.Column("context", sa.Text),
)
messages = sa.Table(
    "messages",
    metadata,
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
    sa.Column("claim", sa.String(100)),
    sa.Column("claimed_at", sa.DateTime(timezone=True)),
    # when a message put off for now may be tried again; how often its answer was lost
    sa.Column("retry_at", sa.DateTime(timezone=True)),
    sa.Column("unsure", sa.Integer, nullable=False, server_default="0"),
    # the normalised address a message went to (e-mail, phone), for the cap by address
    sa.Column("sent_to", sa.String(255)),
    sa.Index("messages_by_customer", "customer_id", "sent_at"),
    sa.Index("messages_by_status", "campaign_id", "status", "due_on"),
)
#: Each running send's lease: its claims hold until ``lease_until`` unless it renews it.
senders = sa.Table(
    "senders",
    metadata,
    sa.Column("claim", sa.String(100), primary_key=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
)
coupons = sa.Table(
    "coupons",
    metadata,
    sa.Column("code", sa.String(20), primary_key=True),
    # a coupon of a campaign names it; one issued by the checkout or loyalty does not
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id")),
    sa.Column("customer_id", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("value", MONEY, nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=False),
    sa.Column("usage_limit", sa.Integer, nullable=False),
    sa.Column("uses", sa.Integer, nullable=False, server_default="0"),
    sa.Column("min_order", MONEY, nullable=False),
    sa.Column("categories", sa.Text, nullable=False),
    sa.Column("source", sa.String(20), nullable=False, server_default="campaign"),
    sa.Column("issued_at", sa.DateTime(timezone=True)),
    sa.Index("coupons_by_customer", "customer_id"),
)
unsubscribes = sa.Table(
    "unsubscribes",
    metadata,
    sa.Column("customer_id", sa.String(200), primary_key=True),
    sa.Column("channel", sa.String(10), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)
#: Addresses opted out of a channel (normalised), and the customer whose link did it.
unsubscribed_addresses = sa.Table(
    "unsubscribed_addresses",
    metadata,
    sa.Column("address", sa.String(255), primary_key=True),
    sa.Column("channel", sa.String(10), primary_key=True),
    sa.Column("customer_id", sa.String(200), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)
do_not_contact = sa.Table(
    "do_not_contact",
    metadata,
    sa.Column("value", sa.String(255), primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
)
responses = sa.Table(
    "responses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id")),
    sa.Column("customer_id", sa.String(200), nullable=False),
    sa.Column("channel", sa.String(10)),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revenue", MONEY),
    sa.Column("note", sa.Text),
    sa.Index("responses_by_customer", "customer_id"),
)
