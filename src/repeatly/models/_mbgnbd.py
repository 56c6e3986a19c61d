"""MBG/NBD (Batislam, Denizel & Filiztekin 2007), as vectorised numpy functions.

BG/NBD where a customer may also drop out right after the first purchase.

References
----------
Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and
comparison of models for customer base analysis. International Journal of Research in
Marketing 24(3), 201-209.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betaln, gammaln

from repeatly.models import _bgnbd

__all__ = [
    "active_expected",
    "conditional_expected_purchases",
    "log_likelihood",
    "probability_alive",
    "probability_no_purchase",
]

Array = NDArray[np.float64]


def log_likelihood(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> Array:
    """Log-likelihood of each customer's (x, t_x, T) under MBG/NBD."""
    x_, t_x_, T_ = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    common = gammaln(r + x_) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    still = betaln(a, b + x_ + 1) - (r + x_) * np.log(alpha + T_)
    gone = betaln(a + 1, b + x_) - (r + x_) * np.log(alpha + t_x_)
    return common + np.logaddexp(still, gone)


def probability_alive(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> Array:
    """Probability that a customer with history (x, t_x, T) is still a customer."""
    x_, t_x_, T_ = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    log_ratio = np.log(a) - np.log(b + x_) + (r + x_) * (np.log(alpha + T_) - np.log(alpha + t_x_))
    return 1.0 / (1.0 + np.exp(np.minimum(log_ratio, 700.0)))


def conditional_expected_purchases(
    r: float,
    alpha: float,
    a: float,
    b: float,
    t: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> Array:
    """Expected purchases in (T, T+t] by a customer with history (x, t_x, T).

    Batislam et al. (2007)::

        (a+b+x)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
                         * 2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))] * P(alive)

    A customer alive at T has dropout probability beta(a, b+x+1) and rate
    gamma(r+x, alpha+T), and drops out only after purchases from then on: BG/NBD's
    expectation with b+x+1 for b+x. Euler's transformation turns the hypergeometric
    term into ``(1-z)^(a-1) 2F1(a+b-r, a-1; a+b+x; z)``, bounded whatever x is.

    Examples
    --------
    >>> e = conditional_expected_purchases(0.525, 6.183, 0.891, 1.614, 39, 2, 30.43, 38.86)
    >>> round(float(e), 3)
    1.263
    """
    t_, x_, t_x_, T_ = (np.asarray(v, dtype=np.float64) for v in (t, x, t_x, T))
    return active_expected(r, alpha, a, b, t_, x_, T_) * probability_alive(
        r, alpha, a, b, x_, t_x_, T_
    )


def active_expected(
    r: float, alpha: float, a: float, b: float, t: ArrayLike, x: ArrayLike, T: ArrayLike
) -> Array:
    """Expected purchases in (T, T+t] of a customer known to be active at T.

    BG/NBD's expectation for an active customer, with b + 1 for b (see
    :func:`conditional_expected_purchases`).
    """
    return _bgnbd.active_expected(r, alpha, a, b + 1, t, x, T)


def probability_no_purchase(
    r: float,
    alpha: float,
    a: float,
    b: float,
    t: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> Array:
    """Probability that a customer with history (x, t_x, T) makes no purchase in (T, T+t].

    As in BG/NBD, a customer alive at T stays alive until the next purchase::

        P = 1 - P(alive) + P(alive) * ((alpha+T) / (alpha+T+t))^(r+x)

    computed as the likelihood ratio ``L(x, t_x, T+t) / L(x, t_x, T)`` in log space.

    Examples
    --------
    >>> p = probability_no_purchase(0.525, 6.183, 0.891, 1.614, [0, 39], 0, 0, 38.86)
    >>> [round(float(v), 3) for v in p]
    [1.0, 0.891]
    """
    t_, x_, t_x_, T_ = (np.asarray(v, dtype=np.float64) for v in (t, x, t_x, T))
    return np.exp(
        log_likelihood(r, alpha, a, b, x_, t_x_, T_ + t_)
        - log_likelihood(r, alpha, a, b, x_, t_x_, T_)
    )
