"""The small tables the report's Segments section shows."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from repeatly.segments._golden import golden_share_by_month, pareto_curve
from repeatly.segments._movement import movement_matrix, segment_movement
from repeatly.segments._status import lost_by_month

__all__ = ["segment_overview"]


def segment_overview(
    summary: ir.Table,
    orders: ir.Table,
    *,
    rfm: ir.Table,
    status: ir.Table,
    golden: ir.Table,
    as_of: dt.date,
    lines: ir.Table | None = None,
    movement_inputs: ir.Table | None = None,
) -> dict[str, ir.Table]:
    """Segment sizes and value, the RFM grid, the Pareto curve, lost over time, movement.

    Parameters
    ----------
    summary
        The per-customer summary.
    orders
        Orders.
    rfm, status, golden
        :func:`rfm_scores`, :func:`customer_status` and :func:`golden_customers`, best
        already stored in the engine, as each is read several times.
    as_of
        The analysis date; movement is measured over the year before it.
    lines
        Order lines (only needed for movement when ``orders`` lacks some lines).
    movement_inputs
        :func:`movement_inputs` over the year before ``as_of``, best already stored.

    Returns
    -------
    dict
        ``rfm_segments`` (segment, customers, revenue, margin), ``rfm_grid`` (r, f,
        customers), ``status`` (status, customers, margin), ``golden`` (one row:
        customers, golden, margin, golden_margin), ``golden_by_month``, ``pareto``,
        ``lost_by_month`` and ``movement`` (over the year before ``as_of``).
    """
    margin = summary.select("customer_id", _margin=ibis.coalesce(summary.margin, 0.0))
    valued = rfm.join(margin, "customer_id")
    by_status = status.join(margin, "customer_id")
    flagged = golden.join(margin, "customer_id")
    start = as_of - dt.timedelta(days=365)
    if movement_inputs is not None:
        movement = movement_matrix(movement_inputs, start=start, end=as_of)
    else:
        movement = segment_movement(
            lines if lines is not None else orders, start=start, end=as_of, orders=orders
        )
    return {
        "rfm_segments": valued.group_by("rfm_segment")
        .aggregate(
            customers=valued.count(),
            revenue=valued.monetary.cast("float64").sum(),
            margin=valued._margin.sum(),
        )
        .order_by(ibis.desc("margin")),
        "rfm_grid": rfm.group_by(["r", "f"]).aggregate(customers=rfm.count()),
        "status": by_status.group_by("status").aggregate(
            customers=by_status.count(), margin=by_status._margin.sum()
        ),
        "golden": flagged.aggregate(
            customers=flagged.count(),
            golden=flagged.golden.ifelse(1, 0).sum(),
            margin=flagged._margin.sum(),
            golden_margin=flagged._margin.sum(where=flagged.golden),
        ),
        "golden_by_month": golden_share_by_month(orders, golden),
        "pareto": pareto_curve(summary, points=50),
        "lost_by_month": lost_by_month(status),
        "movement": movement,
    }
