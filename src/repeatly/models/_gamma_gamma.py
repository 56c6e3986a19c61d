"""Gamma-Gamma spend model (Fader & Hardie 2013): the maths as vectorised functions.

References
----------
Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma Model of Monetary Value.
http://www.brucehardie.com/notes/025/
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln

__all__ = ["conditional_expected_spend", "log_likelihood"]

Array = NDArray[np.float64]


def log_likelihood(p: float, q: float, gamma: float, x: ArrayLike, m: ArrayLike) -> Array:
    """Log-density of each repeat buyer's mean spend ``m`` over ``x`` transactions."""
    x_ = np.asarray(x, dtype=np.float64)
    m_ = np.asarray(m, dtype=np.float64)
    return (
        gammaln(p * x_ + q)
        - gammaln(p * x_)
        - gammaln(q)
        + q * np.log(gamma)
        + (p * x_ - 1) * np.log(m_)
        + p * x_ * np.log(x_)
        - (p * x_ + q) * np.log(gamma + x_ * m_)
    )


def conditional_expected_spend(
    p: float, q: float, gamma: float, x: ArrayLike, m: ArrayLike
) -> Array:
    """Expected spend per transaction of a customer with ``x`` repeats of mean ``m``.

    Customers without repeats get the population mean.
    """
    x_ = np.asarray(x, dtype=np.float64)
    m_ = np.nan_to_num(np.asarray(m, dtype=np.float64))
    weight = (q - 1) / (p * x_ + q - 1)
    population = p * gamma / (q - 1)
    return weight * population + (1 - weight) * m_
