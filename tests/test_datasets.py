"""The bundled reference data, and the synthetic shop's planted truth."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repeatly.datasets import (
    CATEGORIES,
    TYPES,
    Shop,
    load_cdnow,
    load_cdnow_summary,
    load_donations,
    make_shop,
)
from repeatly.exceptions import InputError

ORDER_COLUMNS = ["customer_id", "order_id", "ordered_at", "sku", "category", "brand",
                 "quantity", "unit_price", "amount", "cost", "discount", "promo", "channel",
                 "store"]
CUSTOMER_COLUMNS = ["customer_id", "name", "email", "phone", "city", "latitude", "longitude",
                    "consent_email", "consent_sms", "acquisition_channel", "referred_by",
                    "signup_date"]
TRUTH_COLUMNS = {"customer_id", "type", "purchase_rate", "dropout_p", "mean_spend",
                 "alive_at_end", "dropped_at", "churn_at", "favourite_brand",
                 "acquisition_channel", "n_orders", "revenue"}


# -- reference data: counts published with the data ------------------------------------

def test_cdnow_master_holds_every_record_fader_hardie_lee_2005():
    lines = load_cdnow()
    assert list(lines.columns) == ["customer_id", "ordered_at", "quantity", "amount"]
    assert (lines.customer_id.nunique(), len(lines)) == (23_570, 69_659)
    assert lines.ordered_at.dtype.kind == "M" and lines.quantity.dtype.kind == "i"
    assert lines.ordered_at.min() == pd.Timestamp("1997-01-01")
    assert lines.ordered_at.max() == pd.Timestamp("1998-06-30")
    # the cohort made its first purchase in the first quarter of 1997
    assert lines.groupby("customer_id").ordered_at.min().max() < pd.Timestamp("1997-04-01")
    assert (lines.amount >= 0).all() and (lines.quantity >= 1).all()


def test_cdnow_sample_is_the_tenth_of_the_papers():
    sample = load_cdnow("sample")
    assert list(sample.columns) == ["customer_id", "sample_id", "ordered_at", "quantity",
                                    "amount"]
    assert sample.customer_id.nunique() == sample.sample_id.nunique() == 2_357
    assert len(sample) == 6_919
    master = load_cdnow()
    assert set(sample.customer_id) <= set(master.customer_id)


def test_cdnow_calibration_summary_fader_hardie_lee_2005():
    summary = load_cdnow_summary()
    assert list(summary.columns) == ["customer_id", "frequency", "recency", "T",
                                     "monetary_value"]
    assert len(summary) == 2_357
    # "Counting Your Customers the Easy Way": 1,411 of the 2,357 made no repeat purchase
    # in the 39-week calibration period
    assert (summary.frequency == 0).sum() == 1_411
    # Fader & Hardie (2013), Gamma-Gamma note: the 946 repeat buyers' mean zbar is $35.08
    repeat = summary[summary.frequency > 0]
    assert len(repeat) == 946
    assert repeat.monetary_value.mean() == pytest.approx(35.08, abs=0.005)
    assert summary["T"].max() == pytest.approx(38.86)  # 272 days: 1 Jan to 30 Sep 1997
    assert (summary.recency <= summary["T"]).all()


def test_cdnow_summary_follows_from_the_sample_records():
    """Several records on one day are one transaction; calibration ends 1997-09-30."""
    sample = load_cdnow("sample")
    summary = load_cdnow_summary().set_index("customer_id")
    end = pd.Timestamp("1997-09-30")
    days = sample.groupby(["sample_id", "ordered_at"]).amount.sum().reset_index()
    first = days.groupby("sample_id").ordered_at.min()
    calibration = days[days.ordered_at <= end]
    repeats = calibration[calibration.ordered_at > first[calibration.sample_id].to_numpy()]
    ids = summary.index
    frequency = repeats.groupby("sample_id").size().reindex(ids, fill_value=0)
    last = repeats.groupby("sample_id").ordered_at.max().reindex(ids)
    recency = ((last - first.reindex(ids)).dt.days / 7).fillna(0)
    zbar = repeats.groupby("sample_id").amount.mean().reindex(ids, fill_value=0.0)
    assert (frequency == summary.frequency).all()
    assert recency.to_numpy() == pytest.approx(summary.recency.to_numpy(), abs=0.0051)
    assert ((end - first.reindex(ids)).dt.days / 7).to_numpy() == pytest.approx(
        summary["T"].to_numpy(), abs=0.0051)
    assert zbar.to_numpy() == pytest.approx(summary.monetary_value.to_numpy(), abs=0.0051)


def test_donations_sum_to_the_published_donor_count_fader_hardie_shang_2010():
    donations = load_donations()
    assert list(donations.columns) == ["frequency", "recency", "periods", "weights"]
    assert donations.weights.sum() == 11_104
    assert set(donations.periods) == {6}
    assert (donations.frequency <= donations.recency).all()


def test_unknown_cdnow_kind_is_refused():
    with pytest.raises(InputError, match='expected "master" or "sample"'):
        load_cdnow("full")  # type: ignore[arg-type]


# -- the synthetic shop: shape ---------------------------------------------------------

@pytest.fixture(scope="module")
def shop() -> Shop:
    return make_shop(2000, seed=7)


@pytest.fixture(scope="module")
def sold(shop) -> pd.DataFrame:
    """Sold lines with the customer's truth."""
    o = shop.orders
    return o[o.amount > 0].merge(shop.truth, on="customer_id", suffixes=("", "_truth"))


def test_same_seed_same_shop_other_seed_other_shop():
    a, b, c = make_shop(200, seed=1), make_shop(200, seed=1), make_shop(200, seed=2)
    for name in ("orders", "customers", "products", "spend", "leads", "truth"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.params == b.params
    assert not a.orders.amount.equals(c.orders.amount)
    assert not a.truth.purchase_rate.equals(c.truth.purchase_rate)


def test_tables_have_the_documented_columns(shop):
    assert list(shop.orders.columns) == ORDER_COLUMNS
    assert list(shop.customers.columns) == CUSTOMER_COLUMNS
    assert list(shop.products.columns) == ["sku", "category", "brand", "price", "cost",
                                           "collection", "launch_date"]
    assert list(shop.spend.columns) == ["period", "channel", "spend", "visitors", "leads",
                                        "purpose"]
    assert list(shop.leads.columns) == ["created_at", "lead_id", "channel", "customer_id",
                                        "email"]
    assert TRUTH_COLUMNS <= set(shop.truth.columns)
    o = shop.orders
    assert o.ordered_at.dtype.kind == "M" and (o.ordered_at.dt.hour > 0).any()
    assert o.quantity.dtype.kind == "i" and o.promo.dtype == bool
    assert shop.leads.created_at.dtype.kind == "M"
    assert len(shop.truth) == len(shop.customers) == 2000
    assert shop.customers.customer_id.str.fullmatch(r"C\d{5}").all()
    assert (shop.start, shop.end) == (dt.date(2022, 1, 1), dt.date(2023, 12, 31))
    assert "2,000 customers" in repr(shop)


def test_orders_are_consistent_lines(shop):
    o = shop.orders
    sold = o[o.amount > 0]
    assert sold.amount.to_numpy() == pytest.approx(
        (sold.quantity * sold.unit_price - sold.discount).round(2).to_numpy(), abs=1e-9)
    assert (o.discount >= 0).all() and (o.quantity >= 1).all() and (o.cost > 0).any()
    assert o.ordered_at.min() >= pd.Timestamp(shop.start)
    assert o.ordered_at.max() < pd.Timestamp(shop.end) + pd.Timedelta(days=1)
    assert set(o.customer_id) == set(shop.customers.customer_id)
    assert set(o.sku) <= set(shop.products.sku) and shop.products.sku.is_unique
    lines_per_order = sold.groupby("order_id").size()
    assert lines_per_order.between(1, 5).all() and lines_per_order.max() > 1
    assert (sold.groupby("order_id")[["customer_id", "ordered_at", "channel"]].nunique() == 1
            ).all().all()
    assert set(o.channel) == {"store", "web", "app"}
    assert ((o.store != "") == (o.channel == "store")).all()
    # a sold line's discount comes with a promotion, 10-50% off
    off = sold.discount / (sold.quantity * sold.unit_price)
    assert (sold.promo == (sold.discount > 0)).all()
    assert off[sold.promo].between(0.09, 0.51).all()


def test_returns_reference_an_earlier_purchase(shop):
    o = shop.orders
    returns = o[o.amount < 0]
    assert 0.005 < len(returns) / len(o) < 0.02
    assert returns.order_id.str.fullmatch(r"R\d{7}").all()
    bought = o[o.amount > 0].set_index(["order_id", "sku"])
    original = bought.loc[list(zip("O" + returns.order_id.str[1:], returns.sku, strict=True))]
    assert (original.customer_id.to_numpy() == returns.customer_id.to_numpy()).all()
    assert (original.ordered_at.to_numpy() < returns.ordered_at.to_numpy()).all()
    assert original.amount.to_numpy() == pytest.approx(-returns.amount.to_numpy())
    assert (original.quantity.to_numpy() == returns.quantity.to_numpy()).all()


def test_truth_counts_match_the_orders(shop):
    o = shop.orders
    truth = shop.truth.set_index("customer_id")
    n_orders = o[o.amount > 0].groupby("customer_id").order_id.nunique()
    revenue = o.groupby("customer_id").amount.sum()
    assert (truth.n_orders == n_orders.reindex(truth.index)).all()
    assert truth.revenue.to_numpy() == pytest.approx(revenue.reindex(truth.index).to_numpy())
    assert (truth.acquisition_channel == shop.customers.set_index("customer_id")
            .acquisition_channel).all()
    assert (truth.promo_hunter == (truth.type == "promo_hunter")).all()
    assert (truth.low_margin_only == (truth.type == "low_margin")).all()
    assert ((truth.favourite_brand != "") == (truth.type == "brand_fan")).all()
    assert (truth.brand_fan == truth.favourite_brand).all()
    assert (truth.churn_at.notna() == (truth.type == "churner")).all()
    shares = truth.type.value_counts(normalize=True)
    assert set(shares.index) == set(TYPES)
    assert shares["regular"] == pytest.approx(0.5, abs=0.05)
    assert shares["churner"] == pytest.approx(0.12, abs=0.03)


def test_the_planted_parameters_are_the_ones_drawn(shop):
    """Sample means of the latent draws agree with the recorded parameters."""
    p = shop.params
    truth = shop.truth[shop.truth.type != "churner"]  # churners stop at a date instead
    a, b = p["dropout_a"], p["dropout_b"]
    assert truth.dropout_p.mean() == pytest.approx(a / (a + b), rel=0.1)
    # lambda ~ Gamma(r, alpha_c): mean r / alpha_c = 1 / cycle
    alpha = shop.truth.main_category.map(p["rate_alpha_by_category"])
    scaled = shop.truth.purchase_rate * alpha / p["rate_shape_r"]
    assert scaled.mean() == pytest.approx(1.0, abs=0.06)
    nu = shop.truth.mean_spend / shop.truth.main_category.map(p["mean_spend_by_category"])
    assert nu.mean() == pytest.approx(1.0, abs=0.06)
    assert p["cac"] == {"search": 40.0, "social": 28.0}
    assert (shop.truth.churn_at.isna() | (shop.truth.dropout_p == 0)).all()


def test_nobody_buys_after_dropping_out(sold):
    dropped = sold[~sold.alive_at_end]
    assert dropped.dropped_at.notna().all()
    assert (dropped.ordered_at.dt.normalize() <= dropped.dropped_at).all()
    assert sold[sold.alive_at_end].dropped_at.isna().all()


# -- the synthetic shop: planted behaviour ---------------------------------------------

def test_brand_fans_buy_their_brand(sold):
    fans = sold[sold.type == "brand_fan"]
    share = (fans.brand == fans.favourite_brand).groupby(fans.customer_id).mean()
    assert len(share) > 100 and (share >= 0.8).all()
    others = sold[sold.type == "regular"]
    top = others.groupby("customer_id").brand.agg(lambda b: b.value_counts(normalize=True)
                                                   .iloc[0])
    assert top[others.groupby("customer_id").size() >= 5].median() < 0.8


def test_churners_stop_at_their_churn_date(sold):
    churners = sold[sold.type == "churner"]  # no purchases after churn (returns may come)
    assert (churners.ordered_at.dt.normalize() <= churners.churn_at).all()
    assert (churners.churn_at < pd.Timestamp("2023-12-31")).all()


def test_promo_hunters_buy_discounted_late_early_buyers_at_full_price_early(sold):
    def discount_share(g: pd.DataFrame) -> float:
        return g.discount.sum() / (g.amount + g.discount).sum()

    by_type = {t: discount_share(g) for t, g in sold.groupby("type")}
    assert by_type["promo_hunter"] > 3 * by_type["regular"]
    assert by_type["early_full_price"] == 0
    assert not sold[sold.type == "early_full_price"].promo.any()
    # days since the season opened (1 March, 1 September), repeat purchases only
    first = sold.groupby("customer_id").ordered_at.transform("min")
    repeat = sold[sold.ordered_at > first]
    month = repeat.ordered_at.dt.month
    year = repeat.ordered_at.dt.year - (month < 3)
    opened = pd.to_datetime(pd.DataFrame({"year": year, "month": np.where(
        (month >= 3) & (month < 9), 3, 9), "day": 1}))
    season_day = (repeat.ordered_at - opened).dt.days
    hunters = season_day[repeat.type == "promo_hunter"]
    early = season_day[repeat.type == "early_full_price"]
    assert (hunters >= 120).mean() > 0.95 and (early < 46).mean() > 0.95
    assert (season_day[repeat.type == "regular"] >= 120).mean() < 0.5


def test_low_margin_buyers_buy_only_low_margin_products(sold):
    low = sold[sold.type == "low_margin"]
    assert set(low.category) == {"groceries"}
    margin = 1 - low.cost.sum() / low.amount.sum()
    assert margin < 0.12 < 1 - sold.cost.sum() / sold.amount.sum()


def test_category_return_cycles_show_in_the_data(shop):
    sold = shop.orders[shop.orders.amount > 0]
    days = sold.assign(day=sold.ordered_at.dt.normalize())[
        ["customer_id", "category", "day"]].drop_duplicates().sort_values("day")
    gaps = days.groupby(["customer_id", "category"]).day.diff().dt.days.dropna()
    median = gaps.groupby(days.loc[gaps.index, "category"]).median()
    assert median["groceries"] < median["cosmetics"] < median["clothing"]
    assert median["clothing"] < min(median["jewellery"], median["furniture"])
    assert list(CATEGORIES) == ["groceries", "cosmetics", "clothing", "shoes", "jewellery",
                                "furniture"]


def test_catalogue_margins_and_collections(shop):
    products = shop.products
    assert 200 <= len(products) <= 600
    assert (products.cost < products.price).all() and (products.cost > 0).all()
    margin = (1 - products.cost / products.price).groupby(products.category).median()
    assert margin["groceries"] < 0.25 < margin["jewellery"]
    seasonal = products[products.category.isin(["clothing", "shoes"])]
    assert set(seasonal.collection) == {"AW2021", "SS2022", "AW2022", "SS2023", "AW2023"}
    launch = pd.to_datetime(seasonal.launch_date)
    assert (seasonal.collection.str[2:].astype(int) == launch.dt.year).all()
    assert (np.where(seasonal.collection.str.startswith("SS"), 3, 9) == launch.dt.month).all()
    assert set(products[~products.index.isin(seasonal.index)].collection) == {"core"}
    # a seasonal line is of the collection of the season it is bought in
    lines = shop.orders.merge(products[["sku", "launch_date"]], on="sku")
    lines = lines[lines.category.isin(["clothing", "shoes"])]
    opened = pd.to_datetime(lines.launch_date)
    assert ((lines.ordered_at >= opened)
            & (lines.ordered_at < opened + pd.DateOffset(months=6))).all()


# -- the synthetic shop: customers and marketing ---------------------------------------

def test_customer_records(shop):
    c = shop.customers
    first = shop.orders[shop.orders.amount > 0].groupby("customer_id").ordered_at.min()
    signup = pd.to_datetime(c.signup_date)
    assert (signup.to_numpy() <= first[c.customer_id].dt.normalize().to_numpy()).all()
    assert (signup >= pd.Timestamp(shop.start)).all()
    assert c.email.is_unique and c.email.str.fullmatch(r"[a-z]+\.c\d{5}@example\.com").all()
    assert c.latitude.between(40, 62).all() and c.longitude.between(28, 85).all()
    assert c.city.nunique() >= 5
    assert set(c.acquisition_channel) == {"search", "social", "referral", "organic", "email"}


def test_referrals_name_an_earlier_customer(shop):
    c = shop.customers
    referred = c[c.referred_by != ""]
    assert len(referred) > 100
    assert (referred.acquisition_channel == "referral").all()
    assert (c[c.acquisition_channel == "referral"].referred_by != "").all()
    assert referred.referred_by.isin(c.customer_id).all()
    first = shop.orders.groupby("customer_id").ordered_at.min()
    assert (first[referred.referred_by].to_numpy() <= first[referred.customer_id].to_numpy()
            ).all()


def test_spend_and_cac(shop):
    spend, c = shop.spend, shop.customers
    assert set(spend.purpose) == {"acquisition", "retention"}
    assert set(spend[spend.purpose == "acquisition"].channel) == {"search", "social"}
    assert set(spend[spend.purpose == "retention"].channel) == {"email", "loyalty"}
    assert (pd.to_datetime(spend.period).dt.day == 1).all()
    assert len(spend) == 24 * 4 and (spend.spend > 0).all()
    assert (spend.visitors >= 0).all() and (spend.leads >= 0).all()
    for channel in ("search", "social"):
        paid = spend[spend.channel == channel].spend.sum()
        cac = paid / (c.acquisition_channel == channel).sum()
        assert 20 <= cac <= 60


def test_leads(shop):
    leads, c = shop.leads, shop.customers
    assert leads.lead_id.is_unique and leads.created_at.is_monotonic_increasing
    assert leads.customer_id.isna().mean() > 0.5  # most leads never buy
    converted = leads.dropna(subset=["customer_id"])
    assert converted.customer_id.is_unique and converted.customer_id.isin(c.customer_id).all()
    paid = c[c.acquisition_channel.isin(["search", "social"])]
    assert set(converted.customer_id) == set(paid.customer_id)
    first = shop.orders.groupby("customer_id").ordered_at.min()
    assert (converted.created_at.to_numpy() <= first[converted.customer_id].to_numpy()).all()
    assert (leads.created_at >= pd.Timestamp(shop.start)).all()
    assert (leads.created_at < pd.Timestamp(shop.end) + pd.Timedelta(days=1)).all()
    # the spend table counts the leads of each month and channel
    counted = leads.groupby([leads.created_at.dt.to_period("M").dt.start_time.dt.date,
                             "channel"]).size()
    acquisition = shop.spend[shop.spend.purpose == "acquisition"].set_index(
        ["period", "channel"]).leads
    assert counted.reindex(acquisition.index, fill_value=0).to_dict() == acquisition.to_dict()


# -- writing and arguments -------------------------------------------------------------

def test_write_round_trips(tmp_path, shop):
    paths = shop.write(tmp_path / "data")
    assert set(paths) == {"orders", "customers", "products", "spend", "leads", "truth"}
    for name, path in paths.items():
        back = pd.read_csv(path, encoding="utf-8")
        assert list(back.columns) == list(getattr(shop, name).columns)
        assert len(back) == len(getattr(shop, name))
    orders = pd.read_csv(paths["orders"], dtype={"store": str})
    assert orders.ordered_at.str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    assert orders.amount.sum() == pytest.approx(shop.orders.amount.sum())
    spend = pd.read_csv(paths["spend"])
    assert spend.period.str.fullmatch(r"\d{4}-\d\d-01").all()
    assert not list((tmp_path / "data").glob(".*"))  # no temporary files left


@pytest.mark.parametrize("bad", [0, -3, 2.5, "10", True, None])
def test_bad_customer_counts_are_refused(bad):
    with pytest.raises(InputError, match="n_customers: expected a whole number"):
        make_shop(bad)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"months": 0}, "months: expected a whole number of at least 1, got 0"),
    ({"seed": -1}, "seed: expected a whole number of at least 0, got -1"),
    ({"start": "01/02/2022"}, "start: expected a date like 2022-01-01, got '01/02/2022'"),
])
def test_bad_options_are_refused(kwargs, message):
    with pytest.raises(InputError, match=message):
        make_shop(10, **kwargs)


def test_start_may_be_a_date_and_the_history_any_length():
    shop = make_shop(50, seed=3, start=dt.date(2021, 7, 15), months=3)
    assert (shop.start, shop.end) == (dt.date(2021, 7, 15), dt.date(2021, 10, 14))
    assert shop.orders.ordered_at.min() >= pd.Timestamp("2021-07-15")
    assert shop.orders.ordered_at.max() < pd.Timestamp("2021-10-15")
    assert len(shop.spend) == 4 * 4  # July to October


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 60), seed=st.integers(0, 2**32 - 1), months=st.integers(1, 30),
       start=st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)))
def test_any_small_shop_is_well_formed(n, seed, months, start):
    shop = make_shop(n, seed=seed, start=start, months=months)
    o = shop.orders
    assert o.customer_id.nunique() == n == len(shop.truth) == len(shop.customers)
    assert shop.customers.customer_id.is_unique and o.order_id.notna().all()
    assert (o[o.order_id.str.startswith("O")].amount > 0).all()
    assert (o[o.order_id.str.startswith("R")].amount < 0).all()
    assert o.ordered_at.min() >= pd.Timestamp(start)
    assert o.ordered_at.max() < pd.Timestamp(shop.end) + pd.Timedelta(days=1)
    assert np.isfinite(shop.truth.purchase_rate).all()
    assert (shop.truth.n_orders >= 1).all()
    assert shop.leads.created_at.between(pd.Timestamp(start),
                                         pd.Timestamp(shop.end) + pd.Timedelta(days=1)).all()
    with tempfile.TemporaryDirectory() as folder:
        paths = shop.write(Path(folder))
        back = pd.read_csv(paths["orders"], parse_dates=["ordered_at"],
                           dtype={"customer_id": str, "order_id": str})
        assert (back.customer_id == o.customer_id).all()
        assert (back.ordered_at == o.ordered_at).all()
        assert back.amount.to_numpy() == pytest.approx(o.amount.to_numpy())
