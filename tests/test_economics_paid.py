"""CAC over paid channels beside all-channel CAC, against figures worked out by hand.

The four customers of ``hand_orders`` (see conftest) came through two paid channels and
two unpaid ones: ``a`` through ads, ``b`` through social (both with acquisition spend),
``c`` organically, ``d`` through e-mail, which has retention spend only. Margins over
their history: a 41, b 28, c 4.5, d 60 (133.5 in all).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from repeatly.connection import default_connection
from repeatly.data._frame import from_frame
from repeatly.economics import unit_economics

AS_OF = dt.date(2024, 6, 1)


@pytest.fixture
def tables(hand_orders):
    con = default_connection()
    spend = pd.DataFrame(
        {
            "period": [dt.date(2024, m, 1) for m in (1, 3, 3, 4)],
            "channel": ["ads", "ads", "social", "email"],
            "spend": [100.0, 60.0, 40.0, 10.0],
            "visitors": [1000.0, 300.0, 200.0, None],
            "leads": [20.0, 10.0, 5.0, None],
            "purpose": ["acquisition", "acquisition", "acquisition", "retention"],
        }
    )
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "acquisition_channel": ["ads", "social", "organic", "email"],
        }
    )
    return {
        "lines": from_frame(hand_orders, "orders", con=con),
        "spend": from_frame(spend, "spend", con=con),
        "customers": from_frame(customers, "customers", con=con),
    }


def test_paid_cac_divides_acquisition_spend_by_customers_of_paid_channels(tables):
    row = (
        unit_economics(
            tables["lines"], as_of=AS_OF, spend=tables["spend"], customers=tables["customers"]
        )
        .to_pandas()
        .iloc[0]
    )
    # 200 of acquisition spend (ads 160, social 40); e-mail's 10 is retention spend
    assert row["cac"] == pytest.approx(200 / 4)  # all four customers, organic ones too
    assert row["paid_customers"] == 2  # a (ads) and b (social)
    assert row["cac_paid"] == pytest.approx(200 / 2)
    assert row["ltv_to_cac"] == pytest.approx((133.5 / 4) / 50)
    assert row["ltv_to_cac_paid"] == pytest.approx(((41 + 28) / 2) / 100)


def test_paid_cac_by_month_and_channel(tables):
    months = (
        unit_economics(
            tables["lines"],
            as_of=AS_OF,
            spend=tables["spend"],
            customers=tables["customers"],
            by="month",
        )
        .to_pandas()
        .set_index("group")
    )
    assert months.loc["2024-01-01", "cac_paid"] == pytest.approx(100 / 2)  # a and b, ads 100
    # March won c (organic) and d (e-mail): 100 spent, no customer through a paid channel
    assert months.loc["2024-03-01", "cac"] == pytest.approx(100 / 2)
    assert months.loc["2024-03-01", "paid_customers"] == 0
    assert pd.isna(months.loc["2024-03-01", "cac_paid"])
    channels = (
        unit_economics(
            tables["lines"],
            as_of=AS_OF,
            spend=tables["spend"],
            customers=tables["customers"],
            by="channel",
        )
        .to_pandas()
        .set_index("group")
    )
    assert channels.loc["ads", "cac_paid"] == pytest.approx(160)
    assert channels.loc["social", "cac_paid"] == pytest.approx(40)
    assert pd.isna(channels.loc["organic", "cac_paid"])


def test_without_customers_the_paid_cac_is_unknown(tables):
    row = unit_economics(tables["lines"], as_of=AS_OF, spend=tables["spend"]).to_pandas().iloc[0]
    assert row["cac"] == pytest.approx(50)
    assert pd.isna(row["cac_paid"]) and pd.isna(row["ltv_to_cac_paid"])
