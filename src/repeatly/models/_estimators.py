"""Thin estimators over the model maths: fit on summaries, predict per customer."""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from repeatly.exceptions import InputError, NotFittedError
from repeatly.models import _bgbb, _bgnbd, _gamma_gamma, _mbgnbd, _pareto_nbd
from repeatly.models._fit import fit_positive, standard_errors

__all__ = [
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
    log_likelihood: Any, names: tuple[str, ...], model: str, columns: tuple[ArrayLike, ...],
    weights: ArrayLike | None, penalizer: float, *, discrete: bool = False,
) -> tuple[dict[str, float], float, dict[str, float]]:
    """Fit a model of (frequency, recency, age) rows: parameters, LL, standard errors."""
    x, t_x, t = (np.asarray(v, dtype=np.float64) for v in columns)
    if not (x.shape == t_x.shape == t.shape) or x.ndim != 1 or len(x) == 0:
        raise InputError("frequency, recency and T: expected equal-length, non-empty arrays")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > t + 1e-9):
        raise InputError("expected frequency >= 0 and 0 <= recency <= T for every customer")
    if discrete and (np.any(x > t_x) or np.any(x != np.round(x))):
        raise InputError("BG/BB: expected whole numbers with frequency <= recency <= periods")
    w = _weights(weights, len(x))

    def nll(p: NDArray[np.float64]) -> float:
        ll = float(np.dot(w, log_likelihood(*p, x, t_x, t)))
        return -ll + penalizer * float(np.sum(p**2))

    params, _ = fit_positive(nll, np.ones(len(names)), names=names, model=model)
    log_lik = float(np.dot(w, log_likelihood(*params, x, t_x, t)))
    errors = standard_errors(nll, params)
    return (dict(zip(names, map(float, params), strict=True)), log_lik,
            dict(zip(names, map(float, errors), strict=True)))


class _HistoryModel:
    """Base of the models of (frequency, recency, T) rows: options, fit, fitted state."""

    names: tuple[str, ...] = ()
    label = ""
    discrete = False

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    @staticmethod
    def _log_likelihood(*args: Any) -> NDArray[np.float64]:
        raise NotImplementedError

    def fit(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike,
            weights: ArrayLike | None = None) -> Self:
        """Fit on per-customer (or distinct, weighted) frequency, recency and age."""
        self.params_, self.log_likelihood_, self.standard_errors_ = _fit_history(
            type(self)._log_likelihood, self.names, self.label, (frequency, recency, T),
            weights, self.penalizer, discrete=self.discrete)
        return self

    def _fitted(self) -> dict[str, float]:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"{type(self).__name__}: call fit before predicting")
        return self.params_


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
    """

    names = ("r", "alpha", "a", "b")
    label = "BG/NBD"
    _log_likelihood = staticmethod(_bgnbd.log_likelihood)

    def _params(self) -> tuple[float, float, float, float]:
        p = self._fitted()
        return p["r"], p["alpha"], p["a"], p["b"]

    def probability_alive(self, frequency: ArrayLike, recency: ArrayLike,
                          T: ArrayLike) -> NDArray[np.float64]:
        """Probability that each customer is still a customer."""
        return _bgnbd.probability_alive(*self._params(), frequency, recency, T)

    def expected_purchases(self, t: float, frequency: ArrayLike, recency: ArrayLike,
                           T: ArrayLike) -> NDArray[np.float64]:
        """Expected purchases of each customer in the next ``t`` time units."""
        return _bgnbd.conditional_expected_purchases(*self._params(), t, frequency, recency, T)

    def to_dict(self) -> dict[str, Any]:
        """The fitted model as plain data (JSON-ready)."""
        self._params()
        return {"model": "bgnbd", "params": self.params_,
                "log_likelihood": self.log_likelihood_, "penalizer": self.penalizer}


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
    label = "MBG/NBD"
    _log_likelihood = staticmethod(_mbgnbd.log_likelihood)

    def probability_alive(self, frequency: ArrayLike, recency: ArrayLike,
                          T: ArrayLike) -> NDArray[np.float64]:
        """Probability that each customer is still a customer."""
        p = self._fitted()
        return _mbgnbd.probability_alive(p["r"], p["alpha"], p["a"], p["b"], frequency,
                                         recency, T)


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
    label = "Pareto/NBD"
    _log_likelihood = staticmethod(_pareto_nbd.log_likelihood)


class BetaGeoBetaBinomModel(_HistoryModel):
    """BG/BB: purchases and dropout in discrete opportunities (periods).

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
    label = "BG/BB"
    discrete = True
    _log_likelihood = staticmethod(_bgbb.log_likelihood)

    def fit(self, frequency: ArrayLike, recency: ArrayLike, periods: ArrayLike,
            weights: ArrayLike | None = None) -> Self:
        """Fit on (frequency, recency, periods) rows, optionally weighted."""
        return super().fit(frequency, recency, periods, weights)


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

    def fit(self, frequency: ArrayLike, monetary_value: ArrayLike,
            weights: ArrayLike | None = None) -> GammaGammaModel:
        """Fit on repeat buyers: their repeat transactions and mean spend of those."""
        x = np.asarray(frequency, dtype=np.float64)
        m = np.asarray(monetary_value, dtype=np.float64)
        if x.shape != m.shape or x.ndim != 1 or len(x) == 0:
            raise InputError("frequency and monetary_value: expected equal-length arrays")
        if np.any(x <= 0) or np.any(m <= 0):
            raise InputError("Gamma-Gamma is fitted on repeat buyers: expected frequency > 0 "
                             "and monetary_value > 0 for every row")
        w = _weights(weights, len(x))

        def nll(p: NDArray[np.float64]) -> float:
            shape, rate_shape, scale = p
            ll = float(np.dot(w, _gamma_gamma.log_likelihood(shape, rate_shape, scale, x, m)))
            return -ll + self.penalizer * float(np.sum(p**2))

        params, _ = fit_positive(nll, np.array([1.0, 1.0, 1.0]), names=self.names,
                                 model="Gamma-Gamma")
        self.params_ = dict(zip(self.names, map(float, params), strict=True))
        shape, rate_shape, scale = params
        self.log_likelihood_ = float(np.dot(
            w, _gamma_gamma.log_likelihood(shape, rate_shape, scale, x, m)))
        return self

    def expected_spend(self, frequency: ArrayLike, monetary_value: ArrayLike
                       ) -> NDArray[np.float64]:
        """Expected spend per transaction of each customer."""
        if not hasattr(self, "params_"):
            raise NotFittedError("GammaGammaModel: call fit before predicting")
        p = self.params_
        return _gamma_gamma.conditional_expected_spend(p["p"], p["q"], p["gamma"], frequency,
                                                       monetary_value)
