"""Distances, lapsed buyers, leads who never bought, contact priority and movement."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest

import repeatly
from repeatly import segments
from repeatly.analytics import orders_from_lines
from repeatly.datasets import make_shop


@pytest.mark.parametrize(
    ("a", "b", "km", "tolerance"),
    [  # great-circle distances between city centres, as commonly published
        ((51.5074, -0.1278), (48.8566, 2.3522), 344, 1),  # London - Paris
        ((40.7128, -74.0060), (34.0522, -118.2437), 3936, 2),  # New York - Los Angeles
        ((55.7558, 37.6173), (59.9343, 30.3351), 634, 1.5),  # Moscow - Saint Petersburg
        ((-33.8688, 151.2093), (-37.8136, 144.9631), 713, 1),  # Sydney - Melbourne
    ],
)
def test_distances_between_known_city_pairs(a, b, km, tolerance):
    got = float(segments.distance_km(ibis.literal(a[0]), a[1], b[0], b[1]).execute())
    assert got == pytest.approx(km, abs=tolerance)


def test_customers_near_a_place():
    customers = ibis.memtable(
        {
            "customer_id": ["paris", "london", "nowhere", "versailles"],
            "latitude": [48.8566, 51.5074, None, 48.8049],
            "longitude": [2.3522, -0.1278, None, 2.1204],
        }
    )
    close = segments.near(customers, latitude=48.8566, longitude=2.3522, km=30).to_pandas()
    assert close.customer_id.tolist() == ["paris", "versailles"]  # nearest first
    assert close.distance_km.iloc[0] == 0
    assert 10 < close.distance_km.iloc[1] < 30  # and London, 344 km away, is not there


def _orders(rows):
    frame = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])
    frame["ordered_at"] = pd.to_datetime(frame.ordered_at).astype("datetime64[us]")
    return orders_from_lines(repeatly.data.from_frame(frame, "orders"))


def test_lapsed_customers_bought_last_year_not_this():
    orders = _orders(
        [
            ("a", "2023-03-01", 10),
            ("a", "2024-03-01", 10),  # bought both years
            ("b", "2023-03-01", 10),
            ("b", "2023-04-01", 10),  # last year only: lapsed
            ("c", "2021-01-01", 10),  # long gone, not lapsed
            ("d", "2024-05-01", 10),  # new this year
        ]
    )
    got = segments.lapsed_customers(orders, as_of=dt.date(2024, 6, 30)).to_pandas()
    assert got.customer_id.tolist() == ["b"]
    assert got.previous_purchases.tolist() == [2]
    season = segments.lapsed_customers(orders, as_of=dt.date(2024, 6, 30), period="season")
    # season = 182 days: this one from 2024-01-01; a bought 2024-03-01, so not lapsed
    assert season.to_pandas().customer_id.tolist() == []


def test_leads_never_bought():
    orders = _orders([("c1", "2024-01-01", 10), ("c2", "2024-01-01", -5)])
    leads = ibis.memtable(
        {
            "lead_id": ["L1", "L2", "L3"],
            "customer_id": ["c1", None, "c2"],
            "created_at": pd.to_datetime(["2023-12-01"] * 3),
        }
    )
    got = segments.leads_never_bought(leads, orders).to_pandas()
    assert sorted(got.lead_id) == ["L2", "L3"]  # c2 only ever returned goods


def test_customers_who_never_bought():
    orders = _orders([("c1", "2024-01-01", 10), ("c2", "2024-01-01", -5)])
    customers = ibis.memtable({"customer_id": ["c1", "c2", "c3"], "email": ["a@x", "b@x", "c@x"]})
    got = segments.customers_never_bought(customers, orders).to_pandas()
    assert sorted(got.customer_id) == ["c2", "c3"]


def test_contact_priority_is_ease_then_value():
    table = ibis.memtable(
        {
            "customer_id": list("abcdef"),
            "status": ["lost", "active", "at_risk", "active", "due", "lost"],
            "margin": [500.0, 10, 50, 90, 5, 600],
        }
    )
    got = segments.contact_priority(table).to_pandas()
    assert got.customer_id.tolist() == ["d", "b", "e", "c", "f", "a"]
    assert got.priority.tolist() == [1, 2, 3, 4, 5, 6]


def test_movement_matrix_accounts_for_every_customer():
    shop = make_shop(700, seed=6)
    lines = repeatly.data.from_frame(shop.orders, "orders")
    start, end = dt.date(2023, 3, 31), shop.end
    matrix = segments.segment_movement(lines, start=start, end=end).to_pandas()

    def buyers_by(day):
        bought = shop.orders.ordered_at < pd.Timestamp(day) + pd.Timedelta(days=1)
        return shop.orders[bought & (shop.orders.amount > 0)].customer_id.nunique()

    assert matrix.customers.sum() == buyers_by(end)
    new = matrix[matrix.from_segment == segments.NOT_YET].customers.sum()
    assert new == buyers_by(end) - buyers_by(start)
    assert (matrix[matrix.from_segment == segments.NOT_YET].revenue_at_stake == 0).all()
    with pytest.raises(repeatly.exceptions.InputError, match="start must be before end"):
        segments.segment_movement(lines, start=end, end=start)
