"""The generalised exponential integral of real order, scaled: ``e^z E_p(z)``.

``E_p(z) = int_1^inf e^(-z t) t^(-p) dt`` (DLMF 8.19.2), so that::

    S_p(z) = e^z E_p(z) = int_0^inf e^(-z u) (1 + u)^(-p) du,

which lies between ``1 / (z + p)`` and ``1 / (z + p - 1)`` for p >= 1 (DLMF 8.19.21)
and needs neither overflow nor underflow where ``E_p`` does. scipy offers ``E_n`` for
whole orders only (``scipy.special.expn``); the Pareto/NBD limit needs any order
``p > 0``, and a fit its derivative in p.

Two ways, each where it converges fast and keeps full precision:

- ``z >= 2`` or ``p >= 25``: the continued fraction (DLMF 8.19.17, in the even form of
  Press et al., Numerical Recipes, section 6.3), by the modified Lentz method; it needs
  at most about 50 steps there.
- otherwise the power series (DLMF 8.19.10)::

      E_p(z) = z^(p-1) Gamma(1-p) - sum_k (-z)^k / (k! (1-p+k)),

  whose first term and the k = n0 term (n0 = round(p) - 1) both have poles where p is a
  whole number. Written together, with ``d = n0 + 1 - p`` in [-1/2, 1/2], they are::

      (-z)^n0 / n0! * (exp(E) - 1) / d,
      E = -d log z + log Gamma(1+d) - sum_{j=1..n0} log(1 - d/j),

  and ``(exp(E) - 1) / d = exprel(E) * V`` with ``V = E / d``, computed from divided
  differences that stay exact as d -> 0 (the whole-order limit is ``-log z +
  psi(n0 + 1)``, Abramowitz & Stegun 5.1.12). The terms alternate in sign; below
  z = 2 the sum loses at most a factor e^4 in relative precision.

The derivative in p is carried through each way (forward-mode differentiation of the
series' terms, of the pole pair's closed form and of Lentz's recursion).

References
----------
NIST Digital Library of Mathematical Functions (DLMF), section 8.19, Generalized
Exponential Integral. https://dlmf.nist.gov/8.19

Abramowitz, M. & Stegun, I. A. (1964). Handbook of Mathematical Functions, 5.1.12 and
6.1.33.

Press, W. H., Teukolsky, S. A., Vetterling, W. T. & Flannery, B. P. (2007). Numerical
Recipes, 3rd edition, sections 5.2 (Lentz's method) and 6.3 (exponential integrals).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import digamma, exprel, gammaln, zeta

__all__ = ["scaled_expint", "scaled_expint_slope"]

Array = NDArray[np.float64]

#: Below this z (and order) the power series; from it the continued fraction.
SERIES_BELOW = 2.0
#: From this order the continued fraction converges in a few dozen steps for any z.
LARGE_ORDER = 25.0
#: Terms of the power series: 2^k / k! < 1e-18 from k = 32.
SERIES_TERMS = 32
#: Steps of the continued fraction after which it stops (it converges well before).
MOST_STEPS = 400
#: Where the pole pair is taken by Taylor series in d (and log(1 - d/j) / d by terms).
NEAR_WHOLE = 0.05

_EULER = 0.5772156649015329
#: 0, then (-1)^m zeta(m) / m for m = 2 .. 14: the Taylor coefficients of
#: (log Gamma(1 + d) + EULER d) / d (Abramowitz & Stegun 6.1.33).
_LOG_GAMMA_OVER = np.array([0.0] + [(-1) ** m * float(zeta(m)) / m for m in range(2, 15)])
#: Its derivative's coefficients.
_LOG_GAMMA_OVER_SLOPE = np.polynomial.polynomial.polyder(_LOG_GAMMA_OVER)
#: Coefficients of log1p(x) / x = sum_m (-x)^m / (m + 1), and of its derivative.
_LOG1P_OVER = np.array([(-1.0) ** m / (m + 1) for m in range(14)])
_LOG1P_OVER_SLOPE = np.polynomial.polynomial.polyder(_LOG1P_OVER)
#: Coefficients of the derivative of exprel(u) = sum_m u^m / (m + 1)!.
_EXPREL_SLOPE = np.polynomial.polynomial.polyder(
    np.array([1.0 / float(np.prod(np.arange(1, m + 2))) for m in range(16)])
)


def scaled_expint(p: ArrayLike, z: ArrayLike) -> Array:
    """``e^z E_p(z)`` for orders ``p > 0`` and ``z > 0``, elementwise (broadcast).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import expn
    >>> bool(np.isclose(scaled_expint(2.0, 0.5), np.exp(0.5) * expn(2, 0.5), rtol=1e-14))
    True
    """
    return scaled_expint_slope(p, z)[0]


def scaled_expint_slope(p: ArrayLike, z: ArrayLike) -> tuple[Array, Array]:
    """``e^z E_p(z)`` and its derivative in the order p, for p > 0 and z > 0."""
    p_, z_ = np.broadcast_arrays(np.asarray(p, dtype=np.float64), np.asarray(z, dtype=np.float64))
    value, slope = np.empty(p_.shape), np.empty(p_.shape)
    series = (z_ < SERIES_BELOW) & (p_ < LARGE_ORDER)
    if np.any(series):
        zs = z_[series]
        grow = np.exp(zs)
        plain, plain_slope = _series(p_[series], zs)
        value[series], slope[series] = grow * plain, grow * plain_slope
    if not np.all(series):
        value[~series], slope[~series] = _continued_fraction(p_[~series], z_[~series])
    return value, slope


def _continued_fraction(p: Array, z: Array) -> tuple[Array, Array]:
    """``e^z E_p(z)`` and its p-derivative by the continued fraction (Lentz's method).

    ``1/(z+p-) 1p/(z+p+2-) 2(p+1)/(z+p+4-) ...``: Numerical Recipes' ``expint`` for a
    real order, each quantity carried with its derivative in p. An element is done
    once a step changes it (and its derivative) by less than a unit in the last place;
    every few steps the done ones are set aside and the rest go on.
    """
    b = z + p
    h = 1.0 / b
    dh = -h * h
    value, slope = h.copy(), dh.copy()
    if not len(h):
        return value, slope
    c = np.full(p.shape, np.inf)  # 1 / tiny: the first step's c is b
    dc = np.zeros(p.shape)
    d, dd = h.copy(), dh.copy()
    active = np.arange(len(h))
    for i in range(1, MOST_STEPS + 1):
        a = -i * (p - 1.0 + i)  # its derivative in p is -i; b's is 1
        b = b + 2.0
        d_before = d
        d = 1.0 / (a * d_before + b)
        dd = -d * d * (a * dd - i * d_before + 1.0)
        dc = 1.0 - i / c - a * dc / (c * c)
        c = b + a / c
        step = c * d
        dstep = dc * d + c * dd
        dh = dh * step + h * dstep
        h = h * step
        if i % 4 and i < MOST_STEPS:
            continue
        done = (np.abs(step - 1.0) < 1e-16) & (np.abs(dstep) < 1e-16)
        if done.any():
            value[active[done]], slope[active[done]] = h[done], dh[done]
            going = ~done
            active, p, b, c, d, dc, dd, h, dh = (
                v[going] for v in (active, p, b, c, d, dc, dd, h, dh)
            )
            if not len(active):
                break
    value[active], slope[active] = h, dh  # after MOST_STEPS: as far as it got
    return value, slope


def _series(p: Array, z: Array) -> tuple[Array, Array]:
    """``E_p(z)`` and its p-derivative by the power series (z < 2, p < 25).

    Terms of magnitude below 1e-18 (``z^k / k!``) are left out, element by element.
    """
    k = np.arange(SERIES_TERMS, dtype=np.float64)[:, None]
    power = np.empty((SERIES_TERMS, len(z)))  # (-z)^k / k!, by running products
    power[0] = 1.0
    power[1:] = -z / k[1:]
    np.cumprod(power, axis=0, out=power)
    paired_term = np.rint(p) - 1.0  # n0: the term whose pole the first term shares
    own = (k == paired_term) | (np.abs(power) < 1e-18)
    inverse = np.divide(1.0, k + 1.0 - p, out=np.zeros(power.shape), where=~own)
    terms = power * inverse
    total = -terms.sum(axis=0)
    total_slope = -(terms * inverse).sum(axis=0)
    paired = paired_term >= 0
    first, first_slope = np.empty(p.shape), np.empty(p.shape)
    if np.any(paired):
        first[paired], first_slope[paired] = _pole_pair(p[paired], z[paired], paired_term[paired])
    if not np.all(paired):  # p < 1/2: Gamma(1 - p) is finite and the series has no pole
        q, log_z = p[~paired], np.log(z[~paired])
        plain = np.exp((q - 1.0) * log_z + gammaln(1.0 - q))
        first[~paired] = plain
        first_slope[~paired] = plain * (log_z - digamma(1.0 - q))
    return first + total, first_slope + total_slope


def _pole_pair(p: Array, z: Array, n0: Array) -> tuple[Array, Array]:
    """``z^(p-1) Gamma(1-p) - (-z)^n0 / (n0! (n0+1-p))``, exact through whole p.

    See the module's docstring: ``(-z)^n0 / n0! * exprel(d V) * V``. Near whole
    orders (|d| < 0.05) ``V`` is taken by Taylor series and the sum over j of
    ``log(1 - d/j) / d`` term by term; elsewhere from log-gamma functions, whose
    rounding is then small beside d. With the derivative in p (d falls as p grows).
    """
    d = n0 + 1.0 - p  # in [-1/2, 1/2]
    near = np.abs(d) < NEAR_WHOLE
    v = -np.log(z)
    dv = np.zeros(p.shape)  # dV/dd
    far = ~near
    if np.any(far):
        e, m = d[far], n0[far]
        # V + log z = N(d) / d, N = log Gamma(1+d) + log n0! + log Gamma(1-d)
        #                           - log Gamma(n0+1-d) = -sum_j log(1 - d/j) + ...
        top = gammaln(1.0 + e) + gammaln(m + 1.0) + gammaln(1.0 - e) - gammaln(m + 1.0 - e)
        top_slope = digamma(1.0 + e) - digamma(1.0 - e) + digamma(m + 1.0 - e)
        v[far] += top / e
        dv[far] = (top_slope * e - top) / (e * e)
    if np.any(near):
        e, m = d[near], n0[near]
        poly = np.polynomial.polynomial.polyval
        v[near] += -_EULER + poly(e, _LOG_GAMMA_OVER)
        dv[near] = poly(e, _LOG_GAMMA_OVER_SLOPE)
        j = np.arange(1, int(np.max(m)) + 1, dtype=np.float64)[:, None]
        if len(j):  # -log(1 - d/j) / d = q(-d/j) / j with q(x) = log1p(x) / x
            x = -e / j
            inside = j <= m
            v[near] += np.where(inside, poly(x, _LOG1P_OVER) / j, 0.0).sum(axis=0)
            dv[near] -= np.where(inside, poly(x, _LOG1P_OVER_SLOPE) / (j * j), 0.0).sum(axis=0)
    sign = np.where(n0 % 2 == 0, 1.0, -1.0)
    head = sign * np.exp(n0 * np.log(z) - gammaln(n0 + 1.0))
    u = d * v
    grow = exprel(u)
    small = np.abs(u) < 0.1
    safe = np.where(small, 1.0, u)
    grow_slope = np.where(
        small,
        np.polynomial.polynomial.polyval(u, _EXPREL_SLOPE),
        (np.exp(safe) * (safe - 1.0) + 1.0) / (safe * safe),
    )
    # d/dd [V exprel(d V)] = V' exprel + V exprel'(dV) (V + d V')
    slope_d = dv * grow + v * grow_slope * (v + d * dv)
    return head * v * grow, -head * slope_d
