"""Days between purchases, overall and per category: the business's return cycles."""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

__all__ = ["DEFAULT_GAP_BINS", "gap_histogram", "gap_stats", "purchase_gaps"]

#: Bin edges in days for the purchase-cycle histograms (the last bin is open-ended).
DEFAULT_GAP_BINS: tuple[int, ...] = (8, 15, 31, 61, 91, 181, 271, 366, 546, 731)


def purchase_gaps(
    lines: ir.Table, *, by: str | None = None, orders: ir.Table | None = None
) -> ir.Table:
    """Days between a customer's consecutive purchase days.

    Parameters
    ----------
    lines
        Canonical order lines.
    by
        ``None`` for gaps between any two purchases, or a column of ``lines`` (such as
        ``"category"``) for gaps between purchases of the same value of it.
    orders
        Orders as made by :func:`~repeatly.analytics.orders_from_lines`, used for the
        overall gaps when already built.

    Returns
    -------
    ibis.Table
        ``customer_id, [by,] gap_days`` with one row per repeat purchase day. Several
        purchases on one day count as one.
    """
    if by is None:
        if orders is not None:
            src = orders.filter(orders.is_purchase)
            days = src.select("customer_id", day=src.order_date).distinct()
        else:
            sold = lines.filter(lines.amount > 0)
            days = sold.select("customer_id", day=sold.ordered_at.date()).distinct()
        keys: list[str] = ["customer_id"]
    else:
        sold = lines.filter((lines.amount > 0) & lines[by].notnull())
        days = sold.select("customer_id", by, day=sold.ordered_at.date()).distinct()
        keys = ["customer_id", by]
    window = ibis.window(group_by=[days[k] for k in keys], order_by=days.day)
    previous = days.day.lag().over(window)
    gaps = days.mutate(gap_days=days.day.delta(previous, unit="day"))
    return gaps.filter(gaps.gap_days.notnull()).select(*keys, "gap_days")


def gap_stats(gaps: ir.Table, *, by: str | None = None) -> ir.Table:
    """Count, median, mean and 25th/75th percentiles of the gaps, overall or per ``by``."""
    keys = [by] if by else []
    g = gaps.group_by(keys) if keys else gaps
    stats = g.aggregate(
        repeats=gaps.count(),
        median_days=gaps.gap_days.quantile(0.5),
        p25_days=gaps.gap_days.quantile(0.25),
        p75_days=gaps.gap_days.quantile(0.75),
        mean_days=gaps.gap_days.cast("float64").mean(),
    )
    return stats.order_by(keys) if keys else stats


def gap_histogram(
    gaps: ir.Table, *, by: str | None = None, bins: Sequence[int] = DEFAULT_GAP_BINS
) -> ir.Table:
    """Histogram of gaps in the engine: ``[by,] bin, lower, upper, repeats, share``.

    ``bin`` numbers the bins from 0; bin *i* holds gaps in ``[lower, upper)``; the first
    starts at 1 day, the last has no upper bound (NULL).
    """
    edges = list(bins)
    case = ibis.cases(
        *((gaps.gap_days < edge, i) for i, edge in enumerate(edges)),
        else_=len(edges),
    )
    keys = [by] if by else []
    binned = gaps.mutate(bin=case)
    counts = binned.group_by([*keys, "bin"]).aggregate(repeats=binned.count())
    total = counts.repeats.sum().over(ibis.window(group_by=keys) if keys else None)
    lower = ibis.cases(*((counts.bin == i + 1, e) for i, e in enumerate(edges)), else_=1)
    upper = ibis.cases(
        *((counts.bin == i, e) for i, e in enumerate(edges)), else_=ibis.null("int64")
    )
    return counts.select(
        *keys,
        "bin",
        lower=lower,
        upper=upper,
        repeats=counts.repeats,
        share=counts.repeats.cast("float64") / total,
    ).order_by([*keys, "bin"])
