"""Unit economics from the data: what a customer costs, brings and returns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import ibis
import ibis.expr.types as ir

from repeatly.analytics import customer_summary, month_index, month_start

if TYPE_CHECKING:
    import datetime as dt

__all__ = ["REPEAT_WINDOWS", "lead_conversion", "unit_economics", "with_lead_counts"]

#: Days within which a second purchase counts as a quick return.
REPEAT_WINDOWS: tuple[int, ...] = (30, 90, 365)

DAYS_PER_MONTH = 365.25 / 12

Grouping = Literal["month", "channel"] | None


def _ratio(num: ir.NumericValue, den: ir.NumericValue) -> ir.FloatingValue:
    """``num / den`` as float, NULL where the denominator is zero or NULL."""
    return ibis.ifelse(den > 0, num.cast("float64") / den.cast("float64"), ibis.null("float64"))


def unit_economics(
    lines: ir.Table,
    *,
    as_of: dt.date,
    spend: ir.Table | None = None,
    customers: ir.Table | None = None,
    by: Grouping = None,
    summary: ir.Table | None = None,
    margin_rate: float | None = None,
) -> ir.Table:
    """Cost, value and return of customers, overall, per acquisition month or channel.

    Parameters
    ----------
    lines
        Canonical order lines.
    as_of
        Date the analysis looks from.
    spend
        Canonical marketing spend; without it the cost columns are NULL.
    customers
        Canonical customers, for the acquisition channel (``by="channel"``).
    by
        ``None`` for one row over everything (``group = "all"``), ``"month"`` for
        customers grouped by the month of their first purchase against that month's
        spend, ``"channel"`` for customers grouped by acquisition channel against that
        channel's spend.
    summary
        :func:`~repeatly.analytics.customer_summary` of ``lines``, when already built.
    margin_rate
        Margin share for lines without cost or margin data.

    Returns
    -------
    ibis.Table
        One row per group. Definitions (all money in the input currency):

        - ``new_customers``: customers whose first purchase falls in the group.
        - ``first_order_value`` / ``first_order_margin``: mean of the first order.
        - ``repeat_30``/``repeat_90``/``repeat_365``: share of customers who bought
          again within that many days of their first purchase, among customers whose
          first purchase is at least that many days before ``as_of``.
        - ``repeat_share``: share of customers with two or more purchases.
        - ``median_days_to_second``: median days from first to second purchase.
        - ``cost_per_visitor``, ``cost_per_lead``: acquisition spend / visitors, leads.
        - ``cac``: acquisition spend / new customers (organic ones included).
        - ``paid_customers``: new customers whose acquisition channel (from
          ``customers``) had acquisition spend; NULL without ``customers``.
        - ``cac_paid``: acquisition spend / ``paid_customers``: what a customer who
          came through a paid channel cost.
        - ``cost_to_return``: retention spend / returning customers (2+ purchases).
        - ``revenue_per_customer``, ``margin_per_customer``: over their whole history.
        - ``profit_per_customer``: (margin - acquisition - retention spend) / customers.
        - ``ltv_to_cac``: margin per customer / CAC.
        - ``ltv_to_cac_paid``: margin per paid-channel customer / ``cac_paid``.
        - ``payback_months``: CAC / average monthly margin of a customer since their
          first purchase.
    """
    if summary is None:
        summary = customer_summary(lines, as_of=as_of, margin_rate=margin_rate)
    keyed = _key_customers(summary, customers=customers, by=by)
    paid = spend is not None and customers is not None
    if spend is not None and customers is not None:
        keyed = _mark_paid(keyed, customers=customers, spend=spend)

    agg: dict[str, ir.Value] = {
        "new_customers": keyed.count(),
        "orders": keyed.orders.sum(),
        "revenue": keyed.revenue.sum(),
        "margin": keyed.margin.sum(),
        "first_order_value": keyed.first_order_value.mean(),
        "first_order_margin": keyed.first_order_margin.mean(),
        "returning_customers": keyed.count(where=keyed.orders >= 2),
        "median_days_to_second": keyed.days_to_second.quantile(0.5),
        "_tenure_months": (keyed.tenure_days.cast("float64") / DAYS_PER_MONTH)
        .clip(lower=1.0)
        .sum(),
    }
    if paid:
        agg["paid_customers"] = keyed.count(where=keyed._paid)
        agg["_paid_margin"] = keyed.margin.sum(where=keyed._paid)
    for days in REPEAT_WINDOWS:
        eligible = keyed.tenure_days >= days
        agg[f"_back_{days}"] = keyed.count(where=eligible & (keyed.days_to_second <= days))
        agg[f"_eligible_{days}"] = keyed.count(where=eligible)
    groups = keyed.group_by("group").aggregate(**agg)

    if spend is not None:
        costs = _spend_by(spend, by=by)
        groups = (
            groups.outer_join(costs, "group")
            .mutate(group=ibis.coalesce(ibis._.group, ibis._.group_right))
            .drop("group_right")
        )
    else:
        groups = groups.mutate(
            acquisition_spend=ibis.null("float64"),
            retention_spend=ibis.null("float64"),
            visitors=ibis.null("float64"),
            leads=ibis.null("float64"),
        )

    if not paid:
        groups = groups.mutate(paid_customers=ibis.null("int64"), _paid_margin=ibis.null("float64"))
    g = groups.mutate(
        new_customers=ibis.coalesce(groups.new_customers, 0),
        paid_customers=ibis.coalesce(groups.paid_customers, 0) if paid else groups.paid_customers,
    )
    margin_pc = _ratio(g.margin, g.new_customers)
    cac = _ratio(g.acquisition_spend, g.new_customers)
    cac_paid = _ratio(g.acquisition_spend, g.paid_customers)
    monthly_margin = _ratio(g.margin, g._tenure_months)
    total_spend = ibis.coalesce(g.acquisition_spend, 0) + ibis.coalesce(g.retention_spend, 0)
    out = {
        "group": g.group,
        "new_customers": g.new_customers,
        "orders": g.orders,
        "revenue": g.revenue,
        "margin": g.margin,
        "first_order_value": g.first_order_value,
        "first_order_margin": g.first_order_margin,
        **{f"repeat_{d}": _ratio(g[f"_back_{d}"], g[f"_eligible_{d}"]) for d in REPEAT_WINDOWS},
        "repeat_share": _ratio(g.returning_customers, g.new_customers),
        "median_days_to_second": g.median_days_to_second,
        "returning_customers": g.returning_customers,
        "acquisition_spend": g.acquisition_spend,
        "retention_spend": g.retention_spend,
        "visitors": g.visitors,
        "leads": g.leads,
        "cost_per_visitor": _ratio(g.acquisition_spend, g.visitors),
        "cost_per_lead": _ratio(g.acquisition_spend, g.leads),
        "cac": cac,
        "paid_customers": g.paid_customers,
        "cac_paid": cac_paid,
        "cost_to_return": _ratio(g.retention_spend, g.returning_customers),
        "revenue_per_customer": _ratio(g.revenue, g.new_customers),
        "margin_per_customer": margin_pc,
        "profit_per_customer": ibis.ifelse(
            g.acquisition_spend.notnull() | g.retention_spend.notnull(),
            _ratio(g.margin - total_spend, g.new_customers),
            ibis.null("float64"),
        ),
        "ltv_to_cac": _ratio(margin_pc, cac),
        "ltv_to_cac_paid": _ratio(_ratio(g._paid_margin, g.paid_customers), cac_paid),
        "payback_months": _ratio(cac, monthly_margin),
    }
    return g.select(**out).order_by("group")


def _key_customers(summary: ir.Table, *, customers: ir.Table | None, by: Grouping) -> ir.Table:
    if by is None:
        return summary.mutate(group=ibis.literal("all"))
    if by == "month":
        return summary.mutate(group=month_start(month_index(summary.first_purchase)).cast("string"))
    if by == "channel":
        if customers is None:
            return summary.mutate(group=ibis.literal("unknown"))
        channels = customers.select("customer_id", _channel=customers.acquisition_channel).distinct(
            on="customer_id", keep="first"
        )
        joined = summary.left_join(channels, "customer_id")
        return joined.mutate(group=ibis.coalesce(joined._channel, "unknown")).drop(
            "_channel", "customer_id_right"
        )
    raise ValueError(f'by: expected None, "month" or "channel", got {by!r}')


def _mark_paid(keyed: ir.Table, *, customers: ir.Table, spend: ir.Table) -> ir.Table:
    """``keyed`` with ``_paid``: the customer came through a channel with acquisition spend."""
    acquisition = ibis.coalesce(spend.purpose.lower(), "acquisition") != "retention"
    bought = spend.filter(acquisition & spend.channel.notnull())
    channels = (
        bought.group_by(_paid_channel=bought.channel)
        .aggregate(_spent=bought.spend.sum())
        .filter(ibis._._spent > 0)
        .select("_paid_channel")
    )
    own = customers.select("customer_id", _paid_channel=customers.acquisition_channel).distinct(
        on="customer_id", keep="first"
    )
    paid_ids = own.inner_join(channels, "_paid_channel").select(
        _paid_id=ibis._.customer_id, _paid=ibis.literal(True)
    )
    joined = keyed.left_join(paid_ids, keyed.customer_id == paid_ids._paid_id)
    return joined.mutate(_paid=ibis.coalesce(joined._paid, False)).drop("_paid_id")


def _spend_by(spend: ir.Table, *, by: Grouping) -> ir.Table:
    if by is None:
        key: ir.StringValue = ibis.literal("all")
    elif by == "month":
        key = month_start(month_index(spend.period)).cast("string")
    else:
        key = ibis.coalesce(spend.channel, "unknown")
    retention = ibis.coalesce(spend.purpose.lower(), "acquisition") == "retention"
    keyed = spend.mutate(group=key, _retention=retention)
    acquisition = ~keyed._retention
    return keyed.group_by("group").aggregate(
        acquisition_spend=keyed.spend.sum(where=acquisition),
        retention_spend=keyed.spend.sum(where=keyed._retention),
        visitors=keyed.visitors.sum(where=acquisition),
        leads=keyed.leads.sum(where=acquisition),
    )


def with_lead_counts(spend: ir.Table, leads: ir.Table) -> ir.Table:
    """Fill the spend table's missing lead counts from a leads table.

    Leads are counted per calendar month and channel and matched to spend rows of the
    same month (of ``period``) and channel; a count the spend table already has wins.

    Parameters
    ----------
    spend
        Canonical marketing spend.
    leads
        Canonical leads.

    Returns
    -------
    ibis.Table
        The spend table with ``leads`` filled where it was empty.
    """
    counted = leads.group_by(
        _month=month_index(leads.created_at),
        _channel=ibis.coalesce(leads.channel, "unknown"),
    ).aggregate(_leads=leads.count())
    keyed = spend.mutate(
        _month=month_index(spend.period), _channel=ibis.coalesce(spend.channel, "unknown")
    )
    joined = keyed.left_join(counted, ["_month", "_channel"])
    return joined.mutate(leads=ibis.coalesce(joined.leads, joined._leads.cast("float64"))).select(
        *spend.columns
    )


def lead_conversion(leads: ir.Table) -> ir.Table:
    """Leads, how many became customers, and the share that did (one row)."""
    converted = leads.count(where=leads.customer_id.notnull())
    return leads.aggregate(
        leads=leads.count(),
        converted_leads=converted,
        lead_conversion=_ratio(converted, leads.count()),
    )
