"""From order lines to orders: the shared first step of every per-customer figure."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from repeatly.connection import whole

__all__ = ["line_margin", "money_sum", "orders_from_lines"]


def money_sum(value: ir.NumericValue) -> ir.FloatingScalar:
    """Sum money exactly: in integer minor units (cents), returned in currency units.

    Float sums taken in different orders by different engines can move a customer
    across a score boundary; summing whole cents gives the same answer everywhere. The
    cents are whole floats, exact up to 2**53 cents (about 90 trillion in currency
    units), which engines sum faster than integers.
    """
    cents = whole(value.cast("float64") * 100)  # whole floats: summed exactly
    return cents.sum() / 100


def line_margin(lines: ir.Table, *, margin_rate: float | None = None) -> ir.FloatingColumn:
    """Gross margin of each order line.

    The line's own margin if given, else amount minus cost, else ``amount * margin_rate``
    when a rate is given, else NULL (no cost data).
    """
    fallback = (
        lines.amount.cast("float64") * margin_rate
        if margin_rate is not None
        else ibis.null("float64")
    )
    return ibis.coalesce(
        lines.margin.cast("float64"),
        (lines.amount - lines.cost).cast("float64"),
        fallback,
    )


def orders_from_lines(lines: ir.Table, *, margin_rate: float | None = None) -> ir.Table:
    """Collapse canonical order lines into one row per order.

    An order is identified by ``(customer_id, order_id)``; its time is its earliest
    line's (a later refund line keeps the order where it was bought). Orders whose net
    amount is not positive (pure refunds) are marked ``is_purchase = False``: they count
    in revenue, not as purchases.

    Returns
    -------
    ibis.Table
        ``customer_id, order_id, ordered_at, order_date, amount, margin, discount,
        promo`` (any line on promotion), ``lines, is_purchase``.
    """
    lines = lines.mutate(_margin=line_margin(lines, margin_rate=margin_rate))
    orders = lines.group_by(["customer_id", "order_id"]).aggregate(
        ordered_at=lines.ordered_at.min(),
        amount=money_sum(lines.amount),
        margin=lines._margin.sum(),
        discount=lines.discount.cast("float64").sum(),
        promo=lines.promo.any(),
        lines=lines.count(),
    )
    return orders.mutate(
        order_date=orders.ordered_at.date(),
        is_purchase=orders.amount > 0,
    )
