"""Models at their edges: the limits where the dropout has no spread, and their fits.

The special function they need is checked against scipy's whole-order ``expn``, against
numerical integration and its recurrence; each limit's likelihood and predictions
against integration over the purchase rates and against the full model far along the
ridge towards it (Richardson extrapolation of the full model's own closed form); the
fits against the story of simulated customers and the demo shop's previous optimum.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.special import expn, gammaln

from repeatly.datasets import load_cdnow_summary
from repeatly.models import (
    BetaGeoModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    _bgnbd,
    _expected,
    _mbgnbd,
    _pareto_nbd,
)
from repeatly.models import _pareto_nbd_limit as limit
from repeatly.models._beta_geo_limit import BGNBD, MBGNBD
from repeatly.models._expint import scaled_expint, scaled_expint_slope
from repeatly.models._kernels import BetaGeoLimitKernel, ParetoNBDLimitKernel

# a customer base that drops out at one rate: the demo shop's limit, rounded
R, ALPHA, MU = 0.76, 4.0, 0.014
HISTORIES = [(0, 0.0, 30.0), (2, 10.0, 39.0), (7, 12.0, 25.0), (60, 38.0, 39.0), (3, 0.5, 200.0)]


# --- e^z E_p(z) --------------------------------------------------------------------------


@pytest.mark.parametrize("p", [1, 2, 3, 5, 10, 24, 25, 30])
def test_scaled_expint_equals_scipys_whole_order_expn(p):
    z = np.array([1e-9, 1e-3, 0.05, 0.5, 1.0, 1.999, 2.0, 2.001, 7.0, 40.0, 300.0])
    value, slope = scaled_expint_slope(float(p), z)
    np.testing.assert_allclose(value, np.exp(z) * expn(p, z), rtol=5e-14)
    # on through the pole a whole order shares with the series' first term: the value
    # next to it is the value there plus the slope times the step
    for step in (-1e-9, -1e-12, 1e-12, 1e-9):
        np.testing.assert_allclose(scaled_expint(p + step, z), value + step * slope, rtol=1e-13)


@pytest.mark.parametrize("p", [1e-3, 0.3, 0.5, 0.76, 1.04, 1.5, 2.96, 7.3, 24.99, 31.2])
def test_scaled_expint_equals_numerical_integration(p):
    # S_p(z) = int_0^inf e^(-z u) (1 + u)^-p du, here as int over v = log(1 + u), up to
    # where z (e^v - 1) = 800 and the rest is below 1e-340
    for z in (1e-4, 0.05, 0.5, 1.99, 2.01, 10.0):

        def integrand(v, z=z):
            return np.exp(-z * np.expm1(v) + (1.0 - p) * v)

        top = np.log1p(800.0 / z)
        exact, _ = quad(integrand, 0, top, epsabs=0, epsrel=1e-13, limit=400)
        assert scaled_expint(p, z)[()] == pytest.approx(exact, rel=1e-11), z


@settings(max_examples=200, deadline=None)
@given(
    p=st.floats(1e-3, 60.0),
    log_z=st.floats(np.log(1e-6), np.log(1e3)),
)
def test_scaled_expint_keeps_its_recurrence_and_its_slope_is_the_derivative(p, log_z):
    # DLMF 8.19.12, p E_(p+1)(z) + z E_p(z) = e^(-z), scaled by e^z: both terms positive
    z = float(np.exp(log_z))
    assert p * scaled_expint(p + 1.0, z)[()] + z * scaled_expint(p, z)[()] == pytest.approx(
        1.0, abs=1e-12
    )
    value, slope = scaled_expint_slope(p, z)
    h = 1e-5 * max(p, 1e-2)
    central = (scaled_expint(p + h, z)[()] - scaled_expint(p - h, z)[()]) / (2 * h)
    assert slope[()] == pytest.approx(central, rel=1e-5, abs=1e-9 * value[()])
    assert slope[()] < 0  # a higher order, a faster falling integrand


# --- Pareto/NBD with one dropout rate -----------------------------------------------------


def _pareto_common_dropout_by_integration(r, alpha, mu, x, t_x, T):
    """The individual likelihood integrated over the purchase rate, in log lambda."""

    def integrand(u):
        lam = np.exp(u)
        log_gamma = r * np.log(alpha) + r * u - alpha * lam - gammaln(r)
        alive = x * u - (lam + mu) * T
        # mu/(lambda+mu) (e^-(lambda+mu) t_x - e^-(lambda+mu) T), in logs
        rate = lam + mu
        left = x * u + np.log(mu / rate) - rate * t_x + np.log(-np.expm1(-rate * (T - t_x)))
        return np.exp(log_gamma + np.logaddexp(alive, left) - shift)

    # around the integrand's peak, log lambda near log((r + x) / (alpha + t_x)), scaled
    # by its value there
    centre = np.log((r + x) / (alpha + t_x))
    shift = 0.0
    shift = float(np.log(integrand(centre)))
    value, _ = quad(integrand, centre - 40, centre + 8, epsabs=0, epsrel=1e-12, limit=400)
    return np.log(value) + shift


@pytest.mark.parametrize(("x", "t_x", "T"), HISTORIES)
def test_pareto_nbd_common_dropout_likelihood_equals_integration_over_purchase_rates(x, t_x, T):
    expected = _pareto_common_dropout_by_integration(R, ALPHA, MU, x, t_x, T)
    assert limit.log_likelihood(R, ALPHA, MU, x, t_x, T)[()] == pytest.approx(expected, rel=1e-10)


def _along_the_ridge(f):
    """Richardson's extrapolation to s -> inf of f(s), from s = 25, 50 and 100.

    f(s) = f(inf) + c1/s + c2/s^2 + ...: (8 f(100) - 6 f(50) + f(25)) / 3 removes both,
    leaving terms of order 1/s^3 (scipy's hyp2f1, in the full model, fails beyond s of
    about 170).
    """
    return (8 * f(100.0) - 6 * f(50.0) + f(25.0)) / 3


def test_the_full_pareto_nbd_tends_to_its_common_dropout_limit_along_the_ridge():
    # s and beta grow with s / beta = mu kept: the full model's own closed forms
    # (equations 22-24 of Fader & Hardie's note) tend to the limit's, term by term; at
    # s = 100 they still differ by 0.02% to 4%, extrapolated by a few millionths
    x, t_x, T = (np.array(c, dtype=float) for c in zip(*HISTORIES, strict=True))

    def full(name, *args):
        return lambda s: getattr(_pareto_nbd, name)(R, ALPHA, s, s / MU, *args)

    for name, args in [
        ("log_likelihood", (x, t_x, T)),
        ("probability_alive", (x, t_x, T)),
        ("conditional_expected_purchases", (26.0, x, t_x, T)),
        ("probability_no_purchase", (26.0, x, t_x, T)),
    ]:
        at_limit = getattr(limit, name)(R, ALPHA, MU, *args)
        np.testing.assert_allclose(
            _along_the_ridge(full(name, *args)), at_limit, rtol=3e-6, atol=1e-9
        )
    t = np.array([1.0, 26.0, 104.0])
    np.testing.assert_allclose(
        _along_the_ridge(lambda s: _expected.pareto_nbd_expected(R, ALPHA, s, s / MU, t)),
        limit.expected_purchases_new(R, ALPHA, MU, t),
        rtol=1e-6,
    )


def test_the_common_dropout_kernel_sums_the_rows_and_its_gradient_is_the_derivative():
    s = load_cdnow_summary()
    x, t_x, T = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    w = np.linspace(0.5, 2.0, len(x))
    kernel = ParetoNBDLimitKernel(x, t_x, T, w)
    for params in ([R, ALPHA, MU], [1.0, 1.0, 1.0], [2.3, 0.5, 3e-4], [0.05, 30.0, 0.2]):
        p = np.array(params)
        value, gradient = kernel(p)
        assert value == pytest.approx(np.dot(w, limit.log_likelihood(*p, x, t_x, T)), rel=1e-12)
        steps = 1e-6 * p
        central = [
            (kernel(p + steps[i] * e)[0] - kernel(p - steps[i] * e)[0]) / (2 * steps[i])
            for i, e in enumerate(np.eye(3))
        ]
        np.testing.assert_allclose(gradient, central, rtol=1e-5, atol=1e-6 * abs(value))


# --- BG/NBD and MBG/NBD with one dropout probability --------------------------------------


def test_bgnbd_and_mbgnbd_tend_to_their_common_dropout_limits():
    # a = p kappa, b = (1 - p) kappa: the beta's spread p (1-p) / (kappa + 1) vanishes
    r, alpha, p = 0.56, 2.7, 0.064
    x, t_x, T = (np.array(c, dtype=float) for c in zip(*HISTORIES, strict=True))
    a, b = p * 1e8, (1 - p) * 1e8
    t = np.array([5.0, 50.0])
    for full, at_limit in ((_bgnbd, BGNBD), (_mbgnbd, MBGNBD)):
        for name, args in [
            ("log_likelihood", (x, t_x, T)),
            ("probability_alive", (x, t_x, T)),
            ("conditional_expected_purchases", (20.0, x, t_x, T)),
            ("probability_no_purchase", (20.0, x, t_x, T)),
        ]:
            np.testing.assert_allclose(
                getattr(at_limit, name)(r, alpha, p, *args),
                getattr(full, name)(r, alpha, a, b, *args),
                rtol=1e-6,
            )
    np.testing.assert_allclose(
        BGNBD.expected_purchases_new(r, alpha, p, t),
        _expected.bgnbd_expected(r, alpha, a, b, t),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        MBGNBD.expected_purchases_new(r, alpha, p, t),
        _expected.mbgnbd_expected(r, alpha, a, b, t),
        rtol=1e-6,
    )


@pytest.mark.parametrize("first_too", [False, True])
def test_the_common_probability_kernels_gradient_is_the_derivative_in_the_odds(first_too):
    s = load_cdnow_summary()
    x, t_x, T = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    w = np.linspace(0.5, 2.0, len(x))
    kernel = BetaGeoLimitKernel(x, t_x, T, w, first_too=first_too)
    maths = MBGNBD if first_too else BGNBD
    for params in ([0.24, 4.4, 0.3], [1.5, 0.7, 3.0], [0.05, 30.0, 0.01]):
        p = np.array(params)
        value, gradient = kernel(p)
        probability = p[2] / (1 + p[2])
        assert value == pytest.approx(
            np.dot(w, maths.log_likelihood(p[0], p[1], probability, x, t_x, T)), rel=1e-12
        )
        steps = 1e-6 * p
        central = [
            (kernel(p + steps[i] * e)[0] - kernel(p - steps[i] * e)[0]) / (2 * steps[i])
            for i, e in enumerate(np.eye(3))
        ]
        np.testing.assert_allclose(gradient, central, rtol=1e-5, atol=1e-6 * abs(value))


# --- fits at the edge -----------------------------------------------------------------------


def _pareto_customers(r, alpha, mu, n, T, rng):
    """Customers of the Pareto/NBD story with one dropout rate: gamma purchase rates,
    exponential lifetimes of rate mu, observed for T."""
    lam = rng.gamma(r, 1 / alpha, n)
    life = rng.exponential(1 / mu, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        end, t = min(life[i], T), 0.0
        while (t := t + rng.exponential(1 / lam[i])) <= end:
            x[i] += 1
            t_x[i] = t
    return x, t_x, np.full(n, T)


def _bg_customers(r, alpha, p, n, T, rng, *, first_too=False):
    """Customers of the BG/NBD story (MBG/NBD with ``first_too``) with one dropout
    probability p after each purchase."""
    lam = rng.gamma(r, 1 / alpha, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        if first_too and rng.random() < p:
            continue
        t = 0.0
        while (t := t + rng.exponential(1 / lam[i])) <= T:
            x[i] += 1
            t_x[i] = t
            if rng.random() < p:
                break
    return x, t_x, np.full(n, T)


def test_pareto_nbd_fits_its_limit_to_customers_who_drop_out_at_one_rate():
    rng = np.random.default_rng(7)
    x, t_x, T = _pareto_customers(0.8, 4.0, 0.02, 6000, 78.0, rng)
    rows = pd.DataFrame({"x": x, "t_x": t_x.round(1), "T": T}).value_counts().reset_index()
    model = ParetoNBDModel().fit(rows.x, rows.t_x, rows["T"], weights=rows["count"])
    assert model.limit_ is not None and model.limit_.key == "common_dropout"
    assert set(model.params_) == {"r", "alpha", "mu"}
    assert model.spread_score_ <= 0
    se = model.standard_errors_
    for name, truth in {"r": 0.8, "alpha": 4.0, "mu": 0.02}.items():
        assert abs(model.params_[name] - truth) < 3 * se[name], name
    # the predictions are the limit's
    np.testing.assert_array_equal(
        model.probability_alive(x[:50], t_x[:50], T[:50]),
        limit.probability_alive(*model.params_.values(), x[:50], t_x[:50], T[:50]),
    )
    data = model.to_dict()
    assert data["limit"]["name"] == "common_dropout"
    assert data["limit"]["replaces"] == ["s", "beta"]
    assert data["at_bounds"] == {}


@pytest.mark.parametrize(
    ("model", "first_too", "seed"), [(BetaGeoModel, False, 0), (ModifiedBetaGeoModel, True, 1)]
)
def test_bgnbd_and_mbgnbd_fit_their_limit_to_customers_with_one_dropout_probability(
    model, first_too, seed
):
    # seeds for which the full fit runs along the ridge (with a boundary truth, about
    # half of all samples put the optimum on the edge: Self & Liang 1987)
    rng = np.random.default_rng(seed)
    x, t_x, T = _bg_customers(0.8, 4.0, 0.15, 3000, 52.0, rng, first_too=first_too)
    fitted = model().fit(x, t_x, T)
    assert fitted.limit_ is not None and set(fitted.params_) == {"r", "alpha", "p"}
    assert fitted.spread_score_ <= 0
    assert abs(fitted.params_["p"] - 0.15) < 3 * fitted.standard_errors_["p"]
    assert fitted.params_["r"] / fitted.params_["alpha"] == pytest.approx(0.2, rel=0.1)
    # no full model with a spread fits better: the full fit's best along its ridge
    full = model()
    full.limit = None
    assert full.fit(x, t_x, T).log_likelihood_ <= fitted.log_likelihood_ + 1e-6


def test_models_with_a_spread_of_dropout_stay_inside():
    # CDNOW: Pareto/NBD tries its limit first, finds that a spread fits better, and ends
    # at the published optimum (test_models checks the figures)
    s = load_cdnow_summary()
    model = ParetoNBDModel().fit(s.frequency, s.recency, s["T"])
    assert model.limit_ is None and model.spread_score_ > 0
    assert set(model.params_) == {"r", "alpha", "s", "beta"}
    assert model.to_dict()["limit"] is None
    # a penalty keeps every fit inside: s and beta cannot grow without cost
    rng = np.random.default_rng(7)
    x, t_x, T = _pareto_customers(0.8, 4.0, 0.02, 1500, 78.0, rng)
    penalised = ParetoNBDModel(penalizer=0.001).fit(x, t_x.round(1), T)
    assert penalised.limit_ is None and penalised.spread_score_ is None


@pytest.fixture(scope="module")
def demo_calibration_rows():
    """The distinct rows `repeatly demo` fits on: make_shop(3000, seed=0), 182 days held out."""
    import repeatly
    from repeatly.analytics import distinct_rows, model_summary
    from repeatly.datasets import make_shop

    shop = make_shop(3000, seed=0)
    lines = repeatly.data.from_frame(shop.orders, "orders")
    cut = shop.end - dt.timedelta(days=182)
    rows = distinct_rows(model_summary(lines, calibration_end=cut, unit="week")).to_pandas()
    return tuple(rows[c].to_numpy(float) for c in ("frequency", "recency", "T", "weight"))


@pytest.mark.slow
def test_pareto_nbd_on_the_demo_is_its_limit_with_the_previous_optimum(demo_calibration_rows):
    x, t_x, T, w = demo_calibration_rows
    assert len(x) == 2454 and w.sum() == 2752
    model = ParetoNBDModel().fit(x, t_x, T, w)
    assert model.limit_ is not None and model.spread_score_ < 0
    r, alpha, mu = (model.params_[n] for n in ("r", "alpha", "mu"))

    def full(s):
        return float(np.dot(w, _pareto_nbd.log_likelihood(r, alpha, s, s / mu, x, t_x, T)))

    # the limit is the supremum along the ridge: the full model's likelihood rises
    # towards it as s grows, and Richardson's extrapolation of it lands on it
    ridge = [full(s) for s in (25.0, 50.0, 100.0)]
    assert ridge[0] < ridge[1] < ridge[2] < model.log_likelihood_
    assert _along_the_ridge(full) == pytest.approx(model.log_likelihood_, rel=1e-8)
    # and the score is its slope in 1/s there: LL(s) = LL(inf) + score / s + ...
    assert (ridge[2] - model.log_likelihood_) * 100 == pytest.approx(model.spread_score_, rel=0.05)
    # Before the limit was fitted, the fit on these rows wandered along the ridge for about
    # ten seconds and stopped at r 0.756961, alpha 3.986315, s 125.715881, beta 9016.254175
    # (as it printed them). Its log-likelihood, by the full model's own function:
    previous = float(
        np.dot(
            w, _pareto_nbd.log_likelihood(0.756961, 3.986315, 125.715881, 9016.254175, x, t_x, T)
        )
    )
    assert previous == pytest.approx(-39487.711, abs=1e-3)
    assert model.log_likelihood_ >= previous
    assert abs(model.log_likelihood_ - previous) / abs(previous) < 1e-4
    assert mu == pytest.approx(125.715881 / 9016.254175, rel=0.01)  # the same ridge


def test_an_active_customers_expectation_is_the_conditional_one_over_p_alive():
    # the forecast takes each model's own active_expected once per (x, T) pair: it is
    # the expectation of a customer who has just bought (t_x = T) over their P(alive)
    x = np.array([0.0, 1, 3, 10, 60])
    T = np.array([30.0, 39, 39, 25, 39])
    cases = [
        (_bgnbd, (0.243, 4.414, 0.793, 2.426)),
        (_mbgnbd, (0.525, 6.183, 0.891, 1.614)),
        (_pareto_nbd, (0.553, 10.578, 0.606, 11.669)),
        (limit, (R, ALPHA, MU)),
        (BGNBD, (0.56, 2.7, 0.064)),
        (MBGNBD, (0.56, 2.7, 0.064)),
    ]
    for maths, params in cases:
        for t in (1.0, 26.0, 104.0):
            np.testing.assert_allclose(
                maths.active_expected(*params, t, x, T),
                maths.conditional_expected_purchases(*params, t, x, T, T)
                / maths.probability_alive(*params, x, T, T),
                rtol=1e-12,
            )
