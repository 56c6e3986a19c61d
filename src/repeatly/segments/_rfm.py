"""RFM: recency, frequency and monetary scores 1-5, and named segments from a rule table.

Scores are quintiles by cut-off: the 20/40/60/80% quantiles of each measure are computed
once, and a customer's score is one more than the number of cut-offs they beat. Equal
values always get equal scores (a tie never straddles a boundary), the result does not
depend on row order, and no window over the whole customer base is needed, so the same
expression gives the same scores on every engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from repeatly.exceptions import InputError

__all__ = ["RFM_RULES", "SegmentRule", "rfm_cutoffs", "rfm_scores"]

QUINTILES = (0.2, 0.4, 0.6, 0.8)


@dataclass(frozen=True, slots=True)
class SegmentRule:
    """Customers whose scores fall in all three ranges (inclusive) get ``name``.

    Rules are tried in order and the first that matches wins.
    """

    name: str
    r: tuple[int, int] = (1, 5)
    f: tuple[int, int] = (1, 5)
    m: tuple[int, int] = (1, 5)


#: The default rule table. Every (R, F) pair is covered, so every customer is named.
RFM_RULES: tuple[SegmentRule, ...] = (
    SegmentRule("Champions", r=(4, 5), f=(4, 5), m=(4, 5)),
    SegmentRule("Loyal", r=(3, 5), f=(3, 5)),
    SegmentRule("Can't lose them", r=(1, 2), f=(4, 5), m=(4, 5)),
    SegmentRule("At risk", r=(1, 2), f=(3, 5)),
    SegmentRule("New", r=(5, 5), f=(1, 1)),
    SegmentRule("Promising", r=(4, 4), f=(1, 1)),
    SegmentRule("Potential loyalists", r=(4, 5), f=(2, 2)),
    SegmentRule("Need attention", r=(3, 3), f=(1, 2)),
    SegmentRule("About to sleep", r=(2, 2), f=(1, 2)),
    SegmentRule("Hibernating", r=(1, 1), f=(2, 2)),
    SegmentRule("Lost", r=(1, 1), f=(1, 1)),
)


def rfm_cutoffs(summary: ir.Table) -> ir.Table:
    """The quintile cut-offs of recency, frequency and monetary value (one row).

    Parameters
    ----------
    summary
        The per-customer summary (:func:`repeatly.analytics.customer_summary`).

    Returns
    -------
    ibis.Table
        ``r_20 ... r_80, f_20 ... f_80, m_20 ... m_80``: linear-interpolation quantiles
        of ``recency_days``, ``orders`` and ``revenue``.
    """
    cuts = {}
    for prefix, column in (("r", "recency_days"), ("f", "orders"), ("m", "revenue")):
        value = summary[column].cast("float64")
        for q in QUINTILES:
            cuts[f"{prefix}_{round(q * 100)}"] = value.quantile(q)
    return summary.aggregate(**cuts)


def rfm_scores(
    summary: ir.Table,
    *,
    rules: Sequence[SegmentRule] = RFM_RULES,
) -> ir.Table:
    """Score every customer 1-5 on recency, frequency and money, and name their segment.

    Parameters
    ----------
    summary
        The per-customer summary (:func:`repeatly.analytics.customer_summary`): recency
        is ``recency_days``, frequency ``orders`` and money ``revenue``.
    rules
        The segment rule table, tried in order; customers no rule matches are
        ``"Other"``. :data:`RFM_RULES` by default.

    Returns
    -------
    ibis.Table
        ``customer_id, recency_days, frequency, monetary, r, f, m, rfm, rfm_segment``;
        ``r`` is 5 for the most recent customers, ``f`` and ``m`` are 5 for the most
        frequent and the biggest spenders; ``rfm`` is the three digits as text.

    Examples
    --------
    >>> summary = ibis.memtable({
    ...     "customer_id": list("abcde"), "recency_days": [1, 10, 10, 40, 300],
    ...     "orders": [9, 4, 4, 2, 1], "revenue": [900.0, 300, 300, 80, 20]})
    >>> scores = rfm_scores(summary).order_by("customer_id").to_pandas()
    >>> scores.rfm.tolist()
    ['555', '333', '333', '222', '111']
    >>> scores.rfm_segment.tolist()
    ['Champions', 'Loyal', 'Loyal', 'About to sleep', 'Lost']
    """
    _check_rules(rules)
    cuts = rfm_cutoffs(summary)
    joined = summary.cross_join(cuts)
    recency = joined.recency_days.cast("float64")
    frequency = joined.orders.cast("float64")
    money = joined.revenue.cast("float64")
    r = 1 + sum((recency < joined[f"r_{round(q * 100)}"]).ifelse(1, 0) for q in QUINTILES)
    f = 1 + sum((frequency > joined[f"f_{round(q * 100)}"]).ifelse(1, 0) for q in QUINTILES)
    m = 1 + sum((money > joined[f"m_{round(q * 100)}"]).ifelse(1, 0) for q in QUINTILES)
    scored = joined.select(
        "customer_id",
        recency_days=joined.recency_days,
        frequency=joined.orders,
        monetary=joined.revenue,
        r=r.cast("int64"),
        f=f.cast("int64"),
        m=m.cast("int64"),
    )
    segment = ibis.cases(
        *[
            (
                scored.r.between(*rule.r) & scored.f.between(*rule.f) & scored.m.between(*rule.m),
                rule.name,
            )
            for rule in rules
        ],
        else_="Other",
    )
    return scored.mutate(
        rfm=scored.r.cast("string").concat(scored.f.cast("string"), scored.m.cast("string")),
        rfm_segment=segment,
    )


def _check_rules(rules: Sequence[SegmentRule]) -> None:
    if not rules:
        raise InputError("rules: expected at least one segment rule")
    for rule in rules:
        for axis in ("r", "f", "m"):
            low, high = getattr(rule, axis)
            if not (1 <= low <= high <= 5):
                raise InputError(
                    f'rule "{rule.name}": {axis} range expected within 1..5 with low <= high, '
                    f"got {low}..{high}"
                )
