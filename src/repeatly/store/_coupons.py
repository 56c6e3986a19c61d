"""Coupons: codes with a value, a validity window and a usage limit."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from repeatly.store._rows import insert_in_chunks
from repeatly.store.tables import coupons

__all__ = ["CouponRecord", "CouponRepository"]


@dataclass(frozen=True, slots=True)
class CouponRecord:
    """A coupon as stored: money as exact decimals."""

    code: str
    customer_id: str
    campaign_id: int | None
    source: str
    kind: str
    value: Decimal
    valid_from: dt.date
    valid_until: dt.date
    usage_limit: int
    uses: int
    min_order: Decimal
    categories: tuple[str, ...]
    issued_at: dt.datetime | None


class CouponRepository:
    """Issued coupons, on one connection."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def add(self, rows: Iterable[Mapping[str, Any]], *, issued_at: dt.datetime) -> int:
        """Record coupons; how many.

        Each row gives ``code, customer_id, kind, value, valid_from, valid_until,
        usage_limit, min_order, categories`` (a sequence), and optionally
        ``campaign_id`` and ``source`` (``"campaign"`` when not given).
        """
        records = (
            {
                **row,
                "categories": json.dumps(list(row["categories"])),
                "campaign_id": row.get("campaign_id"),
                "source": row.get("source", "campaign"),
                "uses": 0,
                "issued_at": issued_at,
            }
            for row in rows
        )
        return insert_in_chunks(self.connection, coupons, records)

    def get(self, code: str) -> CouponRecord | None:
        """The coupon with this code, or ``None``."""
        row = self.connection.execute(sa.select(coupons).where(coupons.c.code == code)).first()
        if row is None:
            return None
        return CouponRecord(
            code=row.code,
            customer_id=row.customer_id,
            campaign_id=row.campaign_id,
            source=row.source,
            kind=row.kind,
            value=Decimal(row.value),
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            usage_limit=int(row.usage_limit),
            uses=int(row.uses),
            min_order=Decimal(row.min_order),
            categories=tuple(json.loads(row.categories)),
            issued_at=row.issued_at,
        )

    def extend(self, code: str, until: dt.date) -> None:
        """Keep a coupon valid until at least ``until``."""
        self.connection.execute(
            coupons.update()
            .where(coupons.c.code == code, coupons.c.valid_until < until)
            .values(valid_until=until)
        )

    def valid_until(self, campaign_id: int) -> dict[str, dt.date]:
        """Each coupon of a campaign and the last day it is valid."""
        rows = self.connection.execute(
            sa.select(coupons.c.code, coupons.c.valid_until).where(
                coupons.c.campaign_id == campaign_id
            )
        )
        return {row[0]: row[1] for row in rows}
