"""Golden customers: the smallest group that brings a chosen share of the profit."""

from __future__ import annotations

from typing import Literal

import ibis
import ibis.expr.types as ir

from repeatly.analytics import month_index, month_start
from repeatly.exceptions import InputError

__all__ = ["golden_customers", "golden_share_by_month", "pareto_curve"]

Value = Literal["margin", "revenue", "clv"]


def golden_customers(
    summary: ir.Table,
    *,
    share: float = 0.5,
    min_orders: int = 2,
    min_avg_order: float = 0.0,
    value: Value = "margin",
) -> ir.Table:
    """Flag the golden customers.

    Customers who meet the criteria (at least ``min_orders`` purchases and an average
    order of at least ``min_avg_order``) are ranked by ``value``, biggest first (ties by
    customer id); the golden group is the shortest head of that ranking whose value
    reaches ``share`` of the value of the whole customer base. If the customers who meet
    the criteria cannot reach it, all of them with a positive value are golden.

    Parameters
    ----------
    summary
        The per-customer summary.
    share
        The share of the whole base's value the golden group brings (0 < share <= 1).
    min_orders
        Fewest purchases a golden customer has made.
    min_avg_order
        Smallest average order value of a golden customer.
    value
        ``"margin"`` (profit, the default), ``"revenue"``, or ``"clv"`` (predicted
        lifetime value, for a summary joined with a forecast).

    Returns
    -------
    ibis.Table
        ``customer_id, value, golden_rank`` (1 = the most valuable customer who meets
        the criteria, NULL for the others), ``cumulative_share`` and ``golden``.

    Examples
    --------
    >>> summary = ibis.memtable({"customer_id": list("abcd"), "orders": [5, 3, 1, 2],
    ...     "avg_order_value": [50.0, 40, 500, 10], "margin": [60.0, 30, 100, 10]})
    >>> golden = golden_customers(summary, share=0.4).order_by("customer_id").to_pandas()
    >>> golden.golden.tolist()  # c is the biggest but bought once; a alone brings 60/200
    [True, True, False, False]
    """
    if not 0 < share <= 1:
        raise InputError(f"share: expected a share above 0 and at most 1, got {share}")
    if value not in ("margin", "revenue", "clv"):
        raise InputError(f'value: expected "margin", "revenue" or "clv", got {value!r}')
    worth = ibis.coalesce(summary[value].cast("float64"), 0.0)
    total = summary.aggregate(_total=worth.sum())
    eligible = (
        (summary.orders >= min_orders)
        & (ibis.coalesce(summary.avg_order_value, 0.0) >= min_avg_order)
        & (worth > 0)
    )
    base = summary.select("customer_id", value=worth, _eligible=eligible).cross_join(total)
    ranked = base.filter(base._eligible)
    window = ibis.window(order_by=[ibis.desc(ranked.value), ranked.customer_id], rows=(None, 0))
    ranked = ranked.mutate(
        golden_rank=ibis.row_number().over(window) + 1,
        _before=ranked.value.sum().over(window) - ranked.value,
    )
    ranked = ranked.mutate(
        cumulative_share=ibis.ifelse(
            ranked._total > 0, (ranked._before + ranked.value) / ranked._total, None
        ),
        golden=ranked._before < share * ranked._total,
    ).select("customer_id", "golden_rank", "cumulative_share", "golden")
    joined = base.left_join(ranked, "customer_id")
    return joined.select(
        "customer_id",
        "value",
        golden_rank=joined.golden_rank,
        cumulative_share=joined.cumulative_share,
        golden=ibis.coalesce(joined.golden, False),
    )


def golden_share_by_month(orders: ir.Table, golden: ir.Table) -> ir.Table:
    """Month by month: golden customers' share of the buying customers and of the profit.

    Parameters
    ----------
    orders
        Orders (:func:`repeatly.analytics.orders_from_lines`).
    golden
        The result of :func:`golden_customers`.

    Returns
    -------
    ibis.Table
        ``month, customers, golden_customers, golden_customer_share, margin,
        golden_margin, golden_margin_share``, one row per month with orders.
    """
    flags = golden.select("customer_id", _golden=golden.golden)
    tagged = orders.left_join(flags, "customer_id")
    tagged = tagged.mutate(
        _month=month_index(tagged.ordered_at), _golden=ibis.coalesce(tagged._golden, False)
    )
    per_customer = tagged.group_by(["_month", "customer_id"]).aggregate(
        _bought=tagged.is_purchase.any(),
        _golden=tagged._golden.any(),
        margin=tagged.margin.cast("float64").sum(),
    )
    pc = per_customer
    months = pc.group_by("_month").aggregate(
        customers=pc._bought.ifelse(1, 0).sum(),
        golden_customers=(pc._bought & pc._golden).ifelse(1, 0).sum(),
        margin=pc.margin.sum(),
        golden_margin=pc.margin.sum(where=pc._golden),
    )
    return months.select(
        month=month_start(months._month),
        customers=months.customers,
        golden_customers=months.golden_customers,
        golden_customer_share=ibis.ifelse(
            months.customers > 0, months.golden_customers / months.customers, None
        ),
        margin=months.margin,
        golden_margin=ibis.coalesce(months.golden_margin, 0.0),
        golden_margin_share=ibis.ifelse(
            months.margin > 0, ibis.coalesce(months.golden_margin, 0.0) / months.margin, None
        ),
    ).order_by("month")


def pareto_curve(summary: ir.Table, *, value: Value = "margin", points: int = 100) -> ir.Table:
    """The Pareto curve: share of value brought by the top share of customers.

    Parameters
    ----------
    summary
        The per-customer summary.
    value
        ``"margin"`` or ``"revenue"``.
    points
        Number of points on the curve (customers are bucketed by rank).

    Returns
    -------
    ibis.Table
        ``customer_share, value_share``: the top ``customer_share`` of customers (by
        value) bring ``value_share`` of the total; ``points`` rows plus the origin.
    """
    if points < 1:
        raise InputError(f"points: expected at least 1, got {points}")
    worth = ibis.coalesce(summary[value].cast("float64"), 0.0)
    base = summary.select("customer_id", value=worth)
    totals = base.aggregate(_n=base.count(), _total=base.value.sum())
    window = ibis.window(order_by=[ibis.desc(base.value), base.customer_id], rows=(None, 0))
    ranked = base.mutate(
        _rank=ibis.row_number().over(window) + 1, _cum=base.value.sum().over(window)
    ).cross_join(totals)
    ranked = ranked.mutate(_bucket=(ranked._rank * points / ranked._n).ceil().cast("int64"))
    curve = ranked.group_by("_bucket").aggregate(
        customer_share=(ranked._rank.max() / ranked._n.max()).cast("float64"),
        value_share=ibis.ifelse(
            ranked._total.max() != 0, ranked._cum.max() / ranked._total.max(), None
        ),
    )
    # the curve starts at (0, 0): one row made in the engine from the one-row totals
    origin = totals.select(
        customer_share=ibis.literal(0.0, type="float64"),
        value_share=ibis.literal(0.0, type="float64"),
    )
    return origin.union(curve.select("customer_share", "value_share")).order_by("customer_share")
