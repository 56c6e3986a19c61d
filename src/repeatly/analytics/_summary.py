"""The per-customer summary: one row per customer, everything later steps build on."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from repeatly.analytics._orders import money_sum, orders_from_lines

if TYPE_CHECKING:
    import datetime as dt

__all__ = ["customer_summary"]

DAYS_PER_MONTH = 365.25 / 12


def customer_summary(
    lines: ir.Table,
    *,
    as_of: dt.date,
    margin_rate: float | None = None,
    orders: ir.Table | None = None,
) -> ir.Table:
    """Summarise each customer's history.

    Parameters
    ----------
    lines
        Canonical order lines (see :data:`repeatly.data.ORDERS`).
    as_of
        The date the analysis looks from; recency and tenure are counted to it.
    margin_rate
        Margin as a share of the amount, used only for lines without cost or margin.
    orders
        The result of :func:`orders_from_lines` on ``lines``, when already built.

    Returns
    -------
    ibis.Table
        One row per customer with at least one purchase: ``customer_id, first_purchase,
        last_purchase, orders, revenue, margin, discount, discount_share, promo_share,
        returns, categories, top_category, top_brand, channel,
        first_order_value, first_order_margin, second_purchase, days_to_second,
        recency_days, tenure_days, avg_order_value``. Money is in the input's currency;
        ``revenue`` is net of refunds; ``days_*`` are whole calendar days.

    Examples
    --------
    >>> import repeatly
    >>> shop = repeatly.datasets.make_shop(50, seed=1)
    >>> lines = repeatly.data.from_frame(shop.orders, "orders")
    >>> summary = customer_summary(lines, as_of=shop.end)
    >>> int(summary.count().execute()) == shop.orders.customer_id.nunique()
    True
    """
    if orders is None:
        orders = orders_from_lines(lines, margin_rate=margin_rate)
    as_of_date = ibis.date(as_of)

    sold = lines.amount > 0
    per_line = lines.group_by("customer_id").aggregate(
        revenue=money_sum(lines.amount),
        discount=lines.discount.cast("float64").sum(where=sold),
        _gross=(lines.amount + ibis.coalesce(lines.discount, 0)).cast("float64").sum(where=sold),
        _promo_lines=lines.promo.ifelse(1, 0).sum(where=sold),
        _known_promo=lines.promo.count(where=sold),
        returns=money_sum(ibis.ifelse(sold, 0.0, -lines.amount.cast("float64"))),
        top_category=lines.category.argmax(lines.amount),
        top_brand=lines.brand.argmax(lines.amount),
        channel=lines.channel.argmax(lines.amount),
    )
    per_line = per_line.mutate(
        discount_share=ibis.ifelse(
            per_line._gross > 0, ibis.coalesce(per_line.discount, 0) / per_line._gross, None
        ),
        promo_share=ibis.ifelse(
            per_line._known_promo > 0,
            per_line._promo_lines.cast("float64") / per_line._known_promo,
            None,
        ),
    ).drop("_gross", "_promo_lines", "_known_promo")
    # A distinct count next to other aggregates sends DuckDB down a much slower path
    # (about 3x on 10M lines), so it is an aggregation of its own.
    categories = lines.group_by("customer_id").aggregate(categories=lines.category.nunique())
    per_line = per_line.join(categories, "customer_id")

    # Two aggregations instead of a window over all orders (and no ordered aggregate):
    # first the customer's first and last purchase, then what happened at the first
    # purchase and the earliest purchase after it.
    bought = orders.is_purchase
    per_order = orders.group_by("customer_id").aggregate(
        first_purchase=orders.ordered_at.min(where=bought),
        last_purchase=orders.ordered_at.max(where=bought),
        orders=orders.count(where=bought),
        margin=orders.margin.sum(),
        _purchases_value=money_sum(ibis.ifelse(bought, orders.amount, 0.0)),
    )
    per_order = per_order.filter(per_order.orders > 0)
    staged = orders.filter(bought).join(
        per_order.select("customer_id", _first=per_order.first_purchase), "customer_id"
    )
    at_first = staged.ordered_at == staged._first
    firsts = staged.group_by("customer_id").aggregate(
        first_order_value=staged.amount.sum(where=at_first),
        first_order_margin=staged.margin.sum(where=at_first),
        second_purchase=staged.ordered_at.min(where=staged.ordered_at > staged._first),
    )

    summary = per_order.join(per_line, "customer_id").join(firsts, "customer_id")
    first_day = summary.first_purchase.date()
    return summary.select(
        "customer_id",
        "first_purchase",
        "last_purchase",
        "orders",
        "revenue",
        "margin",
        "discount",
        "discount_share",
        "promo_share",
        "returns",
        "categories",
        "top_category",
        "top_brand",
        "channel",
        "first_order_value",
        "first_order_margin",
        "second_purchase",
        days_to_second=summary.second_purchase.date().delta(first_day, unit="day"),
        recency_days=as_of_date.delta(summary.last_purchase.date(), unit="day"),
        tenure_days=as_of_date.delta(first_day, unit="day"),
        avg_order_value=summary._purchases_value / summary.orders,
    )
