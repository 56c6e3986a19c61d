"""Pareto/NBD at its edge s -> inf, s/beta = mu: every customer drops out at rate mu.

The dropout rates of Pareto/NBD are gamma(s, beta) distributed, with mean s/beta and
variance s/beta^2. Letting s and beta grow with their ratio mu fixed leaves no spread:
every customer's lifetime is exponential with the one rate mu, while purchase rates stay
gamma(r, alpha). This is where the likelihood of data whose customers all leave at
about the same rate keeps rising, without a finite optimum.

The likelihood, from the individual one of Fader & Hardie (2005), equation (2)::

    L(lambda, mu) = lambda^x e^(-(lambda+mu) T)
                    + lambda^x mu / (lambda+mu) [e^(-(lambda+mu) t_x) - e^(-(lambda+mu) T)]

whose second term is ``lambda^x int_{t_x}^T mu e^(-mu tau) e^(-lambda tau) d tau``
(the customer left at tau). Integrating lambda over gamma(r, alpha) with
``int lambda^x e^(-lambda y) g(lambda) d lambda = Gamma(r+x)/Gamma(r) alpha^r
(alpha+y)^-(r+x)``::

    L = Gamma(r+x)/Gamma(r) alpha^r [ e^(-mu T) (alpha+T)^-(r+x)
                                      + mu (J(t_x) - J(T)) ],
    J(y) = int_y^inf e^(-mu tau) (alpha+tau)^-(r+x) d tau
         = e^(-mu y) (alpha+y)^(1-r-x) S_(r+x)(mu (alpha+y)),

with ``S_p(z) = e^z E_p(z)`` the scaled generalised exponential integral
(:mod:`repeatly.models._expint`; DLMF 8.19.2, substituting tau = (alpha+y) t - alpha).
It is also the limit of Fader & Hardie's (2005) equations (22)-(24), term by term
(tested against the full model along the ridge).

Given the history, an active customer's purchase rate is gamma(r+x, alpha+T), and their
lifetime from T on exponential(mu), so over the next t they make on average
``(r+x)/(alpha+T) (1 - e^(-mu t))/mu`` purchases; a new customer ``r/alpha (1 -
e^(-mu t))/mu`` (the limits of Schmittlein, Morrison & Colombo's (1987) expressions).

References
----------
Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting Your Customers: Who
Are They and What Will They Do Next? Management Science 33(1), 1-24.

Fader, P. S. & Hardie, B. G. S. (2005). A Note on Deriving the Pareto/NBD Model and
Related Expressions. http://brucehardie.com/notes/009/

NIST Digital Library of Mathematical Functions, 8.19 Generalized Exponential Integral.
https://dlmf.nist.gov/8.19
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import exprel, gammaln

from repeatly.models._expint import scaled_expint, scaled_expint_slope

__all__ = [
    "active_expected",
    "conditional_expected_purchases",
    "expected_purchases_new",
    "log_likelihood",
    "log_tail",
    "log_tail_slopes",
    "probability_alive",
    "probability_no_purchase",
]

Array = NDArray[np.float64]


def log_tail(r: float, alpha: float, mu: float, x: Array, y: Array) -> Array:
    """``log J(y)``: ``J(y) = int_y^inf e^(-mu tau) (alpha+tau)^-(r+x) d tau``.

    It depends on (x, y) only, so a fit can compute it once per distinct pair.
    """
    k = r + x
    span = alpha + y
    return -mu * y + (1.0 - k) * np.log(span) + np.log(scaled_expint(k, mu * span))


def log_tail_slopes(
    r: float, alpha: float, mu: float, x: Array, y: Array
) -> tuple[Array, Array, Array, Array]:
    """:func:`log_tail` and its derivatives in r, alpha and mu.

    With ``S = S_k(z)``, ``z = mu (alpha+y)``, ``k = r+x`` and the recurrences
    ``k S_(k+1) = 1 - z S_k`` and ``(k-1) S_k + z S_(k-1) = 1`` (DLMF 8.19.12)::

        d/dalpha log J = -(1/S - z) / (alpha+y)      (dJ/dalpha = -k J_(k+1))
        d/dmu log J    = alpha - (1/S + 1 - k) / mu  (dJ/dmu = -J_(k-1) + alpha J)
        d/dr log J     = -log(alpha+y) + (dS/dk) / S
    """
    k = r + x
    span = alpha + y
    z = mu * span
    value, slope = scaled_expint_slope(k, z)
    log_span = np.log(span)
    tail = -mu * y + (1.0 - k) * log_span + np.log(value)
    inverse = 1.0 / value
    return (
        tail,
        slope * inverse - log_span,
        (z - inverse) / span,
        alpha - (inverse + 1.0 - k) / mu,
    )


def log_parts_from(
    r: float, alpha: float, mu: float, x: Array, T: Array, tail_tx: Array, tail_T: Array
) -> tuple[Array, Array]:
    """The likelihood's two parts from :func:`log_tail` at t_x and at T.

    ``alive``: the customer is still alive at T; ``left``: the customer left in
    (t_x, T]. The likelihood is ``Gamma(r+x) alpha^r / Gamma(r)`` times
    ``exp(alive) + exp(left)``.
    """
    alive = -mu * T - (r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore"):
        # log(J(t_x) - J(T)): -inf when t_x = T; J falls with y, so the gap is >= 0
        left = np.log(mu) + tail_tx + np.log1p(-np.exp(np.minimum(tail_T - tail_tx, 0.0)))
    return alive, left


def _log_parts(
    r: float, alpha: float, mu: float, x: Array, t_x: Array, T: Array
) -> tuple[Array, Array]:
    return log_parts_from(
        r, alpha, mu, x, T, log_tail(r, alpha, mu, x, t_x), log_tail(r, alpha, mu, x, T)
    )


def _arrays(*values: ArrayLike) -> list[Array]:
    return [np.asarray(v, dtype=np.float64) for v in values]


def log_likelihood(
    r: float, alpha: float, mu: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> Array:
    """Log-likelihood of each customer's (x, t_x, T) when every customer drops out at mu.

    Examples
    --------
    >>> round(float(log_likelihood(0.75, 4.0, 0.014, 0, 0, 30)), 4)
    -1.3157
    """
    x_, t_x_, T_ = _arrays(x, t_x, T)
    alive, left = _log_parts(r, alpha, mu, x_, t_x_, T_)
    head = gammaln(r + x_) - gammaln(r) + r * np.log(alpha)
    return head + np.logaddexp(alive, left)


def probability_alive(
    r: float, alpha: float, mu: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> Array:
    """Probability that a customer with history (x, t_x, T) is still alive at T.

    Examples
    --------
    >>> p = probability_alive(0.76, 4.0, 0.014, [0, 2, 2], [0, 10, 39], 39)
    >>> [round(float(v), 3) for v in p]
    [0.39, 0.258, 1.0]
    """
    x_, t_x_, T_ = _arrays(x, t_x, T)
    alive, left = _log_parts(r, alpha, mu, x_, t_x_, T_)
    return np.exp(alive - np.logaddexp(alive, left))


def conditional_expected_purchases(
    r: float,
    alpha: float,
    mu: float,
    t: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> Array:
    """Expected purchases in (T, T+t] by a customer with history (x, t_x, T).

    ``(r+x)/(alpha+T) * t * exprel(-mu t) * P(alive)``, where ``t exprel(-mu t) = (1 -
    e^(-mu t))/mu`` stays exact as mu t -> 0.

    Examples
    --------
    >>> round(float(conditional_expected_purchases(0.76, 4.0, 0.014, 39, 2, 30, 39)), 3)
    1.624
    """
    t_, x_, t_x_, T_ = _arrays(t, x, t_x, T)
    return active_expected(r, alpha, mu, t_, x_, T_) * probability_alive(r, alpha, mu, x_, t_x_, T_)


def active_expected(
    r: float, alpha: float, mu: float, t: ArrayLike, x: ArrayLike, T: ArrayLike
) -> Array:
    """Expected purchases in (T, T+t] of a customer known to be alive at T.

    ``(r+x)/(alpha+T) * (1 - e^(-mu t))/mu``: the posterior mean rate times the expected
    time alive in the next t.
    """
    t_, x_, T_ = _arrays(t, x, T)
    return np.asarray((r + x_) / (alpha + T_) * t_ * exprel(-mu * t_), dtype=np.float64)


def probability_no_purchase(
    r: float,
    alpha: float,
    mu: float,
    t: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> Array:
    """Probability that a customer with history (x, t_x, T) makes no purchase in (T, T+t].

    No purchase in (T, T+t] turns the history into (x, t_x, T+t): the ratio of the
    two likelihoods, as for the full model.
    """
    t_, x_, t_x_, T_ = _arrays(t, x, t_x, T)
    return np.exp(
        log_likelihood(r, alpha, mu, x_, t_x_, T_ + t_) - log_likelihood(r, alpha, mu, x_, t_x_, T_)
    )


def expected_purchases_new(r: float, alpha: float, mu: float, t: ArrayLike) -> Array:
    """Expected repeat purchases in the first ``t`` of a new customer's life.

    ``r/alpha * (1 - e^(-mu t))/mu``: Pareto/NBD's ``r beta/(alpha (s-1)) [1 -
    (beta/(beta+t))^(s-1)]`` as s -> inf with s/beta = mu.
    """
    t_ = np.asarray(t, dtype=np.float64)
    return r / alpha * t_ * exprel(-mu * t_)
