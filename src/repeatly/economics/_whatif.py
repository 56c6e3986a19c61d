"""What-if arithmetic: what each lever (upsell, repeat, churn, referrals) is worth.

Two levels. :class:`SaleEconomics` is the back-of-the-envelope view of one customer's
purchases (price, cost of a lead and of converting it, the cost of a repeat sale);
:func:`what_if` moves the levers on a customer base described by a :class:`Baseline`,
usually one measured from the data by :func:`baseline_from_metrics`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
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

    Over the horizon the base is today's active customers, who keep buying while they
    stay, and the new customers the business keeps winning each year: each brings the
    margin of a first order, and those who come back within the year are active
    customers from the next year on.

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
    new_customers
        New customers won a year.
    first_order_margin
        Margin of a new customer's first order (``order_value * margin_rate`` when
        not given).
    comeback
        Share of new customers who buy again within a year of their first purchase.
    """

    customers: float
    orders_per_year: float
    order_value: float
    margin_rate: float = 1.0
    retention: float = 0.5
    years: int = 3
    new_customers: float = 0.0
    first_order_margin: float | None = None
    comeback: float = 0.0

    def __post_init__(self) -> None:
        for name in ("customers", "orders_per_year", "order_value", "new_customers"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: expected a number >= 0, got {getattr(self, name)}")
        for name in ("retention", "comeback"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name}: expected a share in [0, 1], got {getattr(self, name)}")
        if self.years < 1:
            raise ValueError(f"years: expected at least 1, got {self.years}")

    @property
    def first_margin(self) -> float:
        """Margin of a first order."""
        if self.first_order_margin is None:
            return self.order_value * self.margin_rate
        return self.first_order_margin

    def _active_value(self, years: int) -> float:
        """Margin of one active customer over ``years`` years, with yearly retention."""
        active_years = sum(self.retention**y for y in range(years))
        return self.orders_per_year * self.order_value * self.margin_rate * active_years

    def value_per_customer(self) -> float:
        """Margin one of today's active customers brings over the horizon."""
        return self._active_value(self.years)

    def value_per_new_customer(self, year: int = 0) -> float:
        """Margin of a customer won in ``year`` (0 = the first) up to the horizon's end.

        The first order's margin, and, with the chance ``comeback``, the value of an
        active customer over the years left after the one they were won in.
        """
        return self.first_margin + self.comeback * self._active_value(self.years - 1 - year)

    def new_customers_profit(self) -> float:
        """Margin of the customers won during the horizon, up to its end."""
        return self.new_customers * sum(self.value_per_new_customer(y) for y in range(self.years))

    def profit(self) -> float:
        """Margin over the horizon: today's active customers and those won meanwhile."""
        return self.customers * self.value_per_customer() + self.new_customers_profit()


#: What each lever moves: the :class:`Baseline` field it acts on.
LEVER_FIELDS: dict[str, str] = {
    "upsell": "order_value",
    "repeat": "orders_per_year",
    "churn": "retention",
    "referrals": "new_customers",
}


@dataclass(frozen=True, slots=True)
class WhatIf:
    """Result of :func:`what_if`: the baseline, each lever alone, and all together.

    ``moves`` holds, for each lever, the quantity it moves before and after (see
    :data:`LEVER_FIELDS`): the average order, purchases a year, the share kept a year,
    new customers a year.
    """

    baseline: float
    levers: dict[str, float]
    combined: float
    moves: dict[str, tuple[float, float]] = field(default_factory=dict)

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
            "moves": {k: {"from": a, "to": b} for k, (a, b) in self.moves.items()},
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

    Each lever acts on a different quantity, so equal moves are worth different amounts:

    - upsell raises the value of every order, first orders included;
    - repeat raises the purchases a year of active customers (not first orders);
    - churn lowers the share of active customers lost each year, which compounds;
    - referrals add new customers a year, who cost nothing to win and bring what a new
      customer brings: a first order and, for those who come back, repeat purchases.

    Parameters
    ----------
    base
        The base the levers act on.
    upsell
        Relative growth of the average order (and of the first order's margin), e.g.
        ``0.1`` for 10% bigger orders.
    repeat
        Relative growth of an active customer's purchases a year.
    churn
        Relative reduction of churn (1 - retention), e.g. ``0.05`` for 5% less churn.
    referrals
        Relative growth of new customers a year, brought by referrals.

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
            first = None if b.first_order_margin is None else b.first_order_margin * (1 + upsell)
            return replace(b, order_value=b.order_value * (1 + upsell), first_order_margin=first)
        if lever == "repeat":
            return replace(b, orders_per_year=b.orders_per_year * (1 + repeat))
        if lever == "churn":
            return replace(b, retention=min(1.0, 1 - (1 - b.retention) * (1 - churn)))
        return replace(b, new_customers=b.new_customers * (1 + referrals))

    levers: dict[str, float] = {}
    moves: dict[str, tuple[float, float]] = {}
    for name, quantity in LEVER_FIELDS.items():
        after = moved(base, name)
        levers[name] = after.profit()
        moves[name] = (getattr(base, quantity), getattr(after, quantity))
    combined = base
    for name in LEVER_FIELDS:
        combined = moved(combined, name)
    return WhatIf(baseline=base.profit(), levers=levers, combined=combined.profit(), moves=moves)


def baseline_from_metrics(metrics: Mapping[str, Any], *, years: int = 3) -> Baseline:
    """A :class:`Baseline` from the headline metrics of :func:`repeatly.analyze`.

    Uses ``active_customers``, ``orders_per_customer_year``, ``avg_order_value``,
    ``margin_rate`` (1 when unknown), ``annual_retention``, ``new_customers_year``,
    ``first_order_margin`` and ``repeat_365`` (else ``repeat_share``) for the share of
    new customers who come back within a year.
    """
    comeback = metrics.get("repeat_365")
    if comeback is None:
        comeback = metrics.get("repeat_share")
    first = metrics.get("first_order_margin")
    return Baseline(
        customers=float(metrics["active_customers"]),
        orders_per_year=float(metrics["orders_per_customer_year"] or 0),
        order_value=float(metrics["avg_order_value"] or 0),
        margin_rate=float(metrics.get("margin_rate") or 1.0),
        retention=float(metrics.get("annual_retention") or 0.0),
        years=years,
        new_customers=float(metrics.get("new_customers_year") or 0),
        first_order_margin=None if first is None else max(float(first), 0.0),
        comeback=min(max(float(comeback or 0.0), 0.0), 1.0),
    )
