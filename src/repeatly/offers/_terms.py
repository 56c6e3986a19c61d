"""What an offer gives, and for how long."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from repeatly.exceptions import InputError

__all__ = ["KINDS", "Offer"]

#: The kinds of offer: a share off, an amount off, a gift with the order, or nothing.
KINDS = ("percent", "amount", "gift", "none")


@dataclass(frozen=True, slots=True)
class Offer:
    """An offer's terms: a coupon per customer, valid for a while.

    ``kind`` is ``"percent"`` (``value`` % off), ``"amount"`` (``value`` off in the
    shop's currency), ``"gift"`` (a gift with the order, worth ``value``) or ``"none"``
    (no coupon). A coupon is valid ``valid_days`` from the day it is given, for
    ``usage_limit`` orders of at least ``min_order``, in ``categories`` (all when
    empty).
    """

    kind: str = "none"
    value: float = 0.0
    valid_days: int = 14
    usage_limit: int = 1
    min_order: float = 0.0
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(f"offer kind: expected one of {', '.join(KINDS)}, got {self.kind!r}")

    @property
    def has_coupon(self) -> bool:
        """Whether customers get a coupon code."""
        return self.kind != "none"

    def valid_until(self, first_day: dt.date) -> dt.date:
        """The last day of a coupon whose validity starts on ``first_day``."""
        return first_day + dt.timedelta(days=self.valid_days - 1)
