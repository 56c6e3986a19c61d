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

__all__ = ["log_likelihood", "probability_alive"]

Array = NDArray[np.float64]


def log_likelihood(r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike,
                   T: ArrayLike) -> Array:
    """Log-likelihood of each customer's (x, t_x, T) under MBG/NBD."""
    x_, t_x_, T_ = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    common = gammaln(r + x_) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    still = betaln(a, b + x_ + 1) - (r + x_) * np.log(alpha + T_)
    gone = betaln(a + 1, b + x_) - (r + x_) * np.log(alpha + t_x_)
    return common + np.logaddexp(still, gone)


def probability_alive(r: float, alpha: float, a: float, b: float, x: ArrayLike,
                      t_x: ArrayLike, T: ArrayLike) -> Array:
    """Probability that a customer with history (x, t_x, T) is still a customer."""
    x_, t_x_, T_ = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    log_ratio = (np.log(a) - np.log(b + x_)
                 + (r + x_) * (np.log(alpha + T_) - np.log(alpha + t_x_)))
    return 1.0 / (1.0 + np.exp(np.minimum(log_ratio, 700.0)))
