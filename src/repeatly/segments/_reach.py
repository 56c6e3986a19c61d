"""Who to reach: lapsed buyers, leads who never bought, and the order to contact them in."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import ibis
import ibis.expr.types as ir

from repeatly.exceptions import InputError

__all__ = [
    "PERIOD_DAYS",
    "contact_priority",
    "customers_never_bought",
    "lapsed_customers",
    "leads_never_bought",
    "reach_lists",
]

#: Length of "this period" for :func:`lapsed_customers`.
PERIOD_DAYS = {"year": 365, "season": 182}

_EASE = {"new": 0, "active": 0, "due": 1, "at_risk": 2, "lost": 3}


def lapsed_customers(
    orders: ir.Table, *, as_of: dt.date, period: Literal["year", "season"] = "year"
) -> ir.Table:
    """Customers who bought in the previous period but not in this one.

    "This year" is the 365 days up to ``as_of``, "last year" the 365 before; a season is
    182 days.

    Parameters
    ----------
    orders
        Orders (:func:`repeatly.analytics.orders_from_lines`).
    as_of
        The last day of this period.
    period
        ``"year"`` or ``"season"``.

    Returns
    -------
    ibis.Table
        ``customer_id, last_purchase, previous_purchases`` (purchases in the previous
        period).
    """
    if period not in PERIOD_DAYS:
        raise InputError(f'period: expected "year" or "season", got {period!r}')
    days = PERIOD_DAYS[period]
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    this_start = end - dt.timedelta(days=days)
    previous_start = this_start - dt.timedelta(days=days)
    bought = orders.filter(orders.is_purchase & (orders.ordered_at < end))
    this = bought.ordered_at >= this_start
    previous = (bought.ordered_at >= previous_start) & (bought.ordered_at < this_start)
    per = bought.group_by("customer_id").aggregate(
        last_purchase=bought.ordered_at.max(),
        previous_purchases=previous.ifelse(1, 0).sum(),
        _this=this.ifelse(1, 0).sum(),
    )
    return per.filter((per.previous_purchases > 0) & (per._this == 0)).select(
        "customer_id", "last_purchase", "previous_purchases"
    )


def leads_never_bought(leads: ir.Table, orders: ir.Table) -> ir.Table:
    """Leads (and subscribers) who have not bought: no customer, or one with no purchase.

    Returns
    -------
    ibis.Table
        The leads' rows.
    """
    buyers = orders.filter(orders.is_purchase).select(_buyer=orders.customer_id).distinct()
    joined = leads.left_join(buyers, leads.customer_id == buyers._buyer)
    return joined.filter(joined._buyer.isnull()).select(*leads.columns)


def customers_never_bought(customers: ir.Table, orders: ir.Table) -> ir.Table:
    """Customers on file (subscribers, sign-ups) who never made a purchase.

    Returns
    -------
    ibis.Table
        Their rows of the customers table.
    """
    buyers = orders.filter(orders.is_purchase).select(_buyer=orders.customer_id).distinct()
    joined = customers.left_join(buyers, customers.customer_id == buyers._buyer)
    return joined.filter(joined._buyer.isnull()).select(*customers.columns)


def contact_priority(segments: ir.Table, *, value: str = "margin") -> ir.Table:
    """Who to contact first: the easiest to bring back first, the most valuable within.

    Customers are ordered by status (active, due, at risk, lost: how easily a customer
    comes back falls in that order), then by ``value`` at stake, biggest first.

    Parameters
    ----------
    segments
        :func:`repeatly.segments.segment_customers` (``status`` and ``value`` needed).
    value
        The column that holds the value at stake (historical margin by default).

    Returns
    -------
    ibis.Table
        ``priority`` (1 = first), ``customer_id, status, value_at_stake``.
    """
    ease = ibis.cases(
        *[(segments.status == s, rank) for s, rank in _EASE.items()], else_=len(_EASE)
    )
    keyed = segments.select(
        "customer_id", "status", value_at_stake=segments[value].cast("float64"), _ease=ease
    )
    window = ibis.window(order_by=[keyed._ease, ibis.desc(keyed.value_at_stake), keyed.customer_id])
    ranked = keyed.mutate(priority=ibis.row_number().over(window) + 1)
    return ranked.select("priority", "customer_id", "status", "value_at_stake").order_by("priority")


def reach_lists(
    orders: ir.Table,
    *,
    as_of: dt.date,
    customers: ir.Table | None = None,
    leads: ir.Table | None = None,
    place: tuple[float, float, float] | None = None,
) -> dict[str, ir.Table]:
    """The lists beside the segments.

    Lapsed buyers, leads who never bought, and customers near a place.

    Parameters
    ----------
    orders
        Orders.
    as_of
        The analysis date.
    customers
        The customers table (needed for ``place``).
    leads
        The leads table.
    place
        ``(latitude, longitude, km)`` of a store or an event.

    Returns
    -------
    dict
        ``lapsed_year``, ``lapsed_season``, and with the inputs ``leads_never_bought``,
        ``customers_never_bought`` and ``near``.
    """
    from repeatly.segments._geo import near

    lists = {
        "lapsed_year": lapsed_customers(orders, as_of=as_of, period="year"),
        "lapsed_season": lapsed_customers(orders, as_of=as_of, period="season"),
    }
    if leads is not None:
        lists["leads_never_bought"] = leads_never_bought(leads, orders)
    if customers is not None:
        lists["customers_never_bought"] = customers_never_bought(customers, orders)
    if place is not None:
        if customers is None:
            raise InputError(
                "customers near a place: the customers table (with latitude and "
                "longitude) is needed"
            )
        latitude, longitude, km = place
        lists["near"] = near(customers, latitude=latitude, longitude=longitude, km=km)
    return lists
