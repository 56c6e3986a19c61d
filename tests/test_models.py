"""BG/NBD and Gamma-Gamma against the published CDNOW figures, simulated truth and edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from repeatly.datasets import load_cdnow_summary
from repeatly.exceptions import InputError, NotFittedError
from repeatly.models import BetaGeoModel, GammaGammaModel, _bgnbd


@pytest.fixture(scope="module")
def cdnow():
    return load_cdnow_summary()


def test_bgnbd_matches_fader_hardie_lee_2005_cdnow(cdnow):
    # Fader, Hardie & Lee (2005), CDNOW sample, 39-week calibration in weeks:
    # r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4
    model = BetaGeoModel().fit(cdnow.frequency, cdnow.recency, cdnow["T"])
    p = model.params_
    assert p["r"] == pytest.approx(0.243, abs=0.0005)
    assert p["alpha"] == pytest.approx(4.414, abs=0.0005)
    assert p["a"] == pytest.approx(0.793, abs=0.0005)
    assert p["b"] == pytest.approx(2.426, abs=0.0005)
    assert model.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    # the paper's worked example: x = 2, t_x = 30.43, T = 38.86, the next 39 weeks -> 1.226
    assert model.expected_purchases(39, 2, 30.43, 38.86)[()] == pytest.approx(1.226, abs=5e-4)


def test_gamma_gamma_matches_fader_hardie_2013_cdnow(cdnow):
    # Fader & Hardie (2013), the 946 CDNOW repeat buyers: p = 6.25, q = 3.74, gamma = 15.44
    repeat = cdnow[cdnow.frequency > 0]
    assert len(repeat) == 946
    model = GammaGammaModel().fit(repeat.frequency, repeat.monetary_value)
    assert model.params_["p"] == pytest.approx(6.25, abs=0.01)
    assert model.params_["q"] == pytest.approx(3.74, abs=0.01)
    assert model.params_["gamma"] == pytest.approx(15.44, abs=0.01)
    spend = model.expected_spend(repeat.frequency, repeat.monetary_value)
    mean = model.params_["p"] * model.params_["gamma"] / (model.params_["q"] - 1)
    lo = np.minimum(repeat.monetary_value, mean)
    hi = np.maximum(repeat.monetary_value, mean)
    assert np.all((spend >= lo - 1e-6) & (spend <= hi + 1e-6))  # shrunk towards the mean


def test_weighted_fit_on_distinct_rows_equals_the_fit_on_every_customer(cdnow):
    rows = cdnow.groupby(["frequency", "recency", "T"]).size().reset_index(name="n")
    assert len(rows) < len(cdnow)
    whole = BetaGeoModel().fit(cdnow.frequency, cdnow.recency, cdnow["T"])
    grouped = BetaGeoModel().fit(rows.frequency, rows.recency, rows["T"], weights=rows.n)
    for name in whole.params_:
        assert grouped.params_[name] == pytest.approx(whole.params_[name], rel=1e-4)
    assert grouped.log_likelihood_ == pytest.approx(whole.log_likelihood_, abs=1e-6)


def _simulate(r, alpha, a, b, n, T, rng):
    """BG/NBD customers observed for T: an independent simulation of the story."""
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > T:
                break
            x[i] += 1
            t_x[i] = t
            if rng.random() < p[i]:
                break
    return x, t_x, np.full(n, T)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bgnbd_recovers_simulated_parameters(seed):
    truth = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}
    x, t_x, T = _simulate(*truth.values(), n=6000, T=52.0, rng=np.random.default_rng(seed))
    frame = pd.DataFrame({"x": x, "t_x": t_x, "T": T}).round(2)
    rows = frame.groupby(["x", "t_x", "T"]).size().reset_index(name="n")
    fitted = BetaGeoModel().fit(rows.x, rows.t_x, rows["T"], weights=rows.n).params_
    # the purchase process is pinned down well; dropout less so at this sample size
    assert fitted["r"] / fitted["alpha"] == pytest.approx(0.1, rel=0.1)
    assert fitted["r"] == pytest.approx(0.5, rel=0.25)
    assert fitted["a"] / (fitted["a"] + fitted["b"]) == pytest.approx(0.8 / 3.3, rel=0.3)


def test_no_overflow_for_a_customer_with_5000_purchases():
    params = (0.243, 4.414, 0.793, 2.426)
    x = np.array([5000.0, 5000.0, 0.0])
    t_x = np.array([38.86, 30.0, 0.0])  # just bought; silent for 9 weeks; never bought
    T = np.full(3, 38.86)
    ll = _bgnbd.log_likelihood(*params, x, t_x, T)
    alive = _bgnbd.probability_alive(*params, x, t_x, T)
    expected = _bgnbd.conditional_expected_purchases(*params, 39.0, x, t_x, T)
    assert np.all(np.isfinite(ll)) and np.all(np.isfinite(expected))
    assert np.all((alive >= 0) & (alive <= 1))
    assert expected[0] > 1000  # a very heavy buyer who just bought keeps buying
    assert alive[1] < 1e-6  # at ~130 purchases a week, nine silent weeks mean gone


def test_bad_input_and_unfitted_models():
    with pytest.raises(InputError, match="recency <= T"):
        BetaGeoModel().fit([1], [5.0], [4.0])
    with pytest.raises(NotFittedError):
        BetaGeoModel().probability_alive([1], [1.0], [2.0])
    with pytest.raises(InputError, match="repeat buyers"):
        GammaGammaModel().fit([0, 1], [10.0, 5.0])


def test_summary_from_raw_cdnow_transactions_equals_the_published_summary(cdnow):
    import datetime as dt

    import repeatly
    from repeatly.analytics import distinct_rows, model_summary
    from repeatly.datasets import load_cdnow

    sample = load_cdnow("sample")
    lines = repeatly.data.from_frame(sample, "orders")
    ours = model_summary(
        lines, calibration_end=dt.date(1997, 9, 30), unit="week", holdout_end=dt.date(1998, 6, 30)
    ).to_pandas()
    ids = sample.drop_duplicates("customer_id")[["customer_id", "sample_id"]]
    merged = ours.merge(ids, on="customer_id").merge(
        cdnow, left_on="sample_id", right_on="customer_id", suffixes=("", "_paper")
    )
    assert len(merged) == len(cdnow) == 2357
    assert (merged.frequency == merged.frequency_paper).all()
    for column in ("recency", "T", "monetary_value"):  # the file rounds to 2 decimals
        assert np.abs(merged[column] - merged[f"{column}_paper"]).max() <= 0.0051, column
    # fitting the engine's distinct rows gives the paper's parameters again
    rows = distinct_rows(model_summary(lines, calibration_end=dt.date(1997, 9, 30))).to_pandas()
    fitted = (
        BetaGeoModel().fit(rows.frequency, rows.recency, rows["T"], weights=rows.weight).params_
    )
    assert fitted["r"] == pytest.approx(0.243, abs=0.002)
    assert fitted["b"] == pytest.approx(2.426, abs=0.02)
    assert (ours.holdout_purchases >= 0).all() and ours.holdout_purchases.sum() > 0


def test_mbgnbd_matches_batislam_et_al_2007_cdnow(cdnow):
    # Batislam, Denizel & Filiztekin (2007), as in BTYDplus, CDNOW 39 weeks:
    # r = 0.525, alpha = 6.183, a = 0.891, b = 1.614
    from repeatly.models import ModifiedBetaGeoModel

    model = ModifiedBetaGeoModel().fit(cdnow.frequency, cdnow.recency, cdnow["T"])
    expected = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
    for name, value in expected.items():
        assert model.params_[name] == pytest.approx(value, abs=0.001), name
    alive = model.probability_alive(cdnow.frequency, cdnow.recency, cdnow["T"])
    assert np.all((alive > 0) & (alive < 1))  # even one-time buyers may have left


def test_bgbb_matches_fader_hardie_shang_2010_donations():
    # Fader, Hardie & Shang (2010), 11,104 donors, 6 opportunities:
    # alpha = 1.204, beta = 0.750, gamma = 0.657, delta = 2.783, LL = -33225.6
    from repeatly.datasets import load_donations
    from repeatly.models import BetaGeoBetaBinomModel

    d = load_donations()
    model = BetaGeoBetaBinomModel().fit(d.frequency, d.recency, d.periods, weights=d.weights)
    expected = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    for name, value in expected.items():
        assert model.params_[name] == pytest.approx(value, abs=0.001), name
    assert model.log_likelihood_ == pytest.approx(-33225.6, abs=0.1)
    with pytest.raises(InputError, match="whole numbers"):
        BetaGeoBetaBinomModel().fit([3], [2], [6])


def test_pareto_nbd_matches_fader_hardie_lee_2005_cdnow(cdnow):
    # Pareto/NBD on CDNOW as reported with the BG/NBD paper (Fader, Hardie & Lee 2005):
    # r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669, LL = -9595.0
    from repeatly.models import ParetoNBDModel

    model = ParetoNBDModel().fit(cdnow.frequency, cdnow.recency, cdnow["T"])
    expected = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    for name, value in expected.items():
        assert model.params_[name] == pytest.approx(value, abs=0.003), name
    assert model.log_likelihood_ == pytest.approx(-9595.0, abs=0.05)


def test_standard_errors_shrink_with_the_square_root_of_the_data(cdnow):
    once = BetaGeoModel().fit(cdnow.frequency, cdnow.recency, cdnow["T"])
    four = BetaGeoModel().fit(
        cdnow.frequency, cdnow.recency, cdnow["T"], weights=np.full(len(cdnow), 4.0)
    )
    for name in once.params_:
        assert four.params_[name] == pytest.approx(once.params_[name], rel=1e-4)
        assert once.standard_errors_[name] > 0
        assert four.standard_errors_[name] == pytest.approx(
            once.standard_errors_[name] / 2, rel=0.02
        )


def test_expected_purchases_stay_finite_when_dropout_barely_varies():
    # with a and b huge the hypergeometric form overflows; the expectation must go on
    # smoothly to its limit of a fixed dropout probability a / (a + b + x)
    from repeatly.models import _mbgnbd

    x = np.array([0.0, 1, 3, 10, 50])
    t_x = np.array([0.0, 20, 40, 60, 70])
    T = np.full(5, 78.0)
    for maths in (_bgnbd, _mbgnbd):
        moderate = maths.conditional_expected_purchases(0.3, 9.0, 1e3, 1e5, 52, x, t_x, T)
        huge = maths.conditional_expected_purchases(0.3, 9.0, 1e6, 1e8, 52, x, t_x, T)
        assert np.all(np.isfinite(huge))
        np.testing.assert_allclose(huge, moderate, rtol=2e-3)


# --- fits on many rows: a sample's optimum and curvature, then Newton steps -------------


def test_the_fit_from_a_sample_reaches_the_same_optimum_on_cdnow(cdnow, monkeypatch):
    # With a 200-row sample CDNOW's 2,357 customers (and 946 repeat buyers) take the path
    # of a fit on millions: the optimum of the sample, its curvature scaled up, Newton
    # steps on every row.
    from repeatly.models import _estimators

    direct = BetaGeoModel().fit(cdnow.frequency, cdnow.recency, cdnow["T"])
    repeat = cdnow[cdnow.frequency > 0]
    direct_spend = GammaGammaModel().fit(repeat.frequency, repeat.monetary_value)
    newton, settled = _estimators.newton_in_logs, []

    def spy(*args, **kwargs):
        settled.append(newton(*args, **kwargs))
        return settled[-1]

    monkeypatch.setattr(_estimators, "SAMPLE_ROWS", 200)
    monkeypatch.setattr(_estimators, "newton_in_logs", spy)
    model = BetaGeoModel().fit(cdnow.frequency, cdnow.recency, cdnow["T"])
    spend = GammaGammaModel().fit(repeat.frequency, repeat.monetary_value)
    assert len(settled) == 2 and all(p is not None for p in settled)  # no fallback
    for fitted, reference in ((model, direct), (spend, direct_spend)):
        for name, value in reference.params_.items():
            se = reference.standard_errors_[name]
            assert abs(fitted.params_[name] - value) < 0.01 * se, name
            assert fitted.standard_errors_[name] == pytest.approx(se, rel=1e-3), name
        assert fitted.log_likelihood_ == pytest.approx(reference.log_likelihood_, abs=1e-5)
    assert model.params_["r"] == pytest.approx(0.243, abs=0.0005)  # the paper's figures
    assert model.params_["b"] == pytest.approx(2.426, abs=0.0005)


def test_a_kernel_split_into_parts_sums_to_the_whole(cdnow):
    # each part is a kernel on its own rows; their values, gradients and second
    # derivatives add up to the whole's, for every kind of kernel
    from concurrent.futures import ThreadPoolExecutor

    from repeatly.models import _mbgnbd
    from repeatly.models._kernels import (
        BetaGeoKernel,
        GammaGammaKernel,
        LikelihoodKernel,
        ParetoNBDKernel,
        SplitKernel,
    )

    # rows in frequency order, as an engine that sorts its groups gives them: the first
    # part then holds no repeat buyer at all
    ordered = cdnow.sort_values("frequency", kind="stable")
    x, t_x, T = (ordered[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    assert not x[: len(x) // 3].any()
    w = np.random.default_rng(1).integers(1, 5, len(x)).astype(float)
    repeat = x > 0
    m = ordered.monetary_value.to_numpy(float)[repeat]

    def mbgnbd(*columns):
        return LikelihoodKernel(_mbgnbd.log_likelihood, *columns[:-1], weights=columns[-1])

    cases = [
        (BetaGeoKernel, (x, t_x, T), w, [0.24, 4.4, 0.79, 2.4]),
        (GammaGammaKernel, (x[repeat], m), w[repeat], [6.2, 3.7, 15.4]),
        (ParetoNBDKernel, (x, t_x, T), w, [0.55, 10.6, 0.61, 11.7]),
        (mbgnbd, (x, t_x, T), w, [0.52, 6.2, 0.89, 1.6]),
    ]
    with ThreadPoolExecutor(3) as pool:
        for build, columns, weights, params in cases:
            params = np.array(params)
            whole, split = (
                build(*columns, weights),
                SplitKernel(build, columns, weights, pool=pool, parts=3),
            )
            assert len(split.kernels) == 3
            if not whole.gradient:
                assert split(params) == pytest.approx(whole(params), rel=1e-12)
                assert not hasattr(split, "hessian")
                continue
            (value, gradient), (whole_value, whole_gradient) = split(params), whole(params)
            assert value == pytest.approx(whole_value, rel=1e-12)
            np.testing.assert_allclose(gradient, whole_gradient, rtol=1e-10)
            np.testing.assert_allclose(split.hessian(params), whole.hessian(params), rtol=1e-10)


def test_a_fit_on_many_rows_runs_in_parts_with_the_same_result(cdnow, monkeypatch):
    # CDNOW taken as "many rows" on three cores: the likelihood in three parts on
    # threads, the same optimum and errors as in one piece, and the paper's figures
    from repeatly.models import _estimators, _kernels

    direct = BetaGeoModel().fit(cdnow.frequency, cdnow.recency, cdnow["T"])
    built = []

    class Spy(_kernels.SplitKernel):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append(len(self.kernels))

    monkeypatch.setattr(_estimators, "SPLIT_ROWS", 1000)
    monkeypatch.setattr(_estimators, "SplitKernel", Spy)
    monkeypatch.setattr(_estimators.os, "cpu_count", lambda: 3)
    model = BetaGeoModel().fit(cdnow.frequency, cdnow.recency, cdnow["T"])
    assert built == [3]
    for name, value in direct.params_.items():
        assert model.params_[name] == pytest.approx(value, rel=1e-8)
        assert model.standard_errors_[name] == pytest.approx(
            direct.standard_errors_[name], rel=1e-6
        )
    assert model.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)


def _bowl(centre, curvature):
    """A smooth bowl in the logs of the parameters with its minimum at ``centre``."""

    def with_gradient(params):
        theta = np.log(params)
        d = theta - centre
        value = 0.5 * d @ curvature @ d + d[0] ** 4
        in_logs = curvature @ d + np.array([4 * d[0] ** 3, 0.0, 0.0])
        return value, in_logs / params  # the gradient in the parameters

    return with_gradient


def test_newton_steps_find_a_known_minimum_from_a_poor_guess_of_the_curvature():
    from repeatly.models._fit import newton_in_logs

    centre = np.log([0.5, 20.0, 3.0])
    curvature = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 1.0]])
    start = centre + np.array([0.3, -0.2, 0.25])
    found = newton_in_logs(_bowl(centre, curvature), start, 2.5 * curvature)
    assert found is not None
    np.testing.assert_allclose(np.log(found), centre, atol=1e-5)


def test_newton_steps_give_up_rather_than_leave_the_bounds_or_trust_a_saddle():
    from repeatly.models._fit import LOG_BOUNDS, newton_in_logs

    centre = np.array([LOG_BOUNDS[1] + 1.0, 0.0, 0.0])  # the minimum lies past the bound
    curvature = np.eye(3)
    assert newton_in_logs(_bowl(centre, curvature), np.zeros(3), curvature) is None
    saddle = np.diag([1.0, -1.0, 1.0])
    assert newton_in_logs(_bowl(np.zeros(3), curvature), np.full(3, 0.1), saddle) is None


def test_fits_run_blas_on_one_thread_and_put_the_threads_back(cdnow, monkeypatch):
    # BLAS threads spin after each dot product on the core numpy needs next; the fits
    # keep BLAS to the calling thread, and leave the process's setting as it was.
    from threadpoolctl import threadpool_info, threadpool_limits

    from repeatly.models import _estimators

    def blas_threads():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    seen = []
    kernel = _estimators.BetaGeoKernel

    def spy(*args):
        seen.append(blas_threads())
        return kernel(*args)

    monkeypatch.setattr(_estimators.BetaGeoModel, "_kernel", staticmethod(spy))
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        BetaGeoModel().fit(cdnow.frequency, cdnow.recency, cdnow["T"])
        assert blas_threads() == before == [2] * len(before)
    assert before and seen and all(threads == [1] * len(before) for threads in seen)


def _assert_second_derivatives(kernel, p):
    """A kernel's second derivatives equal central differences of its gradient at p."""
    steps = 1e-6 * p
    shift = np.eye(len(p))
    differences = np.array(
        [
            (kernel(p + steps[i] * shift[i])[1] - kernel(p - steps[i] * shift[i])[1])
            / (2 * steps[i])
            for i in range(len(p))
        ]
    )
    hessian = kernel.hessian(p)
    np.testing.assert_allclose(hessian, hessian.T)
    np.testing.assert_allclose(
        hessian, differences, rtol=1e-5, atol=1e-7 * np.abs(differences).max()
    )


def test_the_bgnbd_kernels_second_derivatives_equal_differences_of_its_gradient(cdnow):
    # the gradient itself is checked against differences of the value elsewhere; here a
    # customer with 5,000 purchases and one-time buyers are among the rows, at three
    # points around CDNOW's optimum
    from repeatly.models._kernels import BetaGeoKernel

    x = np.append(cdnow.frequency.to_numpy(float), 5000.0)
    t_x = np.append(cdnow.recency.to_numpy(float), 38.0)
    T = np.append(cdnow["T"].to_numpy(float), 38.5)
    kernel = BetaGeoKernel(x, t_x, T, np.linspace(0.5, 2.0, len(x)))
    for params in ([0.243, 4.414, 0.793, 2.426], [1.5, 0.7, 3.0, 0.4], [0.05, 30.0, 0.2, 9.0]):
        _assert_second_derivatives(kernel, np.array(params))


@pytest.mark.parametrize("penalizer", [0.0, 0.1])
def test_bgnbd_standard_errors_equal_those_from_differences_of_the_gradient(cdnow, penalizer):
    from repeatly.models._estimators import _objective
    from repeatly.models._fit import standard_errors_from_gradient
    from repeatly.models._kernels import BetaGeoKernel

    model = BetaGeoModel(penalizer=penalizer).fit(cdnow.frequency, cdnow.recency, cdnow["T"])
    columns = (cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    kernel = BetaGeoKernel(*columns, np.ones(len(cdnow)))
    params = np.array([model.params_[n] for n in BetaGeoModel.names])
    expected = standard_errors_from_gradient(_objective(kernel, penalizer).with_gradient, params)
    got = [model.standard_errors_[n] for n in BetaGeoModel.names]
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_the_gamma_gamma_kernels_second_derivatives_equal_differences_of_its_gradient(cdnow):
    from repeatly.models._kernels import GammaGammaKernel

    repeat = cdnow[cdnow.frequency > 0]
    kernel = GammaGammaKernel(
        repeat.frequency.to_numpy(float),
        repeat.monetary_value.to_numpy(float),
        np.linspace(0.5, 2.0, len(repeat)),
    )
    for params in ([6.25, 3.74, 15.44], [1.0, 1.0, 1.0], [30.0, 2.0, 0.5]):
        _assert_second_derivatives(kernel, np.array(params))


def test_fits_with_second_derivatives_take_newton_steps_to_the_general_optimisers_optimum(
    cdnow, monkeypatch
):
    # BG/NBD and Gamma-Gamma settle by damped Newton steps from ones, without L-BFGS-B;
    # forced onto L-BFGS-B they reach the same optimum
    from repeatly.models import _estimators

    repeat = cdnow[cdnow.frequency > 0]

    def fits():
        return (
            BetaGeoModel().fit(cdnow.frequency, cdnow.recency, cdnow["T"]),
            GammaGammaModel().fit(repeat.frequency, repeat.monetary_value),
        )

    general = _estimators.fit_positive
    used = []
    monkeypatch.setattr(
        _estimators, "fit_positive", lambda *a, **k: used.append(1) or general(*a, **k)
    )
    newton = fits()
    assert not used
    monkeypatch.setattr(_estimators, "damped_newton_in_logs", lambda *a, **k: None)
    lbfgsb = fits()
    assert len(used) == 2
    for got, reference in zip(newton, lbfgsb, strict=True):
        for name, value in reference.params_.items():
            assert abs(got.params_[name] - value) < 1e-3 * reference.standard_errors_[name]
        assert got.log_likelihood_ == pytest.approx(reference.log_likelihood_, abs=1e-6)
    assert newton[0].log_likelihood_ == pytest.approx(-9582.4, abs=0.05)  # the paper's


def _well(centre):
    """A Gaussian well in the logs of the parameters: curved downward away from it."""

    def parts(params):
        d = np.log(params) - centre
        e = np.exp(-d @ d)
        value, in_logs = -e, 2 * e * d  # gradient in the logs
        hessian_logs = 2 * e * (np.eye(len(d)) - 2 * np.outer(d, d))
        return value, in_logs, hessian_logs

    def with_gradient(params):
        value, in_logs, _ = parts(params)
        return value, in_logs / params

    def hessian(params):  # in the parameters, from the one in the logs
        _, in_logs, hessian_logs = parts(params)
        return (hessian_logs - np.diag(in_logs)) / np.outer(params, params)

    return with_gradient, hessian


def test_damped_newton_steps_find_a_minimum_from_where_the_curvature_is_negative():
    from repeatly.models._fit import damped_newton_in_logs

    centre = np.log([0.5, 20.0, 3.0])
    start = centre + np.array([0.9, -0.5, 0.4])  # the radial curvature is negative here
    found = damped_newton_in_logs(*_well(centre), start)
    assert found is not None
    np.testing.assert_allclose(np.log(found), centre, atol=1e-5)


def test_damped_newton_steps_give_up_where_the_objective_is_flat():
    from repeatly.models._fit import damped_newton_in_logs

    def flat(params):
        return 1.0, np.zeros(len(params))

    assert damped_newton_in_logs(flat, lambda p: np.zeros((len(p), len(p))), np.zeros(3)) is None


def test_the_mbgnbd_kernel_equals_its_likelihood_and_its_gradient_the_derivative(cdnow):
    # the kernel's value is the sum of the model's own per-row function; its gradient
    # equals central differences of it, also with a customer of 5,000 purchases, and a
    # kernel split into parts sums to the whole
    from concurrent.futures import ThreadPoolExecutor

    from repeatly.models import _mbgnbd
    from repeatly.models._kernels import ModifiedBetaGeoKernel, SplitKernel

    x = np.append(cdnow.frequency.to_numpy(float), 5000.0)
    t_x = np.append(cdnow.recency.to_numpy(float), 38.0)
    T = np.append(cdnow["T"].to_numpy(float), 38.5)
    w = np.linspace(0.5, 2.0, len(x))
    kernel = ModifiedBetaGeoKernel(x, t_x, T, w)
    for params in ([0.525, 6.183, 0.891, 1.614], [1.5, 0.7, 3.0, 0.4], [0.05, 30.0, 0.2, 9.0]):
        p = np.array(params)
        value, gradient = kernel(p)
        assert value == pytest.approx(np.dot(w, _mbgnbd.log_likelihood(*p, x, t_x, T)), rel=1e-12)
        steps = 1e-6 * p
        central = [
            (kernel(p + steps[i] * e)[0] - kernel(p - steps[i] * e)[0]) / (2 * steps[i])
            for i, e in enumerate(np.eye(4))
        ]
        np.testing.assert_allclose(gradient, central, rtol=1e-5, atol=1e-6 * abs(value))
    with ThreadPoolExecutor(3) as pool:
        split = SplitKernel(ModifiedBetaGeoKernel, (x, t_x, T), w, pool=pool, parts=3)
        p = np.array([0.525, 6.183, 0.891, 1.614])
        assert split(p)[0] == pytest.approx(kernel(p)[0], rel=1e-12)
        np.testing.assert_allclose(split(p)[1], kernel(p)[1], rtol=1e-10)
