"""From orders to what the models read: frequency, recency and age in one time unit."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import ibis
import ibis.expr.types as ir

from repeatly.analytics._orders import money_sum
from repeatly.connection import arg_min
from repeatly.exceptions import InputError

__all__ = ["UNIT_DAYS", "Unit", "distinct_rows", "model_summary", "period_summary", "purchase_days"]

#: Days in each time unit the models can count in.
UNIT_DAYS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}

Unit = Literal["day", "week", "month"]


def model_summary(
    lines: ir.Table,
    *,
    calibration_end: dt.date,
    unit: Unit = "week",
    holdout_end: dt.date | None = None,
) -> ir.Table:
    """Each customer's frequency, recency and age (T) as the papers define them.

    All purchases of a customer on one day are one transaction. ``frequency`` is the
    number of repeat transactions (days with a purchase after the first) up to
    ``calibration_end``; ``recency`` the time from the first to the last of them;
    ``T`` the time from the first purchase to ``calibration_end``; ``monetary_value``
    the mean value of the repeat transactions (0 without repeats). Times are in
    ``unit`` (days / 7 for weeks).

    Parameters
    ----------
    lines
        Canonical order lines (transactions are lines with an amount of 0 or more;
        returns, negative, are left out).
    calibration_end
        The last day of the calibration period.
    unit
        ``"day"``, ``"week"`` or ``"month"`` (365.25 / 12 days).
    holdout_end
        With it, ``holdout_purchases``: transactions after ``calibration_end`` up to it.

    Returns
    -------
    ibis.Table
        ``customer_id, frequency, recency, T, monetary_value`` [``, holdout_purchases``]
        for every customer whose first purchase is on or before ``calibration_end``.
    """
    size, days = purchase_days(lines, unit, calibration_end, holdout_end)
    end = ibis.date(calibration_end)
    calib = days.filter(days.day <= end)
    # one row per customer and day, so the first day's value is the value at the min day
    per = calib.group_by("customer_id").aggregate(
        _first=calib.day.min(),
        _last=calib.day.max(),
        _n=calib.count(),
        _repeat_value=money_sum(calib.value) - arg_min(calib.value, calib.day),
    )
    summary = per.select(
        "customer_id",
        frequency=per._n - 1,
        recency=per._last.delta(per._first, unit="day").cast("float64") / size,
        T=end.delta(per._first, unit="day").cast("float64") / size,
        monetary_value=ibis.ifelse(per._n > 1, per._repeat_value / (per._n - 1), 0.0),
    )
    if holdout_end is None:
        return summary
    later = days.filter((days.day > end) & (days.day <= ibis.date(holdout_end)))
    counts = later.group_by("customer_id").aggregate(holdout_purchases=later.count())
    joined = summary.left_join(counts, "customer_id")
    return joined.select(
        *summary.columns, holdout_purchases=ibis.coalesce(joined.holdout_purchases, 0)
    )


def period_summary(
    lines: ir.Table,
    *,
    calibration_end: dt.date,
    unit: Unit = "week",
    holdout_end: dt.date | None = None,
) -> ir.Table:
    """Each customer's history in discrete opportunities, as BG/BB reads it.

    Each customer's time is cut into periods of one ``unit`` from the day of their
    first purchase (period 0). ``T`` is the number of whole periods from then to
    ``calibration_end`` (the opportunities observed), ``frequency`` the number of those
    periods with a purchase and ``recency`` the last of them (0 without). With
    ``holdout_end``, ``holdout_purchases`` counts the later periods with a purchase up
    to it. ``monetary_value`` is as in :func:`model_summary`.
    """
    size, days = purchase_days(lines, unit, calibration_end, holdout_end)
    end = ibis.date(calibration_end)
    calib = days.filter(days.day <= end)
    first = calib.group_by("customer_id").aggregate(_first=calib.day.min())
    tagged = days.join(first, "customer_id")
    tagged = tagged.mutate(
        _period=(tagged.day.delta(tagged._first, unit="day").cast("float64") / size).floor(),
        _n=(end.delta(tagged._first, unit="day").cast("float64") / size).floor(),
    )
    inside = tagged.filter((tagged._period >= 1) & (tagged._period <= tagged._n))
    seen = tagged.filter(tagged.day <= end)
    per = seen.group_by("customer_id").aggregate(
        T=seen._n.max(),
        _repeat_value=money_sum(ibis.ifelse(seen.day > seen._first, seen.value, 0.0)),
        _repeat_days=(seen.day > seen._first).sum(),
    )
    counted = inside.group_by("customer_id").aggregate(
        frequency=inside._period.nunique().cast("float64"), recency=inside._period.max()
    )
    joined = per.left_join(counted, "customer_id")
    summary = joined.select(
        "customer_id",
        frequency=ibis.coalesce(joined.frequency, 0.0),
        recency=ibis.coalesce(joined.recency, 0.0),
        T=joined["T"],
        monetary_value=ibis.ifelse(
            joined._repeat_days > 0, joined._repeat_value / joined._repeat_days, 0.0
        ),
    )
    if holdout_end is None:
        return summary
    later = tagged.filter(
        (tagged.day > end) & (tagged.day <= ibis.date(holdout_end)) & (tagged._period > tagged._n)
    )
    counts = later.group_by("customer_id").aggregate(holdout_purchases=later._period.nunique())
    out = summary.left_join(counts, "customer_id")
    return out.select(*summary.columns, holdout_purchases=ibis.coalesce(out.holdout_purchases, 0))


def purchase_days(
    lines: ir.Table, unit: str, calibration_end: dt.date, holdout_end: dt.date | None
) -> tuple[float, ir.Table]:
    """Check the options; the days in a unit and each customer's purchase days.

    One row per customer and day with the day's value (summed in cents, so the same
    in any order); returns (negative lines) are not transactions, free lines are.
    """
    if unit not in UNIT_DAYS:
        raise InputError(f'unit: expected "day", "week" or "month", got {unit!r}')
    if holdout_end is not None and holdout_end <= calibration_end:
        raise InputError("holdout_end: expected a date after calibration_end")
    sold = lines.filter(lines.amount >= 0)
    # money summed in cents: the same to the last bit in any order, on every engine
    days = sold.group_by(["customer_id", sold.ordered_at.date().name("day")]).aggregate(
        value=money_sum(sold.amount)
    )
    return UNIT_DAYS[unit], days


def distinct_rows(summary: ir.Table) -> ir.Table:
    """The distinct (frequency, recency, T) rows with their counts: what the fits need."""
    return summary.group_by(["frequency", "recency", "T"]).aggregate(weight=summary.count())
