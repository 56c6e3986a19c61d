"""Customers' answers to campaigns: orders, call results, replies."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal

import sqlalchemy as sa

from repeatly.store.tables import responses

__all__ = ["ResponseRepository"]


class ResponseRepository:
    """Recorded responses, on one connection."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def add(
        self,
        customer_id: str,
        *,
        kind: str,
        at: dt.datetime,
        channel: str | None = None,
        campaign_id: int | None = None,
        revenue: Decimal | float | None = None,
        note: str | None = None,
    ) -> None:
        """Record that a customer answered."""
        self.connection.execute(
            responses.insert().values(
                campaign_id=campaign_id,
                customer_id=customer_id,
                channel=channel,
                kind=kind,
                at=at,
                revenue=revenue,
                note=note,
            )
        )

    def exists(self, campaign_id: int, customer_id: str, kind: str) -> bool:
        """Whether a customer's response of this kind to the campaign is recorded."""
        found = self.connection.execute(
            sa.select(responses.c.id).where(
                responses.c.campaign_id == campaign_id,
                responses.c.customer_id == customer_id,
                responses.c.kind == kind,
            )
        ).first()
        return found is not None

    def answered_by(self) -> dict[str, Counter[str]]:
        """For each customer, how often they answered each channel."""
        found: dict[str, Counter[str]] = defaultdict(Counter)
        rows = self.connection.execute(
            sa.select(responses.c.customer_id, responses.c.channel, sa.func.count())
            .where(responses.c.channel.is_not(None))
            .group_by(responses.c.customer_id, responses.c.channel)
        )
        for customer, channel, count in rows:
            found[customer][channel] += int(count)
        return dict(found)

    def for_campaign(
        self, campaign_id: int, *, except_kinds: Iterable[str] = ()
    ) -> list[tuple[str, dt.datetime]]:
        """Each response to a campaign, but those of the given kinds: (customer, when)."""
        rows = self.connection.execute(
            sa.select(responses.c.customer_id, responses.c.at).where(
                responses.c.campaign_id == campaign_id,
                responses.c.kind.not_in(tuple(except_kinds)),
            )
        )
        return [(row[0], row[1]) for row in rows]
