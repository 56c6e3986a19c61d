"""Issuing coupons: a code per customer under an offer's terms, and keeping them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from repeatly.offers._codes import coupon_code
from repeatly.offers._terms import Offer
from repeatly.store import Repositories

__all__ = ["Coupon", "issue_coupons", "save_coupons"]


@dataclass(frozen=True, slots=True)
class Coupon:
    """One customer's coupon: the code and what it is good for.

    ``campaign`` names the issuer (a campaign's name), or is empty for a coupon issued
    by the checkout or the loyalty programme.
    """

    code: str
    customer_id: str
    campaign: str
    kind: str
    value: float
    valid_from: dt.date
    valid_until: dt.date
    usage_limit: int
    min_order: float
    categories: tuple[str, ...]


def issue_coupons(
    offer: Offer,
    customer_ids: Iterable[str],
    *,
    secret: bytes,
    issuer: str,
    valid_from: dt.date,
    valid_until: dt.date | None = None,
) -> list[Coupon]:
    """A coupon for each customer under the offer's terms.

    An offer of kind ``"none"`` gives none. The codes come from :func:`coupon_code`
    with the issuer's name, so issuing again gives the same codes. ``valid_until``
    defaults to ``valid_days`` from ``valid_from``.
    """
    if not offer.has_coupon:
        return []
    until = valid_until or offer.valid_until(valid_from)
    return [
        Coupon(
            code=coupon_code(secret, issuer, str(customer)),
            customer_id=str(customer),
            campaign=issuer,
            kind=offer.kind,
            value=offer.value,
            valid_from=valid_from,
            valid_until=until,
            usage_limit=offer.usage_limit,
            min_order=offer.min_order,
            categories=offer.categories,
        )
        for customer in customer_ids
    ]


def save_coupons(
    db: Repositories,
    coupons: Iterable[Coupon],
    *,
    issued_at: dt.datetime,
    campaign_id: int | None = None,
    source: str = "campaign",
) -> int:
    """Keep issued coupons in the store (in the caller's unit of work); how many."""
    rows = (
        {
            "code": c.code,
            "customer_id": c.customer_id,
            "campaign_id": campaign_id,
            "source": source,
            "kind": c.kind,
            "value": c.value,
            "valid_from": c.valid_from,
            "valid_until": c.valid_until,
            "usage_limit": c.usage_limit,
            "min_order": c.min_order,
            "categories": c.categories,
        }
        for c in coupons
    )
    return db.coupons.add(rows, issued_at=issued_at)
