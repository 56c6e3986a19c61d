"""A planted response to a campaign: who buys in its window because of it, and who anyway.

Given a campaign's recipients (treatment and control) on a synthetic shop, each treated
customer buys within the attribution window with probability ``baseline + uplift`` and
each control customer with probability ``baseline``. A buyer repeats one of their own
earlier orders (drawn at random, lines, prices and costs as they were) on a random day
of the window, so the response's order values and margins are drawn like the shop's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from repeatly.datasets._shop import Shop
from repeatly.exceptions import InputError

__all__ = ["PlantedResponse", "campaign_response"]

_GROUPS = ("treatment", "control")


@dataclass(frozen=True)
class PlantedResponse:
    """The orders a planted response produced, and what one of them is expected to bring.

    Attributes
    ----------
    orders
        The response's order lines, in the shop's order format (``order_id`` made of
        ``prefix`` and a number, so they never clash with the shop's own).
    buyers
        The recipients who bought: ``customer_id, group``.
    uplift, baseline
        The planted shares.
    order_amount, order_margin
        The expected revenue and margin of one planted order: the mean, over the
        recipients, of their own earlier orders' means (a buyer repeats one of them).
    """

    orders: pd.DataFrame
    buyers: pd.DataFrame
    uplift: float
    baseline: float
    order_amount: float
    order_margin: float


def campaign_response(
    shop: Shop,
    recipients: pd.DataFrame,
    *,
    start: dt.date,
    uplift: float,
    baseline: float,
    window_days: int = 30,
    seed: int | Sequence[int] = 0,
    prefix: str = "P",
) -> PlantedResponse:
    """Plant a campaign's response: the extra orders of its attribution window.

    Parameters
    ----------
    shop
        The shop the campaign's customers come from (:func:`make_shop`).
    recipients
        The campaign's customers: ``customer_id`` and ``group`` (``treatment`` or
        ``control``), e.g. a campaign plan's audience.
    start
        The window's first day (the campaign's start).
    uplift
        The extra share of treated customers who buy in the window because of it.
    baseline
        The share who buy in the window anyway (treated and control alike).
    window_days
        The window's length in days; orders fall on ``start`` to ``start +
        window_days - 1``.
    seed
        Random seed (an integer or a sequence of them); the same seed, shop and
        recipients give the same orders.
    prefix
        Starts the new orders' ids (``P-000001``); give each campaign its own.

    Returns
    -------
    PlantedResponse

    Raises
    ------
    InputError
        A share outside 0 to 1 (or summing above 1), a window under a day, a group
        other than treatment or control, or a recipient with no order before ``start``.

    Examples
    --------
    >>> import datetime as dt
    >>> import pandas as pd
    >>> from repeatly.datasets import make_shop
    >>> shop = make_shop(200, seed=1)
    >>> people = pd.DataFrame({"customer_id": shop.customers.customer_id[:100],
    ...                        "group": ["treatment"] * 50 + ["control"] * 50})
    >>> planted = campaign_response(shop, people, start=dt.date(2024, 1, 1),
    ...                             uplift=0.3, baseline=0.0, seed=1)
    >>> sorted(set(planted.buyers.group))
    ['treatment']
    """
    for label, share in (("uplift", uplift), ("baseline", baseline)):
        if not 0 <= share <= 1:
            raise InputError(f"{label}: expected a share from 0 to 1, got {share}", option=label)
    if uplift + baseline > 1:
        raise InputError(
            f"uplift + baseline: expected at most 1, got {uplift} + {baseline}", option="uplift"
        )
    if window_days < 1:
        raise InputError(f"window_days: expected 1 or more, got {window_days}")
    missing = {"customer_id", "group"} - set(recipients.columns)
    if missing:
        raise InputError(f"recipients: no column {', '.join(sorted(missing))}")
    people = recipients[["customer_id", "group"]].astype({"customer_id": str})
    people = people.reset_index(drop=True)
    wrong = sorted(set(people.group) - set(_GROUPS))
    if wrong:
        raise InputError(f"recipients, group: expected treatment or control, got {wrong[0]!r}")

    orders = _orders_before(shop, start)
    means = orders.groupby("customer_id")[["amount", "margin"]].mean()
    unknown = sorted(set(people.customer_id) - set(means.index))
    if unknown:
        raise InputError(
            f"recipients: customer {unknown[0]!r} has no order before {start.isoformat()}"
        )
    rng = np.random.default_rng(seed)
    chance = np.where(people.group == "treatment", baseline + uplift, baseline)
    buyers = people[rng.random(len(people)) < chance].reset_index(drop=True)
    # each buyer repeats one of their own earlier orders, on a random day and hour
    choices = orders.groupby("customer_id").order_id.agg(list).loc[buyers.customer_id]
    counts = np.array([len(c) for c in choices], dtype=int)
    which = (rng.random(len(buyers)) * counts).astype(int)
    picked = [str(c[i]) for c, i in zip(choices, which, strict=True)]
    moment = (
        pd.Timestamp(start)
        + pd.to_timedelta(rng.integers(0, window_days, len(buyers)), unit="D")
        + pd.to_timedelta(rng.integers(9 * 60, 21 * 60, len(buyers)), unit="min")
    )
    new_ids = [f"{prefix}-{k + 1:06d}" for k in range(len(buyers))]
    plan = pd.DataFrame({"order_id": picked, "new_id": new_ids, "new_at": moment})
    lines = shop.orders.merge(plan, on="order_id", how="inner")
    lines["order_id"] = lines.pop("new_id")
    lines["ordered_at"] = lines.pop("new_at").astype(shop.orders.ordered_at.dtype)
    lines = lines[list(shop.orders.columns)]
    lines = lines.sort_values(["ordered_at", "order_id"], kind="stable").reset_index(drop=True)
    expected = means.loc[people.customer_id]
    return PlantedResponse(
        orders=lines,
        buyers=buyers,
        uplift=float(uplift),
        baseline=float(baseline),
        order_amount=float(expected.amount.mean()) if len(expected) else 0.0,
        order_margin=float(expected.margin.mean()) if len(expected) else 0.0,
    )


def _orders_before(shop: Shop, start: dt.date) -> pd.DataFrame:
    """Each customer's orders (not returns) before ``start``: amount and margin."""
    lines = shop.orders[shop.orders.ordered_at < pd.Timestamp(start)]
    lines = lines.assign(margin=lines.amount - lines.cost)
    totals = lines.groupby(["customer_id", "order_id"], sort=True)[["amount", "margin"]].sum()
    totals = totals[totals.amount > 0].reset_index()
    totals["customer_id"] = totals.customer_id.astype(str)
    return totals
