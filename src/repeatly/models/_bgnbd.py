"""BG/NBD (Fader, Hardie & Lee 2005): the maths, as vectorised numpy functions.

Every function takes the parameters ``r, alpha, a, b`` and arrays of frequency ``x``
(repeat purchases), recency ``t_x`` and age ``T`` in one time unit, and works in log
space, so customers with thousands of purchases give finite numbers.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers" the Easy
Way: An Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betaln, gammaln, hyp2f1

__all__ = [
    "active_expected",
    "conditional_expected_purchases",
    "log_likelihood",
    "probability_alive",
    "probability_no_purchase",
]

Array = NDArray[np.float64]


def _arrays(*values: ArrayLike) -> list[Array]:
    return [np.asarray(v, dtype=np.float64) for v in values]


def log_likelihood(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> Array:
    """Log-likelihood of each customer's (x, t_x, T) under BG/NBD (equation 6)."""
    x_, t_x_, T_ = _arrays(x, t_x, T)
    a1 = gammaln(r + x_) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x_) - betaln(a, b)
    a3 = -(r + x_) * np.log(alpha + T_)
    repeat = x_ > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(
            repeat,
            np.log(a) - np.log(np.maximum(b + x_ - 1, 1e-300)) - (r + x_) * np.log(alpha + t_x_),
            -np.inf,
        )
    return a1 + a2 + np.logaddexp(a3, a4)


def probability_alive(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> Array:
    """Probability that a customer with history (x, t_x, T) is still a customer."""
    x_, t_x_, T_ = _arrays(x, t_x, T)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = (
            np.log(a)
            - np.log(np.maximum(b + x_ - 1, 1e-300))
            + (r + x_) * (np.log(alpha + T_) - np.log(alpha + t_x_))
        )
    return np.where(x_ > 0, 1.0 / (1.0 + np.exp(np.minimum(log_ratio, 700.0))), 1.0)


def conditional_expected_purchases(
    r: float, alpha: float, a: float, b: float, t: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> Array:
    """Expected purchases in the next ``t`` by a customer with history (x, t_x, T).

    Equation 10 of the paper, with the hypergeometric term rewritten by Euler's
    transformation so that it stays finite for customers with many purchases.
    """
    x_, t_x_, T_ = _arrays(x, t_x, T)
    return active_expected(r, alpha, a, b, t, x_, T_) * probability_alive(
        r, alpha, a, b, x_, t_x_, T_
    )


def active_expected(
    r: float, alpha: float, a: float, b: float, t: ArrayLike, x: ArrayLike, T: ArrayLike
) -> Array:
    """Expected purchases in the next ``t`` of a customer known to be active at T.

    Such a customer's rate is Gamma(r+x, alpha+T) and their dropout probability
    Beta(a, b+x); the expectation is (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
    2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]. Euler's transformation keeps the
    hypergeometric function's parameters bounded whatever x is:
    (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z). When a and b are so large that this
    overflows (the dropout probability then barely varies), the dropout probability is
    taken at its mean a/(a+b+x), which is then exact to within its tiny spread.
    """
    t_, x_, T_ = _arrays(t, x, T)
    z = t_ / (alpha + T_ + t_)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        hyp = hyp2f1(a + b - 1 - r, a - 1, a + b + x_ - 1, z)
        head = (a + b + x_ - 1) / (a - 1)
        exact = head * (1.0 - np.power(1.0 - z, a - 1) * hyp)
    if np.all(np.isfinite(exact)):
        return exact
    p = a / (a + b + x_)
    steady = -np.expm1(-(r + x_) * np.log1p(p * t_ / (alpha + T_))) / p
    return np.where(np.isfinite(exact), exact, steady)


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

    A customer drops out only right after a purchase, so one alive at T stays alive
    until the next purchase, and given the history the rate is gamma(r+x, alpha+T)::

        P = 1 - P(alive) + P(alive) * ((alpha+T) / (alpha+T+t))^(r+x)

    This is the ratio of likelihoods ``L(x, t_x, T+t) / L(x, t_x, T)`` (no purchase in
    (T, T+t] turns the history into (x, t_x, T+t)), which is how it is computed: in log
    space, so that it keeps its precision when it is tiny.

    Examples
    --------
    >>> p = probability_no_purchase(0.243, 4.414, 0.793, 2.426, [0, 39], 2, 30.43, 38.86)
    >>> [round(float(v), 3) for v in p]
    [1.0, 0.445]
    """
    t_, x_, t_x_, T_ = _arrays(t, x, t_x, T)
    return np.exp(
        log_likelihood(r, alpha, a, b, x_, t_x_, T_ + t_)
        - log_likelihood(r, alpha, a, b, x_, t_x_, T_)
    )
