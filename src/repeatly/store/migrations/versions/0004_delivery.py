"""Delivery outcomes, sender leases, and opt-outs and the cap by address.

``retry_at`` is when a message a server put off for now (a 4xx answer, a lost
connection) may be tried again; ``unsure`` counts the times a message was handed over
and its answer never came (status ``unknown``). Messages of earlier releases have
neither. ``senders`` holds each running send's lease: its claim, where it runs, and
until when its claims hold unless it renews them.

``sent_to`` is the normalised address (e-mail, phone) a message went to, so the weekly
cap counts what an address received across customer ids; ``unsubscribed_addresses``
holds the addresses opted out of a channel. The opt-outs of earlier releases are kept
by customer, and their addresses (from the customers' recorded message fields) are
opted out too.

Revision ID: 0004
Revises: 0003
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the messages' delivery columns, the leases and the opted-out addresses.

    The messages get ``retry_at``, ``unsure`` and ``sent_to``; the opted-out addresses
    are filled from the opt-outs recorded so far.
    """
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("retry_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("unsure", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("sent_to", sa.String(255)))
    op.create_table(
        "senders",
        sa.Column("claim", sa.String(100), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
    )
    addresses = op.create_table(
        "unsubscribed_addresses",
        sa.Column("address", sa.String(255), primary_key=True),
        sa.Column("channel", sa.String(10), primary_key=True),
        sa.Column("customer_id", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    assert addresses is not None
    op.bulk_insert(addresses, _opted_out_addresses(op.get_bind()))


def _opted_out_addresses(connection: sa.Connection) -> list[dict[str, object]]:
    """The addresses of the customers who opted out so far, from their recorded fields."""
    unsubscribes = sa.table(
        "unsubscribes",
        sa.column("customer_id", sa.String),
        sa.column("channel", sa.String),
        sa.column("at", sa.DateTime(timezone=True)),
    )
    recipients = sa.table(
        "recipients", sa.column("customer_id", sa.String), sa.column("context", sa.Text)
    )
    rows = connection.execute(
        sa.select(
            unsubscribes.c.customer_id,
            unsubscribes.c.channel,
            unsubscribes.c.at,
            recipients.c.context,
        ).join(recipients, recipients.c.customer_id == unsubscribes.c.customer_id)
    )
    found: dict[tuple[str, str], dict[str, object]] = {}
    for customer, channel, at, context in rows:
        try:
            fields = json.loads(context or "{}").get("customer", {})
        except (ValueError, AttributeError):
            continue
        key = _key(channel, fields.get("phone" if channel in ("sms", "call") else "email"))
        if key is not None and channel != "letter":
            found.setdefault(
                (key, channel),
                {"address": key, "channel": channel, "customer_id": customer, "at": at},
            )
    return list(found.values())


def _key(channel: str, value: object) -> str | None:
    """An address normalised as ``repeatly.campaigns`` compares it (this release's rule)."""
    text = str(value or "").strip()
    if channel == "email":
        ok = text.count("@") == 1 and text.isascii() and not any(c.isspace() for c in text)
        return text.lower() if ok else None
    digits = "".join(ch for ch in text if ch.isdigit())
    return ("+" if text.startswith("+") else "") + digits if len(digits) >= 7 else None


def downgrade() -> None:
    """Drop them; a message whose outcome is unknown goes back to pending."""
    op.drop_table("unsubscribed_addresses")
    op.drop_table("senders")
    op.execute("UPDATE messages SET status = 'pending', claim = NULL WHERE status = 'unknown'")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("sent_to")
        batch.drop_column("unsure")
        batch.drop_column("retry_at")
