"""Per-customer predictions of the buy-till-you-die models.

P(alive), expected purchases and the probability of no purchase in a window, checked
against published figures, against independent simulations of each model's story, against
quadrature over the rates, and for heavy buyers and edge cases.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import roots_genlaguerre, roots_jacobi

from repeatly.datasets import load_donations
from repeatly.models import BetaGeoBetaBinomModel, _bgbb, _bgnbd, _mbgnbd, _pareto_nbd

# Fader, Hardie & Lee (2005), CDNOW, 39-week calibration in weeks
CDNOW_BGNBD = (0.243, 4.414, 0.793, 2.426)
CDNOW_PARETO = (0.553, 10.578, 0.606, 11.669)
# Batislam, Denizel & Filiztekin (2007) as in BTYDplus, CDNOW
CDNOW_MBGNBD = (0.525, 6.183, 0.891, 1.614)
# Fader, Hardie & Shang (2010), 11,104 donors, 6 opportunities
DONATIONS_BGBB = (1.204, 0.750, 0.657, 2.783)

CONTINUOUS = {"bgnbd": _bgnbd, "mbgnbd": _mbgnbd, "pareto_nbd": _pareto_nbd}
CDNOW_PARAMS = {"bgnbd": CDNOW_BGNBD, "mbgnbd": CDNOW_MBGNBD, "pareto_nbd": CDNOW_PARETO}


# --- published figures ---------------------------------------------------------------


def test_bgnbd_matches_fader_hardie_lee_2005_worked_example():
    # the paper's worked example: x = 2, t_x = 30.43, T = 38.86, the next 39 weeks -> 1.226
    expected = _bgnbd.conditional_expected_purchases(*CDNOW_BGNBD, 39, 2, 30.43, 38.86)
    assert expected[()] == pytest.approx(1.226, abs=5e-4)
    # no purchase: either gone, or alive and the gamma(r+x, alpha+T) rate gives none
    r, alpha = CDNOW_BGNBD[:2]
    alive = _bgnbd.probability_alive(*CDNOW_BGNBD, 2, 30.43, 38.86)
    none_if_alive = ((alpha + 38.86) / (alpha + 38.86 + 39)) ** (r + 2)
    assert _bgnbd.probability_no_purchase(*CDNOW_BGNBD, 39, 2, 30.43, 38.86) == pytest.approx(
        1 - alive + alive * none_if_alive, rel=1e-12
    )


def test_pareto_nbd_matches_btyd_published_examples():
    # BTYD (R package, CRAN), help page of pnbd.PAlive: params (0.55, 10.56, 0.61, 11.64),
    # x = 0, t.x = 0, T.cal = 39 -> 0.2924031; and 1 when t.x = T.cal
    btyd = (0.55, 10.56, 0.61, 11.64)
    assert _pareto_nbd.probability_alive(*btyd, 0, 0, 39)[()] == pytest.approx(0.2924031, abs=5e-8)
    assert _pareto_nbd.probability_alive(*btyd, 23, 39, 39)[()] == 1.0
    # BTYD walkthrough (vignette), CDNOW customer 1516: x = 26, t.x = 30.86, T.cal = 31,
    # expects 25.46 transactions in the next 52 weeks (also checked by lifetimes' tests)
    expected = _pareto_nbd.conditional_expected_purchases(*CDNOW_PARETO, 52, 26, 30.86, 31)
    assert expected[()] == pytest.approx(25.46, abs=0.005)


def test_bgbb_matches_fader_hardie_shang_2010_donations():
    # Fader, Hardie & Shang (2010), P(alive in 2002) by recency and frequency (as checked by
    # lifetimes' tests): last donation in 1995 with none after -> 0.11, two repeat donations
    # the last in 1999 -> 0.59, six repeat donations the last in 2001 -> 0.93
    alive = _bgbb.probability_alive(*DONATIONS_BGBB, [0, 2, 6], [0, 4, 6], 6)
    np.testing.assert_allclose(alive, [0.11, 0.59, 0.93], atol=0.005)
    # Hardie's BG/BB spreadsheet (brucehardie.com note 010), sheet "Conditional
    # Expectations (II)": 12,884.2 repeat donations expected from the donors in 2002-2006
    d = load_donations()
    p = BetaGeoBetaBinomModel().fit(d.frequency, d.recency, d.periods, weights=d.weights).params_
    expected = _bgbb.conditional_expected_purchases(
        *p.values(), 5, d.frequency, d.recency, d.periods
    )
    # the figure is given to 0.1 and the fit stops within its tolerance of the optimum
    assert float(np.dot(expected, d.weights)) == pytest.approx(12884.2, abs=0.1)


# --- quadrature over the rates, free of hypergeometric functions ------------------------


def _gamma_rule(shape, rate, k=100):
    """Nodes and weights for E[g(lam)], lam ~ gamma(shape, rate)."""
    u, w = roots_genlaguerre(k, shape - 1)
    return u / rate, w / w.sum()


def _beta_rule(a, b, k=100):
    """Nodes and weights for E[g(p)], p ~ beta(a, b)."""
    u, w = roots_jacobi(k, b - 1, a - 1)
    return (1 + u) / 2, w / w.sum()


@pytest.mark.parametrize("params", [CDNOW_PARETO, (0.8, 8.0, 1.3, 5.0), (2.0, 3.0, 0.7, 30.0)])
@pytest.mark.parametrize(("x", "t_x", "T"), [(0, 0, 39), (2, 30, 39), (7, 12, 25), (60, 38, 39)])
def test_pareto_nbd_agrees_with_quadrature_over_the_rates(params, x, t_x, T):
    r, alpha, s, beta = params
    # alive at T vs left in (t_x, T], both over the prior; their common factor
    # Gamma(r+x) alpha^r beta^s / Gamma(r) dropped. Leaving in (t_x, T] integrates to
    # (alpha+t_x)^-(r+x) s (beta+t_x)^-(s+1) E[(1 - exp(-(lam+mu)(T-t_x))) / (lam+mu)]
    # with lam ~ gamma(r+x, alpha+t_x), mu ~ gamma(s+1, beta+t_x)
    lam, w_lam = _gamma_rule(r + x, alpha + t_x)
    mu, w_mu = _gamma_rule(s + 1, beta + t_x)
    rate = lam[:, None] + mu[None, :]
    mean = w_lam @ (-np.expm1(-rate * (T - t_x)) / rate) @ w_mu
    log_left_over_alive = (
        np.log(s)
        - np.log(beta + t_x)
        + np.log(mean)
        + (r + x) * np.log((alpha + T) / (alpha + t_x))
        + s * np.log((beta + T) / (beta + t_x))
    )
    alive = 1 / (1 + np.exp(log_left_over_alive))
    assert _pareto_nbd.probability_alive(*params, x, t_x, T)[()] == pytest.approx(alive, rel=1e-9)
    # alive at T, the rates are gamma(r+x, alpha+T) and gamma(s, beta+T); over the next t
    # the customer buys lam/mu (1 - exp(-mu t)), and makes no purchase with probability
    # mu/(lam+mu) + lam/(lam+mu) exp(-(lam+mu) t)
    t = 20.0
    lam, w_lam = _gamma_rule(r + x, alpha + T)
    mu, w_mu = _gamma_rule(s, beta + T)
    lm, mm = lam[:, None], mu[None, :]
    buys = w_lam @ (lm / mm * -np.expm1(-mm * t)) @ w_mu
    quiet = w_lam @ (mm / (lm + mm) + lm / (lm + mm) * np.exp(-(lm + mm) * t)) @ w_mu
    assert _pareto_nbd.conditional_expected_purchases(*params, t, x, t_x, T)[()] == pytest.approx(
        alive * buys, rel=1e-9
    )
    assert _pareto_nbd.probability_no_purchase(*params, t, x, t_x, T)[()] == pytest.approx(
        1 - alive + alive * quiet, rel=1e-9
    )


@pytest.mark.parametrize("params", [CDNOW_MBGNBD, (0.8, 4.0, 1.7, 3.0), (1.5, 2.0, 0.4, 0.9)])
@pytest.mark.parametrize(("x", "t_x", "T"), [(0, 0, 39), (2, 30, 39), (40, 38, 39)])
def test_mbgnbd_expected_purchases_agree_with_quadrature_over_the_rates(params, x, t_x, T):
    r, alpha, a, b = params
    # alive at T: rate gamma(r+x, alpha+T), dropout beta(a, b+x+1) (the first purchase
    # and x repeats survived), and over the next t E[purchases] = (1 - exp(-lam p t)) / p
    t = 30.0
    lam, w_lam = _gamma_rule(r + x, alpha + T)
    p, w_p = _beta_rule(a, b + x + 1)
    lp = lam[:, None] * p[None, :]
    buys = w_lam @ (-np.expm1(-lp * t) / p[None, :]) @ w_p
    alive = _mbgnbd.probability_alive(*params, x, t_x, T)
    assert _mbgnbd.conditional_expected_purchases(*params, t, x, t_x, T) == pytest.approx(
        alive * buys, rel=1e-9
    )


# --- simulated truth --------------------------------------------------------------------


def _simulate_bgnbd(r, alpha, a, b, T, t, n, rng, *, drop_at_start=False):
    """BG/NBD customers (MBG/NBD with ``drop_at_start``) observed over (0, T+t].

    Purchases come at rate lam while alive; right after each purchase (and, for MBG/NBD,
    right after the first one at time 0) the customer leaves with probability p. Returns
    x and t_x in (0, T], whether alive at T, and the purchases in (T, T+t].
    """
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    x, t_x, window, clock = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    left_at = np.full(n, np.inf)
    if drop_at_start:
        left_at[rng.random(n) < p] = 0.0
    active = np.flatnonzero(np.isinf(left_at))
    while active.size:
        clock[active] += rng.exponential(1 / lam[active])
        active = active[clock[active] <= T + t]
        now = clock[active]
        before = now <= T
        x[active[before]] += 1
        t_x[active[before]] = now[before]
        window[active[~before]] += 1
        leaves = rng.random(active.size) < p[active]
        left_at[active[leaves]] = now[leaves]
        active = active[~leaves]
    return x, t_x, left_at > T, window


def _simulate_pareto_nbd(r, alpha, s, beta, T, t, n, rng):
    """Pareto/NBD customers: purchases at rate lam during an exponential(mu) lifetime."""
    lam = rng.gamma(r, 1 / alpha, n)
    lifetime = rng.exponential(1 / rng.gamma(s, 1 / beta, n))
    end = np.minimum(lifetime, T + t)
    x, t_x, window, clock = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    active = np.arange(n)
    while active.size:
        clock[active] += rng.exponential(1 / lam[active])
        active = active[clock[active] <= end[active]]
        now = clock[active]
        before = now <= T
        x[active[before]] += 1
        t_x[active[before]] = now[before]
        window[active[~before]] += 1
    return x, t_x, lifetime > T, window


def _simulate_bgbb(alpha, beta, gamma, delta, periods, n_star, n, rng):
    """BG/BB customers over periods + n_star opportunities.

    At the start of each opportunity a customer still alive leaves with probability
    theta; one still alive then buys with probability p. Returns x and t_x over the first
    ``periods``, whether alive in period ``periods + 1``, and the transactions after.
    """
    p = rng.beta(alpha, beta, n)
    theta = rng.beta(gamma, delta, n)
    alive = np.ones(n, dtype=bool)
    x, t_x, window = np.zeros(n), np.zeros(n), np.zeros(n)
    alive_next = alive
    for period in range(1, periods + n_star + 1):
        alive = alive & (rng.random(n) >= theta)
        if period == periods + 1:
            alive_next = alive
        buys = alive & (rng.random(n) < p)
        if period <= periods:
            x += buys
            t_x[buys] = period
        else:
            window += buys
    return x, t_x, alive_next, window


def _groups(x, t_x, recent_from):
    """Customers by history: the predictions must hold within each group, not just overall."""
    recent = t_x >= recent_from
    some, many = (x >= 1) & (x <= 2), x >= 3
    return {
        "everyone": np.ones(x.shape, dtype=bool),
        "x = 0": x == 0,
        "x 1-2, early": some & ~recent,
        "x 1-2, recent": some & recent,
        "x >= 3, early": many & ~recent,
        "x >= 3, recent": many & recent,
    }


def _assert_calibrated(what, simulated, predicted, groups):
    """Mean prediction = mean simulated outcome within 4 Monte Carlo standard errors."""
    for name, rows in groups.items():
        assert rows.sum() >= 2000, f"{name}: only {rows.sum()} simulated customers"
        gap = simulated[rows] - predicted[rows]
        error = gap.std(ddof=1) / np.sqrt(rows.sum())
        assert abs(gap.mean()) <= 4 * error, (
            f"{what}, {name}: simulated {simulated[rows].mean():.5f}, predicted "
            f"{predicted[rows].mean():.5f}, 4 standard errors = {4 * error:.5f}"
        )


def _assert_predictions_match(maths, params, t, simulated, *, recent_from):
    x, t_x, T, alive, window = simulated
    groups = _groups(x, t_x, recent_from)
    _assert_calibrated(
        "P(alive)", alive.astype(float), maths.probability_alive(*params, x, t_x, T), groups
    )
    _assert_calibrated(
        "purchases", window, maths.conditional_expected_purchases(*params, t, x, t_x, T), groups
    )
    _assert_calibrated(
        "no purchase",
        (window == 0).astype(float),
        maths.probability_no_purchase(*params, t, x, t_x, T),
        groups,
    )


N = 200_000


@pytest.mark.parametrize("maths", [_bgnbd, _mbgnbd], ids=["bgnbd", "mbgnbd"])
def test_bgnbd_and_mbgnbd_predictions_match_simulated_customers(maths):
    # active buyers who leave often: several purchases per window, so the dropout
    # posterior (beta(a, b+x) for BG/NBD, beta(a, b+x+1) for MBG/NBD) shows
    params, T, t = (1.5, 3.0, 1.5, 3.0), 20.0, 40.0
    x, t_x, alive, window = _simulate_bgnbd(
        *params, T, t, N, np.random.default_rng(11), drop_at_start=maths is _mbgnbd
    )
    _assert_predictions_match(maths, params, t, (x, t_x, T, alive, window), recent_from=T / 2)


@pytest.mark.parametrize(
    "params", [(0.8, 4.0, 0.7, 20.0), (1.2, 9.0, 0.5, 6.0)], ids=["alpha<beta", "alpha>=beta"]
)
def test_pareto_nbd_predictions_match_simulated_customers(params):
    T, t = 40.0, 30.0
    x, t_x, alive, window = _simulate_pareto_nbd(*params, T, t, N, np.random.default_rng(12))
    _assert_predictions_match(_pareto_nbd, params, t, (x, t_x, T, alive, window), recent_from=T / 2)


def test_bgbb_predictions_match_simulated_customers():
    periods, n_star = 6, 5
    x, t_x, alive, window = _simulate_bgbb(
        *DONATIONS_BGBB, periods, n_star, N, np.random.default_rng(13)
    )
    _assert_predictions_match(
        _bgbb, DONATIONS_BGBB, n_star, (x, t_x, float(periods), alive, window), recent_from=5
    )


# --- heavy buyers and consistency -------------------------------------------------------


@pytest.mark.parametrize("name", CONTINUOUS)
def test_no_overflow_for_customers_with_5000_purchases(name):
    maths, params = CONTINUOUS[name], CDNOW_PARAMS[name]
    x = np.full(4, 5000.0)
    t_x = np.array([38.86, 38.5, 36.0, 30.0])  # just bought ... silent for 9 weeks
    T = 38.86
    alive = maths.probability_alive(*params, x, t_x, T)
    expected = maths.conditional_expected_purchases(*params, 39.0, x, t_x, T)
    quiet = maths.probability_no_purchase(*params, 39.0, x, t_x, T)
    for values in (alive, expected, quiet):
        assert np.all(np.isfinite(values))
    assert np.all((alive >= 0) & (alive <= 1)) and np.all((quiet >= 0) & (quiet <= 1))
    assert np.all(expected >= 0)
    assert expected[0] > 1000  # at ~100 purchases a week, one who just bought keeps buying
    assert alive[-1] < 1e-6 and quiet[-1] > 1 - 1e-6  # nine silent weeks mean gone
    assert np.all(np.diff(alive) <= 0)  # the longer the silence, the less likely alive


def test_bgbb_no_overflow_for_a_customer_with_5000_transactions():
    x = np.full(3, 5000.0)
    t_x = np.array([5200.0, 5195.0, 5150.0])
    alive = _bgbb.probability_alive(*DONATIONS_BGBB, x, t_x, 5200)
    expected = _bgbb.conditional_expected_purchases(*DONATIONS_BGBB, 10, x, t_x, 5200)
    quiet = _bgbb.probability_no_purchase(*DONATIONS_BGBB, 10, x, t_x, 5200)
    for values in (alive, expected, quiet):
        assert np.all(np.isfinite(values))
    assert np.all((alive >= 0) & (alive <= 1)) and np.all((quiet >= 0) & (quiet <= 1))
    assert 9 < expected[0] <= 10  # buys in ~96% of periods and has survived 5200
    assert alive[-1] < 1e-6 and expected[-1] < 1e-6


HISTORIES = (
    np.array([0.0, 1.0, 3.0, 12.0, 40.0]),
    np.array([0.0, 5.0, 30.0, 20.0, 38.0]),
    np.array([39.0, 39.0, 39.0, 25.0, 39.0]),
)


@pytest.mark.parametrize("name", CONTINUOUS)
def test_continuous_predictions_are_consistent_in_t(name):
    maths, params = CONTINUOUS[name], CDNOW_PARAMS[name]
    x, t_x, T = HISTORIES
    t = np.linspace(0.0, 200.0, 41)[:, None]  # broadcasts against the customers
    quiet = maths.probability_no_purchase(*params, t, x, t_x, T)
    expected = maths.conditional_expected_purchases(*params, t, x, t_x, T)
    assert quiet.shape == expected.shape == (41, 5)
    assert np.all(quiet[0] == 1.0) and np.all(expected[0] == 0.0)
    # falls (until it levels out at P(gone) for the heaviest buyer), and rises
    assert np.all(np.diff(quiet, axis=0) <= 0) and np.all(quiet[1] < 1)
    assert np.all(np.diff(expected, axis=0) > 0)
    # in the long run, one makes no more purchase exactly when one is gone
    alive = maths.probability_alive(*params, x, t_x, T)
    assert np.all(quiet[-1] >= 1 - alive)


def test_bgbb_predictions_are_consistent_in_n_star():
    x, t_x, n = np.array([0, 1, 3, 6]), np.array([0, 2, 6, 6]), 6
    n_star = np.arange(0, 15)[:, None]
    quiet = _bgbb.probability_no_purchase(*DONATIONS_BGBB, n_star, x, t_x, n)
    expected = _bgbb.conditional_expected_purchases(*DONATIONS_BGBB, n_star, x, t_x, n)
    assert quiet.shape == expected.shape == (15, 4)
    assert np.all(quiet[0] == 1.0) and np.all(expected[0] == 0.0)
    assert np.all(np.diff(quiet, axis=0) <= 0) and np.all(quiet[1] < 1)
    assert np.all(np.diff(expected, axis=0) > 0)
    alive = _bgbb.probability_alive(*DONATIONS_BGBB, x, t_x, n)
    # the first period: alive in period n+1 (and only then) one may buy, with mean p
    p_next = expected[1] / alive
    assert np.all((p_next > 0) & (p_next < 1))
    assert np.all(quiet[1] >= 1 - alive)


@pytest.mark.parametrize("gamma", [1.0, 1.0 + 1e-7, 1.0 - 1e-4, 1.01])
def test_bgbb_expected_transactions_are_smooth_through_gamma_one(gamma):
    # the paper's closed form divides by gamma - 1; the sum over periods does not
    from scipy.special import betaln

    alpha, beta, delta, n_star = 1.2, 0.75, 2.8, 5
    x, t_x = np.array([0.0, 3.0, 40.0]), np.array([0.0, 5.0, 90.0])
    n = np.array([6.0, 6.0, 100.0])
    ll = _bgbb.log_likelihood(alpha, beta, gamma, delta, x, t_x, n)
    stay = sum(
        np.exp(betaln(gamma, delta + n + k) - betaln(gamma, delta)) for k in range(1, n_star + 1)
    )
    direct = np.exp(betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta) - ll) * stay
    np.testing.assert_allclose(
        _bgbb.conditional_expected_purchases(alpha, beta, gamma, delta, n_star, x, t_x, n),
        direct,
        rtol=1e-9,
    )
