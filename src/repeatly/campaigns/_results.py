"""What a campaign changed: treatment against control, with confidence intervals.

After the attribution window, every recipient of the campaign (control group included)
is looked up in the orders: who bought in the window, for how much. A customer also
counts as a response when the database has a response of theirs for the campaign in
the window (an imported call result, say). The uplift is the difference of the response
rates, with Newcombe's interval (method 10 of Newcombe 1998: from the two Wilson score
intervals), which holds for small groups and rates near 0 or 1; the uplift in revenue
and margin per customer has a Welch (normal) interval.

References
----------
Newcombe, R. G. (1998). Interval estimation for the difference between independent
proportions: comparison of eleven methods. Statistics in Medicine 17, 873-890.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from scipy.stats import norm

from repeatly._json import plain, records
from repeatly.campaigns._offline import CALL_RESULTS, RESPONSE_RESULTS
from repeatly.campaigns._status import recorded
from repeatly.exceptions import InputError
from repeatly.store import Store

__all__ = ["CampaignResults", "campaign_results", "newcombe_interval", "wilson_interval"]


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval for a proportion (``(nan, nan)`` when ``n`` is 0)."""
    if n == 0:
        return math.nan, math.nan
    z = float(norm.ppf(0.5 + confidence / 2))
    p = successes / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return (centre - half) / scale, (centre + half) / scale


def newcombe_interval(
    x1: int, n1: int, x2: int, n2: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Interval for the difference of two proportions x1/n1 - x2/n2 (Newcombe's method 10).

    Examples
    --------
    Newcombe (1998), table II, example (a): 56/70 against 48/80.

    >>> from repeatly.campaigns import newcombe_interval
    >>> [round(v, 4) for v in newcombe_interval(56, 70, 48, 80)]
    [0.0524, 0.3339]
    """
    if n1 == 0 or n2 == 0:
        return math.nan, math.nan
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, confidence)
    l2, u2 = wilson_interval(x2, n2, confidence)
    d = p1 - p2
    return (
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


@dataclass
class CampaignResults:
    """A campaign's results: overall (``segment == "all"``) and by segment.

    ``table`` has one row per segment: the customers, responders, response rate and
    revenue per customer in each group; the uplift in response rate with its interval;
    the uplift in revenue and margin per customer with their intervals; the offer's
    cost; and the incremental revenue and profit (uplift per customer times the
    treatment group, less the offer's cost), with the profit's interval.
    """

    campaign: str
    window: tuple[dt.date, dt.date]
    table: pd.DataFrame
    options: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The results as plain JSON-ready data: window, the whole campaign, each segment."""
        return {
            "campaign": self.campaign,
            "window": [day.isoformat() for day in self.window],
            "overall": plain(self.overall),
            "segments": records(self.table),
            "options": plain(self.options),
        }

    @property
    def overall(self) -> dict[str, Any]:
        """The row for the whole campaign."""
        row = self.table[self.table.segment == "all"].iloc[0]
        return {str(k): (v.item() if hasattr(v, "item") else v) for k, v in row.items()}


def campaign_results(
    store: Store,
    campaign: str,
    lines: ir.Table | pd.DataFrame,
    *,
    window_days: int = 30,
    margin_rate: float | None = None,
    confidence: float = 0.95,
) -> CampaignResults:
    """Measure a recorded campaign on the orders of its attribution window.

    Parameters
    ----------
    store
        The operational database holding the campaign.
    campaign
        The campaign's name.
    lines
        Canonical order lines (``customer_id``, ``ordered_at``, ``amount``; ``cost`` or
        ``margin`` when known).
    window_days
        Days from the campaign's start in which a purchase counts as a response.
    margin_rate
        Margin share of revenue for lines without cost data (default: revenue counts
        as margin where no cost is known).
    confidence
        Level of the intervals.

    Raises
    ------
    InputError
        No campaign of that name, or the orders end before the window begins. When
        they end inside it, the results are marked ``complete: False`` in ``options``.
    """
    if window_days < 1:
        raise InputError(f"window: expected 1 day or more, got {window_days}")
    with store.connect() as db:
        found = recorded(db, campaign)
        people = pd.DataFrame(
            db.campaigns.recipients(found.id), columns=["customer_id", "group", "segment"]
        )
        # a call counts when it ended in an order or interest, not a refusal
        negative = [f"call_{r}" for r in CALL_RESULTS if r not in RESPONSE_RESULTS]
        answered = pd.DataFrame(
            db.responses.for_campaign(found.id, except_kinds=negative),
            columns=["customer_id", "at"],
        )
    options = found.options
    start = dt.date.fromisoformat(options["start"])
    end = start + dt.timedelta(days=window_days)
    table = lines if isinstance(lines, ir.Table) else ibis.memtable(lines)
    last = table.ordered_at.max().execute()
    last_day = None if last is None or pd.isna(last) else pd.Timestamp(last).date()
    if last_day is None or last_day < start:
        raise InputError(
            f"campaign {campaign!r}: its attribution window starts on {start}, "
            f"but the orders end on {last_day}; measure it on later orders"
        )
    bought = _window_purchases(table, people.customer_id, start, end, margin_rate)
    frame = people.merge(bought, on="customer_id", how="left").fillna(
        {"revenue": 0.0, "margin": 0.0, "orders": 0}
    )
    if not answered.empty:
        at = pd.to_datetime(answered["at"], utc=True).dt.date
        inside = answered[(at >= start) & (at < end)]
        frame["answered"] = frame.customer_id.isin(set(inside.customer_id))
    else:
        frame["answered"] = False
    frame["responded"] = (frame.orders > 0) | frame.answered
    cost = _offer_cost(options, frame)
    rows = [_compare("all", frame, cost, confidence)]
    for segment, part in frame.groupby("segment", sort=True):
        rows.append(_compare(str(segment), part, cost, confidence))
    return CampaignResults(
        campaign=campaign,
        window=(start, end - dt.timedelta(days=1)),
        table=pd.DataFrame(rows),
        options={
            "window_days": window_days,
            "confidence": confidence,
            "margin_rate": margin_rate,
            "complete": last_day >= end - dt.timedelta(days=1),
            "orders_until": last_day.isoformat(),
            "playbook": found.playbook,
            "audience": options.get("audience"),
        },
    )


def _window_purchases(
    lines: ir.Table | pd.DataFrame,
    customers: pd.Series,
    start: dt.date,
    end: dt.date,
    margin_rate: float | None,
) -> pd.DataFrame:
    """Revenue, margin and orders (days with a purchase) per customer in the window."""
    table = lines if isinstance(lines, ir.Table) else ibis.memtable(lines)
    day = table.ordered_at.cast("date")
    inside = table.filter((day >= ibis.date(start)) & (day < ibis.date(end)) & (table.amount > 0))
    amount = inside.amount.cast("float64")
    known = None
    if "margin" in table.columns:
        known = inside.margin.cast("float64")
    if "cost" in table.columns:
        from_cost = amount - inside.cost.cast("float64")
        known = from_cost if known is None else known.coalesce(from_cost)
    fallback = amount * margin_rate if margin_rate is not None else amount
    margin = fallback if known is None else known.coalesce(fallback)
    grouped = inside.group_by("customer_id").aggregate(
        revenue=amount.sum(), margin=margin.sum(), orders=inside.ordered_at.cast("date").nunique()
    )
    found = grouped.to_pandas()
    found["customer_id"] = found.customer_id.astype(str)
    return found[found.customer_id.isin(set(customers.astype(str)))]


def _offer_cost(options: dict[str, Any], frame: pd.DataFrame) -> pd.Series:
    """The offer's cost per customer: every treated responder is taken to use it.

    A percentage off costs that share of the window's revenue; an amount or a gift costs
    its value for each order, up to the coupon's usage limit. Without redemption data
    this is an upper bound.
    """
    offer = options.get("offer") or {}
    kind, value = offer.get("kind", "none"), float(offer.get("value", 0.0))
    limit = int(offer.get("usage_limit", 1))
    treated = (frame.group == "treatment") & frame.responded
    if kind == "percent":
        cost = frame.revenue * value / 100
    elif kind in ("amount", "gift"):
        cost = frame.orders.clip(upper=limit) * value
    else:
        cost = pd.Series(0.0, index=frame.index)
    return cost.where(treated, 0.0)


def _compare(
    segment: str, frame: pd.DataFrame, cost: pd.Series, confidence: float
) -> dict[str, Any]:
    t = frame[frame.group == "treatment"]
    c = frame[frame.group == "control"]
    nt, nc = len(t), len(c)
    xt, xc = int(t.responded.sum()), int(c.responded.sum())
    low, high = newcombe_interval(xt, nt, xc, nc, confidence)
    rev_diff, rev_low, rev_high = _mean_difference(t.revenue, c.revenue, confidence)
    mar_diff, mar_low, mar_high = _mean_difference(t.margin, c.margin, confidence)
    offer_cost = float(cost.loc[t.index].sum())
    return {
        "segment": segment,
        "treatment": nt,
        "control": nc,
        "responders_treatment": xt,
        "responders_control": xc,
        "response_rate_treatment": xt / nt if nt else math.nan,
        "response_rate_control": xc / nc if nc else math.nan,
        "uplift": (xt / nt - xc / nc) if nt and nc else math.nan,
        "uplift_low": low,
        "uplift_high": high,
        "revenue_per_customer_treatment": float(t.revenue.mean()) if nt else math.nan,
        "revenue_per_customer_control": float(c.revenue.mean()) if nc else math.nan,
        "revenue_uplift_per_customer": rev_diff,
        "revenue_uplift_low": rev_low,
        "revenue_uplift_high": rev_high,
        "incremental_revenue": rev_diff * nt,
        "incremental_margin": mar_diff * nt,
        "offer_cost": offer_cost,
        "incremental_profit": mar_diff * nt - offer_cost,
        "incremental_profit_low": mar_low * nt - offer_cost,
        "incremental_profit_high": mar_high * nt - offer_cost,
    }


def _mean_difference(a: pd.Series, b: pd.Series, confidence: float) -> tuple[float, float, float]:
    """Difference of means with a Welch (normal) interval."""
    if len(a) == 0 or len(b) == 0:
        return math.nan, math.nan, math.nan
    diff = float(a.mean() - b.mean())
    var_a = float(a.var(ddof=1)) if len(a) > 1 else 0.0
    var_b = float(b.var(ddof=1)) if len(b) > 1 else 0.0
    se = math.sqrt(var_a / len(a) + var_b / len(b))
    z = float(norm.ppf(0.5 + confidence / 2))
    return diff, diff - z * se, diff + z * se
