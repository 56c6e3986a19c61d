"""Thin estimators over the model maths: fit on summaries, predict per customer."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from repeatly.exceptions import InputError, NotFittedError
from repeatly.models import _bgnbd, _gamma_gamma
from repeatly.models._fit import fit_positive

__all__ = ["BetaGeoModel", "GammaGammaModel"]


def _weights(weights: ArrayLike | None, n: int) -> NDArray[np.float64]:
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (n,) or np.any(w < 0):
        raise InputError(f"weights: expected {n} non-negative numbers")
    return w


class BetaGeoModel:
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

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike,
            weights: ArrayLike | None = None) -> BetaGeoModel:
        """Fit on per-customer (or distinct, weighted) frequency, recency and age."""
        x, t_x, t = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
        if not (x.shape == t_x.shape == t.shape) or x.ndim != 1 or len(x) == 0:
            raise InputError("frequency, recency and T: expected equal-length, non-empty arrays")
        if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > t + 1e-9):
            raise InputError("expected frequency >= 0 and 0 <= recency <= T for every customer")
        w = _weights(weights, len(x))

        def nll(p: NDArray[np.float64]) -> float:
            r, alpha, a, b = p
            ll = float(np.dot(w, _bgnbd.log_likelihood(r, alpha, a, b, x, t_x, t)))
            return -ll + self.penalizer * float(np.sum(p**2))

        params, _ = fit_positive(nll, np.array([1.0, 1.0, 1.0, 1.0]), names=self.names,
                                 model="BG/NBD")
        self.params_ = dict(zip(self.names, map(float, params), strict=True))
        r, alpha, a, b = params
        self.log_likelihood_ = float(np.dot(w, _bgnbd.log_likelihood(r, alpha, a, b, x, t_x,
                                                                     t)))
        return self

    def _params(self) -> tuple[float, float, float, float]:
        if not hasattr(self, "params_"):
            raise NotFittedError("BetaGeoModel: call fit before predicting")
        p = self.params_
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
