"""The same orders in the local PostgreSQL give the same results as from a CSV file.

Needs PostgreSQL at 127.0.0.1:5432 (database ``test``) or the URL in
``REPEATLY_TEST_POSTGRES_URL``; skipped when absent, except under CI.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pandas as pd
import pytest

from repeatly import analytics
from repeatly.connection import default_connection
from repeatly.data import load_orders
from repeatly.economics import unit_economics

from .conftest import server_required

pytestmark = pytest.mark.postgres

URL = os.environ.get("REPEATLY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
AS_OF = dt.date(2024, 6, 1)


@pytest.fixture
def pg_orders(hand_orders):
    psycopg = pytest.importorskip("psycopg")
    try:
        conn = psycopg.connect(URL.replace("postgresql://", "postgresql://", 1), connect_timeout=3)
    except psycopg.OperationalError as exc:
        server_required(f"PostgreSQL at {URL}", f"start it ({exc})")
    name = f"orders_{uuid.uuid4().hex[:8]}"
    with conn.cursor() as cur:
        cur.execute(
            f"CREATE TABLE {name} (customer_id text, order_id text, ordered_at timestamp,"
            " amount numeric(12,2), cost numeric(12,2), category text, discount numeric(12,2),"
            " promo boolean)"
        )
        cur.executemany(
            f"INSERT INTO {name} VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [tuple(r) for r in hand_orders.astype(object).itertuples(index=False)],
        )
    conn.commit()
    yield name
    with conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {name}")
    conn.commit()
    conn.close()


def _sorted(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    frame = frame.sort_values(key).reset_index(drop=True)
    for col in frame.columns:
        if str(frame[col].dtype).startswith("datetime64"):
            frame[col] = frame[col].astype("datetime64[us]")
    return frame


def test_summary_from_postgres_equals_summary_from_csv(hand_orders, pg_orders, tmp_path):
    csv = tmp_path / "orders.csv"
    hand_orders.to_csv(csv, index=False)
    from_csv = load_orders(csv, con=default_connection()).table
    from_pg = load_orders(URL, table=pg_orders).table

    expected = _sorted(analytics.customer_summary(from_csv, as_of=AS_OF).to_pandas(), "customer_id")
    got = _sorted(analytics.customer_summary(from_pg, as_of=AS_OF).to_pandas(), "customer_id")
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)

    econ_csv = unit_economics(from_csv, as_of=AS_OF).to_pandas()
    econ_pg = unit_economics(from_pg, as_of=AS_OF).to_pandas()
    pd.testing.assert_frame_equal(econ_pg, econ_csv, check_dtype=False)

    cohorts_csv = analytics.cohorts(analytics.orders_from_lines(from_csv)).to_pandas()
    cohorts_pg = analytics.cohorts(analytics.orders_from_lines(from_pg)).to_pandas()
    pd.testing.assert_frame_equal(
        _sorted(cohorts_pg, "cohort"), _sorted(cohorts_csv, "cohort"), check_dtype=False
    )
    from_pg._find_backend().disconnect()


def test_model_summary_from_postgres_equals_the_one_from_csv(hand_orders, pg_orders, tmp_path):
    # DuckDB takes the first day's value with its own arg_min, PostgreSQL with Ibis's
    # argmin: the same frequency, recency, age and mean repeat value
    from repeatly.analytics import model_summary

    csv = tmp_path / "orders.csv"
    hand_orders.to_csv(csv, index=False)
    from_csv = load_orders(csv, con=default_connection()).table
    from_pg = load_orders(URL, table=pg_orders).table
    expected = _sorted(model_summary(from_csv, calibration_end=AS_OF).to_pandas(), "customer_id")
    got = _sorted(model_summary(from_pg, calibration_end=AS_OF).to_pandas(), "customer_id")
    assert (expected.frequency > 0).any()  # some repeat buyers, so the first day matters
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    from_pg._find_backend().disconnect()


@pytest.fixture
def pg_shop_orders():
    """A simulated shop's order lines as a PostgreSQL table, and the same lines."""
    psycopg = pytest.importorskip("psycopg")
    from repeatly.datasets import make_shop

    try:
        conn = psycopg.connect(URL, connect_timeout=3)
    except psycopg.OperationalError as exc:
        server_required(f"PostgreSQL at {URL}", f"start it ({exc})")
    lines = make_shop(300, seed=2).orders[
        ["customer_id", "order_id", "ordered_at", "amount", "cost"]
    ]
    name = f"shop_{uuid.uuid4().hex[:8]}"
    with conn.cursor() as cur:
        cur.execute(
            f"CREATE TABLE {name} (customer_id text, order_id text, "
            "ordered_at timestamp, amount double precision, cost double precision)"
        )
        with cur.copy(f"COPY {name} FROM STDIN") as copy:
            for row in lines.astype(object).itertuples(index=False):
                copy.write_row(row)
    conn.commit()
    yield name, lines
    with conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {name}")
    conn.commit()
    conn.close()


def test_predictions_joined_back_in_postgres_equal_those_from_csv(pg_shop_orders, tmp_path):
    # the fits run in numpy while the engine groups the spend rows and then joins the
    # predictions back, on a thread of its own: here that engine is PostgreSQL
    import numpy as np

    import repeatly

    name, lines = pg_shop_orders
    csv = tmp_path / "orders.csv"
    lines.to_csv(csv, index=False)
    options = {"model": "bgnbd", "margin": 0.4, "as_of": "2024-12-31"}
    from_csv = repeatly.predict(csv, **options)
    # asked for a predictions file, PostgreSQL keeps its table and the file is written
    # from it
    saved = tmp_path / "predictions.parquet"
    from_pg = repeatly.predict(URL, table=name, predictions_file=saved, **options)
    try:
        # the rows reach the fits in another order; this shop's a and b lie along a flat
        # ridge of the likelihood (a and b in the tens of thousands, their errors ten
        # times that), where two fits stop up to a hundredth of a standard error apart
        for fitted, reference in ((from_pg.model, from_csv.model), (from_pg.spend, from_csv.spend)):
            for key, value in reference.params_.items():
                assert abs(fitted.params_[key] - value) < 0.05 * reference.standard_errors_[key]
            assert fitted.log_likelihood_ == pytest.approx(reference.log_likelihood_, abs=1e-4)
        expected = _sorted(from_csv.customers.to_pandas(), "customer_id")
        got = _sorted(from_pg.customers.to_pandas(), "customer_id")
        assert len(got) == lines.customer_id.nunique() and got.clv.notna().all()
        # the same customers and histories; each joined-back prediction is PostgreSQL's
        # own model applied to that customer
        pd.testing.assert_frame_equal(
            got[["customer_id", "frequency", "recency", "T", "monetary_value"]],
            expected[["customer_id", "frequency", "recency", "T", "monetary_value"]],
            check_dtype=False,
        )
        x, t_x, T = (got[c].to_numpy(float) for c in ("frequency", "recency", "T"))
        np.testing.assert_allclose(
            got.p_alive, from_pg.model.probability_alive(x, t_x, T), rtol=1e-9
        )
        np.testing.assert_allclose(
            got.expected_purchases,
            from_pg.model.expected_purchases(from_pg.options["horizon"], x, t_x, T),
            rtol=1e-9,
        )
        np.testing.assert_allclose(got.clv, expected.clv, rtol=1e-2)
        assert from_pg.customers.get_name() in from_pg.customers._find_backend().list_tables()
        written = _sorted(pd.read_parquet(saved), "customer_id")
        pd.testing.assert_frame_equal(
            written.drop(columns="next_purchase_on"),
            got.drop(columns="next_purchase_on"),
            check_dtype=False,
        )
    finally:
        from_pg.customers._find_backend().disconnect()
