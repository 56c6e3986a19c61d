"""How customers moved between RFM segments from one date to another."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from repeatly.analytics import customer_summary, money_sum
from repeatly.exceptions import InputError
from repeatly.segments._rfm import RFM_RULES, SegmentRule, rfm_scores

__all__ = ["NOT_YET", "segment_movement"]

#: The "segment" of customers who had not bought yet at the first date.
NOT_YET = "(not a customer yet)"


def segment_movement(
    lines: ir.Table,
    *,
    start: dt.date,
    end: dt.date,
    rules: Sequence[SegmentRule] = RFM_RULES,
) -> ir.Table:
    """The transition matrix of RFM segments between two dates, with revenue at stake.

    Each date's segments are scored on the lines up to that date (the quintile
    cut-offs of each date's own base).

    Parameters
    ----------
    lines
        Canonical order lines.
    start, end
        The two dates (``start`` before ``end``).
    rules
        The segment rule table.

    Returns
    -------
    ibis.Table
        ``from_segment, to_segment, customers, revenue_at_stake``: how many customers
        went from one segment to the other, and the revenue they brought in the year
        before ``start`` (what the business stands to lose or keep).
    """
    if start >= end:
        raise InputError(f"start must be before end, got {start} and {end}")

    def segment_at(day: dt.date) -> ir.Table:
        cutoff = ibis.timestamp(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
        upto = lines.filter(lines.ordered_at < cutoff)
        scores = rfm_scores(customer_summary(upto, as_of=day), rules=rules)
        return scores.select("customer_id", "rfm_segment")

    before = segment_at(start).rename(from_segment="rfm_segment")
    after = segment_at(end).rename(to_segment="rfm_segment")
    year_before = ibis.timestamp(dt.datetime.combine(start - dt.timedelta(days=364),
                                                     dt.time()))
    start_end = ibis.timestamp(dt.datetime.combine(start + dt.timedelta(days=1), dt.time()))
    recent = lines.filter((lines.ordered_at >= year_before) & (lines.ordered_at < start_end))
    revenue = recent.group_by("customer_id").aggregate(_revenue=money_sum(recent.amount))
    moved = after.left_join(before, "customer_id").select(
        customer_id=after.customer_id,
        to_segment=after.to_segment,
        from_segment=ibis.coalesce(ibis._.from_segment, NOT_YET),
    )
    valued = moved.left_join(revenue, "customer_id").select(
        "from_segment", "to_segment", _revenue=ibis.coalesce(ibis._._revenue, 0.0))
    return valued.group_by(["from_segment", "to_segment"]).aggregate(
        customers=valued.count(),
        revenue_at_stake=valued._revenue.sum(),
    ).order_by(["from_segment", "to_segment"])
