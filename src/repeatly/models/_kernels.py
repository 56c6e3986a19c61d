"""Weighted log-likelihoods for fitting on many distinct rows.

A fit evaluates the likelihood dozens of times. A kernel is built once per fit from the
rows and weights and is then called with the parameters. Those with ``gradient = True``
return the value with its gradient, so the optimiser needs no numerical
differentiation; the others return the value alone. The BG/NBD and Gamma-Gamma kernels
do the work that depends only on the frequency once per distinct frequency (there are
few) and keep per row only what depends on recency and age; they also give the second
derivatives (``hessian``), for Newton steps and standard errors. The Pareto/NBD kernel
computes its hypergeometric terms once per distinct pair.

The values equal ``np.dot(weights, log_likelihood(...))`` of the models' own functions
(tested); the gradients are checked against finite differences, the second derivatives
against differences of the gradients. Every kernel's results are sums over the rows,
so :class:`SplitKernel` computes them on parts of the rows at once, one per core.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.special import betaln, digamma, gammaln, polygamma

from repeatly.models import _beta_geo_limit, _pareto_nbd, _pareto_nbd_limit

__all__ = [
    "BetaGeoKernel",
    "BetaGeoLimitKernel",
    "GammaGammaKernel",
    "LikelihoodKernel",
    "ModifiedBetaGeoKernel",
    "ParetoNBDKernel",
    "ParetoNBDLimitKernel",
    "SplitKernel",
    "distinct_pairs",
]

Array = NDArray[np.float64]


def _distinct(values: NDArray[Any]) -> tuple[NDArray[Any], NDArray[np.intp]]:
    """The distinct values, in order of appearance, and each row's index into them.

    By hashing, not sorting: several times faster than ``np.unique`` on many rows.
    """
    index, unique = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(unique), index


def _by_value(values: Array, weights: Array) -> tuple[Array, NDArray[np.intp], Array]:
    """The distinct values, each row's index into them, and their total weights."""
    unique, index = _distinct(values)
    totals = np.bincount(index, weights=weights, minlength=len(unique)).astype(np.float64)
    return unique, index, totals


class LikelihoodKernel:
    """Any model's weighted log-likelihood from its per-row function (value only)."""

    gradient = False

    def __init__(
        self, log_likelihood: Callable[..., Array], *columns: Array, weights: Array
    ) -> None:
        self.log_likelihood, self.columns, self.w = log_likelihood, columns, weights

    def __call__(self, params: Array) -> float:
        return float(np.dot(self.w, self.log_likelihood(*params, *self.columns)))


class BetaGeoKernel:
    """BG/NBD's weighted log-likelihood and its gradient in (r, alpha, a, b)."""

    gradient = True

    def __init__(self, x: Array, t_x: Array, T: Array, weights: Array) -> None:
        self.ux, _, self.wx = _by_value(x, weights)
        self.uT, self.iT, self.w_T = _by_value(T, weights)
        # weights times frequency summed by age: with w_T, the -(r + x) log(alpha + T)
        # every customer has, summed by age
        self.wx_T = np.bincount(self.iT, weights=weights * x, minlength=len(self.uT))
        repeat = x > 0
        self.w = weights[repeat]
        self.x = x[repeat]
        self.negative_x = -self.x
        self.iT_repeat = self.iT[repeat]
        self.ut_x, self.it_x, _ = _by_value(t_x[repeat], self.w)
        self.ux_repeat, self.ix_repeat, _ = _by_value(self.x, self.w)

    def __call__(self, params: Array) -> tuple[float, Array]:
        r, alpha, a, b = (float(v) for v in params)
        ux, wx = self.ux, self.wx
        # terms of the frequency alone, summed over its distinct values
        value = float(
            np.dot(
                wx,
                gammaln(r + ux) - gammaln(r) + r * np.log(alpha) + betaln(a, b + ux) - betaln(a, b),
            )
        )
        d_r = float(np.dot(wx, digamma(r + ux) - digamma(r) + np.log(alpha)))
        d_alpha = float(np.sum(wx)) * r / alpha
        d_a = float(np.dot(wx, digamma(a + b) - digamma(a + b + ux)))
        d_b = float(np.dot(wx, digamma(b + ux) - digamma(a + b + ux) - digamma(b) + digamma(a + b)))
        # everyone: -(r + x) log(alpha + T), all a one-time buyer has (still active at
        # T), summed by age
        log_uT = np.log(alpha + self.uT)
        inv_uT = 1.0 / (alpha + self.uT)
        at_T = r * self.w_T + self.wx_T
        value -= float(np.dot(at_T, log_uT))
        d_r -= float(np.dot(self.w_T, log_uT))
        d_alpha -= float(np.dot(at_T, inv_uT))
        # repeat buyers were active at T (a3, the term above) or left after their last
        # purchase (a4): log(e^a3 + e^a4) = a3 + log(1 + e^(a4 - a3)), where a4 - a3 =
        # -(r + x) log((alpha + t_x) / (alpha + T)) + log(a / (b + x - 1))
        w = self.w
        negative_rx, ratio, grow = self._left_after(r, alpha, a, b, log_uT)
        # log(1 + e^gap) and e^gap / (1 + e^gap) from one exponential
        share4 = grow / (1.0 + grow)
        softplus = np.log1p(grow, out=grow)
        value += float(np.dot(w, softplus))
        ws4 = np.multiply(w, share4, out=share4)
        d_r -= float(np.dot(ws4, ratio))
        inverse = (1.0 / (alpha + self.ut_x))[self.it_x]
        inverse -= inv_uT[self.iT_repeat]
        d_alpha += float(np.dot(ws4 * negative_rx, inverse))
        d_a += float(np.sum(ws4)) / a
        d_b -= float(np.dot(ws4, (1.0 / (b + self.ux_repeat - 1))[self.ix_repeat]))
        return value, np.array([d_r, d_alpha, d_a, d_b])

    def _left_after(
        self, r: float, alpha: float, a: float, b: float, log_uT: Array
    ) -> tuple[Array, Array, Array]:
        """Per repeat row: -(r + x), log((alpha + t_x) / (alpha + T)) and e^gap.

        gap = a4 - a3, the log of the odds that the customer left after their last
        purchase rather than being active at T (capped at 700, where the share is 1).
        """
        negative_rx = self.negative_x - r
        ratio = np.log(alpha + self.ut_x)[self.it_x]
        ratio -= log_uT[self.iT_repeat]
        gap = ratio * negative_rx
        gap += (np.log(a) - np.log(b + self.ux_repeat - 1))[self.ix_repeat]
        np.minimum(gap, 700.0, out=gap)
        return negative_rx, ratio, np.exp(gap, out=gap)

    def hessian(self, params: Array) -> Array:
        """The second derivatives of the log-likelihood in (r, alpha, a, b).

        One pass over the rows, where differencing the gradient takes eight: the
        standard errors of a fit on a million rows in a fraction of the time.
        """
        r, alpha, a, b = (float(v) for v in params)
        ux, wx = self.ux, self.wx
        total = float(np.sum(wx))
        h = np.zeros((4, 4))
        # the frequency's terms: gammas in r, betas in a and b
        h[0, 0] = float(np.dot(wx, polygamma(1, r + ux) - polygamma(1, r)))
        h[0, 1] = total / alpha
        h[1, 1] = -total * r / alpha**2
        ab = polygamma(1, a + b) - polygamma(1, a + b + ux)
        h[2, 2] = h[2, 3] = float(np.dot(wx, ab))
        h[3, 3] = float(np.dot(wx, polygamma(1, b + ux) - polygamma(1, b) + ab))
        # everyone's -(r + x) log(alpha + T)
        inv_uT = 1.0 / (alpha + self.uT)
        h[0, 1] -= float(np.dot(self.w_T, inv_uT))
        h[1, 1] += float(np.dot(r * self.w_T + self.wx_T, inv_uT**2))
        # the repeat buyers' log(1 + e^gap): sum of w (s (1 - s) g_i g_j + s g_ij), with
        # s the share of leaving and g_i the derivatives of gap
        negative_rx, ratio, grow = self._left_after(r, alpha, a, b, np.log(alpha + self.uT))
        share = grow / (1.0 + grow)
        ws = self.w * share
        inv_tx = (1.0 / (alpha + self.ut_x))[self.it_x]
        inv_T = inv_uT[self.iT_repeat]
        delta = inv_tx - inv_T  # the derivative of the ratio in alpha
        q = (1.0 / (b + self.ux_repeat - 1))[self.ix_repeat]
        slopes = np.stack([-ratio, negative_rx * delta, np.full(len(q), 1.0 / a), -q])
        h += (slopes * (ws * (1.0 - share))) @ slopes.T
        h[0, 1] -= float(np.dot(ws, delta))
        h[1, 1] -= float(np.dot(ws * negative_rx, inv_tx**2 - inv_T**2))
        h[2, 2] -= float(np.sum(ws)) / a**2
        h[3, 3] += float(np.dot(ws, q**2))
        return np.triu(h) + np.triu(h, 1).T


class ModifiedBetaGeoKernel:
    """MBG/NBD's weighted log-likelihood and its gradient in (r, alpha, a, b).

    Per row ``log(e^still + e^gone)`` with ``still = log B(a, b+x+1) - (r+x) log(alpha+T)``
    and ``gone = log B(a+1, b+x) - (r+x) log(alpha+t_x)`` (Batislam et al. 2007); the
    gradient is each part's share times its own, the digamma terms once per distinct
    frequency.
    """

    gradient = True

    def __init__(self, x: Array, t_x: Array, T: Array, weights: Array) -> None:
        self.x, self.w = x, weights
        self.ux, self.ix, self.wx = _by_value(x, weights)
        self.uT, self.iT, _ = _by_value(T, weights)
        self.ut_x, self.it_x, _ = _by_value(t_x, weights)

    def __call__(self, params: Array) -> tuple[float, Array]:
        r, alpha, a, b = (float(v) for v in params)
        ux, wx, ix = self.ux, self.wx, self.ix
        log_T = np.log(alpha + self.uT)[self.iT]
        log_t_x = np.log(alpha + self.ut_x)[self.it_x]
        k = r + self.x
        still = betaln(a, b + ux + 1)[ix] - k * log_T
        gone = betaln(a + 1, b + ux)[ix] - k * log_t_x
        both = np.logaddexp(still, gone)
        w_still = self.w * np.exp(still - both)
        w_gone = self.w - w_still
        total = float(np.sum(wx))
        value = float(np.dot(wx, gammaln(r + ux))) + total * (
            -gammaln(r) + r * np.log(alpha) - float(betaln(a, b))
        )
        value += float(np.dot(self.w, both))
        d_r = float(np.dot(wx, digamma(r + ux))) + total * (np.log(alpha) - digamma(r))
        d_r -= float(np.dot(w_still, log_T) + np.dot(w_gone, log_t_x))
        d_alpha = total * r / alpha - float(
            np.dot(w_still * k, np.exp(-log_T)) + np.dot(w_gone * k, np.exp(-log_t_x))
        )
        # d log B(p, q) / dp = psi(p) - psi(p + q); the parts' terms by frequency
        last = digamma(a + b + ux + 1)
        ws = np.bincount(ix, weights=w_still, minlength=len(ux))
        wg = np.bincount(ix, weights=w_gone, minlength=len(ux))
        base = digamma(a + b)
        d_a = total * (base - digamma(a))
        d_a += float(np.dot(ws, digamma(a) - last) + np.dot(wg, digamma(a + 1) - last))
        d_b = total * (base - digamma(b))
        d_b += float(np.dot(ws, digamma(b + ux + 1) - last) + np.dot(wg, digamma(b + ux) - last))
        return value, np.array([d_r, d_alpha, d_a, d_b])


class GammaGammaKernel:
    """Gamma-Gamma's weighted log-likelihood and its gradient in (p, q, gamma)."""

    gradient = True

    def __init__(self, x: Array, m: Array, weights: Array) -> None:
        self.w = weights
        self.ux, _, self.wx = _by_value(x, weights)
        self.xm = x * m  # each buyer's total repeat spend
        self.w_x = weights * x
        # parts that do not depend on the parameters
        self.sum_w = float(np.sum(weights))
        self.sum_wx_log = float(np.dot(self.w_x, np.log(m) + np.log(x)))
        self.sum_w_log_m = float(np.dot(weights, np.log(m)))

    def __call__(self, params: Array) -> tuple[float, Array]:
        p, q, gamma = (float(v) for v in params)
        ux, wx = self.ux, self.wx
        pxq = p * ux + q
        value = (
            float(np.dot(wx, gammaln(pxq) - gammaln(p * ux)))
            - self.sum_w * gammaln(q)
            + self.sum_w * q * np.log(gamma)
            + p * self.sum_wx_log
            - self.sum_w_log_m
        )
        d_p = float(np.dot(wx * ux, digamma(pxq) - digamma(p * ux))) + self.sum_wx_log
        d_q = float(np.dot(wx, digamma(pxq))) - self.sum_w * digamma(q) + self.sum_w * np.log(gamma)
        d_gamma = self.sum_w * q / gamma
        # -(p x + q) log(gamma + x m) per buyer, in sums weighted by w and by w x
        spent = self.xm + gamma
        log_spent = np.log(spent)
        wx_log, w_log = float(np.dot(self.w_x, log_spent)), float(np.dot(self.w, log_spent))
        inverse = np.reciprocal(spent, out=spent)
        wx_inv, w_inv = float(np.dot(self.w_x, inverse)), float(np.dot(self.w, inverse))
        value -= p * wx_log + q * w_log
        d_p -= wx_log
        d_q -= w_log
        d_gamma -= p * wx_inv + q * w_inv
        return value, np.array([d_p, d_q, d_gamma])

    def hessian(self, params: Array) -> Array:
        """The second derivatives of the log-likelihood in (p, q, gamma)."""
        p, q, gamma = (float(v) for v in params)
        ux, wx = self.ux, self.wx
        pxq = p * ux + q
        at_pxq = polygamma(1, pxq)
        inverse = 1.0 / (self.xm + gamma)
        wx_inv, w_inv = float(np.dot(self.w_x, inverse)), float(np.dot(self.w, inverse))
        inverse *= inverse
        wx_inv2, w_inv2 = float(np.dot(self.w_x, inverse)), float(np.dot(self.w, inverse))
        pp = float(np.dot(wx * ux**2, at_pxq - polygamma(1, p * ux)))
        pq = float(np.dot(wx * ux, at_pxq))
        qq = float(np.dot(wx, at_pxq)) - self.sum_w * float(polygamma(1, q))
        p_gamma = -wx_inv
        q_gamma = self.sum_w / gamma - w_inv
        gamma_gamma = -self.sum_w * q / gamma**2 + p * wx_inv2 + q * w_inv2
        return np.array([[pp, pq, p_gamma], [pq, qq, q_gamma], [p_gamma, q_gamma, gamma_gamma]])


def distinct_pairs(x: Array, y: Array) -> tuple[Array, Array, NDArray[np.intp]]:
    """The distinct (x, y) pairs and each row's index into them."""
    ux, ix = _distinct(x)
    uy, iy = _distinct(y)
    codes, inverse = _distinct(ix.astype(np.int64) * len(uy) + iy)
    return ux[codes // len(uy)], uy[codes % len(uy)], inverse


class ParetoNBDKernel:
    """Pareto/NBD's weighted log-likelihood, its hypergeometric terms once per pair.

    The expensive terms depend on (x, t_x) and on (x, T) only; there are far fewer
    distinct pairs than rows. Value only: the optimiser differentiates numerically.
    """

    gradient = False

    def __init__(self, x: Array, t_x: Array, T: Array, weights: Array) -> None:
        self.x, self.T, self.w = x, T, weights
        self.ux, self.wx = _by_value(x, weights)[::2]
        self.tx_pairs = distinct_pairs(x, t_x)
        self.T_pairs = distinct_pairs(x, T)

    def __call__(self, params: Array) -> float:
        r, alpha, s, beta = (float(v) for v in params)
        head = float(np.dot(self.wx, gammaln(r + self.ux))) + float(np.sum(self.wx)) * (
            -gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        )
        px, py, inverse = self.tx_pairs
        at_tx = _pareto_nbd.log_f(r, alpha, s, beta, px, py)[inverse]
        px, py, inverse = self.T_pairs
        at_T = _pareto_nbd.log_f(r, alpha, s, beta, px, py)[inverse]
        alive, left = _pareto_nbd.log_parts_from(r, alpha, s, beta, self.x, self.T, at_tx, at_T)
        return head + float(np.dot(self.w, _pareto_nbd.log_sum(alive, left)))


class ParetoNBDLimitKernel:
    """Pareto/NBD with one dropout rate mu: weighted log-likelihood and its gradient.

    In (r, alpha, mu). As :class:`ParetoNBDKernel`, its special functions (the tails
    ``J``, see :mod:`repeatly.models._pareto_nbd_limit`) once per distinct (x, t_x) and
    (x, T) pair. Each row's likelihood is ``A + mu J(t_x) - mu J(T)``, so its log's
    gradient is the three parts' shares times their logs' gradients.
    """

    gradient = True

    def __init__(self, x: Array, t_x: Array, T: Array, weights: Array) -> None:
        self.x, self.T, self.w = x, T, weights
        self.ux, self.ix, self.wx = _by_value(x, weights)
        self.tx_pairs = distinct_pairs(x, t_x)
        self.T_pairs = distinct_pairs(x, T)

    def rows(self, params: Array) -> Array:
        """Each row's log-likelihood."""
        r, alpha, mu = (float(v) for v in params)
        head = (gammaln(r + self.ux) - gammaln(r) + r * np.log(alpha))[self.ix]
        px, py, inverse = self.tx_pairs
        at_tx = _pareto_nbd_limit.log_tail(r, alpha, mu, px, py)[inverse]
        px, py, inverse = self.T_pairs
        at_T = _pareto_nbd_limit.log_tail(r, alpha, mu, px, py)[inverse]
        alive, left = _pareto_nbd_limit.log_parts_from(r, alpha, mu, self.x, self.T, at_tx, at_T)
        return np.asarray(head + np.logaddexp(alive, left), dtype=np.float64)

    def __call__(self, params: Array) -> tuple[float, Array]:
        r, alpha, mu = (float(v) for v in params)
        ux, wx = self.ux, self.wx
        value = float(np.dot(wx, gammaln(r + ux) - gammaln(r) + r * np.log(alpha)))
        d_r = float(np.dot(wx, digamma(r + ux) - digamma(r) + np.log(alpha)))
        d_alpha = float(np.sum(wx)) * r / alpha
        px, py, inverse = self.tx_pairs
        tx = [v[inverse] for v in _pareto_nbd_limit.log_tail_slopes(r, alpha, mu, px, py)]
        px, py, inverse = self.T_pairs
        at = [v[inverse] for v in _pareto_nbd_limit.log_tail_slopes(r, alpha, mu, px, py)]
        alive, left = _pareto_nbd_limit.log_parts_from(r, alpha, mu, self.x, self.T, tx[0], at[0])
        both = np.logaddexp(alive, left)
        value += float(np.dot(self.w, both))
        # each part's share of the row's likelihood, weighted: A, mu J(t_x), mu J(T)
        log_mu = np.log(mu)
        w_alive = self.w * np.exp(alive - both)
        w_tx = self.w * np.exp(log_mu + tx[0] - both)
        w_T = self.w * np.exp(log_mu + at[0] - both)
        log_T = np.log(alpha + self.T)
        d_r += float(np.dot(w_tx, tx[1]) - np.dot(w_T, at[1]) - np.dot(w_alive, log_T))
        d_alpha += float(
            np.dot(w_tx, tx[2])
            - np.dot(w_T, at[2])
            - np.dot(w_alive, (r + self.x) / (alpha + self.T))
        )
        d_mu = float(
            np.dot(w_tx, tx[3] + 1.0 / mu) - np.dot(w_T, at[3] + 1.0 / mu) - np.dot(w_alive, self.T)
        )
        return value, np.array([d_r, d_alpha, d_mu])


class BetaGeoLimitKernel:
    """BG/NBD (or MBG/NBD) with one dropout probability p: value and gradient.

    In (r, alpha, o), with p's odds ``o = p / (1 - p)`` (a positive parameter, as the
    optimiser takes them); ``first_too`` for MBG/NBD. Per row: it is fitted only when
    a full fit ends on the ridge towards it.
    """

    gradient = True

    def __init__(
        self, x: Array, t_x: Array, T: Array, weights: Array, *, first_too: bool = False
    ) -> None:
        self.x, self.t_x, self.T, self.w = x, t_x, T, weights
        self.first_too = first_too
        self.ux, self.ix, self.wx = _by_value(x, weights)
        # how many times each part carries log(1 - p): alive, then left
        self.stays_alive = x + 1.0 if first_too else x
        self.stays_left = x if first_too else np.maximum(x - 1.0, 0.0)

    def rows(self, params: Array) -> Array:
        """Each row's log-likelihood."""
        r, alpha, odds = (float(v) for v in params)
        p = odds / (1.0 + odds)
        alive, left = _beta_geo_limit.log_parts(
            r, alpha, p, self.x, self.t_x, self.T, first_too=self.first_too
        )
        head = (gammaln(r + self.ux) - gammaln(r) + r * np.log(alpha))[self.ix]
        return np.asarray(head + np.logaddexp(alive, left), dtype=np.float64)

    def __call__(self, params: Array) -> tuple[float, Array]:
        r, alpha, odds = (float(v) for v in params)
        p = odds / (1.0 + odds)
        alive, left = _beta_geo_limit.log_parts(
            r, alpha, p, self.x, self.t_x, self.T, first_too=self.first_too
        )
        both = np.logaddexp(alive, left)
        share = np.exp(left - both)  # the share of the likelihood where the customer left
        wx = self.wx
        value = float(np.dot(wx, gammaln(r + self.ux) - gammaln(r) + r * np.log(alpha)))
        value += float(np.dot(self.w, both))
        log_T, log_tx = np.log(alpha + self.T), np.log(alpha + self.t_x)
        ws = self.w * share
        wa = self.w - ws
        d_r = float(np.dot(wx, digamma(r + self.ux) - digamma(r) + np.log(alpha)))
        d_r -= float(np.dot(wa, log_T)) + float(np.dot(ws, log_tx))
        k = r + self.x
        d_alpha = float(np.sum(wx)) * r / alpha
        d_alpha -= float(np.dot(wa, k / (alpha + self.T))) + float(
            np.dot(ws, k / (alpha + self.t_x))
        )
        d_p = -float(np.dot(wa, self.stays_alive) + np.dot(ws, self.stays_left)) / (1.0 - p)
        d_p += float(np.sum(ws)) / p
        return value, np.array([d_r, d_alpha, d_p * (1.0 - p) ** 2])  # dp/do = (1-p)^2


class SplitKernel:
    """A kernel on many rows as the sum of kernels on parts of them, run side by side.

    The value, the gradient and the second derivatives of every kernel are sums over
    its rows, so the parts' sums are the whole's (to rounding). numpy lets go of
    Python's lock in its array work, so each part runs on a core of its own: on 2
    cores and 849,459 BG/NBD rows, building 0.12 s to 0.04 s, a value with its gradient
    0.027 s to 0.014 s, the second derivatives 0.26 s to 0.05 s. ``pool`` runs the
    parts; it must have a worker per part.
    """

    def __init__(
        self,
        build: Callable[..., Any],
        columns: Sequence[Array],
        weights: Array,
        *,
        pool: Executor,
        parts: int,
    ) -> None:
        bounds = np.linspace(0, len(weights), parts + 1).astype(int)
        pieces = [slice(int(a), int(b)) for a, b in pairwise(bounds)]
        self._pool = pool
        self.kernels = list(
            pool.map(
                lambda part: build(*(column[part] for column in columns), weights[part]), pieces
            )
        )
        self.gradient = self.kernels[0].gradient
        if hasattr(self.kernels[0], "hessian"):
            self.hessian = self._hessian

    def __call__(self, params: Array) -> Any:
        results = list(self._pool.map(lambda kernel: kernel(params), self.kernels))
        if not self.gradient:
            return float(sum(results))
        return (
            float(sum(value for value, _ in results)),
            np.sum([gradient for _, gradient in results], axis=0),
        )

    def _hessian(self, params: Array) -> Array:
        return np.sum(
            list(self._pool.map(lambda kernel: kernel.hessian(params), self.kernels)), axis=0
        )
