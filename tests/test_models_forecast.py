"""The forecast pipeline: engine summary, fits on distinct rows, predictions joined back."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

import repeatly
from repeatly.analytics import model_summary, period_summary
from repeatly.exceptions import InputError
from repeatly.models import BetaGeoModel
from repeatly.models._kernels import BetaGeoKernel, GammaGammaKernel
from repeatly.prediction import forecast
from repeatly.report import write_forecast

START = dt.date(2022, 1, 1)


def _bgnbd_lines(n: int, seed: int, *, r=0.6, alpha=40.0, a=1.2, b=4.0, days=730):
    """Order lines of customers who follow the BG/NBD story, in days.

    Customers arrive uniformly over the first year; each buys at a gamma-distributed
    Poisson rate while active and leaves after each purchase with a beta-distributed
    probability. Each purchase is one line of a gamma-distributed amount.
    """
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    spend = rng.gamma(4.0, 10.0, n)  # each customer's mean spend
    rows = []
    for i in range(n):
        t = float(rng.integers(0, 365))  # the first purchase
        rows.append((i, t))
        while True:
            t += rng.exponential(1 / lam[i])
            if t >= days:
                break
            rows.append((i, t))
            if rng.random() < p[i]:  # leaves after a repeat purchase
                break
    frame = pd.DataFrame(rows, columns=["customer", "day"])
    frame["customer_id"] = "C" + frame.customer.astype(str).str.zfill(5)
    frame["amount"] = rng.gamma(8.0, spend[frame.customer] / 8.0).round(2)
    frame["ordered_at"] = pd.Timestamp(START) + pd.to_timedelta(np.floor(frame.day), unit="D")
    return frame[["customer_id", "ordered_at", "amount"]], START + dt.timedelta(days=days - 1)


@pytest.fixture(scope="module")
def planted():
    lines, end = _bgnbd_lines(6000, seed=0)
    return lines, end


@pytest.fixture(scope="module")
def fitted(planted):
    lines, _end = planted
    return repeatly.predict(
        lines,
        model="bgnbd",
        unit="week",
        margin=0.3,
        calibration_end=dt.date(2023, 6, 30),
        discount_rate=0.12,
    )


def test_the_pipeline_recovers_the_planted_story_and_predicts_the_holdout(fitted):
    # planted in days: r 0.6, alpha 40 (5.71 weeks), a 1.2, b 4.0
    p = fitted.model.params_
    assert p["r"] == pytest.approx(0.6, rel=0.15)
    assert p["alpha"] == pytest.approx(40 / 7, rel=0.2)
    assert p["a"] / (p["a"] + p["b"]) == pytest.approx(1.2 / 5.2, rel=0.15)
    # the model that generated the data predicts the holdout's total within a few percent
    assert abs(fitted.holdout["aggregate_error"]) < 0.05
    assert fitted.holdout["customers"] == 6000


def test_holdout_figures_equal_a_per_customer_computation(planted, fitted):
    lines, end = planted
    table = repeatly.data.from_frame(lines, "orders")
    cal = dt.date(2023, 6, 30)
    summary = model_summary(table, calibration_end=cal, unit="week", holdout_end=end).to_pandas()
    refit = BetaGeoModel().fit(summary.frequency, summary.recency, summary["T"])
    span = (end - cal).days / 7
    expected = refit.expected_purchases(span, summary.frequency, summary.recency, summary["T"])
    actual = summary.holdout_purchases.to_numpy(float)
    assert fitted.holdout["mae"] == pytest.approx(np.mean(np.abs(expected - actual)), rel=1e-4)
    assert fitted.holdout["actual"] == actual.sum()
    assert fitted.holdout["aggregate_error"] == pytest.approx(
        expected.sum() / actual.sum() - 1, abs=1e-4
    )
    by_frequency = fitted.tables["by_frequency"]
    seven = summary.frequency >= 7
    assert by_frequency.set_index("frequency").loc[7, "actual"] == pytest.approx(
        actual[seven].mean()
    )


def test_predictions_joined_back_equal_the_model_on_each_customer(planted, fitted):
    _lines, end = planted
    customers = fitted.customers.to_pandas().sort_values("customer_id")
    model = fitted.model
    x, t_x, T = (customers[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    horizon = fitted.options["horizon"]
    assert np.allclose(customers.p_alive, model.probability_alive(x, t_x, T))
    assert np.allclose(customers.expected_purchases, model.expected_purchases(horizon, x, t_x, T))
    assert np.allclose(customers.p_no_purchase, model.probability_no_purchase(horizon, x, t_x, T))
    # CLV: margin x expected spend x each month's expected purchases, discounted monthly
    month = 365.25 / 12 / 7
    monthly = 1.12 ** (1 / 12) - 1
    upto = [model.expected_purchases(k * month, x, t_x, T) for k in range(0, 13)]
    discounted = sum((upto[k] - upto[k - 1]) / (1 + monthly) ** k for k in range(1, 13))
    assert np.allclose(customers.clv, 0.3 * customers.expected_spend * discounted)
    # Gamma-Gamma: repeat buyers' spend shrunk towards the population mean
    g = fitted.spend.params_
    repeat = customers[customers.frequency > 0]
    own = g["p"] * repeat.frequency / (g["p"] * repeat.frequency + g["q"] - 1)
    mean = g["p"] * g["gamma"] / (g["q"] - 1)
    assert np.allclose(repeat.expected_spend, (1 - own) * mean + own * repeat.monetary_value)
    assert np.allclose(customers[customers.frequency == 0].expected_spend, mean)
    # the next purchase: the median wait of an active customer, as a date after the end
    wait = (T + model.params_["alpha"]) * (2 ** (1 / (model.params_["r"] + x)) - 1)
    days = (pd.to_datetime(customers.next_purchase_on) - pd.Timestamp(end)).dt.days
    assert np.allclose(days, np.ceil(wait * 7))


def test_alive_matrix_is_the_mean_p_alive_of_its_customers(fitted):
    # each cell: customers with that many repeat purchases (20 and more together) whose
    # recency falls in that tenth of the longest T, and their mean P(alive)
    customers = fitted.customers.to_pandas()
    top = customers["T"].max()
    customers["frequency"] = customers.frequency.clip(upper=20)
    customers["recency_bin"] = np.minimum(np.floor(customers.recency / top * 10), 9)
    by_hand = customers.groupby(["frequency", "recency_bin"]).p_alive.agg(["size", "mean"])
    matrix = fitted.tables["alive_matrix"]
    assert list(zip(matrix.frequency, matrix.recency_bin, strict=True)) == list(by_hand.index)
    assert matrix.customers.to_numpy() == pytest.approx(by_hand["size"].to_numpy())
    assert matrix.p_alive.to_numpy() == pytest.approx(by_hand["mean"].to_numpy(), rel=1e-9)
    assert matrix.recency_from.to_numpy() == pytest.approx(matrix.recency_bin * top / 10)
    assert customers.frequency.max() == 20 and matrix.customers.sum() == len(customers)


def test_clv_bands_hold_every_customer_once(fitted):
    # forty equal bands up to the 99th percentile of CLV, and one band above it
    clv = fitted.customers.to_pandas().clv.to_numpy()
    bands = fitted.tables["clv_distribution"]
    top = np.quantile(clv, 0.99)
    assert len(bands) == 41
    assert bands.clv_from.iloc[0] == 0 and bands.clv_to.iloc[39] == pytest.approx(top)
    assert bands.clv_to.iloc[-1] > clv.max()
    for band in (bands.iloc[0], bands.iloc[17], bands.iloc[-1]):
        inside = clv[(clv >= band.clv_from) & (clv < band.clv_to)]
        assert band.customers == len(inside)
        assert band.clv == pytest.approx(inside.sum())
    assert bands.customers.sum() == len(clv)
    assert bands.clv.sum() == pytest.approx(clv.sum())


def test_what_if_totals_are_the_customers_clv(fitted):
    total = fitted.customers.clv.sum().execute()
    assert fitted.what_if["total_clv"] == pytest.approx(total, rel=1e-9)
    assert fitted.what_if["change"] > 0  # fewer leaving: more value
    assert fitted.what_if["total_clv_if"] == pytest.approx(
        total + fitted.what_if["change"], rel=1e-9
    )


def test_predictions_written_as_joined_are_the_stored_ones(planted, fitted, tmp_path):
    # with a predictions file the engine writes the joined predictions straight to it
    # and the forecast reads them from there: the same rows as the stored table
    lines, _end = planted
    path = tmp_path / "predictions.parquet"
    saved = repeatly.predict(
        lines,
        model="bgnbd",
        unit="week",
        margin=0.3,
        calibration_end=dt.date(2023, 6, 30),
        discount_rate=0.12,
        predictions_file=path,
    )
    assert saved.predictions_file == path

    def ordered(frame):
        frame = frame.sort_values("customer_id").reset_index(drop=True)
        return frame.assign(
            next_purchase_on=pd.to_datetime(frame.next_purchase_on).astype("datetime64[ns]")
        )

    on_disk = ordered(pd.read_parquet(path))
    stored = ordered(fitted.customers.to_pandas())
    assert list(on_disk.columns) == list(stored.columns)
    pd.testing.assert_frame_equal(on_disk, ordered(saved.customers.to_pandas()))
    pd.testing.assert_frame_equal(on_disk, stored, check_dtype=False)
    pd.testing.assert_frame_equal(
        saved.tables["clv_distribution"], fitted.tables["clv_distribution"]
    )
    # writing the forecast out gives that file its place rather than writing it again
    written = write_forecast(saved, tmp_path / "out", file_format="parquet")
    assert written["predictions"].samefile(path)
    path.unlink()  # the written file outlives the forecast's own
    assert len(pd.read_parquet(written["predictions"])) == len(stored)


def test_auto_chooses_one_model_by_bic_with_or_without_a_holdout(planted):
    lines, _end = planted
    result = repeatly.predict(lines, model="auto", calibration_end=dt.date(2023, 6, 30))
    table = result.comparison.set_index("model")
    assert set(table.index) == {"bgnbd", "mbgnbd", "pnbd"}
    assert table.holdout_mae.notna().all()  # the holdout judges every model
    assert result.options["model"] == table.bic.idxmin()
    for row in table.itertuples():
        assert row.aic == pytest.approx(8 - 2 * row.log_likelihood)
        assert row.bic == pytest.approx(4 * math.log(6000) - 2 * row.log_likelihood)
    without = repeatly.predict(lines, model="auto")
    bic = without.comparison.set_index("model").bic
    assert without.options["model"] == bic.idxmin() == result.options["model"]
    assert without.holdout is None


def test_json_summary_has_the_documented_keys(fitted, planted):
    data = fitted.to_dict()
    assert data["model"] == "bgnbd"
    assert set(data["params"]) == {"r", "alpha", "a", "b"}
    assert set(data["standard_errors"]) == {"r", "alpha", "a", "b"}
    assert set(data["spend_model"]["params"]) == {"p", "q", "gamma"}
    assert data["log_likelihood"] == fitted.model.log_likelihood_
    assert set(data["holdout"]) >= {"mae", "aggregate_error", "expected", "actual"}
    import json

    json.dumps(data, allow_nan=False)  # plain JSON: no NaN or numpy values
    lines, _ = planted
    pareto = repeatly.predict(lines, model="pnbd").to_dict()
    assert set(pareto["params"]) == {"r", "alpha", "s", "beta"}


def test_bgbb_forecast_on_weekly_opportunities(planted):
    lines, _end = planted
    result = repeatly.predict(
        lines, model="bgbb", unit="week", calibration_end=dt.date(2023, 6, 30)
    )
    assert set(result.to_dict()["params"]) == {"alpha", "beta", "gamma", "delta"}
    customers = result.customers.to_pandas()
    assert ((customers.p_alive >= 0) & (customers.p_alive <= 1)).all()
    assert (customers.frequency <= customers.recency).all()
    assert (customers.recency <= customers["T"]).all()
    assert abs(result.holdout["aggregate_error"]) < 0.25


def test_period_summary_by_hand():
    lines = repeatly.data.from_frame(
        pd.DataFrame(
            {
                "customer_id": ["a", "a", "a", "a", "b", "a"],
                "ordered_at": pd.to_datetime(
                    [
                        "2024-01-01",
                        "2024-01-03",
                        "2024-01-09",
                        "2024-01-10",
                        "2024-01-20",
                        "2024-02-01",
                    ]
                ),
                "amount": [10.0, 20.0, 30.0, 40.0, 5.0, 50.0],
            }
        ),
        "orders",
    )
    got = (
        period_summary(
            lines,
            calibration_end=dt.date(2024, 1, 24),
            unit="week",
            holdout_end=dt.date(2024, 2, 10),
        )
        .to_pandas()
        .set_index("customer_id")
    )
    # a: first on Jan 1 (period 0); Jan 3 is period 0 too; Jan 9 and 10 are period 1;
    # Jan 24 is day 23: three whole periods observed; Feb 1 (day 31) is period 4
    assert got.loc["a", "T"] == 3
    assert got.loc["a", "frequency"] == 1
    assert got.loc["a", "recency"] == 1
    assert got.loc["a", "holdout_purchases"] == 1
    assert got.loc["a", "monetary_value"] == pytest.approx((20 + 30 + 40) / 3)
    assert got.loc["b", "T"] == 0 and got.loc["b", "frequency"] == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"model": "lifetimes"}, "model: expected"),
        ({"margin": 1.5}, "margin"),
        ({"unit": "year"}, "unit"),
        ({"calibration_end": dt.date(2030, 1, 1)}, "calibration_end"),
        ({"horizon": -1}, "horizon"),
        ({"clv_months": 0}, "clv_months"),
        ({"penalizer": -1.0}, "penalizer"),
        ({"predictions_file": "/no/such/folder/predictions.parquet"}, "predictions_file"),
    ],
)
def test_bad_options_are_clear_errors(planted, options, message):
    lines, _ = planted
    with pytest.raises(InputError, match=message):
        forecast(repeatly.data.from_frame(lines.head(50), "orders"), **options)


def test_kernels_equal_the_likelihood_functions_and_their_gradients():
    from repeatly.datasets import load_cdnow_summary
    from repeatly.models import _bgnbd, _gamma_gamma

    s = load_cdnow_summary()
    x, t_x, T = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    w = np.random.default_rng(0).integers(1, 5, len(x)).astype(float)

    def check(kernel, function, params, *data):
        value, gradient = kernel(params)
        assert value == pytest.approx(float(np.dot(w_, function(*params, *data))), rel=1e-12)
        for i in range(len(params)):
            step = 1e-6 * params[i]
            up, down = params.copy(), params.copy()
            up[i] += step
            down[i] -= step
            numeric = (np.dot(w_, function(*up, *data)) - np.dot(w_, function(*down, *data))) / (
                2 * step
            )
            assert gradient[i] == pytest.approx(numeric, rel=1e-5, abs=1e-6)

    w_ = w
    check(
        BetaGeoKernel(x, t_x, T, w),
        _bgnbd.log_likelihood,
        np.array([0.3, 4.0, 0.8, 2.4]),
        x,
        t_x,
        T,
    )
    repeat = x > 0
    m = s.monetary_value.to_numpy(float)[repeat]
    w_ = w[repeat]
    check(
        GammaGammaKernel(x[repeat], m, w_),
        _gamma_gamma.log_likelihood,
        np.array([6.0, 3.5, 15.0]),
        x[repeat],
        m,
    )


def test_next_purchase_days_round_up_and_endless_waits_have_none():
    from repeatly.prediction._steps import _next_purchase_on

    waits = np.array([1.0, 0.3, 0.0, np.inf, np.nan, 5300.0])  # weeks; 5300 weeks > 100 y
    days = _next_purchase_on(waits, end=dt.date(2024, 12, 30), size=7.0).to_pylist()
    assert days == [
        dt.date(2025, 1, 6),
        dt.date(2025, 1, 2),
        dt.date(2024, 12, 30),
        None,
        None,
        None,
    ]
