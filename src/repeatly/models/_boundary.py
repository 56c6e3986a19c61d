"""Fits at the edges of a model: limits where a spread vanishes, and parameter bounds.

Pareto/NBD's dropout rates are gamma(s, beta) distributed and BG/NBD's dropout
probabilities beta(a, b). When every customer drops out at about the same rate, the
likelihood keeps rising as the spread shrinks (s and beta, or a and b, grow together
with their mean fixed) and has no finite optimum. The fit then takes the model's limit,
where the spread is zero and the mean is one parameter (:class:`Limit`), if the limit is
the optimum.

Whether it is, is a score test. Write the spread as ``e``: the squared coefficient of
variation 1/s of a gamma(s, s/mu) rate, or ``1/(a+b+1)`` for a beta(a, b) probability
with mean p, whose variance is then ``p(1-p) e``. For a customer whose likelihood, with
the mean m common to all, is L(m), averaging over a small spread gives (a Taylor
expansion, the third central moment being of order e^2)::

    E[L(m')] = L(m) + 1/2 L''(m) v(m) e + O(e^2),   v = m^2 (gamma), m (1-m) (beta),

so at the limit's optimum (where the likelihood's derivatives in the other parameters
vanish) the log-likelihood's slope into the model is::

    score = 1/2 v(m) sum_i w_i L_i''(m) / L_i(m).

When it is not positive, no model with a little spread fits better than the limit: the
limit is where the likelihood is highest nearby (the Kuhn-Tucker conditions at the
edge e = 0). The second derivatives are taken by central differences of the limit's own
log-likelihood per row. (An optimum elsewhere, at a wide spread, separated from the edge
by lower ground, is not looked for.)

Any fitted parameter at the range the optimiser searches (:data:`LOG_BOUNDS`) is
reported too: the data do not pin it down.

References
----------
Rao, C. R. (1948). Large sample tests of statistical hypotheses concerning several
parameters with applications to problems of estimation. Proceedings of the Cambridge
Philosophical Society 44, 50-57 (the score test).

Self, S. G. & Liang, K.-Y. (1987). Asymptotic Properties of Maximum Likelihood
Estimators and Likelihood Ratio Tests Under Nonstandard Conditions. Journal of the
American Statistical Association 82(398), 605-610 (estimates on the boundary of the
parameter space).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from repeatly._notes import Note
from repeatly.models._fit import LOG_BOUNDS

__all__ = [
    "SCORE_TOLERANCE",
    "Limit",
    "at_bounds",
    "bound_note",
    "limit_note",
    "spread_score",
]

Array = NDArray[np.float64]

#: A score up to this (log-likelihood per unit of spread e) counts as not positive: a
#: spread could then raise the log-likelihood by less than a thousandth near the edge.
SCORE_TOLERANCE = 1e-3
#: Relative step of the central differences in the mean.
_STEP = 1e-3


@dataclass(frozen=True)
class Limit:
    """A model's limit where the spread of its dropout vanishes.

    Attributes
    ----------
    key
        Its name in the JSON (``"common_dropout"``).
    names
        The limit's parameters, the common mean last.
    replaces
        The full model's parameters that run off to infinity together.
    spread
        ``"gamma"`` (a rate, mean m > 0) or ``"beta"`` (a probability, 0 < m < 1).
    maths
        Its functions, with the parameters first, as the models' maths modules:
        ``log_likelihood``, ``probability_alive``, ``conditional_expected_purchases``,
        ``probability_no_purchase`` and ``expected_purchases_new``.
    kernel
        Builds its weighted log-likelihood from ``(x, t_x, T, weights)``.
    first
        Fit the limit before the full model (whose fit wanders along the ridge for a
        long time when the limit is the optimum); otherwise only when the full fit ends
        on the ridge (spread below :attr:`ridge`).
    meaning
        What the limit says, for the JSON.
    ridge
        Below this spread of the full fit, the limit is examined after it. A BG/NBD fit
        that runs along the ridge ends near the bound (a + b about 1e5); interior
        optima seen on simulated and real orders had a + b up to about 2,000.
    """

    key: str
    names: tuple[str, ...]
    replaces: tuple[str, str]
    spread: Literal["gamma", "beta"]
    maths: Any
    kernel: Callable[..., Any]
    first: bool
    meaning: str
    ridge: float = 1e-4

    def spread_of(self, params: dict[str, float]) -> float:
        """The full model's spread e at its parameters (1/s, or 1/(a+b+1))."""
        big, other = (params[name] for name in self.replaces)
        return 1.0 / big if self.spread == "gamma" else 1.0 / (big + other + 1.0)

    def describe(self, score: float | None) -> dict[str, Any]:
        """The limit as plain data (the model's JSON ``"limit"``)."""
        return {
            "name": self.key,
            "replaces": list(self.replaces),
            "meaning": self.meaning,
            "spread_score": score,
        }


def spread_score(
    limit: Limit,
    mean: float,
    log_likelihood: Callable[[float], Array],
    weights: Array,
) -> float:
    """The slope of the full model's log-likelihood into the model at the limit.

    ``mean`` is the limit's fitted common rate or probability, and ``log_likelihood``
    gives each row's log-likelihood at another value of it, the other parameters at
    their fitted values. Per row, L''/L by central differences in the mean, in steps of
    a thousandth of it (of min(p, 1-p) for a probability).
    """
    size = mean if limit.spread == "gamma" else min(mean, 1.0 - mean)
    h = _STEP * size
    with np.errstate(over="ignore", invalid="ignore"):
        here = log_likelihood(mean)
        up = log_likelihood(mean + h)
        down = log_likelihood(mean - h)
        # L''/L = (e^(up - here) - 2 + e^(down - here)) / h^2, the -2 and the
        # exponentials' leading 1s cancelled with expm1
        second = (np.expm1(up - here) + np.expm1(down - here)) / h**2
    variance = mean**2 if limit.spread == "gamma" else mean * (1.0 - mean)
    score = 0.5 * variance * float(np.dot(weights, second))
    return score if math.isfinite(score) else math.inf


def at_bounds(params: dict[str, float]) -> dict[str, str]:
    """The parameters at the lower or upper end of the range the optimiser searches."""
    low, high = LOG_BOUNDS
    found = {}
    for name, value in params.items():
        log = math.log(value) if value > 0 else -math.inf
        if log <= low + 1e-6:
            found[name] = "lower"
        elif log >= high - 1e-6:
            found[name] = "upper"
    return found


def limit_note(
    label: str, limit: str, params: dict[str, float], unit: str, bounds: dict[str, str]
) -> Note:
    """What the limit means, in words for the shop owner.

    ``bounds`` are the fit's parameters at the edge of the searched range: a common
    dropout rate or probability at its lowest means that nobody seems to leave.
    """
    name, kind = ("mu", "rate") if "mu" in params else ("p", "probability")
    if bounds.get(name) == "lower":
        return Note(
            f"{label}: no customer seems to have stopped buying, so the model is fitted "
            f"at its limit with one dropout {kind} for everyone, at the lowest the fit "
            "searches",
            "limit_none_leave",
            label=label,
        )
    if limit == "common_dropout" and name == "mu":
        mu = params["mu"]
        return Note(
            f"{label}: every customer seems to stop buying at about the same rate "
            f"(each {unit} about {-math.expm1(-mu):.1%} of those still buying stop; "
            f"on average after {1 / mu:,.0f} {unit}s), so the model is fitted at its "
            "limit with one dropout rate for everyone: a spread of rates between "
            "customers would not fit these orders better",
            "limit_rate",
            label=label,
            unit=unit,
            share=-math.expm1(-mu),
            after=1 / mu,
        )
    return Note(
        f"{label}: every customer seems to have the same chance of stopping after a "
        f"purchase (about {params['p']:.1%}), so the model is fitted at its limit with "
        "one dropout probability for everyone: a spread between customers would not "
        "fit these orders better",
        "limit_probability",
        label=label,
        share=params["p"],
    )


def bound_note(label: str, bounds: dict[str, str], params: dict[str, float]) -> Note:
    """Which parameters the fit left at the edge of its range, in words."""
    parts = [
        f"{name} at its {'lowest' if side == 'lower' else 'highest'} value, {params[name]:.3g}"
        for name, side in bounds.items()
    ]
    these = "that parameter" if len(parts) == 1 else "these parameters"
    return Note(
        f"{label}: the fit stopped at the edge of the range it searches ({', '.join(parts)}): "
        f"the orders do not pin {these} down, so the figures that depend on "
        f"{'it' if len(parts) == 1 else 'them'} are uncertain",
        "bounds",
        label=label,
        bounds=[(name, side, params[name]) for name, side in bounds.items()],
    )
