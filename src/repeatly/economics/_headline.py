"""The headline figures of a customer base, as one row computed in the engine."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from repeatly.analytics import money_sum

__all__ = ["activity_figures"]

YEAR = dt.timedelta(days=365)


def activity_figures(orders: ir.Table, *, as_of: dt.date) -> ir.Table:
    """Orders, revenue and year-over-year activity in one row.

    Parameters
    ----------
    orders
        Orders as made by :func:`repeatly.analytics.orders_from_lines`.
    as_of
        The date the analysis looks from.

    Returns
    -------
    ibis.Table
        One row: ``customers`` (with a purchase), ``orders`` (purchases), ``revenue``
        (net), ``purchases_value`` (gross of refunds), ``margin``, ``first_order_at``,
        ``last_order_at``, ``active_customers`` (a purchase in the 365 days to
        ``as_of``), ``orders_last_year`` (their purchases in those days), ``new_customers``
        (a first purchase in those days), and
        ``annual_retention``: of the customers who bought in the year before that, the
        share who bought again in the last 365 days (NULL with under two years of data).
    """
    last_year_start = as_of - YEAR
    prior_year_start = as_of - 2 * YEAR
    day = orders.order_date
    bought = orders.is_purchase
    recent = bought & (day > last_year_start) & (day <= as_of)
    prior = bought & (day > prior_year_start) & (day <= last_year_start)

    per_customer = orders.group_by("customer_id").aggregate(
        _orders=orders.count(where=bought),
        _recent=orders.count(where=recent),
        _prior=orders.count(where=prior),
        _revenue=money_sum(orders.amount),
        _purchases=money_sum(ibis.ifelse(bought, orders.amount, 0.0)),
        _margin=orders.margin.sum(),
        _first=orders.ordered_at.min(where=bought),
        _first_day=day.min(where=bought),
        _last=orders.ordered_at.max(where=bought),
    )
    c = per_customer
    has_prior = c._prior > 0
    return c.aggregate(
        customers=c.count(where=c._orders > 0),
        orders=c._orders.sum(),
        revenue=c._revenue.sum(),
        purchases_value=c._purchases.sum(),
        margin=c._margin.sum(),
        first_order_at=c._first.min(),
        last_order_at=c._last.max(),
        active_customers=c.count(where=c._recent > 0),
        orders_last_year=c._recent.sum(),
        new_customers=c.count(where=(c._first_day > last_year_start) & (c._first_day <= as_of)),
        annual_retention=ibis.ifelse(
            c.count(where=has_prior) > 0,
            c.count(where=has_prior & (c._recent > 0)).cast("float64") / c.count(where=has_prior),
            ibis.null("float64"),
        ),
    )
