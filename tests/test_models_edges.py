"""Fits and forecasts at the edges: row order, degenerate order histories, bounds.

The same rows in any order give the same fit to the last bit; orders all on one day are
refused with a message; customers who all bought once get no P(alive) and no model
chosen over another; parameters left at the edge of the searched range are reported.
The suite turns warnings into errors, so none of these may print a numpy warning.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import repeatly
from repeatly.datasets import load_cdnow_summary, load_donations
from repeatly.exceptions import InputError
from repeatly.models import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    _expected,
)
from repeatly.prediction import _steps as steps
from repeatly.prediction import forecast

START = dt.date(2023, 1, 2)


@pytest.fixture(scope="module")
def cdnow():
    return load_cdnow_summary()


def _lines(days_by_customer: dict[str, list[int]]) -> pd.DataFrame:
    """Order lines: one of 25.0 per customer and day, days counted from START."""
    rows = [
        (customer, pd.Timestamp(START) + pd.Timedelta(days=day), 25.0)
        for customer, days in days_by_customer.items()
        for day in days
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])
    frame["ordered_at"] = frame.ordered_at.astype("datetime64[us]")
    return frame


# --- the same fit whatever the order of the rows -------------------------------------------


def _shuffled(columns, seed):
    order = np.random.default_rng(seed).permutation(len(columns[0]))
    return [np.asarray(c)[order] for c in columns]


@pytest.mark.parametrize("model", [BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel])
def test_history_fits_are_the_same_to_the_last_bit_in_any_row_order(cdnow, model):
    columns = [cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T")]
    weights = np.random.default_rng(3).integers(1, 4, len(cdnow)).astype(float)
    reference = model().fit(*columns, weights=weights)
    for seed in (1, 2):
        *shuffled, w = _shuffled([*columns, weights], seed)
        again = model().fit(*shuffled, weights=w)
        assert again.params_ == reference.params_
        assert again.log_likelihood_ == reference.log_likelihood_
        assert again.standard_errors_ == reference.standard_errors_


def test_bgbb_and_gamma_gamma_fits_are_the_same_to_the_last_bit_in_any_row_order(cdnow):
    d = load_donations()
    columns = [d[c].to_numpy(float) for c in ("frequency", "recency", "periods", "weights")]
    reference = BetaGeoBetaBinomModel().fit(*columns)
    assert BetaGeoBetaBinomModel().fit(*_shuffled(columns, 1)).params_ == reference.params_
    repeat = cdnow[cdnow.frequency > 0]
    columns = [repeat.frequency.to_numpy(float), repeat.monetary_value.to_numpy(float)]
    reference = GammaGammaModel().fit(*columns)
    for seed in (1, 2):
        assert GammaGammaModel().fit(*_shuffled(columns, seed)).params_ == reference.params_


def test_a_forecast_is_the_same_whatever_order_the_orders_come_in():
    shop = repeatly.datasets.make_shop(600, seed=5)
    cut = shop.end - dt.timedelta(days=120)
    lines = shop.orders
    results = [
        repeatly.predict(lines.sample(frac=1.0, random_state=seed), calibration_end=cut, margin=0.3)
        for seed in (1, 2)
    ]
    first, second = (r.to_dict() for r in results)
    assert first == second
    tables = [r.customers.order_by("customer_id").to_pandas() for r in results]
    pd.testing.assert_frame_equal(tables[0], tables[1])


# --- orders all on one day -----------------------------------------------------------------


def test_orders_all_on_one_day_are_refused_with_a_clear_message():
    lines = _lines({f"C{i}": [100, 100] for i in range(30)})
    with pytest.raises(InputError, match="no time has passed between the first and the last"):
        repeatly.predict(lines)
    with pytest.raises(InputError, match=r"^predict: no time has passed"):
        repeatly.analyze(lines, predict=True)
    # up to a calibration end on the day of the first orders
    later = _lines({**{f"C{i}": [100] for i in range(30)}, "D": [100, 150]})
    with pytest.raises(InputError, match="calibration_end: no time has passed"):
        repeatly.predict(later, calibration_end=START + dt.timedelta(days=100))
    for model in (BetaGeoModel, ParetoNBDModel, BetaGeoBetaBinomModel):
        with pytest.raises(InputError, match="no time has passed"):
            model().fit(np.zeros(5), np.zeros(5), np.zeros(5))


# --- customers who all bought once --------------------------------------------------------


@pytest.fixture(scope="module")
def bought_once():
    days = np.random.default_rng(0).integers(0, 365, 120)
    return _lines({f"C{i:03d}": [int(day)] for i, day in enumerate(days)})


def test_customers_who_all_bought_once_get_no_p_alive_and_no_model_is_chosen(bought_once):
    result = repeatly.predict(bought_once, margin=0.5)
    customers = result.customers.to_pandas()
    assert len(customers) == 120
    assert customers.p_alive.isna().all()
    assert (customers.expected_purchases < 1e-6).all()  # none seen, none expected
    assert customers.next_purchase_on.isna().all()
    assert result.tables["alive_matrix"].empty
    notes = " ".join(result.notes)
    assert "P(alive) is left empty" in notes
    assert "none is chosen over the others" in notes
    assert result.options["model"] == "bgnbd"  # the first, not the tiniest difference
    assert set(result.comparison.model) == {"bgnbd", "mbgnbd", "pnbd"}
    data = result.to_dict()
    json.dumps(data, allow_nan=False)
    assert "limit" in data and "at_bounds" in data
    # with a calibration end the holdout cannot tell the models apart either
    judged = repeatly.predict(bought_once, margin=0.5, calibration_end=START + dt.timedelta(200))
    assert judged.options["model"] == "bgnbd"
    assert "none is chosen over the others" in " ".join(judged.notes)
    assert judged.holdout is not None and judged.holdout["actual"] == 0


@pytest.mark.parametrize(("lang", "words"), [("en", "Not known"), ("ru", "Неизвестно")])
def test_the_report_says_who_has_left_is_not_known_when_nobody_bought_twice(
    bought_once, lang, words
):
    from repeatly.report import render_forecast_report

    with repeatly.predict(bought_once, margin=0.5) as result:
        page = render_forecast_report(result, lang=lang)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    gone = "Likely gone" if lang == "en" else "Скорее всего ушли"
    tile = text[text.index(gone) :][:300]
    assert words in tile  # not "0 gone": who has gone is not known
    assert tile.split()[len(gone.split())] == "—"
    # no what-if on leaving, no empty P(alive) matrix or all-nil CLV chart, no model
    # said to fit best
    assert ("fewer customers left" if lang == "en" else "уходило на") not in text
    assert 'class="plotly-graph-div"' not in page
    assert ("None of" if lang == "en" else "Ни одна из моделей") in text


def test_auto_uses_the_whole_history_when_nobody_came_back_before_the_cut():
    # before the cut every customer bought once; after it some came back
    rng = np.random.default_rng(1)
    days = {f"C{i:03d}": [int(rng.integers(0, 200))] for i in range(300)}
    for i in range(0, 300, 3):
        days[f"C{i:03d}"] += sorted(int(d) for d in rng.integers(260, 400, 2))
    lines = _lines(days)
    cut = START + dt.timedelta(days=230)
    result = forecast(repeatly.data.from_frame(lines, "orders"), calibration_end=cut)
    notes = " ".join(result.notes)
    assert "lowest BIC on the whole history" in notes
    table = result.comparison.set_index("model")
    assert result.options["model"] == table.bic.idxmin()
    assert "holdout_mae" in table.columns and len(table) == 3
    customers = result.customers.to_pandas()
    assert customers.p_alive.between(0, 1).all()


# --- parameters at the edge of the range searched -------------------------------------------


def test_a_fit_at_a_parameter_bound_is_reported():
    # everyone buys at one rate and nobody leaves: Pareto/NBD's limit with no dropout
    # at all, mu at the lowest value the fit searches
    rng = np.random.default_rng(4)
    x = rng.poisson(0.3 * 52, 2000).astype(float)
    t_x = np.where(x > 0, 52.0 * rng.beta(np.maximum(x, 1), 1.0), 0.0).round(1)
    model = ParetoNBDModel().fit(x, t_x, np.full(len(x), 52.0))
    assert model.limit_ is not None
    assert model.at_bounds_ == {"mu": "lower"}
    assert model.to_dict()["at_bounds"] == {"mu": "lower"}
    notes = steps.fit_notes(model, None, unit="week", repeat=True)
    assert any("mu at its lowest value" in note for note in notes)
    assert any("no customer seems to have stopped buying" in note for note in notes)


def test_the_json_reports_a_forecasts_limit_and_bounds():
    shop = repeatly.datasets.make_shop(800, seed=2)
    result = repeatly.predict(shop.orders, model="pnbd", margin=0.3)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["limit"]["name"] == "common_dropout"
    assert set(data["params"]) == {"r", "alpha", "mu"}
    assert data["at_bounds"] == {}
    assert data["comparison"][0]["limit"] == "common_dropout"
    assert data["comparison"][0]["aic"] == pytest.approx(6 - 2 * data["log_likelihood"])
    assert any("stop buying at about the same rate" in note for note in data["notes"])
    # the what-if lowers the one dropout rate by 5%: more CLV
    assert data["what_if"]["total_clv_if"] > data["what_if"]["total_clv"]


# --- no numpy warning at the edges ----------------------------------------------------------


def test_no_floating_point_warning_at_the_edges_of_the_maths():
    # (warnings are errors in this suite) an endless wait, hypergeometric terms that
    # overflow or fail: infinite or NaN results, quietly, never a RuntimeWarning
    from repeatly.models import _pareto_nbd

    waits = _expected.median_wait(1e-6, 1e5, np.array([0.0, 1.0]), np.array([10.0, 10.0]))
    assert waits[0] == np.inf and np.isfinite(waits[1])
    spread_gone = _expected.bgnbd_expected(0.5, 3.0, 1e7, 1e8, np.array([1.0, 10.0]))
    np.testing.assert_allclose(
        spread_gone, _expected.bgnbd_expected(0.5, 3.0, 1e4, 1e5, np.array([1.0, 10.0])), rtol=1e-3
    )
    assert np.all(np.isfinite(_expected.mbgnbd_expected(0.5, 3.0, 1e7, 1e8, np.array([1.0]))))
    far = _pareto_nbd.log_likelihood(0.55, 10.6, 500.0, 1e4, [1, 0], [1.71, 0.0], [38.86, 38.86])
    assert np.isnan(far).all()  # scipy's hyp2f1 fails there: the fit uses the limit


# --- the command line, end to end ------------------------------------------------------------


def _run(*args: str):
    return subprocess.run(
        [sys.executable, "-m", "repeatly", *args], capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
def test_the_command_line_on_degenerate_orders_exits_cleanly(tmp_path, bought_once):
    one_day = tmp_path / "one_day.csv"
    _lines({f"C{i}": [100, 100] for i in range(30)}).to_csv(one_day, index=False)
    once = tmp_path / "once.csv"
    bought_once.to_csv(once, index=False)
    run = _run("predict", str(one_day))
    assert run.returncode == 2
    assert "no time has passed between the first and the last order" in run.stderr
    run = _run("analyze", str(one_day), "--predict", "--out", str(tmp_path / "analysis"))
    assert run.returncode == 2
    assert "predict: no time has passed" in run.stderr
    run = _run("predict", str(once), "--out", str(tmp_path / "once"))
    assert run.returncode == 0, run.stderr
    assert "P(alive) is left empty" in " ".join(run.stderr.split())
    predictions = pd.read_csv(tmp_path / "once" / "predictions.csv")
    assert predictions.p_alive.isna().all()
    assert (tmp_path / "once" / "report.html").exists()
    for output in (run.stdout, run.stderr):
        assert "Warning" not in output and "Traceback" not in output
