"""BG/NBD and MBG/NBD at their edge a, b -> inf, a/(a+b) = p: one dropout probability.

In BG/NBD a customer leaves after each repeat purchase with a probability that is
beta(a, b) distributed over customers, with mean a/(a+b) and variance
``p (1-p) / (a+b+1)``. Letting a and b grow with the mean p fixed leaves no spread:
every customer leaves after a purchase with the one probability p, while purchase
rates stay gamma(r, alpha). (MBG/NBD lets a customer leave after the first purchase
too.)

With p fixed, Fader, Hardie & Lee's (2005) individual likelihood (their equation 3),
integrated over the purchase rate as in their equations (4)-(6)::

    BG/NBD:  L = Gamma(r+x)/Gamma(r) alpha^r [ (1-p)^x (alpha+T)^-(r+x)
                                              + [x > 0] p (1-p)^(x-1) (alpha+t_x)^-(r+x) ]
    MBG/NBD: L = Gamma(r+x)/Gamma(r) alpha^r [ (1-p)^(x+1) (alpha+T)^-(r+x)
                                              + p (1-p)^x (alpha+t_x)^-(r+x) ]

the limits of ``B(a, b+x)/B(a, b)`` and ``B(a+1, b+x-1)/B(a, b)`` (and MBG/NBD's
``B(a, b+x+1)/B(a, b)``, ``B(a+1, b+x)/B(a, b)``). An active customer with rate lambda
makes on average ``(1 - e^(-lambda p t))/p`` purchases in the next t (Fader, Hardie &
Lee 2005, the step before their equation 7); over their rate's posterior
gamma(r+x, alpha+T) that is ``(1 - ((alpha+T)/(alpha+T+p t))^(r+x))/p``. A new
customer: ``(1 - (alpha/(alpha+p t))^r)/p`` (BG/NBD; MBG/NBD times 1-p, the chance of
staying after the first purchase).

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers" the Easy
Way: An Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284.

Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and
comparison of models for customer base analysis. International Journal of Research in
Marketing 24(3), 201-209.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln

__all__ = ["BGNBD", "MBGNBD", "BetaGeoLimit", "active_expected", "log_parts"]

Array = NDArray[np.float64]


def _arrays(*values: ArrayLike) -> list[Array]:
    return [np.asarray(v, dtype=np.float64) for v in values]


def log_parts(
    r: float, alpha: float, p: float, x: Array, t_x: Array, T: Array, *, first_too: bool
) -> tuple[Array, Array]:
    """The likelihood's parts without ``Gamma(r+x)/Gamma(r) alpha^r``: alive, and left.

    ``first_too``: a customer may also leave right after the first purchase (MBG/NBD).
    """
    stay = np.log1p(-p)
    k = r + x
    if first_too:
        alive = (x + 1.0) * stay - k * np.log(alpha + T)
        left = np.log(p) + x * stay - k * np.log(alpha + t_x)
        return alive, left
    alive = x * stay - k * np.log(alpha + T)
    repeat = x > 0
    left = np.full(alive.shape, -np.inf)  # without a repeat purchase, nobody left yet
    left[repeat] = np.log(p) + (x[repeat] - 1.0) * stay - k[repeat] * np.log(alpha + t_x[repeat])
    return alive, left


def active_expected(r: float, alpha: float, p: float, t: ArrayLike, x: Array, T: Array) -> Array:
    """Expected purchases in the next ``t`` of a customer known to be active at T.

    ``(1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p``, computed with expm1 and log1p so
    that it keeps its precision when p t is small beside alpha + T.
    """
    t_ = np.asarray(t, dtype=np.float64)
    return -np.expm1(-(r + x) * np.log1p(p * t_ / (alpha + T))) / p


class BetaGeoLimit:
    """The limit's functions, with the parameters ``r, alpha, p`` first as the models'.

    ``first_too``: MBG/NBD, where a customer may leave right after the first purchase.
    """

    def __init__(self, *, first_too: bool) -> None:
        self.first_too = first_too

    def _parts(
        self, r: float, alpha: float, p: float, x: Array, t_x: Array, T: Array
    ) -> tuple[Array, Array]:
        x_, t_x_, T_ = np.broadcast_arrays(x, t_x, T)
        return log_parts(r, alpha, p, x_, t_x_, T_, first_too=self.first_too)

    def log_likelihood(
        self, r: float, alpha: float, p: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
    ) -> Array:
        """Log-likelihood of each customer's (x, t_x, T)."""
        x_, t_x_, T_ = _arrays(x, t_x, T)
        alive, left = self._parts(r, alpha, p, x_, t_x_, T_)
        return gammaln(r + x_) - gammaln(r) + r * np.log(alpha) + np.logaddexp(alive, left)

    def probability_alive(
        self, r: float, alpha: float, p: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
    ) -> Array:
        """Probability that a customer with history (x, t_x, T) is still a customer."""
        alive, left = self._parts(r, alpha, p, *_arrays(x, t_x, T))
        return np.exp(alive - np.logaddexp(alive, left))

    def conditional_expected_purchases(
        self,
        r: float,
        alpha: float,
        p: float,
        t: ArrayLike,
        x: ArrayLike,
        t_x: ArrayLike,
        T: ArrayLike,
    ) -> Array:
        """Expected purchases in (T, T+t] by a customer with history (x, t_x, T)."""
        t_, x_, t_x_, T_ = _arrays(t, x, t_x, T)
        return active_expected(r, alpha, p, t_, x_, T_) * self.probability_alive(
            r, alpha, p, x_, t_x_, T_
        )

    def probability_no_purchase(
        self,
        r: float,
        alpha: float,
        p: float,
        t: ArrayLike,
        x: ArrayLike,
        t_x: ArrayLike,
        T: ArrayLike,
    ) -> Array:
        """``L(x, t_x, T+t) / L(x, t_x, T)``: no purchase in (T, T+t] extends the history."""
        t_, x_, t_x_, T_ = _arrays(t, x, t_x, T)
        return np.exp(
            self.log_likelihood(r, alpha, p, x_, t_x_, T_ + t_)
            - self.log_likelihood(r, alpha, p, x_, t_x_, T_)
        )

    def active_expected(
        self, r: float, alpha: float, p: float, t: ArrayLike, x: ArrayLike, T: ArrayLike
    ) -> Array:
        """Expected purchases in (T, T+t] of a customer known to be active at T."""
        t_, x_, T_ = _arrays(t, x, T)
        return active_expected(r, alpha, p, t_, x_, T_)

    def expected_purchases_new(self, r: float, alpha: float, p: float, t: ArrayLike) -> Array:
        """Expected repeat purchases in the first ``t`` of a new customer's life."""
        t_ = np.asarray(t, dtype=np.float64)
        stays = 1.0 - p if self.first_too else 1.0
        return stays * -np.expm1(-r * np.log1p(p * t_ / alpha)) / p


#: BG/NBD with one dropout probability p.
BGNBD = BetaGeoLimit(first_too=False)
#: MBG/NBD with one dropout probability p.
MBGNBD = BetaGeoLimit(first_too=True)
