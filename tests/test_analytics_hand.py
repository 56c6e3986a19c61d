"""Analytics and unit economics against figures worked out by hand (see conftest)."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repeatly import analytics
from repeatly.connection import default_connection
from repeatly.data._frame import from_frame
from repeatly.economics import unit_economics

AS_OF = dt.date(2024, 6, 1)


@pytest.fixture
def con():
    return default_connection()


@pytest.fixture
def lines(hand_orders, con):
    return from_frame(hand_orders, "orders", con=con)


def by_customer(frame: pd.DataFrame) -> dict[str, dict]:
    return {r["customer_id"]: r for r in frame.to_dict("records")}


def test_orders_merge_lines_and_keep_refunds_in_their_order(lines):
    orders = analytics.orders_from_lines(lines).to_pandas().set_index("order_id")
    assert orders.loc["A1", "amount"] == 15.0
    assert orders.loc["A1", "lines"] == 2
    assert orders.loc["B1", "amount"] == 70.0  # 100 bought, 30 refunded later
    assert orders.loc["B1", "ordered_at"] == pd.Timestamp("2024-01-10 12:00")
    assert orders.loc["B1", "margin"] == pytest.approx(28.0)  # 40 - 12
    assert orders["is_purchase"].all()


def test_order_id_defaults_to_customer_and_day(hand_orders, con):
    frame = hand_orders.drop(columns="order_id")
    orders = analytics.orders_from_lines(from_frame(frame, "orders", con=con)).to_pandas()
    # B's refund is on another day: without order ids it is an order of its own.
    assert len(orders) == 8
    refund = orders[orders.amount < 0]
    assert refund.order_id.tolist() == ["b|2024-04-10"]
    assert not refund.is_purchase.iloc[0]


def test_customer_summary_matches_hand_computation(lines):
    s = by_customer(analytics.customer_summary(lines, as_of=AS_OF).to_pandas())
    assert set(s) == {"a", "b", "c", "d"}
    a, b, d = s["a"], s["b"], s["d"]
    assert a["orders"] == 3
    assert a["revenue"] == 65.0
    assert a["margin"] == pytest.approx(41.0)
    assert a["discount"] == 10.0
    assert a["discount_share"] == pytest.approx(10 / 75)
    assert a["promo_share"] == pytest.approx(1 / 4)
    assert a["categories"] == 2
    assert a["top_category"] == "x"
    assert a["first_order_value"] == 15.0
    assert a["days_to_second"] == 45
    assert a["recency_days"] == 12  # 20 May -> 1 June
    assert a["tenure_days"] == 152  # 1 Jan -> 1 June 2024 (leap year)
    assert a["avg_order_value"] == pytest.approx(65 / 3)
    assert b["orders"] == 1
    assert b["revenue"] == 70.0
    assert b["returns"] == 30.0
    assert pd.isna(b["days_to_second"])
    assert d["days_to_second"] == 15


def test_unit_economics_overall(lines, con, hand_spend):
    spend = from_frame(hand_spend, "spend", con=con)
    row = unit_economics(lines, as_of=AS_OF, spend=spend).to_pandas().iloc[0]
    assert row["group"] == "all"
    assert row["new_customers"] == 4
    assert row["orders"] == 7
    assert row["revenue"] == pytest.approx(242.5)
    assert row["margin"] == pytest.approx(133.5)
    assert row["first_order_value"] == pytest.approx((15 + 70 + 7.5 + 50) / 4)
    assert row["repeat_share"] == 0.5
    assert row["repeat_30"] == 0.25  # only d came back within 30 days
    # d was acquired 88 days before as_of, too recently to count for 90 days: a of a, b, c
    assert row["repeat_90"] == pytest.approx(1 / 3)
    assert pd.isna(row["repeat_365"])  # nobody was acquired a year before as_of
    assert row["median_days_to_second"] == 30  # median of 45 and 15
    assert row["cost_per_visitor"] == pytest.approx(160 / 1300)
    assert row["cost_per_lead"] == pytest.approx(160 / 30)
    assert row["cac"] == 40
    assert row["cost_to_return"] == 5  # 10 retention / 2 returning customers
    assert row["margin_per_customer"] == pytest.approx(133.5 / 4)
    assert row["profit_per_customer"] == pytest.approx((133.5 - 170) / 4)
    assert row["ltv_to_cac"] == pytest.approx(133.5 / 4 / 40)
    tenure_months = (152 + 143 + 92 + 88) / (365.25 / 12)
    assert row["payback_months"] == pytest.approx(40 / (133.5 / tenure_months))


def test_unit_economics_by_month_and_channel(lines, con, hand_spend, hand_customers):
    spend = from_frame(hand_spend, "spend", con=con)
    customers = from_frame(hand_customers, "customers", con=con)
    months = unit_economics(lines, as_of=AS_OF, spend=spend, by="month").to_pandas()
    months = months.set_index("group")
    assert months.loc["2024-01-01", "cac"] == 50
    assert months.loc["2024-03-01", "cac"] == 30
    assert months.loc["2024-04-01", "new_customers"] == 0
    assert months.loc["2024-04-01", "retention_spend"] == 10
    channels = (
        unit_economics(lines, as_of=AS_OF, spend=spend, customers=customers, by="channel")
        .to_pandas()
        .set_index("group")
    )
    assert channels.loc["ads", "new_customers"] == 3
    assert channels.loc["ads", "cac"] == pytest.approx(160 / 3)
    assert channels.loc["organic", "new_customers"] == 1
    assert pd.isna(channels.loc["organic", "cac"])


def test_cohorts_and_monthly_activity(lines):
    orders = analytics.orders_from_lines(lines)
    cells = analytics.cohorts(orders).to_pandas()
    cells["cohort"] = cells["cohort"].astype(str)
    jan = cells[cells.cohort == "2024-01-01"].set_index("period")
    assert jan.loc[0, "cohort_size"] == 2
    assert jan.loc[0, "customers"] == 2
    assert jan.loc[0, "revenue"] == 85.0
    assert jan.loc[1, "retention"] == 0.5
    assert jan.loc[4, "retention"] == 0.5
    assert sorted(jan.index) == [0, 1, 4]
    mar = cells[cells.cohort == "2024-03-01"].set_index("period")
    assert mar.loc[0, "customers"] == 2
    assert mar.loc[0, "revenue"] == 107.5

    months = analytics.monthly_activity(orders).to_pandas()
    months["month"] = months["month"].astype(str)
    m = months.set_index("month")
    assert m.loc["2024-01-01"].tolist()[:5] == [85.0, 2, 2, 2, 0]
    assert m.loc["2024-02-01"].tolist()[:5] == [20.0, 1, 1, 0, 1]
    assert m.loc["2024-03-01"].tolist()[:5] == [107.5, 3, 2, 2, 0]
    assert m.loc["2024-05-01"].tolist()[:5] == [30.0, 1, 1, 0, 1]


def test_purchase_gaps_overall_and_by_category(lines):
    gaps = analytics.purchase_gaps(lines).to_pandas()
    assert sorted(gaps.gap_days) == [15, 45, 95]
    by_cat = analytics.purchase_gaps(lines, by="category").to_pandas()
    assert sorted(by_cat[by_cat.category == "x"].gap_days) == [45, 95]
    assert by_cat[by_cat.category == "z"].gap_days.tolist() == [15]
    assert (by_cat.category != "y").all()  # nobody bought y twice
    stats = analytics.gap_stats(analytics.purchase_gaps(lines)).to_pandas().iloc[0]
    assert stats["median_days"] == 45
    hist = analytics.gap_histogram(analytics.purchase_gaps(lines)).to_pandas()
    # default bins: [1, 8) [8, 15) [15, 31) [31, 61) [61, 91) [91, 181) ...
    assert dict(zip(hist.lower, hist.repeats, strict=True)) == {15: 1, 31: 1, 91: 1}
    assert hist.share.sum() == pytest.approx(1.0)


def test_money_is_summed_in_whole_cents_halves_away_from_zero(con):
    # 0.125, -0.125 and 0.375 are exact in binary: half cents, rounded away from zero
    table = con.create_table("m", pd.DataFrame({"amount": [0.125, -0.125, 0.375, 10.0]}), temp=True)
    total = table.aggregate(total=analytics.money_sum(table.amount)).to_pandas().total[0]
    assert total == (13 - 13 + 38 + 1000) / 100


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=60), st.randoms())
def test_money_sums_are_exact_and_the_same_in_any_order(cents, random):
    con = default_connection()
    shuffled = list(cents)
    random.shuffle(shuffled)
    totals = []
    for order in (cents, shuffled):
        table = ibis.memtable({"amount": [c / 100 for c in order]})
        totals.append(
            con.execute(table.aggregate(total=analytics.money_sum(table.amount))).total[0]
        )
    # the exact sum of the cents, to the last bit, in either order
    assert totals[0] == totals[1] == sum(cents) / 100
