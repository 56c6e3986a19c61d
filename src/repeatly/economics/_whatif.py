"""What-if arithmetic: what each lever (upsell, repeat, churn, referrals) is worth.

Two levels. :class:`SaleEconomics` is the back-of-the-envelope view of one customer's
purchases (price, cost of a lead and of converting it, the cost of a repeat sale);
:func:`what_if` moves the levers on a customer base described by a :class:`Baseline`,
usually one measured from the data by :func:`baseline_from_metrics`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

__all__ = [
    "Baseline",
    "SaleEconomics",
    "WhatIf",
    "baseline_from_metrics",
    "upsell_value",
    "what_if",
]


@dataclass(frozen=True, slots=True)
class SaleEconomics:
    """Profit of one customer's purchases, from price and the cost of winning them.

    Parameters
    ----------
    price
        What the customer pays for one purchase.
    unit_cost
        Cost of the goods sold in one purchase (0 when the price is already a margin).
    cost_per_lead
        Marketing cost of one lead.
    cost_to_convert
        Sales cost of turning the lead into a buyer.
    cost_to_return
        Cost of bringing the customer back for each repeat purchase.

    Examples
    --------
    >>> deal = SaleEconomics(price=5000, cost_per_lead=500, cost_to_convert=2500)
    >>> deal.first_sale_profit()
    2000
    >>> deal.first_sale_profit(upsell=5000)
    7000
    >>> deal.repeat_sale_profit()
    5000
    >>> deal.lifetime_profit(purchases=10)
    47000
    """

    price: float
    unit_cost: float = 0
    cost_per_lead: float = 0
    cost_to_convert: float = 0
    cost_to_return: float = 0

    @property
    def acquisition_cost(self) -> float:
        """Cost of winning the customer: the lead plus converting it."""
        return self.cost_per_lead + self.cost_to_convert

    def first_sale_profit(self, *, upsell: float = 0) -> float:
        """Profit on the first sale: margin (plus any upsell) less acquisition cost."""
        return self.price + upsell - self.unit_cost - self.acquisition_cost

    def repeat_sale_profit(self, *, upsell: float = 0) -> float:
        """Profit on a repeat sale: no acquisition cost, only the cost to return."""
        return self.price + upsell - self.unit_cost - self.cost_to_return

    def lifetime_profit(self, *, purchases: int, upsell: float = 0) -> float:
        """Profit over ``purchases`` purchases: the first sale and the repeats."""
        if purchases < 1:
            return 0
        repeats = purchases - 1
        return self.first_sale_profit(upsell=upsell) + repeats * self.repeat_sale_profit(
            upsell=upsell
        )


def upsell_value(
    extra_per_order: float, *, orders_per_year: float, years: float, customers: int = 1
) -> float:
    """Extra revenue from a bigger order, over years and customers.

    Examples
    --------
    >>> upsell_value(5, orders_per_year=18, years=5)
    450
    >>> upsell_value(5, orders_per_year=18, years=5, customers=2222)
    999900
    """
    return extra_per_order * orders_per_year * years * customers


@dataclass(frozen=True, slots=True)
class Baseline:
    """A customer base described by the few numbers the levers act on.

    Parameters
    ----------
    customers
        Active customers at the start.
    orders_per_year
        Purchases a year of an active customer.
    order_value
        Average order value.
    margin_rate
        Margin as a share of order value.
    retention
        Share of a year's active customers still active the next year.
    years
        Horizon of the projection.
    """

    customers: float
    orders_per_year: float
    order_value: float
    margin_rate: float = 1.0
    retention: float = 0.5
    years: int = 3

    def __post_init__(self) -> None:
        for name in ("customers", "orders_per_year", "order_value"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: expected a number >= 0, got {getattr(self, name)}")
        if not 0 <= self.retention <= 1:
            raise ValueError(f"retention: expected a share in [0, 1], got {self.retention}")
        if self.years < 1:
            raise ValueError(f"years: expected at least 1, got {self.years}")

    def value_per_customer(self) -> float:
        """Margin one customer brings over the horizon, with yearly retention."""
        active_years = sum(self.retention**y for y in range(self.years))
        return self.orders_per_year * self.order_value * self.margin_rate * active_years

    def profit(self) -> float:
        """Margin of the whole base over the horizon."""
        return self.customers * self.value_per_customer()


@dataclass(frozen=True, slots=True)
class WhatIf:
    """Result of :func:`what_if`: the baseline, each lever alone, and all together."""

    baseline: float
    levers: dict[str, float]
    combined: float

    @property
    def gain(self) -> float:
        """Extra profit over the horizon with all levers together."""
        return self.combined - self.baseline

    def to_dict(self) -> dict[str, Any]:
        """The figures as a plain dict for JSON."""
        return {
            "baseline": self.baseline,
            "levers": dict(self.levers),
            "combined": self.combined,
            "gain": self.gain,
        }


def what_if(
    base: Baseline,
    *,
    upsell: float = 0.0,
    repeat: float = 0.0,
    churn: float = 0.0,
    referrals: float = 0.0,
) -> WhatIf:
    """Profit over the horizon when the levers move, each alone and all together.

    Parameters
    ----------
    base
        The base the levers act on.
    upsell
        Relative growth of the average order, e.g. ``0.1`` for 10% bigger orders.
    repeat
        Relative growth of purchases per year.
    churn
        Relative reduction of churn (1 - retention), e.g. ``0.05`` for 5% less churn.
    referrals
        New customers brought by referrals, as a share of the base; they cost nothing
        to acquire and behave like the base.

    Returns
    -------
    WhatIf
        Margin over the horizon: the baseline, with each lever alone, with all.

    Examples
    --------
    >>> base = Baseline(customers=222, orders_per_year=18, order_value=100, years=5,
    ...                 retention=1.0)
    >>> round(what_if(base, upsell=0.05).levers["upsell"] - base.profit())
    99900
    """
    for name, value in {"upsell": upsell, "repeat": repeat, "referrals": referrals}.items():
        if value < -1:
            raise ValueError(f"{name}: expected a change >= -1 (minus 100%), got {value}")
    if not -1 <= churn <= 1:
        raise ValueError(f"churn: expected a reduction in [-1, 1], got {churn}")

    def moved(b: Baseline, lever: str) -> Baseline:
        if lever == "upsell":
            return replace(b, order_value=b.order_value * (1 + upsell))
        if lever == "repeat":
            return replace(b, orders_per_year=b.orders_per_year * (1 + repeat))
        if lever == "churn":
            return replace(b, retention=min(1.0, 1 - (1 - b.retention) * (1 - churn)))
        return replace(b, customers=b.customers * (1 + referrals))

    names = ("upsell", "repeat", "churn", "referrals")
    levers = {name: moved(base, name).profit() for name in names}
    combined = base
    for name in names:
        combined = moved(combined, name)
    return WhatIf(baseline=base.profit(), levers=levers, combined=combined.profit())


def baseline_from_metrics(metrics: Mapping[str, Any], *, years: int = 3) -> Baseline:
    """A :class:`Baseline` from the headline metrics of :func:`repeatly.analyze`.

    Uses ``active_customers``, ``orders_per_customer_year``, ``avg_order_value``,
    ``margin_rate`` (1 when unknown) and ``annual_retention``.
    """
    return Baseline(
        customers=float(metrics["active_customers"]),
        orders_per_year=float(metrics["orders_per_customer_year"] or 0),
        order_value=float(metrics["avg_order_value"] or 0),
        margin_rate=float(metrics.get("margin_rate") or 1.0),
        retention=float(metrics.get("annual_retention") or 0.0),
        years=years,
    )
