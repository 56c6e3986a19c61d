"""Expected purchases of a new customer, and when an active customer buys next.

The unconditional expectations E[X(t)] (repeat purchases in the first ``t`` after the
first purchase) drive the cumulative tracking plot; the waiting times give each
customer's expected next purchase date.

References
----------
Fader, Hardie & Lee (2005), equation (7); Batislam, Denizel & Filiztekin (2007);
Schmittlein, Morrison & Colombo (1987); Fader, Hardie & Shang (2010), equation (6).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betaln, gammaln

from repeatly.models import _bgnbd

__all__ = [
    "bgbb_expected",
    "bgbb_median_wait",
    "bgnbd_expected",
    "mbgnbd_expected",
    "median_wait",
    "pareto_nbd_expected",
]

Array = NDArray[np.float64]


def bgnbd_expected(r: float, alpha: float, a: float, b: float, t: ArrayLike) -> Array:
    """BG/NBD: expected repeat purchases in the first ``t`` of a customer's life.

    (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))] (Fader, Hardie
    & Lee 2005, equation 7): the expectation of a customer active at age 0 with no
    repeat purchases, which :func:`repeatly.models._bgnbd.active_expected` computes
    with the hypergeometric term in its Euler-transformed form, and which stays finite
    where a and b are so large that the term overflows.
    """
    t_ = np.asarray(t, dtype=np.float64)
    return _bgnbd.active_expected(r, alpha, a, b, t_, np.zeros(t_.shape), np.zeros(t_.shape))


def mbgnbd_expected(r: float, alpha: float, a: float, b: float, t: ArrayLike) -> Array:
    """MBG/NBD: expected repeat purchases in the first ``t`` of a customer's life.

    b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))]: the BG/NBD story
    where a customer may also leave at the first purchase, integrated over p and lambda.
    That is the chance b/(a+b) of staying after the first purchase times the BG/NBD
    expectation of an active customer with b+1 for b.
    """
    t_ = np.asarray(t, dtype=np.float64)
    zeros = np.zeros(t_.shape)
    return b / (a + b) * _bgnbd.active_expected(r, alpha, a, b + 1, t_, zeros, zeros)


def pareto_nbd_expected(r: float, alpha: float, s: float, beta: float, t: ArrayLike) -> Array:
    """Pareto/NBD: expected repeat purchases in the first ``t`` of a customer's life."""
    t_ = np.asarray(t, dtype=np.float64)
    if abs(s - 1.0) < 1e-9:
        return r * beta / alpha * np.log1p(t_ / beta)
    return r * beta / (alpha * (s - 1)) * (1.0 - np.power(beta / (beta + t_), s - 1))


def bgbb_expected(alpha: float, beta: float, gamma: float, delta: float, n: ArrayLike) -> Array:
    """BG/BB: expected transactions in the first ``n`` opportunities."""
    n_ = np.asarray(n, dtype=np.float64)
    ratio = np.exp(
        gammaln(gamma + delta)
        - gammaln(1 + delta)
        + gammaln(1 + delta + n_)
        - gammaln(gamma + delta + n_)
    )
    return alpha / (alpha + beta) * delta / (gamma - 1) * (1.0 - ratio)


def median_wait(r: float, alpha: float, x: ArrayLike, T: ArrayLike) -> Array:
    """Median time to the next purchase of a customer who is still active.

    An active customer's purchase rate is Gamma(r + x, alpha + T) given their history,
    so the wait is Lomax-distributed and its median is (alpha + T)(2^(1/(r+x)) - 1).
    """
    x_, T_ = (np.asarray(v, dtype=np.float64) for v in (x, T))
    with np.errstate(over="ignore"):  # a rate near 0: an endless wait (inf), as it is
        return (alpha + T_) * np.expm1(np.log(2.0) / (r + x_))


def bgbb_median_wait(
    alpha: float, beta: float, x: ArrayLike, n: ArrayLike, most: int = 100_000
) -> Array:
    """BG/BB: median opportunities until an active customer's next transaction.

    P(no transaction in the next k | active) = B(alpha+x, beta+n-x+k) / B(alpha+x,
    beta+n-x), which falls as k grows; the median is the first k where it is at most
    one half, found by bisection (``inf`` when that takes more than ``most``).
    """
    x_, n_ = (np.asarray(v, dtype=np.float64) for v in (x, n))
    x_, n_ = np.broadcast_arrays(x_, n_)
    base = betaln(alpha + x_, beta + n_ - x_)

    def done(k: Array) -> NDArray[np.bool_]:
        return betaln(alpha + x_, beta + n_ - x_ + k) - base <= np.log(0.5)

    low = np.zeros(x_.shape)  # not yet an even chance after `low`
    high = np.full(x_.shape, float(most))  # an even chance by `high`, if at all
    reached = done(high)
    while np.any(high - low > 1):
        middle = np.floor((low + high) / 2)
        ok = done(middle)
        high = np.where(ok, middle, high)
        low = np.where(ok, low, middle)
    return np.where(reached, high, np.inf)
