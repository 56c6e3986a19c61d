"""How customers moved between RFM segments from one date to another."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from repeatly.analytics import money_sum, orders_from_lines
from repeatly.exceptions import InputError
from repeatly.segments._rfm import RFM_RULES, SegmentRule, rfm_scores

__all__ = ["NOT_YET", "movement_inputs", "movement_matrix", "segment_movement"]

#: The "segment" of customers who had not bought yet at the first date.
NOT_YET = "(not a customer yet)"


def segment_movement(
    lines: ir.Table,
    *,
    start: dt.date,
    end: dt.date,
    rules: Sequence[SegmentRule] = RFM_RULES,
    orders: ir.Table | None = None,
) -> ir.Table:
    """The transition matrix of RFM segments between two dates, with revenue at stake.

    Each date's segments are scored on the orders up to that date (the quintile
    cut-offs of each date's own base).

    Parameters
    ----------
    lines
        Canonical order lines.
    start, end
        The two dates (``start`` before ``end``).
    rules
        The segment rule table.
    orders
        :func:`repeatly.analytics.orders_from_lines` of ``lines`` when already built.

    Returns
    -------
    ibis.Table
        ``from_segment, to_segment, customers, revenue_at_stake``: how many customers
        went from one segment to the other, and the revenue they brought in the year
        before ``start`` (what the business stands to lose or keep).
    """
    orders = orders if orders is not None else orders_from_lines(lines)
    return movement_matrix(
        movement_inputs(orders, start=start, end=end), start=start, end=end, rules=rules
    )


def movement_inputs(orders: ir.Table, *, start: dt.date, end: dt.date) -> ir.Table:
    """Per customer, in one pass over the orders: what RFM needs at both dates.

    Store the result in the engine before :func:`movement_matrix` when the orders are
    large: the matrix reads it three times.
    """
    if start >= end:
        raise InputError(f"start must be before end, got {start} and {end}")

    def cut(day: dt.date) -> ir.TimestampScalar:
        return ibis.timestamp(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))

    before_start, before_end = orders.ordered_at < cut(start), orders.ordered_at < cut(end)
    bought = orders.is_purchase
    in_year = (orders.ordered_at >= cut(start - dt.timedelta(days=365))) & before_start
    return orders.group_by("customer_id").aggregate(
        _last_a=orders.ordered_at.max(where=bought & before_start),
        _n_a=orders.count(where=bought & before_start),
        _rev_a=money_sum(ibis.ifelse(before_start, orders.amount, 0.0)),
        _last_b=orders.ordered_at.max(where=bought & before_end),
        _n_b=orders.count(where=bought & before_end),
        _rev_b=money_sum(ibis.ifelse(before_end, orders.amount, 0.0)),
        _stake=money_sum(ibis.ifelse(in_year, orders.amount, 0.0)),
    )


def movement_matrix(
    inputs: ir.Table,
    *,
    start: dt.date,
    end: dt.date,
    rules: Sequence[SegmentRule] = RFM_RULES,
) -> ir.Table:
    """The transition matrix from :func:`movement_inputs` (see :func:`segment_movement`)."""

    def segment_at(day: dt.date, suffix: str) -> ir.Table:
        known = inputs.filter(inputs[f"_n_{suffix}"] > 0)
        scored = known.select(
            "customer_id",
            recency_days=ibis.date(day).delta(known[f"_last_{suffix}"].date(), unit="day"),
            orders=known[f"_n_{suffix}"],
            revenue=known[f"_rev_{suffix}"],
        )
        return rfm_scores(scored, rules=rules).select("customer_id", "rfm_segment")

    before = segment_at(start, "a").rename(from_segment="rfm_segment")
    after = segment_at(end, "b").rename(to_segment="rfm_segment")
    stake = inputs.select("customer_id", "_stake")
    moved = after.left_join(before, "customer_id").select(
        customer_id=after.customer_id,
        to_segment=after.to_segment,
        from_segment=ibis.coalesce(ibis._.from_segment, NOT_YET),
    )
    valued = moved.left_join(stake, "customer_id").select(
        "from_segment", "to_segment", _revenue=ibis.coalesce(ibis._._stake, 0.0)
    )
    return (
        valued.group_by(["from_segment", "to_segment"])
        .aggregate(
            customers=valued.count(),
            revenue_at_stake=valued._revenue.sum(),
        )
        .order_by(["from_segment", "to_segment"])
    )
