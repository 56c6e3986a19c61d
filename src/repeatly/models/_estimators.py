"""Thin estimators over the model maths: fit on summaries, predict per customer."""

from __future__ import annotations

import contextlib
import copy
import functools
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from repeatly.exceptions import ConvergenceError, InputError, NotFittedError
from repeatly.models import (
    _beta_geo_limit,
    _bgbb,
    _bgnbd,
    _expected,
    _gamma_gamma,
    _mbgnbd,
    _pareto_nbd,
    _pareto_nbd_limit,
)
from repeatly.models._boundary import SCORE_TOLERANCE, Limit, at_bounds, spread_score
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
    BetaGeoLimitKernel,
    GammaGammaKernel,
    LikelihoodKernel,
    ModifiedBetaGeoKernel,
    ParetoNBDKernel,
    ParetoNBDLimitKernel,
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


def _fixed_order(*columns: NDArray[np.float64]) -> NDArray[np.intp] | None:
    """The order that sorts the rows by their columns, first column first.

    ``None`` when they are in that order already (checked in one pass; the forecast
    has the engine sort them). Sorted rows make a fit's sums, and so its result, the
    same to the last bit whatever order the rows came in.
    """
    n = len(columns[0])
    if n < 2:
        return None
    less = np.zeros(n - 1, dtype=bool)
    equal = np.ones(n - 1, dtype=bool)
    for column in columns:
        before, after = column[:-1], column[1:]
        less |= equal & (before < after)
        equal &= before == after
    if np.all(less | equal):
        return None
    return np.lexsort(columns[::-1])


def _history_rows(
    columns: tuple[ArrayLike, ...], weights: ArrayLike | None, *, discrete: bool, label: str
) -> tuple[NDArray[np.float64], ...]:
    """Checked (frequency, recency, age) rows and their weights, in a fixed order."""
    x, t_x, t = (np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in columns)
    if not (x.shape == t_x.shape == t.shape) or x.ndim != 1 or len(x) == 0:
        raise InputError("frequency, recency and T: expected equal-length, non-empty arrays")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(t_x)) and np.all(np.isfinite(t))):
        raise InputError("frequency, recency and T: expected finite numbers, got NaN or inf")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > t + 1e-9):
        raise InputError("expected frequency >= 0 and 0 <= recency <= T for every customer")
    if discrete and (np.any(x > t_x) or np.any(x != np.round(x))):
        raise InputError("BG/BB: expected whole numbers with frequency <= recency <= periods")
    w = _weights(weights, len(x))
    if not np.any((t > 0) & (w > 0)):
        raise InputError(
            f"{label}: every customer's age T is 0: no time has passed between their "
            "first purchase and the end of the history, so there is nothing to fit"
        )
    order = _fixed_order(x, t_x, t, w)
    if order is None:
        return x, t_x, t, w
    return x[order], t_x[order], t[order], w[order]


@dataclass(frozen=True)
class _Fit:
    """One fit's result: parameters, maximised log-likelihood, standard errors.

    ``at_bounds``: the parameters at the edge of the range the optimiser searches.
    """

    params: dict[str, float]
    log_likelihood: float
    errors: dict[str, float]
    at_bounds: dict[str, str]


def _fit_rows(
    build: Any,
    names: tuple[str, ...],
    model: str,
    rows: tuple[NDArray[np.float64], ...],
    penalizer: float,
) -> _Fit:
    """Fit the kernel ``build`` makes of the (x, t_x, T, weights) ``rows``."""
    *columns, w = rows
    params, errors, log_lik = _fit_kernel(
        build, tuple(columns), w, penalizer, names=names, model=model
    )
    fitted = dict(zip(names, map(float, params), strict=True))
    return _Fit(
        fitted, log_lik, dict(zip(names, map(float, errors), strict=True)), at_bounds(fitted)
    )


def _odds_as_probability(fit: _Fit, name: str) -> _Fit:
    """A fit of the odds o = p / (1 - p) > 0 reported as the probability p.

    Its standard error by the delta method: dp/do = (1 - p)^2.
    """
    params, errors = dict(fit.params), dict(fit.errors)
    odds, odds_error = params.pop("odds"), errors.pop("odds")
    p = odds / (1.0 + odds)
    params[name], errors[name] = p, odds_error * (1.0 - p) ** 2
    bounds = {(name if k == "odds" else k): side for k, side in fit.at_bounds.items()}
    return _Fit(params, fit.log_likelihood, errors, bounds)


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


class HistoryModel:
    """Base of the models of (frequency, recency, T) rows: fit, predictions, state.

    Each model names its parameters and the module holding its maths, which offers
    ``log_likelihood``, ``probability_alive``, ``conditional_expected_purchases`` and
    ``probability_no_purchase`` with the parameters first. A model with a
    :class:`~repeatly.models._boundary.Limit` is fitted there when its likelihood has no
    finite optimum because its dropout has no spread (see :meth:`fit`); the fitted
    model then predicts with the limit's maths.
    """

    names: tuple[str, ...] = ()
    key = ""
    label = ""
    discrete = False
    _maths: Any = None
    _kernel: Any = None  # builds a fast weighted log-likelihood, when the model has one
    _expected_new: Any = None  # E[X(t)] of a new customer, parameters first
    limit: Limit | None = None

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Fit on per-customer (or distinct, weighted) frequency, recency and age.

        The rows are sorted first, so the same rows in any order give the same
        parameters to the last bit. Without a penalty, a model with a :attr:`limit`
        (its dropout without spread) is fitted at that limit when the limit is the
        optimum: Pareto/NBD tries the limit first (its full fit would wander along the
        ridge towards it), BG/NBD and MBG/NBD when their full fit ends on that ridge.
        The limit is the optimum when a spread would not raise the likelihood near it
        (:func:`~repeatly.models._boundary.spread_score`). Then ``limit_`` is set,
        ``params_`` holds the limit's parameters and the predictions use its maths.
        Parameters left at the edge of the range searched are in ``at_bounds_``.

        Raises
        ------
        InputError
            The rows cannot be used, or every customer's T is 0 (no time has passed).
        """
        rows = _history_rows(
            (frequency, recency, T), weights, discrete=self.discrete, label=self.label
        )
        x, _, _, w = rows
        limit = self.limit if self.penalizer == 0 and np.any((x > 0) & (w > 0)) else None
        tried = None  # the limit's fit and its spread score, once tried
        if limit is not None and limit.first:
            tried = self._fit_limit(limit, rows)
        if tried is not None and tried[1] <= SCORE_TOLERANCE:
            chosen = tried[0]
        else:
            chosen = _fit_rows(self._builder(), self.names, self.label, rows, self.penalizer)
            if limit is not None and (
                tried is not None or limit.spread_of(chosen.params) < limit.ridge
            ):
                tried = tried or self._fit_limit(limit, rows)  # the full fit is on the ridge
                at_limit, score = tried
                margin = 1e-9 * max(1.0, abs(chosen.log_likelihood))
                if at_limit.log_likelihood > chosen.log_likelihood or (
                    score <= SCORE_TOLERANCE
                    and at_limit.log_likelihood >= chosen.log_likelihood - margin
                ):
                    chosen = at_limit
        self.limit_ = limit if tried is not None and chosen is tried[0] else None
        self.spread_score_ = None if tried is None else tried[1]
        self.params_ = chosen.params
        self.log_likelihood_ = chosen.log_likelihood
        self.standard_errors_ = chosen.errors
        self.at_bounds_ = chosen.at_bounds
        self.n_observations_ = float(np.sum(w))
        return self

    def _builder(self) -> Any:
        """What builds the full model's kernel from (x, t_x, T, weights)."""
        if self._kernel is not None:
            return self._kernel
        log_likelihood = self._maths.log_likelihood
        return lambda *rows: LikelihoodKernel(log_likelihood, *rows[:-1], weights=rows[-1])

    def _fit_limit(self, limit: Limit, rows: tuple[NDArray[np.float64], ...]) -> tuple[_Fit, float]:
        """The fit at the limit, and the spread score there.

        A common probability (BG/NBD, MBG/NBD) is fitted as its odds, which the
        optimiser, working on logs of positive parameters, can take anywhere.
        """
        if limit.spread == "beta":
            names = (*limit.names[:-1], "odds")
            fitted = _odds_as_probability(
                _fit_rows(limit.kernel, names, self.label, rows, 0.0), limit.names[-1]
            )
        else:
            fitted = _fit_rows(limit.kernel, limit.names, self.label, rows, 0.0)
        # each row's log-likelihood at other values of the common mean, by the kernel
        # (its special functions once per distinct pair)
        kernel = limit.kernel(*rows)
        *rest, mean = (fitted.params[name] for name in limit.names)

        def at(value: float) -> NDArray[np.float64]:
            fit_value = value / (1.0 - value) if limit.spread == "beta" else value
            return np.asarray(kernel.rows(np.array([*rest, fit_value])), dtype=np.float64)

        return fitted, spread_score(limit, mean, at, rows[-1])

    def _fitted(self) -> tuple[Any, tuple[float, ...]]:
        """The maths the fitted model predicts with, and its parameters in order."""
        if not hasattr(self, "params_"):
            raise NotFittedError(f"{type(self).__name__}: call fit before predicting")
        limit = getattr(self, "limit_", None)
        if limit is not None:
            return limit.maths, tuple(self.params_[name] for name in limit.names)
        return self._maths, tuple(self.params_[name] for name in self.names)

    def _values(self) -> tuple[float, ...]:
        return self._fitted()[1]

    def _four(self) -> tuple[float, float, float, float]:
        a, b, c, d = self._values()
        return a, b, c, d

    def with_params(self, params: dict[str, float]) -> Self:
        """A copy of the fitted model with other values of its parameters."""
        self._fitted()
        other = copy.copy(self)
        other.params_ = dict(params)
        return other

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]:
        """Probability that each customer is still a customer."""
        maths, values = self._fitted()
        return np.asarray(maths.probability_alive(*values, frequency, recency, T))

    def expected_purchases(
        self, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]:
        """Expected purchases of each customer in the next ``t`` time units."""
        maths, values = self._fitted()
        return np.asarray(maths.conditional_expected_purchases(*values, t, frequency, recency, T))

    def probability_no_purchase(
        self, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]:
        """Probability that each customer makes no purchase in the next ``t``."""
        maths, values = self._fitted()
        return np.asarray(maths.probability_no_purchase(*values, t, frequency, recency, T))

    def _active_expected(self, t: float, frequency: ArrayLike, T: ArrayLike) -> NDArray[np.float64]:
        """Expected purchases in the next ``t`` of customers known to be active now.

        The maths' own ``active_expected`` where it has one; else the expectation of a
        customer who has just bought, over their P(alive).
        """
        maths, values = self._fitted()
        direct = getattr(maths, "active_expected", None)
        if direct is not None:
            return np.asarray(direct(*values, t, frequency, T), dtype=np.float64)
        return self.expected_purchases(t, frequency, T, T) / self.probability_alive(frequency, T, T)

    def expected_purchases_new(self, t: ArrayLike) -> NDArray[np.float64]:
        """Expected repeat purchases in the first ``t`` of a new customer's life."""
        maths, values = self._fitted()
        if maths is not self._maths:  # a limit
            return np.asarray(maths.expected_purchases_new(*values, t))
        return np.asarray(self._expected_new(*values, t))

    def next_purchase_in(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]:
        """Median time to each customer's next purchase, if they are still a customer."""
        self._fitted()
        return _expected.median_wait(self.params_["r"], self.params_["alpha"], frequency, T)

    def to_dict(self) -> dict[str, Any]:
        """The fitted model as plain data (JSON-ready).

        ``limit``: ``None``, or the limit the model was fitted at (its name, the
        parameters it replaces, what it means, and the spread score); ``at_bounds``:
        the parameters left at the edge of the range searched (``"lower"`` or
        ``"upper"``).
        """
        self._fitted()
        limit = getattr(self, "limit_", None)
        return {
            "model": self.key,
            "params": dict(self.params_),
            "log_likelihood": self.log_likelihood_,
            "standard_errors": {
                k: (None if np.isnan(v) else v) for k, v in self.standard_errors_.items()
            },
            "penalizer": self.penalizer,
            "limit": None if limit is None else limit.describe(self.spread_score_),
            "at_bounds": dict(getattr(self, "at_bounds_", {})),
        }


class BetaGeoModel(HistoryModel):
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
    limit_
        ``None``, or the limit the fit ended at: when every customer seems to leave
        after a purchase with about one probability, a and b grow without bound and the
        fit is the limit with one dropout probability ``p`` (``params_`` then
        ``{"r", "alpha", "p"}``); see :meth:`fit`.
    spread_score_
        The score of a spread of dropout at the limit, when the limit was examined.
    at_bounds_
        The parameters left at the edge of the range searched (``"lower"``/``"upper"``).

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
    _expected_new = staticmethod(_expected.bgnbd_expected)
    limit = Limit(
        key="common_dropout",
        names=("r", "alpha", "p"),
        replaces=("a", "b"),
        spread="beta",
        maths=_beta_geo_limit.BGNBD,
        kernel=BetaGeoLimitKernel,
        first=False,
        meaning="a and b without bound, a/(a+b) = p kept: every customer leaves after "
        "a repeat purchase with the one probability p",
    )


class ModifiedBetaGeoModel(HistoryModel):
    """MBG/NBD: BG/NBD where a customer may also leave right after the first purchase.

    As BG/NBD, fitted at its limit of one dropout probability ``p`` when every customer
    seems to leave with about the same probability (``limit_``, ``params_`` then
    ``{"r", "alpha", "p"}``).

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
    _kernel = ModifiedBetaGeoKernel
    _expected_new = staticmethod(_expected.mbgnbd_expected)
    limit = Limit(
        key="common_dropout",
        names=("r", "alpha", "p"),
        replaces=("a", "b"),
        spread="beta",
        maths=_beta_geo_limit.MBGNBD,
        kernel=functools.partial(BetaGeoLimitKernel, first_too=True),
        first=False,
        meaning="a and b without bound, a/(a+b) = p kept: every customer leaves after "
        "each purchase with the one probability p",
    )


class ParetoNBDModel(HistoryModel):
    """Pareto/NBD: purchases while alive, dropout at any time (exponential lifetimes).

    When every customer seems to drop out at about one rate, the likelihood rises
    without end as s and beta grow with s/beta fixed; the fit is then the limit where
    every customer drops out at the one rate ``mu`` (``limit_`` is set and ``params_``
    is ``{"r", "alpha", "mu"}``), and the predictions are the limit's (see
    :meth:`BetaGeoModel.fit` and :mod:`repeatly.models._pareto_nbd_limit`).

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
    _expected_new = staticmethod(_expected.pareto_nbd_expected)
    limit = Limit(
        key="common_dropout",
        names=("r", "alpha", "mu"),
        replaces=("s", "beta"),
        spread="gamma",
        maths=_pareto_nbd_limit,
        kernel=ParetoNBDLimitKernel,
        first=True,
        meaning="s and beta without bound, s/beta = mu kept: every customer drops out "
        "at the one rate mu",
    )


class BetaGeoBetaBinomModel(HistoryModel):
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
    _expected_new = staticmethod(_expected.bgbb_expected)

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        periods: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Fit on (frequency, recency, periods) rows, optionally weighted."""
        return super().fit(frequency, recency, periods, weights)

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
        """Fit on repeat buyers: their repeat transactions and mean spend of those.

        Parameters left at the edge of the range searched are in ``at_bounds_``.
        """
        x = np.asarray(frequency, dtype=np.float64)
        m = np.asarray(monetary_value, dtype=np.float64)
        if x.shape != m.shape or x.ndim != 1 or len(x) == 0:
            raise InputError("frequency and monetary_value: expected equal-length arrays")
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(m))):
            raise InputError("frequency and monetary_value: expected finite numbers")
        if np.any(x <= 0) or np.any(m <= 0):
            raise InputError(
                "Gamma-Gamma is fitted on repeat buyers: expected frequency > 0 "
                "and monetary_value > 0 for every row"
            )
        w = _weights(weights, len(x))
        order = _fixed_order(x, m, w)  # the same sums, to the last bit, in any row order
        if order is not None:
            x, m, w = x[order], m[order], w[order]
        params, errors, self.log_likelihood_ = _fit_kernel(
            GammaGammaKernel, (x, m), w, self.penalizer, names=self.names, model="Gamma-Gamma"
        )
        self.params_ = dict(zip(self.names, map(float, params), strict=True))
        self.standard_errors_ = dict(zip(self.names, map(float, errors), strict=True))
        self.at_bounds_ = at_bounds(self.params_)
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
            "at_bounds": dict(getattr(self, "at_bounds_", {})),
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
MODELS: dict[str, type[HistoryModel]] = {
    "bgnbd": BetaGeoModel,
    "mbgnbd": ModifiedBetaGeoModel,
    "pnbd": ParetoNBDModel,
    "bgbb": BetaGeoBetaBinomModel,
}
