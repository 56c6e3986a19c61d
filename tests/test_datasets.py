"""The bundled reference data, and the synthetic shop's planted truth."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repeatly.datasets import (
    CATEGORIES,
    load_cdnow,
    load_cdnow_summary,
    load_donations,
    make_shop,
)
from repeatly.exceptions import InputError

# -- reference data: counts published with the data (Fader, Hardie & Lee 2005) --------


def test_cdnow_master_holds_every_record():
    lines = load_cdnow()
    assert (lines.customer_id.nunique(), len(lines)) == (23_570, 69_659)
    assert lines.ordered_at.min() == pd.Timestamp("1997-01-01")
    assert lines.ordered_at.max() == pd.Timestamp("1998-06-30")
    # everyone made their first purchase in the first quarter of 1997
    assert lines.groupby("customer_id").ordered_at.min().max() < pd.Timestamp("1997-04-01")


def test_cdnow_sample_and_its_calibration_summary():
    sample = load_cdnow("sample")
    assert sample.customer_id.nunique() == 2_357
    summary = load_cdnow_summary()
    assert len(summary) == 2_357
    # 39 weeks of calibration end on 1997-09-30; T is at most 38.86 weeks
    assert summary["T"].max() == pytest.approx(38.86)
    assert (summary.recency <= summary["T"]).all()


def test_donations_sum_to_the_published_donor_count():
    donations = load_donations()
    assert donations.weights.sum() == 11_104
    assert set(donations.periods) == {6}


def test_unknown_cdnow_kind_is_refused():
    with pytest.raises(InputError, match='expected "master" or "sample"'):
        load_cdnow("full")  # type: ignore[arg-type]


# -- the synthetic shop ----------------------------------------------------------------


@pytest.fixture(scope="module")
def shop():
    return make_shop(2000, seed=7)


def test_same_seed_same_shop_other_seed_other_shop():
    a, b, c = make_shop(200, seed=1), make_shop(200, seed=1), make_shop(200, seed=2)
    pd.testing.assert_frame_equal(a.orders, b.orders)
    pd.testing.assert_frame_equal(a.truth, b.truth)
    assert not a.orders.amount.equals(c.orders.amount)


def test_orders_are_consistent_lines(shop):
    o = shop.orders
    sold = o[o.amount > 0]
    assert sold.amount.to_numpy() == pytest.approx(
        (sold.quantity * sold.unit_price - sold.discount).round(2).to_numpy()
    )
    assert (sold.discount >= 0).all() and (o.quantity >= 1).all()
    assert o.ordered_at.min() >= pd.Timestamp(shop.start)
    assert o.ordered_at.max() < pd.Timestamp(shop.end) + pd.Timedelta(days=1)
    assert set(o.customer_id) == set(shop.customers.customer_id)
    assert shop.customers.customer_id.is_unique
    assert set(o.sku) <= set(shop.products.sku)
    returns = o[o.amount < 0]
    assert 0.003 < len(returns) / len(o) < 0.03
    assert returns.order_id.str.startswith("R").all()


def test_truth_counts_match_the_orders(shop):
    o = shop.orders
    truth = shop.truth.set_index("customer_id")
    n_orders = o[o.amount > 0].groupby("customer_id").order_id.nunique()
    revenue = o.groupby("customer_id").amount.sum()
    assert (truth.n_orders == n_orders.reindex(truth.index)).all()
    assert truth.revenue.to_numpy() == pytest.approx(revenue.reindex(truth.index).to_numpy())
    assert (truth.promo_hunter == (truth.type == "promo_hunter")).all()
    assert (truth.low_margin_only == (truth.type == "low_margin")).all()
    assert ((truth.brand_fan != "") == (truth.type == "brand_fan")).all()
    assert (truth.churned_on.notna() == (truth.type == "churner")).all()
    shares = truth.type.value_counts(normalize=True)
    assert shares["regular"] == pytest.approx(0.5, abs=0.05)
    assert shares["churner"] == pytest.approx(0.12, abs=0.03)


def test_planted_types_behave_as_planted(shop):
    o = shop.orders.merge(
        shop.truth[["customer_id", "type", "favourite_brand", "churn_at"]], on="customer_id"
    )
    sold = o[o.amount > 0]
    fans = sold[sold.type == "brand_fan"]
    assert (fans.brand == fans.favourite_brand).mean() >= 0.8
    churners = sold[sold.type == "churner"]  # no purchases after churn (returns may come)
    assert (churners.ordered_at.dt.normalize() <= churners.churn_at).all()
    by_type = sold.groupby("type").apply(
        lambda g: g.discount.sum() / (g.amount + g.discount).sum(), include_groups=False
    )
    assert by_type["promo_hunter"] > 3 * by_type["regular"]
    assert by_type["early_full_price"] == 0
    low = sold[sold.type == "low_margin"]
    margin = 1 - low.cost.sum() / low.amount.sum()
    assert margin < 0.12 < 1 - sold.cost.sum() / sold.amount.sum()


def test_category_return_cycles_show_in_the_data(shop):
    sold = shop.orders[shop.orders.amount > 0]
    days = (
        sold.assign(day=sold.ordered_at.dt.normalize())[["customer_id", "category", "day"]]
        .drop_duplicates()
        .sort_values("day")
    )
    gaps = days.groupby(["customer_id", "category"]).day.diff().dt.days.dropna()
    median = gaps.groupby(days.loc[gaps.index, "category"]).median()
    assert median["groceries"] < median["cosmetics"] < median["clothing"]
    assert median["clothing"] < min(median["jewellery"], median["furniture"])
    assert list(CATEGORIES) == [
        "groceries",
        "cosmetics",
        "clothing",
        "shoes",
        "jewellery",
        "furniture",
    ]


def test_marketing_tables(shop):
    c, spend, leads = shop.customers, shop.spend, shop.leads
    referred = c[c.referred_by != ""]
    assert (referred.acquisition_channel == "referral").all()
    assert referred.referred_by.isin(c.customer_id).all()
    first = shop.orders.groupby("customer_id").ordered_at.min()
    assert (first[referred.referred_by].to_numpy() <= first[referred.customer_id].to_numpy()).all()
    assert set(spend.purpose) == {"acquisition", "retention"}
    assert set(spend[spend.purpose == "acquisition"].channel) == {"search", "social"}
    assert leads.customer_id.isna().mean() > 0.5  # most leads never buy
    converted = leads.dropna(subset=["customer_id"])
    assert converted.customer_id.is_unique and converted.customer_id.isin(c.customer_id).all()
    assert (converted.created_at.to_numpy() <= first[converted.customer_id].to_numpy()).all()


def test_write_round_trips(tmp_path, shop):
    paths = shop.write(tmp_path / "data")
    assert set(paths) == {"orders", "customers", "products", "spend", "leads", "truth"}
    back = pd.read_csv(paths["orders"], parse_dates=["ordered_at"])
    assert len(back) == len(shop.orders)
    assert back.amount.sum() == pytest.approx(shop.orders.amount.sum())
    assert not list((tmp_path / "data").glob(".*"))  # no temporary files left


@pytest.mark.parametrize("bad", [0, -3, 2.5, "10", True])
def test_bad_arguments_are_refused(bad):
    with pytest.raises(InputError, match="n_customers"):
        make_shop(bad)


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 60), seed=st.integers(0, 2**32 - 1), months=st.integers(1, 30))
def test_any_small_shop_is_well_formed(n, seed, months):
    shop = make_shop(n, seed=seed, start=dt.date(2023, 5, 1), months=months)
    assert shop.orders.customer_id.nunique() == n == len(shop.truth)
    assert (shop.orders[~shop.orders.order_id.str.startswith("R")].amount > 0).all()
    assert shop.orders.ordered_at.max() < pd.Timestamp(shop.end) + pd.Timedelta(days=1)
    assert np.isfinite(shop.truth.purchase_rate).all()
