"""Monthly acquisition cohorts: retention and revenue triangles."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from repeatly.analytics._orders import money_sum

__all__ = ["cohorts", "month_index", "month_start"]


def month_index(ts: ir.TimestampValue | ir.DateValue) -> ir.IntegerValue:
    """Months since year 0 (``year * 12 + month - 1``): calendar arithmetic by fields.

    Month deltas and truncation disagree between engines and with the session time
    zone; counting by fields gives the same answer everywhere.
    """
    return ts.year().cast("int64") * 12 + ts.month().cast("int64") - 1


def month_start(index: ir.IntegerValue) -> ir.DateValue:
    """First day of the month numbered by :func:`month_index`."""
    return ibis.date(index // 12, index % 12 + 1, 1)


def cohorts(orders: ir.Table) -> ir.Table:
    """Monthly acquisition cohorts with retention and revenue by months since the first.

    Parameters
    ----------
    orders
        Orders as made by :func:`repeatly.analytics.orders_from_lines`.

    Returns
    -------
    ibis.Table
        Long form, one row per (cohort, period) with any activity: ``cohort`` (first
        day of the month of the first purchase), ``period`` (whole months since that
        month, 0 = the acquisition month), ``cohort_size``, ``customers`` (of the cohort
        who bought in that month), ``retention`` (customers / cohort_size), ``revenue``
        (net revenue of the cohort in that month) and ``revenue_per_customer`` (revenue /
        cohort_size, the cohort's value accrued per acquired customer in that period).
    """
    bought = orders.filter(orders.is_purchase)
    firsts = bought.group_by("customer_id").aggregate(_cohort=month_index(bought.ordered_at.min()))
    sizes = firsts.group_by("_cohort").aggregate(cohort_size=firsts.count())
    activity = orders.join(firsts, "customer_id")
    activity = activity.mutate(period=month_index(activity.ordered_at) - activity._cohort)
    cells = activity.group_by(["_cohort", "period"]).aggregate(
        customers=activity.customer_id.nunique(where=activity.is_purchase),
        revenue=money_sum(activity.amount),
    )
    cells = cells.join(sizes, "_cohort")
    return cells.select(
        cohort=month_start(cells._cohort),
        period=cells.period,
        cohort_size=cells.cohort_size,
        customers=cells.customers,
        retention=cells.customers.cast("float64") / cells.cohort_size,
        revenue=cells.revenue,
        revenue_per_customer=cells.revenue / cells.cohort_size,
    ).order_by(["cohort", "period"])
