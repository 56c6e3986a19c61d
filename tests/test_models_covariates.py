"""BG/NBD and Pareto/NBD with time-invariant covariates (Fader & Hardie 2007).

Planted coefficients recovered from independent simulations of each model's story; the
plain models' CDNOW fits recovered when covariates carry nothing; the maths checked
against the scalar functions and against direct numerical integration.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad
from scipy.special import gammaln

from repeatly.datasets import load_cdnow_summary
from repeatly.exceptions import ConvergenceError, InputError, NotFittedError
from repeatly.models import BetaGeoModel, ParetoNBDModel, _bgnbd, _pareto_nbd
from repeatly.models._covariates import (
    BetaGeoCovariateModel,
    ParetoNBDCovariateModel,
    _bgnbd_slopes,
)

# the Pareto/NBD maths, used here with one set of parameters per row
pareto_nbd_log_likelihood = _pareto_nbd.log_likelihood
pareto_nbd_probability_alive = _pareto_nbd.probability_alive
pareto_nbd_conditional_expected_purchases = _pareto_nbd.conditional_expected_purchases


@pytest.fixture(scope="module")
def cdnow():
    return load_cdnow_summary()


def _history(frame):
    return frame.frequency, frame.recency, frame["T"]


# --- independent simulations of the two stories -----------------------------------------


def _customers(rng, n, weeks):
    """Acquisition channel (1 = web, 0 = store), standardised age, whole weeks observed."""
    web = rng.integers(0, 2, n).astype(float)
    age = (rng.integers(18, 71, n) - 44) / 15.0
    return np.column_stack([web, age]), rng.integers(*weeks, n).astype(float)


def _simulate_bgnbd(rng, n, *, r, alpha, a, b, g1, g2, g3, weeks=(20, 61)):
    """Poisson purchases while alive; after each purchase the customer leaves with prob p."""
    z, T = _customers(rng, n, weeks)
    lam = rng.gamma(r, 1 / (alpha * np.exp(-z @ g1)))
    p = rng.beta(a * np.exp(z @ g2), b * np.exp(z @ g3))
    now, x, t_x = np.zeros(n), np.zeros(n), np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        who = np.flatnonzero(active)
        now[who] += rng.exponential(1 / lam[who])
        bought = now[who] <= T[who]
        active[who[~bought]] = False
        buyers = who[bought]
        x[buyers] += 1
        t_x[buyers] = now[buyers]
        active[buyers[rng.random(len(buyers)) < p[buyers]]] = False
    return x, t_x, T, z


def _simulate_pnbd(rng, n, *, r, alpha, s, beta, g1, g2, weeks=(20, 61)):
    """Poisson purchases until an exponential lifetime ends (or observation does)."""
    z, T = _customers(rng, n, weeks)
    lam = rng.gamma(r, 1 / (alpha * np.exp(-z @ g1)))
    mu = rng.gamma(s, 1 / (beta * np.exp(-z @ g2)))
    end = np.minimum(rng.exponential(1 / mu), T)
    now, x, t_x = np.zeros(n), np.zeros(n), np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        who = np.flatnonzero(active)
        now[who] += rng.exponential(1 / lam[who])
        bought = now[who] <= end[who]
        active[who[~bought]] = False
        x[who[bought]] += 1
        t_x[who[bought]] = now[who[bought]]
    return x, t_x, T, z


def _distinct(x, t_x, T, z):
    """Rows sharing history and covariates merged, with their counts as weights."""
    frame = pd.DataFrame({"x": x, "t_x": t_x, "T": T, "web": z[:, 0], "age": z[:, 1]})
    rows = frame.groupby(list(frame.columns)).size().reset_index(name="n")
    return rows, rows[["web", "age"]]


BGNBD_TRUTH = {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 2.5}
BGNBD_COEFS = {"purchase": [0.7, -0.3], "dropout_a": [-0.5, 0.2], "dropout_b": [0.4, 0.0]}
PNBD_TRUTH = {"r": 0.5, "alpha": 6.0, "s": 0.8, "beta": 12.0}
PNBD_COEFS = {"purchase": [0.7, -0.3], "dropout": [-0.5, 0.2]}


def _assert_recovered(model, truth, coefs, *, max_se):
    for block, planted in coefs.items():
        for name, value in zip(("web", "age"), planted, strict=True):
            got = model.coefficients_[block][name]
            se = model.standard_errors_["coefficients"][block][name]
            assert 0 < se < max_se[block], (block, name, se)
            assert abs(got - value) < 3 * se, (block, name, got, value, se)
    for name, value in truth.items():
        got, se = model.params_[name], model.standard_errors_["params"][name]
        assert abs(got - value) < 3 * se and se < 0.15 * value, (name, got, value, se)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 12])
def test_bgnbd_recovers_planted_coefficients(seed):
    g = {k: np.array(v) for k, v in BGNBD_COEFS.items()}
    x, t_x, T, z = _simulate_bgnbd(
        np.random.default_rng(seed),
        30_000,
        **BGNBD_TRUTH,
        g1=g["purchase"],
        g2=g["dropout_a"],
        g3=g["dropout_b"],
    )
    rows, covariates = _distinct(x, t_x, T, z)  # merges the one-time buyers
    model = BetaGeoCovariateModel().fit(rows.x, rows.t_x, rows["T"], covariates, weights=rows.n)
    # the purchase process is pinned down to a few hundredths, dropout to about a tenth
    _assert_recovered(
        model,
        BGNBD_TRUTH,
        BGNBD_COEFS,
        max_se={"purchase": 0.03, "dropout_a": 0.12, "dropout_b": 0.15},
    )


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 12])
def test_pareto_nbd_recovers_planted_coefficients(seed):
    g = {k: np.array(v) for k, v in PNBD_COEFS.items()}
    x, t_x, T, z = _simulate_pnbd(
        np.random.default_rng(seed), 30_000, **PNBD_TRUTH, g1=g["purchase"], g2=g["dropout"]
    )
    rows, covariates = _distinct(x, t_x, T, z)  # merges the one-time buyers
    model = ParetoNBDCovariateModel().fit(rows.x, rows.t_x, rows["T"], covariates, weights=rows.n)
    _assert_recovered(model, PNBD_TRUTH, PNBD_COEFS, max_se={"purchase": 0.03, "dropout": 0.06})


# --- covariates that carry nothing give the plain models back ----------------------------


PLAIN = [(BetaGeoCovariateModel, BetaGeoModel), (ParetoNBDCovariateModel, ParetoNBDModel)]


@pytest.mark.parametrize(("covariate_model", "plain_model"), PLAIN)
def test_no_covariates_is_the_plain_model_on_cdnow(cdnow, covariate_model, plain_model):
    plain = plain_model().fit(*_history(cdnow))
    model = covariate_model().fit(*_history(cdnow), np.empty((len(cdnow), 0)))
    for name, value in plain.params_.items():
        # the same optimum: Pareto/NBD's likelihood is so flat along (s, beta) there that
        # two optimisers stopping within 1e-6 of its maximum may stand a thousandth of a
        # standard error apart (1e-4 of beta on CDNOW)
        assert abs(model.params_[name] - value) <= 0.01 * plain.standard_errors_[name], name
        # Pareto/NBD's errors come from a Hessian by finite differences of the
        # likelihood alone (no analytic gradient): two such Hessians of the same
        # function summed in different orders agree to a few parts in a thousand
        assert model.standard_errors_["params"][name] == pytest.approx(
            plain.standard_errors_[name], rel=5e-3
        ), name
    assert model.log_likelihood_ == pytest.approx(plain.log_likelihood_, abs=1e-6)
    assert all(block == {} for block in model.coefficients_.values())


@pytest.mark.parametrize(("covariate_model", "plain_model"), PLAIN)
def test_a_covariate_without_effect_leaves_the_plain_cdnow_fit(cdnow, covariate_model, plain_model):
    # CDNOW twice, once with z = 0 and once with z = 1: both groups behave identically,
    # so the best fit has every coefficient 0 and the plain model's parameters
    plain = plain_model().fit(*_history(cdnow))
    twice = pd.concat([cdnow, cdnow], ignore_index=True)
    z = pd.DataFrame({"copy": np.repeat([0.0, 1.0], len(cdnow))})
    model = covariate_model().fit(*_history(twice), z)
    for name, value in plain.params_.items():
        # the same optimum: Pareto/NBD's likelihood is so flat along (s, beta) there that
        # two optimisers stopping within 1e-6 of its maximum may stand a thousandth of a
        # standard error apart (1e-4 of beta on CDNOW)
        assert abs(model.params_[name] - value) <= 0.01 * plain.standard_errors_[name], name
    for block, values in model.coefficients_.items():
        assert abs(values["copy"]) < 1e-4, block
        assert model.standard_errors_["coefficients"][block]["copy"] > 0.05
    assert model.log_likelihood_ == pytest.approx(2 * plain.log_likelihood_, abs=1e-6)


@pytest.mark.parametrize("model_class", [BetaGeoCovariateModel, ParetoNBDCovariateModel])
def test_weighted_distinct_rows_equal_the_fit_on_every_customer(model_class):
    rng = np.random.default_rng(5)
    x, t_x, T, z = _simulate_bgnbd(
        rng,
        3000,
        **BGNBD_TRUTH,
        g1=np.array([0.7, -0.3]),
        g2=np.array([-0.5, 0.2]),
        g3=np.zeros(2),
        weeks=(38, 40),
    )
    t_x = np.floor(t_x)  # whole weeks and ages in 15 years, so that rows repeat
    z[:, 1] = np.round(z[:, 1])
    rows, covariates = _distinct(x, t_x, T, z)
    assert len(rows) < 0.6 * len(x)
    whole = model_class().fit(x, t_x, T, pd.DataFrame(z, columns=["web", "age"]))
    grouped = model_class().fit(rows.x, rows.t_x, rows["T"], covariates, weights=rows.n)
    for name, value in whole.params_.items():
        assert grouped.params_[name] == pytest.approx(value, rel=1e-5), name
        assert grouped.standard_errors_["params"][name] == pytest.approx(
            whole.standard_errors_["params"][name], rel=1e-3
        ), name
    for block, values in whole.coefficients_.items():
        for name, value in values.items():
            assert grouped.coefficients_[block][name] == pytest.approx(value, abs=1e-5)
            assert grouped.standard_errors_["coefficients"][block][name] == pytest.approx(
                whole.standard_errors_["coefficients"][block][name], rel=1e-3
            )
    assert grouped.log_likelihood_ == pytest.approx(whole.log_likelihood_, abs=1e-6)


# --- the maths ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        (0.553, 10.578, 0.606, 11.669),  # alpha < beta
        (0.553, 11.669, 0.606, 10.578),  # alpha > beta
        (0.553, 10.578, 0.606, 10.578),
    ],
)
def test_elementwise_pareto_nbd_likelihood_equals_the_scalar_one_on_cdnow(cdnow, params):
    scalar = _pareto_nbd.log_likelihood(*params, *_history(cdnow))
    rows = pareto_nbd_log_likelihood(*(np.full(len(cdnow), p) for p in params), *_history(cdnow))
    np.testing.assert_allclose(rows, scalar, rtol=1e-12, atol=1e-12)


def test_elementwise_pareto_nbd_likelihood_takes_each_rows_own_case(cdnow):
    rng = np.random.default_rng(0)
    some = cdnow.sample(200, random_state=0)
    alpha = rng.uniform(5, 15, len(some))  # about half above beta, half below
    rows = pareto_nbd_log_likelihood(0.55, alpha, 0.6, 10.0, *_history(some))
    one_by_one = [
        _pareto_nbd.log_likelihood(0.55, a, 0.6, 10.0, x, t_x, T)
        for a, x, t_x, T in zip(alpha, *_history(some), strict=True)
    ]
    np.testing.assert_allclose(rows, np.asarray(one_by_one, dtype=float), rtol=1e-12)


def _pareto_by_quadrature(r, alpha, s, beta, x, t_x, T, t):
    """Likelihood, P(alive) and expected purchases in the next t, integrating directly.

    With lambda ~ gamma(r, alpha) and mu ~ gamma(s, beta): E[lambda^x e^(-lambda u)] =
    G(r+x)/G(r) alpha^r / (alpha+u)^(r+x) and E[mu e^(-mu u)] = s beta^s/(beta+u)^(s+1).
    """

    def head(k, u):  # E[lambda^k exp(-lambda u)]
        return np.exp(gammaln(r + k) - gammaln(r) + r * np.log(alpha) - (r + k) * np.log(alpha + u))

    alive = head(x, T) * (beta / (beta + T)) ** s
    gone = quad(
        lambda u: head(x, u) * s * beta**s / (beta + u) ** (s + 1), t_x, T, epsabs=0, epsrel=1e-12
    )[0]
    # alive at T, then purchases at rate lambda until death: E[(1 - e^(-mu t)) / mu ...]
    ahead = (
        head(x + 1, T)
        * quad(lambda u: (beta / (beta + T + u)) ** s, 0, t, epsabs=0, epsrel=1e-12)[0]
    )
    return np.log(alive + gone), alive / (alive + gone), ahead / (alive + gone)


@pytest.mark.parametrize(
    "params",
    [
        (0.55, 10.6, 0.61, 11.7),
        (0.55, 11.7, 0.61, 10.6),
        (2.0, 3.0, 1.0, 20.0),
        (0.3, 20.0, 2.5, 4.0),
    ],
)
def test_pareto_nbd_maths_match_direct_numerical_integration(params):
    histories = [
        (0, 0.0, 38.86),
        (2, 30.43, 38.86),
        (1, 1.71, 38.86),
        (14, 20.0, 30.0),
        (5, 30.0, 30.0),
    ]
    for x, t_x, T in histories:
        ll, alive, ahead = _pareto_by_quadrature(*params, x, t_x, T, 39.0)
        assert pareto_nbd_log_likelihood(*params, x, t_x, T) == pytest.approx(ll, abs=1e-9)
        assert pareto_nbd_probability_alive(*params, x, t_x, T) == pytest.approx(alive, rel=1e-8)
        assert pareto_nbd_conditional_expected_purchases(
            *params[:4], 39.0, x, t_x, T
        ) == pytest.approx(ahead, rel=1e-8)


def test_bgnbd_slopes_are_the_derivatives_of_the_likelihood(cdnow):
    rng = np.random.default_rng(1)
    n = len(cdnow)
    rows = np.vstack(
        [np.full(n, 0.243), rng.uniform(2, 8, n), rng.uniform(0.4, 1.5, n), rng.uniform(0.8, 4, n)]
    )
    x, t_x, T = (np.asarray(v, dtype=float) for v in _history(cdnow))
    ll, slopes = _bgnbd_slopes(rows, x, t_x, T)
    np.testing.assert_allclose(ll, _bgnbd.log_likelihood(*rows, x, t_x, T), rtol=1e-14)
    for j in range(4):
        up, down = rows.copy(), rows.copy()
        up[j] *= np.exp(1e-6)
        down[j] *= np.exp(-1e-6)
        numeric = (
            _bgnbd.log_likelihood(*up, x, t_x, T) - _bgnbd.log_likelihood(*down, x, t_x, T)
        ) / 2e-6
        np.testing.assert_allclose(slopes[j], numeric, rtol=1e-6, atol=1e-7)


@pytest.fixture(scope="module")
def fitted_bgnbd(cdnow):
    # first purchase in January or in March 1997 (T: weeks to the end of September)
    z = pd.DataFrame(
        {"january": (cdnow["T"] > 35).astype(float), "march": (cdnow["T"] < 31).astype(float)}
    )
    return BetaGeoCovariateModel().fit(*_history(cdnow), z), z


def test_bgnbd_predictions_are_the_plain_ones_with_each_customers_parameters(cdnow, fitted_bgnbd):
    model, z = fitted_bgnbd
    some = cdnow.iloc[::97]
    zs = z.iloc[::97]
    own = model.customer_params(zs)
    alive = model.probability_alive(*_history(some), zs)
    ahead = model.expected_purchases(39, *_history(some), zs)
    for i, (x, t_x, T) in enumerate(zip(*_history(some), strict=True)):
        p = [own[name][i] for name in ("r", "alpha", "a", "b")]
        assert alive[i] == pytest.approx(_bgnbd.probability_alive(*p, x, t_x, T)[()], rel=1e-12)
        assert ahead[i] == pytest.approx(
            _bgnbd.conditional_expected_purchases(*p, 39, x, t_x, T)[()], rel=1e-12
        )
    # named columns are taken by name, in any order
    np.testing.assert_array_equal(
        model.probability_alive(*_history(some), zs[["march", "january"]]), alive
    )


def test_to_dict_is_json_ready(fitted_bgnbd):
    model, _ = fitted_bgnbd
    data = json.loads(json.dumps(model.to_dict(), allow_nan=False))
    assert data["model"] == "bgnbd"
    assert set(data["params"]) == {"r", "alpha", "a", "b"}
    assert set(data["coefficients"]) == {"purchase", "dropout_a", "dropout_b"}
    assert set(data["coefficients"]["purchase"]) == {"january", "march"}
    assert data["standard_errors"]["coefficients"]["dropout_b"]["january"] > 0
    assert data["log_likelihood"] == model.log_likelihood_


# --- bad input ---------------------------------------------------------------------------


def test_bad_covariates_are_refused_with_a_located_message(cdnow):
    history = _history(cdnow)
    n = len(cdnow)
    model = BetaGeoCovariateModel()
    with pytest.raises(InputError, match=r"purchase_covariates: expected 2357 rows.*got 10"):
        model.fit(*history, np.ones((10, 1)))
    with pytest.raises(InputError, match=r"expected a 2-D array.*reshape\(-1, 1\)"):
        model.fit(*history, np.arange(n, dtype=float))
    with pytest.raises(InputError, match="dropout_covariates: expected 2357 rows"):
        model.fit(*history, np.arange(n)[:, None], np.ones((n - 1, 1)))
    spend = pd.DataFrame({"spend": np.arange(n, dtype=float)}, index=cdnow.customer_id)
    spend.iloc[41, 0] = np.nan
    with pytest.raises(
        InputError,
        match=r"index '42', column \"spend\": expected a finite "
        r"number, got nan \(1 rows",
    ):
        model.fit(*history, spend)
    array = np.arange(2.0 * n).reshape(n, 2)
    array[7, 1] = np.inf
    with pytest.raises(InputError, match=r'row 7, column "x1": expected a finite number'):
        ParetoNBDCovariateModel().fit(*history, array)
    with pytest.raises(InputError, match='column "channel": expected numbers, got object'):
        model.fit(*history, pd.DataFrame({"channel": ["web"] * n}))
    with pytest.raises(InputError, match='column "zero": constant'):
        model.fit(*history, pd.DataFrame({"zero": np.zeros(n)}))
    with pytest.raises(InputError, match="linearly dependent"):
        web = (cdnow["T"] > 35).astype(float)
        model.fit(*history, pd.DataFrame({"web": web, "store": 1 - web}))
    with pytest.raises(InputError, match="recency <= T"):
        model.fit([1], [5.0], [4.0], np.ones((1, 1)))


def test_a_covariate_that_separates_buyers_from_the_rest_is_refused(cdnow):
    # only one-time buyers have never = 1: their purchase rate runs off to 0
    never = pd.DataFrame({"never": (cdnow.frequency == 0).astype(float)})
    with pytest.raises(ConvergenceError, match='purchase coefficient of "never" runs off'):
        BetaGeoCovariateModel().fit(*_history(cdnow), never)


def test_predicting_needs_a_fit_and_the_fits_columns(cdnow, fitted_bgnbd):
    with pytest.raises(NotFittedError):
        ParetoNBDCovariateModel().probability_alive([1], [1.0], [2.0], np.ones((1, 1)))
    model, z = fitted_bgnbd
    with pytest.raises(InputError, match=r"missing \['march'\]"):
        model.probability_alive(*_history(cdnow), z[["january"]])
    with pytest.raises(InputError, match="expected the 2 columns of the fit"):
        model.expected_purchases(10, *_history(cdnow), np.ones((len(cdnow), 3)))
