"""BG/BB (Fader, Hardie & Shang 2010): discrete-time purchases and dropout.

Vectorised numpy functions over (frequency, recency, periods).

References
----------
Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-Base Analysis in a
Discrete-Time Noncontractual Setting. Marketing Science 29(6), 1086-1108.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betaln, exprel, gammaln, polygamma, psi

__all__ = [
    "conditional_expected_purchases",
    "log_likelihood",
    "probability_alive",
    "probability_no_purchase",
]

Array = NDArray[np.float64]


def log_likelihood(
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    x: ArrayLike,
    t_x: ArrayLike,
    n: ArrayLike,
) -> Array:
    """Log-likelihood of each (x, t_x, n): x transactions, the last at t_x, in n periods.

    The paper's sum over the period of dropout, sum_i B(alpha+x, beta+t_x-x+i)
    B(gamma+1, delta+t_x+i) for i < n - t_x, is taken as its first term times a sum of
    running products of the ratios of successive terms (each below 1), which needs no
    special functions inside the sum.
    """
    x_, t_x_, n_ = (np.asarray(v, dtype=np.float64) for v in (x, t_x, n))
    base_purchase = betaln(alpha, beta)
    base_alive = betaln(gamma, delta)
    alive_all = (
        betaln(alpha + x_, beta + n_ - x_) - base_purchase + betaln(gamma, delta + n_) - base_alive
    )
    a, c = alpha + x_, beta + t_x_ - x_  # B(a, c + i): purchase part of term i
    g, d = gamma + 1.0, delta + t_x_  # B(g, d + i): dropout part of term i
    terms = n_ - t_x_
    steps = int(np.max(terms)) if terms.size else 0
    first = betaln(a, c) - base_purchase + betaln(g, d) - base_alive
    if steps <= 1:
        died = np.where(terms >= 1, first, -np.inf)
        return np.logaddexp(alive_all, died)
    j = np.arange(steps - 1, dtype=np.float64)[:, None]
    ratios = (c + j) * (d + j) / ((a + c + j) * (g + d + j))
    running = np.cumprod(ratios, axis=0)  # term i+1 over term 0, for i = 0 .. steps-2
    later = np.where(j + 1 < terms, running, 0.0).sum(axis=0)
    with np.errstate(divide="ignore"):
        died = np.where(terms >= 1, first + np.log1p(later), -np.inf)
    return np.logaddexp(alive_all, died)


def _log_likelihood_rows(
    alpha: float, beta: float, gamma: float, delta: float, x: Array, t_x: Array, n: Array
) -> Array:
    """:func:`log_likelihood` of rows of any (broadcast) shape, parameters included."""
    columns = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (alpha, beta, gamma, delta, x, t_x, n))
    )
    flat = log_likelihood(*(c.ravel() for c in columns))  # type: ignore[arg-type]
    return flat.reshape(columns[0].shape)


def _divided_lgamma(u: Array, step: ArrayLike) -> Array:
    """``(lgamma(u + step) - lgamma(u)) / step``, the digamma function at step = 0."""
    step_ = np.asarray(step, dtype=np.float64)
    small = np.abs(step_) < 1e-3  # there the difference would cancel to noise: Taylor
    safe = np.where(small, 1.0, step_)
    taylor = (
        psi(u)
        + step_ / 2 * polygamma(1, u)
        + step_**2 / 6 * polygamma(2, u)
        + step_**3 / 24 * polygamma(3, u)
    )
    return np.where(small, taylor, (gammaln(u + safe) - gammaln(u)) / safe)


def probability_alive(
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    x: ArrayLike,
    t_x: ArrayLike,
    n: ArrayLike,
) -> Array:
    """Probability that a customer with history (x, t_x, n) is alive in period n+1.

    Fader, Hardie & Shang (2010): the part of the likelihood where the customer is
    alive through n periods and survives into period n+1, over the likelihood.

    Examples
    --------
    >>> p = probability_alive(1.204, 0.750, 0.657, 2.783, [0, 2, 6], [0, 4, 6], 6)
    >>> [round(float(v), 2) for v in p]
    [0.11, 0.59, 0.93]
    """
    x_, t_x_, n_ = (np.asarray(v, dtype=np.float64) for v in (x, t_x, n))
    log_alive = (
        betaln(alpha + x_, beta + n_ - x_)
        - betaln(alpha, beta)
        + betaln(gamma, delta + n_ + 1)
        - betaln(gamma, delta)
    )
    return np.exp(log_alive - _log_likelihood_rows(alpha, beta, gamma, delta, x_, t_x_, n_))


def conditional_expected_purchases(
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    n_star: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    n: ArrayLike,
) -> Array:
    """Expected transactions in periods n+1 ... n+n_star given the history (x, t_x, n).

    Fader, Hardie & Shang (2010)::

        B(alpha+x+1, beta+n-x) / B(alpha, beta) / L
        * sum_{k=1}^{n_star} B(gamma, delta+n+k) / B(gamma, delta)

    The sum telescopes to ``B(gamma-1, delta+n+1) - B(gamma-1, delta+n+n_star+1)``,
    written here as ``B(gamma, delta+n+1) (gamma+delta+n) W exprel(-(gamma-1) W)``
    with W the difference of the divided differences of log-gamma, so that it stays
    exact at and near gamma = 1 (where the paper's form is 0/0).

    Examples
    --------
    >>> e = conditional_expected_purchases(1.204, 0.750, 0.657, 2.783, 5, [0, 6], [0, 6], 6)
    >>> [round(float(v), 2) for v in e]
    [0.07, 3.75]
    """
    n_star_, x_, t_x_, n_ = (np.asarray(v, dtype=np.float64) for v in (n_star, x, t_x, n))
    step = gamma - 1
    low = delta + n_ + 1
    # W = log(B(gamma-1, delta+n+1) / B(gamma-1, delta+n+n_star+1)) / (gamma-1) >= 0,
    # 0 when n_star = 0; at gamma = 1 it is the sum of 1/(delta+m), m = n+1 ... n+n_star
    width = _divided_lgamma(low + n_star_, step) - _divided_lgamma(low, step)
    with np.errstate(divide="ignore"):
        log_sum = (
            betaln(gamma, low)
            - betaln(gamma, delta)
            + np.log(gamma + delta + n_)
            + np.log(width * exprel(-step * width))
        )
    log_buy = betaln(alpha + x_ + 1, beta + n_ - x_) - betaln(alpha, beta)
    return np.exp(log_buy + log_sum - _log_likelihood_rows(alpha, beta, gamma, delta, x_, t_x_, n_))


def probability_no_purchase(
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    n_star: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    n: ArrayLike,
) -> Array:
    """Probability of no transaction in periods n+1 ... n+n_star given the history.

    No transaction in the next n_star periods turns the history (x, t_x, n) into
    (x, t_x, n+n_star), so the probability is ``L(x, t_x, n+n_star) / L(x, t_x, n)``.

    Examples
    --------
    >>> p = probability_no_purchase(1.204, 0.750, 0.657, 2.783, [0, 5], 6, 6, 6)
    >>> [round(float(v), 2) for v in p]
    [1.0, 0.08]
    """
    n_star_, x_, t_x_, n_ = (np.asarray(v, dtype=np.float64) for v in (n_star, x, t_x, n))
    return np.exp(
        _log_likelihood_rows(alpha, beta, gamma, delta, x_, t_x_, n_ + n_star_)
        - _log_likelihood_rows(alpha, beta, gamma, delta, x_, t_x_, n_)
    )
