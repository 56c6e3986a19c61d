"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987), as vectorised numpy functions.

The likelihood follows Fader & Hardie's note "A Note on Deriving the Pareto/NBD Model
and Related Expressions" (2005), equations (22)-(24), with the two cases alpha >= beta
and alpha < beta. Euler's transformation rewrites both cases' hypergeometric terms as
``2F1(1, .; r+s+x+1; z)``, which stays near 1 however many purchases a customer made,
so the functions work in log space without overflow.

Far along the ridge towards the limit where every customer drops out at one rate (s and
beta large with s/beta fixed, see :mod:`repeatly.models._pareto_nbd_limit`), scipy's
``hyp2f1`` gives NaN for some customers once s passes about 170; the functions then give
NaN for them (without a floating-point warning), which a fit reads as "not here".

References
----------
Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting Your Customers: Who
Are They and What Will They Do Next? Management Science 33(1), 1-24.

Fader, P. S. & Hardie, B. G. S. (2005). A Note on Deriving the Pareto/NBD Model and
Related Expressions. http://brucehardie.com/notes/009/
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import exprel, gammaln, hyp2f1

__all__ = [
    "active_expected",
    "conditional_expected_purchases",
    "log_likelihood",
    "probability_alive",
    "probability_no_purchase",
]

Array = NDArray[np.float64]


def log_f(r: float, alpha: float, s: float, beta: float, x: Array, y: Array) -> Array:
    """Log F(y), where Fader & Hardie's A0 = F(t_x) - F(T).

    By Euler's transformation, F(y) = (alpha+y)^-(r+x) (beta+y)^-s 2F1(1, r+x; r+s+x+1;
    (alpha-beta)/(alpha+y)) when alpha >= beta, and when alpha < beta
    F(y) = (alpha+y)^-(r+x) (beta+y)^-s (alpha+y)/(beta+y) 2F1(1, s+1; r+s+x+1;
    (beta-alpha)/(beta+y)). It depends on (x, y) only, so a fit can compute it once per
    distinct pair.
    """
    ge = np.asarray(alpha >= beta)
    second = np.where(ge, r + x, s + 1)
    log_a, log_b = np.log(alpha + y), np.log(beta + y)
    z = np.abs(alpha - beta) / np.where(ge, alpha + y, beta + y)
    shift = np.where(ge, 0.0, log_a - log_b)
    return -(r + x) * log_a - s * log_b + shift + np.log(hyp2f1(1.0, second, r + s + x + 1, z))


def log_sum(alive: Array, left: Array) -> Array:
    """``log(e^alive + e^left)``, NaN where a part is NaN (hyp2f1 failed), quietly."""
    with np.errstate(invalid="ignore"):
        return np.asarray(np.logaddexp(alive, left), dtype=np.float64)


def log_parts_from(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: Array,
    T: Array,
    log_at_tx: Array,
    log_at_T: Array,
) -> tuple[Array, Array]:
    """The likelihood's two parts from log F at t_x and at T (see :func:`log_f`)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        # log(F(t_x) - F(T)), -inf when t_x = T; F falls with y, so the gap is >= 0
        log_a0 = log_at_tx + np.log1p(-np.exp(np.minimum(log_at_T - log_at_tx, 0.0)))
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    left = np.log(s) - np.log(r + s + x) + log_a0
    return alive, left


def _log_parts(
    r: float, alpha: float, s: float, beta: float, x: Array, t_x: Array, T: Array
) -> tuple[Array, Array]:
    """The log-likelihood's two parts, without their common factor.

    ``alive``: the customer is still alive at T; ``left``: the customer left in
    (t_x, T]. The likelihood is ``Gamma(r+x) alpha^r beta^s / Gamma(r)`` times
    ``exp(alive) + exp(left)``.
    """
    return log_parts_from(
        r, alpha, s, beta, x, T, log_f(r, alpha, s, beta, x, t_x), log_f(r, alpha, s, beta, x, T)
    )


def log_likelihood(
    r: float, alpha: float, s: float, beta: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> Array:
    """Log-likelihood of each customer's (x, t_x, T) under Pareto/NBD."""
    x_, t_x_, T_ = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    alive, left = _log_parts(r, alpha, s, beta, x_, t_x_, T_)
    head = gammaln(r + x_) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return head + log_sum(alive, left)


def probability_alive(
    r: float, alpha: float, s: float, beta: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> Array:
    """Probability that a customer with history (x, t_x, T) is still alive at T.

    The likelihood's part where the customer outlives T over the whole likelihood
    (Fader & Hardie 2005).

    Examples
    --------
    >>> p = probability_alive(0.553, 10.578, 0.606, 11.669, [0, 2, 2], [0, 10, 38], 39)
    >>> [round(float(v), 3) for v in p]
    [0.294, 0.267, 0.988]
    """
    x_, t_x_, T_ = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    alive, left = _log_parts(r, alpha, s, beta, x_, t_x_, T_)
    return np.exp(alive - log_sum(alive, left))


def conditional_expected_purchases(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    t: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> Array:
    """Expected purchases in (T, T+t] by a customer with history (x, t_x, T).

    Fader & Hardie (2005)::

        (r+x)(beta+T) / ((alpha+T)(s-1)) * [1 - ((beta+T)/(beta+T+t))^(s-1)] * P(alive)

    written as ``(r+x)/(alpha+T) * (beta+T) * L * exprel(-(s-1) L)`` with
    ``L = log((beta+T+t)/(beta+T))``, which is exact for every s and tends to the
    s = 1 limit ``(r+x)/(alpha+T) * (beta+T) * L * P(alive)`` without cancellation.

    Examples
    --------
    >>> e = conditional_expected_purchases(0.553, 10.578, 0.606, 11.669, 39, 2, 30, 39)
    >>> round(float(e), 3)
    1.434
    """
    t_, x_, t_x_, T_ = (np.asarray(v, dtype=np.float64) for v in (t, x, t_x, T))
    return active_expected(r, alpha, s, beta, t_, x_, T_) * probability_alive(
        r, alpha, s, beta, x_, t_x_, T_
    )


def active_expected(
    r: float, alpha: float, s: float, beta: float, t: ArrayLike, x: ArrayLike, T: ArrayLike
) -> Array:
    """Expected purchases in (T, T+t] of a customer known to be alive at T.

    :func:`conditional_expected_purchases` without its factor P(alive).
    """
    t_, x_, T_ = (np.asarray(v, dtype=np.float64) for v in (t, x, T))
    span = np.log1p(t_ / (beta + T_))
    rate = (r + x_) / (alpha + T_)
    return np.asarray(rate * (beta + T_) * span * exprel(-(s - 1) * span), dtype=np.float64)


def probability_no_purchase(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    t: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> Array:
    """Probability that a customer with history (x, t_x, T) makes no purchase in (T, T+t].

    Making no purchase in (T, T+t] turns the history (x, t_x, T) into (x, t_x, T+t),
    so the probability is the ratio of the two likelihoods, ``L(x, t_x, T+t) /
    L(x, t_x, T)``. It equals ``1 - P(alive) + P(alive) E[mu/(lambda+mu) +
    lambda/(lambda+mu) exp(-(lambda+mu) t)]``, the expectation over the rates of a
    customer alive at T, in closed form.

    Examples
    --------
    >>> p = probability_no_purchase(0.553, 10.578, 0.606, 11.669, [0, 39], 2, 30, 39)
    >>> [round(float(v), 3) for v in p]
    [1.0, 0.416]
    """
    t_, x_, t_x_, T_ = (np.asarray(v, dtype=np.float64) for v in (t, x, t_x, T))
    return np.exp(
        log_likelihood(r, alpha, s, beta, x_, t_x_, T_ + t_)
        - log_likelihood(r, alpha, s, beta, x_, t_x_, T_)
    )
