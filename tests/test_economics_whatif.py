"""The worked examples of the unit-economics brief, reproduced exactly."""

import pytest

from repeatly.economics import (
    Baseline,
    SaleEconomics,
    baseline_from_metrics,
    upsell_value,
    what_if,
)

DEAL = SaleEconomics(price=5000, cost_per_lead=500, cost_to_convert=2500)


def test_first_sale_leaves_2000_after_lead_and_conversion_costs():
    assert DEAL.first_sale_profit() == 2000


def test_upsell_of_5000_on_first_sale_makes_7000():
    assert DEAL.first_sale_profit(upsell=5000) == 7000


def test_repeat_sale_without_acquisition_cost_brings_5000():
    assert DEAL.repeat_sale_profit() == 5000


def test_ten_purchases_without_upsell_bring_47000():
    assert DEAL.lifetime_profit(purchases=10) == 47000


def test_unit_cost_and_cost_to_return_are_subtracted():
    deal = SaleEconomics(price=100, unit_cost=60, cost_per_lead=10, cost_to_return=5)
    assert deal.first_sale_profit() == 30
    assert deal.repeat_sale_profit() == 35
    assert deal.lifetime_profit(purchases=3) == 30 + 2 * 35
    assert deal.lifetime_profit(purchases=0) == 0


def test_five_more_per_transaction_18_a_year_for_5_years_is_450_per_customer():
    assert upsell_value(5, orders_per_year=18, years=5) == 450
    assert upsell_value(5, orders_per_year=18, years=5, customers=222) == 99_900
    assert upsell_value(5, orders_per_year=18, years=5, customers=222) == pytest.approx(
        100_000, rel=0.01
    )
    assert upsell_value(5, orders_per_year=18, years=5, customers=2222) == pytest.approx(
        1_000_000, rel=0.01
    )


def test_what_if_upsell_lever_matches_the_hand_computed_gain():
    # 222 customers, 18 orders a year at 100, all kept for 5 years: +5% is +5 per order.
    base = Baseline(customers=222, orders_per_year=18, order_value=100, retention=1.0, years=5)
    result = what_if(base, upsell=0.05)
    assert result.baseline == pytest.approx(222 * 18 * 100 * 5)
    assert result.levers["upsell"] - result.baseline == pytest.approx(99_900)


def test_what_if_churn_lever_follows_geometric_retention():
    base = Baseline(
        customers=100, orders_per_year=2, order_value=50, margin_rate=0.5, retention=0.6, years=3
    )
    # value per customer = 2 * 50 * 0.5 * (1 + r + r^2)
    assert base.profit() == pytest.approx(100 * 50 * (1 + 0.6 + 0.36))
    result = what_if(base, churn=0.5)  # churn 0.4 -> 0.2, retention 0.8
    assert result.levers["churn"] == pytest.approx(100 * 50 * (1 + 0.8 + 0.64))
    # levers at zero change nothing
    assert result.levers["upsell"] == pytest.approx(result.baseline)


def test_what_if_combined_multiplies_levers():
    base = Baseline(
        customers=10, orders_per_year=4, order_value=25, retention=1.0, years=1, new_customers=6
    )
    # one year: the active customers' orders, and the new customers' first orders
    assert base.profit() == pytest.approx(10 * 4 * 25 + 6 * 25)
    result = what_if(base, upsell=0.1, repeat=0.2, referrals=0.5)
    assert result.combined == pytest.approx(10 * 4 * 1.2 * 25 * 1.1 + 6 * 1.5 * 25 * 1.1)
    assert result.gain == pytest.approx(result.combined - base.profit())


# A base worked out by hand: 100 active customers buying twice a year at 50 with a 40%
# margin (20 a purchase, 40 a year), half of them kept each year, over 2 years; 40 new
# customers a year, each with a first order of margin 15, a quarter of whom come back
# and are active customers from the next year on.
HAND = Baseline(
    customers=100,
    orders_per_year=2,
    order_value=50,
    margin_rate=0.4,
    retention=0.5,
    years=2,
    new_customers=40,
    first_order_margin=15,
    comeback=0.25,
)


def test_baseline_counts_active_customers_and_the_new_ones_won_meanwhile():
    # active: 100 * 40 * (1 + 0.5) = 6000
    # won in year 1: 40 * (15 + 0.25 * 40 * 1) = 1000; in year 2: 40 * 15 = 600
    assert HAND.profit() == pytest.approx(7600)


def test_each_lever_acts_on_its_own_quantity_and_is_worth_a_different_amount():
    result = what_if(HAND, upsell=0.1, repeat=0.1, churn=0.1, referrals=0.1)
    gains = {name: value - result.baseline for name, value in result.levers.items()}
    # upsell: every order 10% bigger, first orders too: 10% of everything
    assert gains["upsell"] == pytest.approx(760)
    # repeat: active customers buy 2.2 times a year (44 a year); first orders unchanged:
    # 100 * 44 * 1.5 + 40 * (15 + 0.25 * 44) + 40 * 15 = 8240
    assert gains["repeat"] == pytest.approx(640)
    # churn: half lost a year -> 45%, so 55% kept: 100 * 40 * 1.55 + 1600 = 7800
    assert gains["churn"] == pytest.approx(200)
    # referrals: 44 new customers a year instead of 40: 44 * 25 + 44 * 15 = 1760
    assert gains["referrals"] == pytest.approx(160)
    # all four: orders of 55 (first 16.5), 2.2 a year, 55% kept, 44 new a year
    # 100 * 48.4 * 1.55 + 44 * (16.5 + 0.25 * 48.4) + 44 * 16.5 = 9486.4
    assert result.combined == pytest.approx(9486.4)
    assert result.moves == {
        "upsell": (50, pytest.approx(55)),
        "repeat": (2, pytest.approx(2.2)),
        "churn": (0.5, pytest.approx(0.55)),
        "referrals": (40, pytest.approx(44)),
    }


def test_baseline_from_metrics_reads_the_new_customer_figures():
    metrics = {
        "active_customers": 100,
        "orders_per_customer_year": 2,
        "avg_order_value": 50,
        "margin_rate": 0.4,
        "annual_retention": 0.5,
        "new_customers_year": 40,
        "first_order_margin": 15,
        "repeat_365": 0.25,
    }
    assert baseline_from_metrics(metrics, years=2) == HAND
    # with under a year of history the share who ever came back stands in
    young = baseline_from_metrics({**metrics, "repeat_365": None, "repeat_share": 0.3})
    assert young.comeback == 0.3


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [({"retention": 1.5}, "retention"), ({"years": 0}, "years"), ({"customers": -1}, "customers")],
)
def test_baseline_rejects_impossible_values(kwargs, word):
    args = {"customers": 1, "orders_per_year": 1, "order_value": 1} | kwargs
    with pytest.raises(ValueError, match=word):
        Baseline(**args)
