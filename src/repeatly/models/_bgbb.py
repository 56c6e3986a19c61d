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
from scipy.special import betaln, logsumexp

__all__ = ["log_likelihood"]

Array = NDArray[np.float64]


def log_likelihood(alpha: float, beta: float, gamma: float, delta: float, x: ArrayLike,
                   t_x: ArrayLike, n: ArrayLike) -> Array:
    """Log-likelihood of each (x, t_x, n): x transactions, the last at t_x, in n periods."""
    x_, t_x_, n_ = (np.asarray(v, dtype=np.float64) for v in (x, t_x, n))
    base_purchase = betaln(alpha, beta)
    base_alive = betaln(gamma, delta)
    alive_all = (betaln(alpha + x_, beta + n_ - x_) - base_purchase
                 + betaln(gamma, delta + n_) - base_alive)
    steps = int(np.max(n_ - t_x_)) if len(n_) else 0
    i = np.arange(max(steps, 1))[:, None]
    died = (betaln(alpha + x_, beta + t_x_ - x_ + i) - base_purchase
            + betaln(gamma + 1, delta + t_x_ + i) - base_alive)
    died = np.where(i < (n_ - t_x_), died, -np.inf)
    return logsumexp(np.vstack([alive_all[None, :], died]), axis=0)
