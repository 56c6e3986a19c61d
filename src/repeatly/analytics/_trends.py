"""Month-by-month activity: revenue, orders, new and returning customers."""

from __future__ import annotations

import ibis.expr.types as ir

from repeatly.analytics._cohorts import month_index, month_start
from repeatly.analytics._orders import money_sum

__all__ = ["monthly_activity"]


def monthly_activity(orders: ir.Table) -> ir.Table:
    """Activity per calendar month.

    Parameters
    ----------
    orders
        Orders as made by :func:`~repeatly.analytics.orders_from_lines`.

    Returns
    -------
    ibis.Table
        ``month, revenue, orders, customers, new_customers, returning_customers``:
        net revenue, purchases, customers who bought, of them those whose first purchase
        was that month, and those who had bought before.
    """
    bought = orders.filter(orders.is_purchase)
    firsts = bought.group_by("customer_id").aggregate(_first=month_index(bought.ordered_at.min()))
    tagged = orders.join(firsts, "customer_id", how="left")
    tagged = tagged.mutate(_month=month_index(tagged.ordered_at))
    is_new = tagged.is_purchase & (tagged._month == tagged._first)
    is_back = tagged.is_purchase & (tagged._month > tagged._first)
    # Customer-months first, then months: distinct counts become plain sums, which
    # engines compute much faster than several filtered distinct counts at once.
    per_customer = tagged.group_by(["_month", "customer_id"]).aggregate(
        revenue=money_sum(tagged.amount),
        orders=tagged.count(where=tagged.is_purchase),
        bought=tagged.is_purchase.any(),
        new=is_new.any(),
        back=is_back.any(),
    )
    pc = per_customer
    months = pc.group_by("_month").aggregate(
        revenue=money_sum(pc.revenue),
        orders=pc.orders.sum(),
        customers=pc.bought.ifelse(1, 0).sum(),
        new_customers=pc.new.ifelse(1, 0).sum(),
        returning_customers=pc.back.ifelse(1, 0).sum(),
    )
    return months.select(
        month=month_start(months._month),
        revenue=months.revenue,
        orders=months.orders,
        customers=months.customers,
        new_customers=months.new_customers,
        returning_customers=months.returning_customers,
    ).order_by("month")
