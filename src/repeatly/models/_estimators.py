"""Thin estimators over the model maths: fit on summaries, predict per customer."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from repeatly.exceptions import ConvergenceError, InputError, NotFittedError
from repeatly.models import _bgbb, _bgnbd, _expected, _gamma_gamma, _mbgnbd, _pareto_nbd
from repeatly.models._fit import (
    Gradient,
    Hessian,
    curvature_in_logs,
    damped_newton_in_logs,
    fit_positive,
    newton_in_logs,
    one_blas_thread,
    standard_errors,
    standard_errors_from_gradient,
    standard_errors_from_hessian,
)
from repeatly.models._kernels import (
    BetaGeoKernel,
    GammaGammaKernel,
    LikelihoodKernel,
    ParetoNBDKernel,
    SplitKernel,
)

__all__ = [
    "MODELS",
    "BetaGeoBetaBinomModel",
    "BetaGeoModel",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
]


def _weights(weights: ArrayLike | None, n: int) -> NDArray[np.float64]:
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (n,) or np.any(w < 0):
        raise InputError(f"weights: expected {n} non-negative numbers")
    return w


def _fit_history(
    log_likelihood: Any,
    names: tuple[str, ...],
    model: str,
    columns: tuple[ArrayLike, ...],
    weights: ArrayLike | None,
    penalizer: float,
    *,
    discrete: bool = False,
    kernel: Any = None,
) -> tuple[dict[str, float], float, dict[str, float]]:
    """Fit a model of (frequency, recency, age) rows: parameters, LL, standard errors.

    ``kernel`` builds the model's fast weighted likelihood from the rows and weights;
    without one, the per-row ``log_likelihood`` is summed.
    """
    x, t_x, t = (np.asarray(v, dtype=np.float64) for v in columns)
    if not (x.shape == t_x.shape == t.shape) or x.ndim != 1 or len(x) == 0:
        raise InputError("frequency, recency and T: expected equal-length, non-empty arrays")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > t + 1e-9):
        raise InputError("expected frequency >= 0 and 0 <= recency <= T for every customer")
    if discrete and (np.any(x > t_x) or np.any(x != np.round(x))):
        raise InputError("BG/BB: expected whole numbers with frequency <= recency <= periods")
    w = _weights(weights, len(x))
    build = kernel or (lambda *rows: LikelihoodKernel(log_likelihood, *rows[:-1], weights=rows[-1]))
    params, errors, log_lik = _fit_kernel(
        build, (x, t_x, t), w, penalizer, names=names, model=model
    )
    return (
        dict(zip(names, map(float, params), strict=True)),
        log_lik,
        dict(zip(names, map(float, errors), strict=True)),
    )


SAMPLE_ROWS = 50_000  # rows of the sample that gives the fit on many rows its start
#: From this many rows a fit's likelihood is computed in parts, one per core (at most
#: :data:`MAX_PARTS`); below it the threads' hand-offs would cost more than they save.
SPLIT_ROWS = 4 * SAMPLE_ROWS
MAX_PARTS = 4


@contextlib.contextmanager
def _whole_kernel(
    build: Any, columns: tuple[NDArray[np.float64], ...], w: NDArray[np.float64]
) -> Iterator[Any]:
    """The kernel on every row: in parts on the cores when there are many rows."""
    parts = min(os.cpu_count() or 1, MAX_PARTS)
    if len(w) < SPLIT_ROWS or parts < 2:
        yield build(*columns, w)
        return
    with ThreadPoolExecutor(parts, thread_name_prefix="repeatly-fit") as pool:
        yield SplitKernel(build, columns, w, pool=pool, parts=parts)


@one_blas_thread()
def _fit_kernel(
    build: Any,
    columns: tuple[NDArray[np.float64], ...],
    w: NDArray[np.float64],
    penalizer: float,
    *,
    names: tuple[str, ...],
    model: str,
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    """Maximise the penalised likelihood of ``build(*columns, w)``.

    Returns the parameters, their standard errors and the (unpenalised) log-likelihood
    there, as the kernel sums it (equal to the model's own function, tested).

    On many rows the fit starts from the fit on a sample, its weights scaled up to the
    whole: its optimum is close to the whole's, and so is its curvature there, so a few
    Newton steps on every row reach the whole's optimum (the general optimiser takes
    over when they do not). It only moves the start: the result is the optimum on every
    row.
    """
    start = np.ones(len(names))
    curvature = None
    if len(w) > 4 * SAMPLE_ROWS:
        pick = np.random.default_rng(0).choice(len(w), SAMPLE_ROWS, replace=False)
        scale = float(w.sum() / w[pick].sum())
        sample = _objective(build(*(c[pick] for c in columns), w[pick] * scale), penalizer)
        with contextlib.suppress(ConvergenceError):  # then from ones
            start = _optimum(sample, start, names=names, model=model)
            if sample.with_gradient is not None:
                curvature = curvature_in_logs(sample.with_gradient, np.log(start))
    with _whole_kernel(build, columns, w) as kernel:
        whole = _objective(kernel, penalizer)
        if whole.with_gradient is None:
            params = _optimum(whole, start, names=names, model=model)
            return params, standard_errors(whole.value, params), float(kernel(params))
        settled = (
            None
            if curvature is None
            else newton_in_logs(whole.with_gradient, np.log(start), curvature)
        )
        if settled is None:
            settled = _optimum(whole, start, names=names, model=model)
        if whole.hessian is not None:
            errors = standard_errors_from_hessian(whole.hessian(settled))
        else:
            errors = standard_errors_from_gradient(whole.with_gradient, settled)
        return settled, errors, float(kernel(settled)[0])


@dataclass(frozen=True)
class _Objective:
    """A built kernel's penalised negative log-likelihood, with what the kernel offers.

    ``with_gradient`` gives the value and the gradient and ``hessian`` the second
    derivatives, where the kernel computes them (else ``None``).
    """

    value: Callable[[NDArray[np.float64]], float]
    with_gradient: Gradient | None
    hessian: Hessian | None


def _objective(kernel: Any, penalizer: float) -> _Objective:
    if not kernel.gradient:
        return _Objective(lambda p: -kernel(p) + penalizer * float(np.sum(p**2)), None, None)

    def with_gradient(p: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        value, gradient = kernel(p)
        return (-value + penalizer * float(np.sum(p**2)), -gradient + 2 * penalizer * p)

    def hessian(p: NDArray[np.float64]) -> NDArray[np.float64]:
        return 2 * penalizer * np.eye(len(p)) - kernel.hessian(p)

    return _Objective(
        lambda p: with_gradient(p)[0],
        with_gradient,
        hessian if hasattr(kernel, "hessian") else None,
    )


def _optimum(
    objective: _Objective, start: NDArray[np.float64], *, names: tuple[str, ...], model: str
) -> NDArray[np.float64]:
    """Where the objective is lowest, from ``start``.

    Damped Newton steps where the kernel has second derivatives (they settle in a few
    dozen evaluations, and the fit needs no scipy.optimize); else, or when they do not
    settle, L-BFGS-B.
    """
    if objective.with_gradient is not None and objective.hessian is not None:
        found = damped_newton_in_logs(objective.with_gradient, objective.hessian, np.log(start))
        if found is not None:
            return found
    params, _ = fit_positive(
        objective.value, start, names=names, model=model, with_gradient=objective.with_gradient
    )
    return params


class _HistoryModel:
    """Base of the models of (frequency, recency, T) rows: fit, predictions, state.

    Each model names its parameters and the module holding its maths, which offers
    ``log_likelihood``, ``probability_alive``, ``conditional_expected_purchases`` and
    ``probability_no_purchase`` with the parameters first.
    """

    names: tuple[str, ...] = ()
    key = ""
    label = ""
    discrete = False
    _maths: Any = None
    _kernel: Any = None  # builds a fast weighted log-likelihood, when the model has one

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Fit on per-customer (or distinct, weighted) frequency, recency and age."""
        self.params_, self.log_likelihood_, self.standard_errors_ = _fit_history(
            self._maths.log_likelihood,
            self.names,
            self.label,
            (frequency, recency, T),
            weights,
            self.penalizer,
            discrete=self.discrete,
            kernel=self._kernel,
        )
        self.n_observations_ = float(
            np.sum(_weights(weights, len(np.atleast_1d(np.asarray(frequency)))))
        )
        return self

    def _values(self) -> tuple[float, ...]:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"{type(self).__name__}: call fit before predicting")
        return tuple(self.params_[name] for name in self.names)

    def _four(self) -> tuple[float, float, float, float]:
        a, b, c, d = self._values()
        return a, b, c, d

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]:
        """Probability that each customer is still a customer."""
        return np.asarray(self._maths.probability_alive(*self._values(), frequency, recency, T))

    def expected_purchases(
        self, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]:
        """Expected purchases of each customer in the next ``t`` time units."""
        return np.asarray(
            self._maths.conditional_expected_purchases(*self._values(), t, frequency, recency, T)
        )

    def probability_no_purchase(
        self, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]:
        """Probability that each customer makes no purchase in the next ``t``."""
        return np.asarray(
            self._maths.probability_no_purchase(*self._values(), t, frequency, recency, T)
        )

    def expected_purchases_new(self, t: ArrayLike) -> NDArray[np.float64]:
        """Expected repeat purchases in the first ``t`` of a new customer's life."""
        raise NotImplementedError

    def next_purchase_in(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]:
        """Median time to each customer's next purchase, if they are still a customer."""
        p = dict(zip(self.names, self._values(), strict=True))
        return _expected.median_wait(p["r"], p["alpha"], frequency, T)

    def to_dict(self) -> dict[str, Any]:
        """The fitted model as plain data (JSON-ready)."""
        self._values()
        return {
            "model": self.key,
            "params": dict(self.params_),
            "log_likelihood": self.log_likelihood_,
            "standard_errors": {
                k: (None if np.isnan(v) else v) for k, v in self.standard_errors_.items()
            },
            "penalizer": self.penalizer,
        }


class BetaGeoModel(_HistoryModel):
    """BG/NBD: purchases while alive, dropout after each purchase.

    Parameters
    ----------
    penalizer
        L2 penalty on the parameters (0: plain maximum likelihood).

    Attributes
    ----------
    params_
        ``{"r", "alpha", "a", "b"}`` after :meth:`fit`.
    log_likelihood_
        The maximised (unpenalised) log-likelihood.
    standard_errors_
        Standard errors of the parameters, from the Hessian at the optimum.

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), 275-284.

    Examples
    --------
    >>> from repeatly.datasets import load_cdnow_summary
    >>> s = load_cdnow_summary()
    >>> model = BetaGeoModel().fit(s.frequency, s.recency, s["T"])
    >>> {k: round(v, 3) for k, v in model.params_.items()}
    {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    >>> round(float(model.expected_purchases(39, 2, 30.43, 38.86)), 3)
    1.226
    """

    names = ("r", "alpha", "a", "b")
    key = "bgnbd"
    label = "BG/NBD"
    _maths = _bgnbd
    _kernel = BetaGeoKernel

    def expected_purchases_new(self, t: ArrayLike) -> NDArray[np.float64]:
        """Expected repeat purchases in the first ``t`` of a new customer's life."""
        return _expected.bgnbd_expected(*self._four(), t)


class ModifiedBetaGeoModel(_HistoryModel):
    """MBG/NBD: BG/NBD where a customer may also leave right after the first purchase.

    Examples
    --------
    >>> from repeatly.datasets import load_cdnow_summary
    >>> s = load_cdnow_summary()
    >>> model = ModifiedBetaGeoModel().fit(s.frequency, s.recency, s["T"])
    >>> {k: round(v, 2) for k, v in model.params_.items()}
    {'r': 0.52, 'alpha': 6.18, 'a': 0.89, 'b': 1.61}

    References
    ----------
    Batislam, Denizel & Filiztekin (2007), International Journal of Research in
    Marketing 24(3), 201-209.
    """

    names = ("r", "alpha", "a", "b")
    key = "mbgnbd"
    label = "MBG/NBD"
    _maths = _mbgnbd

    def expected_purchases_new(self, t: ArrayLike) -> NDArray[np.float64]:
        """Expected repeat purchases in the first ``t`` of a new customer's life."""
        return _expected.mbgnbd_expected(*self._four(), t)


class ParetoNBDModel(_HistoryModel):
    """Pareto/NBD: purchases while alive, dropout at any time (exponential lifetimes).

    Examples
    --------
    >>> from repeatly.datasets import load_cdnow_summary
    >>> s = load_cdnow_summary()
    >>> model = ParetoNBDModel().fit(s.frequency, s.recency, s["T"])
    >>> {k: round(v, 2) for k, v in model.params_.items()}
    {'r': 0.55, 'alpha': 10.58, 's': 0.61, 'beta': 11.67}

    References
    ----------
    Schmittlein, Morrison & Colombo (1987), Management Science 33(1), 1-24.
    """

    names = ("r", "alpha", "s", "beta")
    key = "pnbd"
    label = "Pareto/NBD"
    _maths = _pareto_nbd
    _kernel = ParetoNBDKernel

    def expected_purchases_new(self, t: ArrayLike) -> NDArray[np.float64]:
        """Expected repeat purchases in the first ``t`` of a new customer's life."""
        return _expected.pareto_nbd_expected(*self._four(), t)


class BetaGeoBetaBinomModel(_HistoryModel):
    """BG/BB: purchases and dropout in discrete opportunities (periods).

    Times are counts of opportunities: ``recency`` is the opportunity of the last
    transaction, ``T`` (here ``periods``) the number of opportunities observed, and the
    horizon ``t`` of the predictions a number of future opportunities.

    Examples
    --------
    >>> from repeatly.datasets import load_donations
    >>> d = load_donations()
    >>> model = BetaGeoBetaBinomModel().fit(d.frequency, d.recency, d.periods, d.weights)
    >>> {k: round(v, 2) for k, v in model.params_.items()}
    {'alpha': 1.2, 'beta': 0.75, 'gamma': 0.66, 'delta': 2.78}

    References
    ----------
    Fader, Hardie & Shang (2010), Marketing Science 29(6), 1086-1108.
    """

    names = ("alpha", "beta", "gamma", "delta")
    key = "bgbb"
    label = "BG/BB"
    discrete = True
    _maths = _bgbb

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        periods: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Fit on (frequency, recency, periods) rows, optionally weighted."""
        return super().fit(frequency, recency, periods, weights)

    def expected_purchases_new(self, t: ArrayLike) -> NDArray[np.float64]:
        """Expected transactions in a new customer's first ``t`` opportunities."""
        return _expected.bgbb_expected(*self._four(), t)

    def next_purchase_in(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]:
        """Median opportunities to each customer's next transaction, if still active."""
        alpha, beta, _, _ = self._four()
        return _expected.bgbb_median_wait(alpha, beta, frequency, T)


class GammaGammaModel:
    """Gamma-Gamma: each customer's mean spend per transaction.

    Examples
    --------
    >>> from repeatly.datasets import load_cdnow_summary
    >>> s = load_cdnow_summary()
    >>> repeat = s[s.frequency > 0]
    >>> model = GammaGammaModel().fit(repeat.frequency, repeat.monetary_value)
    >>> {k: round(v, 1) for k, v in model.params_.items()}
    {'p': 6.2, 'q': 3.7, 'gamma': 15.4}

    References
    ----------
    Fader & Hardie (2013), The Gamma-Gamma Model of Monetary Value.
    """

    names = ("p", "q", "gamma")

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(
        self, frequency: ArrayLike, monetary_value: ArrayLike, weights: ArrayLike | None = None
    ) -> GammaGammaModel:
        """Fit on repeat buyers: their repeat transactions and mean spend of those."""
        x = np.asarray(frequency, dtype=np.float64)
        m = np.asarray(monetary_value, dtype=np.float64)
        if x.shape != m.shape or x.ndim != 1 or len(x) == 0:
            raise InputError("frequency and monetary_value: expected equal-length arrays")
        if np.any(x <= 0) or np.any(m <= 0):
            raise InputError(
                "Gamma-Gamma is fitted on repeat buyers: expected frequency > 0 "
                "and monetary_value > 0 for every row"
            )
        w = _weights(weights, len(x))

        params, errors, self.log_likelihood_ = _fit_kernel(
            GammaGammaKernel, (x, m), w, self.penalizer, names=self.names, model="Gamma-Gamma"
        )
        self.params_ = dict(zip(self.names, map(float, params), strict=True))
        self.standard_errors_ = dict(zip(self.names, map(float, errors), strict=True))
        return self

    @property
    def mean_spend(self) -> float:
        """The population's mean spend per transaction, p gamma / (q - 1) (inf if q <= 1)."""
        p = self._fitted()
        return p["p"] * p["gamma"] / (p["q"] - 1) if p["q"] > 1 else float("inf")

    def _fitted(self) -> dict[str, float]:
        if not hasattr(self, "params_"):
            raise NotFittedError("GammaGammaModel: call fit before predicting")
        return self.params_

    def to_dict(self) -> dict[str, Any]:
        """The fitted model as plain data (JSON-ready)."""
        self._fitted()
        return {
            "model": "gamma_gamma",
            "params": dict(self.params_),
            "log_likelihood": self.log_likelihood_,
            "standard_errors": {
                k: (None if np.isnan(v) else v) for k, v in self.standard_errors_.items()
            },
        }

    def expected_spend(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> NDArray[np.float64]:
        """Expected spend per transaction of each customer."""
        p = self._fitted()
        return _gamma_gamma.conditional_expected_spend(
            p["p"], p["q"], p["gamma"], frequency, monetary_value
        )


#: The models ``forecast`` can fit, by the name the CLI takes.
MODELS: dict[str, type[_HistoryModel]] = {
    "bgnbd": BetaGeoModel,
    "mbgnbd": ModifiedBetaGeoModel,
    "pnbd": ParetoNBDModel,
    "bgbb": BetaGeoBetaBinomModel,
}
