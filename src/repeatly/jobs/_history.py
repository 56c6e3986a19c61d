"""Past campaigns planted on a synthetic shop, recorded as real ones, with a known response.

:func:`campaign_history` plans each group's campaign the way the action plan's command
would (the group's playbook on the group's audience, from an analysis of the shop's
orders), records it in the operational database, and plants its response with
:func:`repeatly.datasets.campaign_response`. Measuring those campaigns must then find the
planted uplift, and the action plan must put the planted most profitable action first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from repeatly.exceptions import InputError
from repeatly.jobs._analyze import analyze

if TYPE_CHECKING:
    from repeatly.datasets import Shop
    from repeatly.store import Store

__all__ = ["CampaignHistory", "PlantedCampaign", "campaign_history"]


@dataclass(frozen=True, kw_only=True)
class PlantedCampaign:
    """One planted campaign: the group, the recorded campaign, and its true response.

    ``profit_per_treated`` is what the campaign truly brings per treated customer:
    ``uplift x order_margin - (baseline + uplift) x offer_cost_per_use`` (everyone
    treated who buys uses the offer, as the measurement counts it).
    """

    group: str
    playbook: str
    campaign: str
    start: dt.date
    treated: int
    control: int
    uplift: float
    baseline: float
    order_amount: float
    order_margin: float
    offer_cost_per_use: float
    profit_per_treated: float


@dataclass(frozen=True)
class CampaignHistory:
    """The planted campaigns, the orders their response produced, and the truth.

    Attributes
    ----------
    orders
        The response's order lines, in the shop's order format: add them to the
        shop's orders to analyse the history.
    campaigns
        The planted campaigns, in the order they ran.
    window_days
        Each campaign's attribution window.
    """

    orders: pd.DataFrame
    campaigns: list[PlantedCampaign]
    window_days: int

    @property
    def truth(self) -> pd.DataFrame:
        """One row per planted campaign, indexed by group."""
        rows = [dataclasses.asdict(c) for c in self.campaigns]
        return pd.DataFrame(rows).set_index("group")

    @property
    def best(self) -> str:
        """The group whose campaign truly brings the most profit per treated customer."""
        return max(self.campaigns, key=lambda c: c.profit_per_treated).group

    @property
    def end(self) -> dt.date:
        """The last day of the last campaign's window."""
        return max(c.start for c in self.campaigns) + dt.timedelta(days=self.window_days - 1)


def campaign_history(
    shop: Shop,
    store: Store,
    *,
    responses: Mapping[str, Mapping[str, float]],
    start: dt.date | None = None,
    window_days: int = 30,
    seed: int = 0,
    control_share: float | None = None,
) -> CampaignHistory:
    """Plant past campaigns on a shop: record each as a real one and plant its response.

    The shop is analysed as of the day before ``start`` (with its customers and
    products). For each group in ``responses`` (a group of
    :data:`repeatly.actions.GROUPS`), its playbook is planned on its audience with
    :func:`repeatly.campaigns.plan_from_analysis` and recorded with
    :func:`repeatly.campaigns.record_campaign`; then its treated customers buy within
    the window with probability ``baseline + uplift`` and its control customers with
    ``baseline``. The campaigns run one after another, each in a window of its own
    (the first from ``start``, the next ``window_days`` later, ...), so a customer in
    two groups answers each in its own window. They start after the shop's last day,
    so the only purchases in their windows are the planted ones.

    Parameters
    ----------
    shop
        The shop (:func:`repeatly.datasets.make_shop`).
    store
        An open operational database to record the campaigns in.
    responses
        Group name -> ``{"uplift": ..., "baseline": ...}``, the planted shares.
    start
        The first campaign's start (default: the day after the shop's last day).
    window_days
        Each campaign's attribution window; measure with the same.
    seed
        Seed of the control groups and of the response.
    control_share
        The share each campaign holds back (default: the playbook's).

    Returns
    -------
    CampaignHistory

    Raises
    ------
    InputError
        An unknown group or one not made of customers (referral, leads), a share out
        of range, a start within the shop's history, or a campaign of the same name
        already in the store.
    """
    from repeatly.actions import GROUPS
    from repeatly.campaigns import load_playbook, plan_from_analysis, record_campaign
    from repeatly.datasets import campaign_response

    start = start or shop.end + dt.timedelta(days=1)
    if start <= shop.end:
        raise InputError(
            f"start: expected a day after the shop's last day ({shop.end.isoformat()}), "
            f"got {start.isoformat()}; the shop's own purchases would mix with the response",
            option="start",
        )
    if window_days < 1:
        raise InputError(f"window_days: expected 1 or more, got {window_days}")
    known = {g.name: g for g in GROUPS if g.source == "customers" and g.name != "referral"}
    for name in responses:
        if name not in known:
            raise InputError(
                f"responses: expected groups of customers ({', '.join(known)}), got {name!r}",
                option="responses",
            )
    recorded = set(store.campaign_starts())
    as_of = start - dt.timedelta(days=1)
    before = shop.orders[shop.orders.ordered_at < pd.Timestamp(start)]
    planted: list[PlantedCampaign] = []
    lines = []
    with analyze(before, customers=shop.customers, products=shop.products, as_of=as_of) as analysis:
        for i, (name, shares) in enumerate(responses.items()):
            group = known[name]
            book = dataclasses.replace(load_playbook(group.playbook), audience=dict(group.audience))
            begins = start + dt.timedelta(days=i * window_days)
            campaign = f"{book.name}-{group.name}-{begins.isoformat()}"
            if campaign in recorded:
                raise InputError(f"campaign {campaign!r} is already recorded in the store")
            draw = np.random.SeedSequence([seed, i])
            plan = plan_from_analysis(
                book,
                analysis,
                store=store,
                name=campaign,
                start=begins,
                seed=int(draw.generate_state(1)[0]),
                control_share=control_share,
            )
            record_campaign(plan, store)
            response = campaign_response(
                shop,
                plan.audience[["customer_id", "group"]],
                start=begins,
                uplift=float(shares.get("uplift", 0.0)),
                baseline=float(shares.get("baseline", 0.0)),
                window_days=window_days,
                seed=[seed, i, 1],
                prefix=f"P{i + 1}",
            )
            lines.append(response.orders)
            cost = _cost_per_use(book.offer.kind, book.offer.value, response.order_amount)
            planted.append(
                PlantedCampaign(
                    group=group.name,
                    playbook=book.name,
                    campaign=campaign,
                    start=begins,
                    treated=len(plan.treatment),
                    control=len(plan.control),
                    uplift=response.uplift,
                    baseline=response.baseline,
                    order_amount=response.order_amount,
                    order_margin=response.order_margin,
                    offer_cost_per_use=cost,
                    profit_per_treated=response.uplift * response.order_margin
                    - (response.baseline + response.uplift) * cost,
                )
            )
    orders = pd.concat(lines, ignore_index=True) if lines else shop.orders.iloc[:0]
    return CampaignHistory(orders=orders, campaigns=planted, window_days=window_days)


def _cost_per_use(kind: str, value: float, order_amount: float) -> float:
    """What one planted order costs in offer: a share of it, or the amount or gift."""
    if kind == "percent":
        return value / 100 * order_amount
    if kind in ("amount", "gift"):
        return float(value)
    return 0.0
