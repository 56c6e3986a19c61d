"""The worked examples of the unit-economics brief, reproduced exactly."""

import pytest

from repeatly.economics import Baseline, SaleEconomics, upsell_value, what_if

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
    base = Baseline(customers=10, orders_per_year=4, order_value=25, retention=1.0, years=1)
    result = what_if(base, upsell=0.1, repeat=0.2, referrals=0.5)
    assert result.combined == pytest.approx(10 * 1.5 * 4 * 1.2 * 25 * 1.1)
    assert result.gain == pytest.approx(result.combined - 1000)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [({"retention": 1.5}, "retention"), ({"years": 0}, "years"), ({"customers": -1}, "customers")],
)
def test_baseline_rejects_impossible_values(kwargs, word):
    args = {"customers": 1, "orders_per_year": 1, "order_value": 1} | kwargs
    with pytest.raises(ValueError, match=word):
        Baseline(**args)
