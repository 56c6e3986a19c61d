"""Purchase cycles and each customer's status: new, active, due, at risk or lost.

A customer's expected cycle is, in order of preference: their own cycle (when they have
enough gaps between purchase days), the cycle of the category they buy most, and the
cycle of the whole business. Cycles are learned from the data (a quantile of the gaps,
the 90th by default) unless given. How far past their cycle a customer is decides
their status; with a forecast, a customer the model finds likely gone is lost too.
This status is the one every face counts from: the report, the lists, the action plan
and the campaigns' audiences.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from repeatly.analytics import month_index, month_start, purchase_gaps
from repeatly.exceptions import InputError
from repeatly.prediction import GONE_BELOW

__all__ = ["STATUSES", "StatusRules", "category_cycles", "customer_status", "lost_by_month"]

#: The statuses, from the newest and easiest customers to bring back to the hardest:
#: ``new`` (one purchase, within its cycle), ``active`` (within the cycle), ``due``,
#: ``at_risk`` and ``lost``.
STATUSES: tuple[str, ...] = ("new", "active", "due", "at_risk", "lost")


@dataclass(frozen=True, slots=True)
class StatusRules:
    """How many cycles past their last purchase a customer becomes due, at risk, lost.

    A customer whose days since the last purchase are at most ``due`` cycles is active;
    at most ``at_risk`` cycles, due; at most ``lost`` cycles, at risk; beyond, lost.
    A cycle is the ``quantile`` (90%) of the gaps between purchases: the time within
    which most customers who come back have come back.
    """

    due: float = 1.0
    at_risk: float = 2.0
    lost: float = 3.0
    min_history: int = 3  # gaps a customer needs for a cycle of their own
    quantile: float = 0.9  # the cycle: the gap within which this share of returns happen

    def __post_init__(self) -> None:
        if not 0 < self.due <= self.at_risk <= self.lost:
            raise InputError(
                "status rules: expected 0 < due <= at_risk <= lost, got "
                f"{self.due}, {self.at_risk}, {self.lost}"
            )
        if not 0 < self.quantile < 1:
            raise InputError(f"quantile: expected a share between 0 and 1, got {self.quantile}")
        if self.min_history < 1:
            raise InputError(f"min_history: expected at least 1, got {self.min_history}")


def category_cycles(
    lines: ir.Table,
    *,
    overrides: Mapping[str, float] | None = None,
    gaps: ir.Table | None = None,
    quantile: float = 0.5,
) -> ir.Table:
    """The expected return cycle of each category, in days.

    Parameters
    ----------
    lines
        Canonical order lines.
    overrides
        Cycles to use instead of the learned ones, e.g. ``{"furniture": 730}``;
        categories not in the data are added.
    gaps
        ``purchase_gaps(lines, by="category")`` when already computed.
    quantile
        Which quantile of the gaps is the cycle.

    Returns
    -------
    ibis.Table
        ``category, cycle_days, repeats, source`` where ``source`` is ``"learned"``
        (the ``quantile`` of the days between purchases of the category by one
        customer; the median by default) or ``"given"``.
    """
    overrides = dict(overrides or {})
    for name, days in overrides.items():
        if not days or days <= 0:
            raise InputError(f'cycle of "{name}": expected a positive number of days, got {days!r}')
    if gaps is None:
        gaps = purchase_gaps(lines, by="category")
    learned = gaps.group_by("category").aggregate(
        cycle_days=gaps.gap_days.cast("float64").quantile(quantile),
        repeats=gaps.count(),
    )
    learned = learned.mutate(source=ibis.literal("learned"))
    if not overrides:
        return learned.order_by("category")
    given = ibis.memtable(
        {
            "category": list(overrides),
            "_given": [float(v) for v in overrides.values()],
        }
    )
    joined = learned.outer_join(given, learned.category == given.category)
    return joined.select(
        category=ibis.coalesce(joined.category, joined.category_right),
        cycle_days=ibis.coalesce(joined._given, joined.cycle_days),
        repeats=ibis.coalesce(joined.repeats, 0),
        source=ibis.ifelse(joined._given.notnull(), "given", "learned"),
    ).order_by("category")


def customer_status(
    summary: ir.Table,
    lines: ir.Table,
    *,
    cycles: Mapping[str, float] | None = None,
    business_cycle: float | None = None,
    rules: StatusRules | None = None,
    gaps: ir.Table | None = None,
    category_gaps: ir.Table | None = None,
    forecast: ir.Table | None = None,
    lost_below: float = GONE_BELOW,
) -> ir.Table:
    """Each customer's expected cycle, how far past it they are, and their status.

    Parameters
    ----------
    summary
        The per-customer summary (``recency_days``, ``last_purchase``, ``top_category``).
    lines
        Canonical order lines, for the gaps between purchases.
    cycles
        Category cycles to use instead of the learned ones, e.g. ``{"clothing": 180}``.
    business_cycle
        The cycle of the whole business in days (a restaurant: 14), for customers with
        no cycle of their own and no category cycle; the median gap of all customers
        when not given.
    rules
        The thresholds of the statuses; :class:`StatusRules` defaults when not given.
    gaps, category_gaps
        ``purchase_gaps(lines)`` and ``purchase_gaps(lines, by="category")`` when
        already computed (:func:`repeatly.analyze` keeps both).
    forecast
        Per-customer predictions (:attr:`repeatly.prediction.Forecast.customers`,
        ``customer_id`` and ``p_alive``). With them, a customer whose probability of
        still being a customer is below ``lost_below`` is lost too, whatever the
        cycle says, and ``p_alive`` and ``lost_by`` are added.
    lost_below
        The probability alive under which the forecast calls a customer lost.

    Returns
    -------
    ibis.Table
        ``customer_id, cycle_days, cycle_source`` (``own``, ``category`` or
        ``business``), ``days_since``, ``cycles_overdue`` (days since / cycle),
        ``status`` (one of :data:`STATUSES`: ``new`` is a customer with one purchase
        still within its cycle) and ``lost_on`` (the day a lost customer became lost
        by the cycle: last purchase + ``rules.lost`` cycles); with ``forecast``,
        ``p_alive`` and ``lost_by`` (``"cycle"``, ``"model"`` or null).
    """
    if not 0 <= lost_below < 1:
        raise InputError(f"lost_below: expected a probability below 1, got {lost_below}")
    rules = rules or StatusRules()
    if business_cycle is not None and business_cycle <= 0:
        raise InputError(
            f"business_cycle: expected a positive number of days, got {business_cycle}"
        )
    if gaps is None:
        gaps = purchase_gaps(lines)
    own = gaps.group_by("customer_id").aggregate(
        _own=gaps.gap_days.cast("float64").quantile(rules.quantile),
        _gaps=gaps.count(),
    )
    own = own.filter(own._gaps >= rules.min_history)
    by_category = category_cycles(
        lines, overrides=cycles, gaps=category_gaps, quantile=rules.quantile
    ).select(_category="category", _category_cycle="cycle_days")
    if business_cycle is None:
        overall = gaps.aggregate(_business=gaps.gap_days.cast("float64").quantile(rules.quantile))
    else:
        # one row made in the engine, next to the data (no table of Python values)
        overall = gaps.aggregate(_n=gaps.count()).select(
            _business=ibis.literal(float(business_cycle), type="float64")
        )
    joined = (
        summary.select("customer_id", "recency_days", "last_purchase", "top_category", "orders")
        .left_join(own, "customer_id")
        .left_join(by_category, ibis._.top_category == by_category._category)
        .cross_join(overall)
    )
    cycle = ibis.coalesce(joined._own, joined._category_cycle, joined._business, 1.0)
    cycle = ibis.greatest(cycle, 1.0)
    source = ibis.cases(
        (joined._own.notnull(), "own"),
        (joined._category_cycle.notnull(), "category"),
        else_="business",
    )
    days = joined.recency_days.cast("float64")
    overdue = days / cycle
    status = ibis.cases(
        ((overdue <= rules.due) & (joined.orders <= 1), "new"),
        (overdue <= rules.due, "active"),
        (overdue <= rules.at_risk, "due"),
        (overdue <= rules.lost, "at_risk"),
        else_="lost",
    )
    lost_after = (cycle * rules.lost).ceil().cast("int64")
    lost_on = ibis.ifelse(
        status == "lost",
        (joined.last_purchase.date() + lost_after.as_interval("D")).cast("date"),
        ibis.null("date"),
    )
    table = joined.select(
        "customer_id",
        cycle_days=cycle,
        cycle_source=source,
        days_since=joined.recency_days,
        cycles_overdue=overdue,
        status=status,
        lost_on=lost_on,
    )
    if forecast is None:
        return table
    table = table.left_join(forecast.select("customer_id", "p_alive"), "customer_id")
    gone = ibis.coalesce(table.p_alive < lost_below, False)
    return table.mutate(
        lost_by=ibis.cases(
            (table.status == "lost", "cycle"), (gone, "model"), else_=ibis.null("string")
        ),
        status=ibis.ifelse(gone, "lost", table.status),
    )


def lost_by_month(status: ir.Table) -> ir.Table:
    """How many customers became lost each month, and how many were lost by its end.

    Parameters
    ----------
    status
        The result of :func:`customer_status`.

    Returns
    -------
    ibis.Table
        ``month, became_lost, lost_total``.
    """
    lost = status.filter(status.lost_on.notnull())
    monthly = lost.group_by(_month=month_index(lost.lost_on)).aggregate(became_lost=lost.count())
    window = ibis.window(order_by=monthly._month, rows=(None, 0))
    return monthly.select(
        month=month_start(monthly._month),
        became_lost=monthly.became_lost,
        lost_total=monthly.became_lost.sum().over(window),
    ).order_by("month")
