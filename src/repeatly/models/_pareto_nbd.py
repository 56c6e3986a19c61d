"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987), as vectorised numpy functions.

The likelihood follows Fader & Hardie's note "A Note on Deriving the Pareto/NBD Model
and Related Expressions" (2005), equations (22)-(24), with the two cases alpha >= beta
and alpha < beta.

References
----------
Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting Your Customers: Who
Are They and What Will They Do Next? Management Science 33(1), 1-24.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln, hyp2f1

__all__ = ["log_likelihood"]

Array = NDArray[np.float64]


def log_likelihood(r: float, alpha: float, s: float, beta: float, x: ArrayLike,
                   t_x: ArrayLike, T: ArrayLike) -> Array:
    """Log-likelihood of each customer's (x, t_x, T) under Pareto/NBD."""
    x_, t_x_, T_ = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    rsx = r + s + x_
    second: Array | float
    if alpha >= beta:
        big, shift, second = alpha, alpha - beta, s + 1
    else:
        big, shift, second = beta, beta - alpha, r + x_
    with np.errstate(divide="ignore", invalid="ignore"):
        log_at_tx = np.log(hyp2f1(rsx, second, rsx + 1, shift / (big + t_x_))) \
            - rsx * np.log(big + t_x_)
        log_at_T = np.log(hyp2f1(rsx, second, rsx + 1, shift / (big + T_))) \
            - rsx * np.log(big + T_)
        # A0 = exp(log_at_tx) - exp(log_at_T), positive as t_x <= T
        log_a0 = log_at_tx + np.log1p(-np.exp(np.minimum(log_at_T - log_at_tx, 0.0)))
    head = gammaln(r + x_) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x_) * np.log(alpha + T_) - s * np.log(beta + T_)
    left = np.log(s) - np.log(rsx) + log_a0
    return head + np.logaddexp(alive, left)
