"""Planted past campaigns: the plan measures each one and puts the truly best action first.

A synthetic shop gets past campaigns recorded the way a real plan records them, each
with a planted response (the share of treated customers who buy because of it, and the
share who buy anyway). Measured on the shop's orders plus the planted ones, each
group's campaign must show its planted uplift, and the action plan, ordered by
expected profit, must put the planted most profitable action first.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

import repeatly
from repeatly.datasets import campaign_response, make_shop
from repeatly.exceptions import InputError
from repeatly.jobs import campaign_history
from repeatly.store import open_store

#: Two shops, two plantings with different winners: win-back pays on the lost in the
#: first and on the at-risk in the second; the golden customers' gift costs more than it
#: brings (half of them buy anyway, and each takes the gift).
PLANTINGS = [
    (
        1,
        {
            "lost": {"uplift": 0.35, "baseline": 0.02},
            "at_risk": {"uplift": 0.03, "baseline": 0.15},
            "golden": {"uplift": 0.02, "baseline": 0.50},
            "promo_hunter": {"uplift": 0.03, "baseline": 0.20},
        },
        "lost",
    ),
    (
        2,
        {
            "lost": {"uplift": 0.02, "baseline": 0.10},
            "at_risk": {"uplift": 0.40, "baseline": 0.05},
            "golden": {"uplift": 0.02, "baseline": 0.50},
        },
        "at_risk",
    ),
]


@pytest.mark.parametrize(("seed", "responses", "winner"), PLANTINGS)
def test_the_plan_measures_each_planted_campaign_and_puts_the_best_first(seed, responses, winner):
    shop = make_shop(2000, seed=seed)
    with open_store("sqlite://") as store:
        history = campaign_history(shop, store, responses=responses, seed=seed, control_share=0.3)
        assert [c.group for c in history.campaigns] == list(responses)
        assert history.best == winner  # the planting makes it so, by its offer and margin
        orders = pd.concat([shop.orders, history.orders], ignore_index=True)
        with repeatly.analyze(
            orders, customers=shop.customers, products=shop.products, as_of=history.end
        ) as analysis:
            measured = {r.campaign: r for r in analysis.measure_campaigns(store)}
            plan = analysis.action_plan()

    for planted in history.campaigns:
        result = measured[planted.campaign].overall
        assert (result["treatment"], result["control"]) == (planted.treated, planted.control)
        # The measured uplift is a difference of two binomial shares: its standard error
        # is sqrt(pt (1 - pt) / nt + pc (1 - pc) / nc) with the planted pt = baseline +
        # uplift and pc = baseline on these group sizes (about 0.02-0.08 here). Four of
        # them leave a true response outside only once in ~16,000 draws.
        pt, pc = planted.baseline + planted.uplift, planted.baseline
        nt, nc = planted.treated, planted.control
        se = math.sqrt(pt * (1 - pt) / nt + pc * (1 - pc) / nc)
        assert abs(result["uplift"] - planted.uplift) < 4 * se, planted.group
        se_control = math.sqrt(pc * (1 - pc) / nc)
        assert abs(result["response_rate_control"] - pc) < 4 * se_control + 1e-9, planted.group

        action = plan.group(planted.group)
        assert action.response["measured"] is True
        assert action.response["campaign"] == planted.campaign  # its own, not a sibling's
        assert planted.campaign in action.response["source"]
        assert action.response["uplift"] == pytest.approx(result["uplift"])

    # a group with no planted campaign keeps the stated prior
    assert plan.group("due").response["measured"] is False
    # the plan's order among the planted groups puts the planted best first
    first = next(a for a in plan.actions if a.group in responses)
    assert first.group == winner
    assert first.expected_profit > 0
    ranks = [a.expected_profit for a in plan.actions]
    assert ranks == sorted(ranks, reverse=True)


def test_a_planted_response_repeats_the_buyers_own_orders_in_the_window():
    shop = make_shop(300, seed=4)
    start = shop.end + dt.timedelta(days=1)
    ids = shop.customers.customer_id.tolist()
    people = pd.DataFrame({"customer_id": ids, "group": ["treatment", "control"] * 150})
    planted = campaign_response(
        shop, people, start=start, uplift=0.5, baseline=0.0, window_days=10, seed=3
    )
    again = campaign_response(
        shop, people, start=start, uplift=0.5, baseline=0.0, window_days=10, seed=3
    )
    pd.testing.assert_frame_equal(planted.orders, again.orders)
    # no baseline: only treated customers buy, about half of the 150
    assert set(planted.buyers.group) == {"treatment"}
    assert 50 <= len(planted.buyers) <= 100
    assert list(planted.orders.columns) == list(shop.orders.columns)
    assert planted.orders.order_id.nunique() == len(planted.buyers)
    days = planted.orders.ordered_at.dt.date
    assert days.min() >= start and days.max() < start + dt.timedelta(days=10)
    # each new order is one of the buyer's own earlier orders, lines and money unchanged
    key = ["customer_id", "sku", "quantity", "amount", "cost"]
    for _, order in planted.orders.groupby("order_id"):
        customer = order.customer_id.iloc[0]
        own = shop.orders[shop.orders.customer_id == customer]
        matches = own.groupby("order_id").filter(
            lambda o, order=order: (
                len(o) == len(order)
                and o[key].sort_values(key).to_numpy().tolist()
                == order[key].sort_values(key).to_numpy().tolist()
            )
        )
        assert not matches.empty


def test_a_planted_response_refuses_shares_out_of_range():
    shop = make_shop(50, seed=1)
    people = pd.DataFrame({"customer_id": ["C01"], "group": ["treatment"]})
    with pytest.raises(InputError, match="uplift"):
        campaign_response(shop, people, start=shop.end, uplift=1.5, baseline=0.0)
    with pytest.raises(InputError, match="at most 1"):
        campaign_response(shop, people, start=shop.end, uplift=0.6, baseline=0.6)
    wrong = people.assign(group="held back")
    with pytest.raises(InputError, match="treatment or control"):
        campaign_response(shop, wrong, start=shop.end, uplift=0.1, baseline=0.0)


def test_a_campaign_history_starts_after_the_shop_and_plants_customer_groups():
    shop = make_shop(50, seed=1)
    with open_store("sqlite://") as store:
        with pytest.raises(InputError, match="after the shop's last day"):
            campaign_history(shop, store, responses={"lost": {"uplift": 0.1}}, start=shop.end)
        with pytest.raises(InputError, match="'leads'"):
            campaign_history(shop, store, responses={"leads": {"uplift": 0.1}})
