"""BG/NBD and Pareto/NBD with time-invariant covariates (Fader & Hardie 2007).

A customer's covariates scale the heterogeneity parameters of the two processes, and the
customer's likelihood is the model's usual one with the customer's own parameters:

- BG/NBD: ``alpha_i = alpha0 exp(-g1 . z1_i)`` (purchase), ``a_i = a0 exp(g2 . z2_i)`` and
  ``b_i = b0 exp(g3 . z2_i)`` (dropout);
- Pareto/NBD: ``alpha_i = alpha0 exp(-g1 . z1_i)``, ``beta_i = beta0 exp(-g2 . z2_i)``.

A positive purchase coefficient means more purchases (mean rate ``r / alpha_i``). For
Pareto/NBD a positive dropout coefficient means shorter lifetimes (mean rate
``s / beta_i``); for BG/NBD ``g2`` raises and ``g3`` lowers the mean dropout
probability ``a_i / (a_i + b_i)``. The base parameters are those of a customer whose
covariates are all 0.

The optimiser works on the logs of the base parameters and on the coefficients of
centred, scaled covariates (an exact reparametrisation, undone before reporting), with
the gradient from each row's likelihood, so the cost of a fit grows little with the
number of covariates.

References
----------
Fader, P. S. & Hardie, B. G. S. (2007). Incorporating Time-Invariant Covariates into the
Pareto/NBD and BG/NBD Models.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Self, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import digamma, expit

from repeatly.exceptions import ConvergenceError, InputError, NotFittedError
from repeatly.models import _bgnbd, _pareto_nbd

__all__ = ["BetaGeoCovariateModel", "ParetoNBDCovariateModel"]

Array = NDArray[np.float64]
RowFunction = Callable[..., Array]

# The models' maths broadcasts over array parameters (one value per row, each row of
# Pareto/NBD in its own alpha >= beta case); the annotations say float, so these
# aliases say what is relied on here.
_bgnbd_log_likelihood = cast(RowFunction, _bgnbd.log_likelihood)
_bgnbd_probability_alive = cast(RowFunction, _bgnbd.probability_alive)
_bgnbd_expected = cast(RowFunction, _bgnbd.conditional_expected_purchases)
pareto_nbd_log_likelihood = cast(RowFunction, _pareto_nbd.log_likelihood)
pareto_nbd_probability_alive = cast(RowFunction, _pareto_nbd.probability_alive)
pareto_nbd_conditional_expected_purchases = cast(
    RowFunction, _pareto_nbd.conditional_expected_purchases
)


# --- inputs -------------------------------------------------------------------------


def _history(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> tuple[Array, ...]:
    x, t_x, t = (np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (frequency, recency, T))
    if not (x.shape == t_x.shape == t.shape) or x.ndim != 1 or len(x) == 0:
        raise InputError(
            "frequency, recency and T: expected equal-length, non-empty 1-D "
            f"arrays, got shapes {x.shape}, {t_x.shape} and {t.shape}"
        )
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(t_x)) and np.all(np.isfinite(t))):
        raise InputError("frequency, recency and T: expected finite numbers, got NaN or inf")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > t + 1e-9):
        raise InputError("expected frequency >= 0 and 0 <= recency <= T for every customer")
    return x, t_x, t


def _covariates(
    values: Any, n: int, *, what: str, columns: tuple[str, ...] | None = None
) -> tuple[Array, tuple[str, ...]]:
    """A 2-D float matrix of ``n`` rows and its column names, or a located InputError.

    With ``columns`` (the fit's), a DataFrame's columns are taken by name and an array
    must have as many columns.
    """
    if getattr(values, "ndim", None) == 1 and hasattr(values, "to_frame"):
        values = values.to_frame()  # a pandas Series: one named covariate
    if getattr(values, "columns", None) is not None:
        if columns is not None:
            missing = [c for c in columns if c not in {str(c) for c in values.columns}]
            if missing:
                raise InputError(
                    f"{what}: expected the columns of the fit {list(columns)}, missing {missing}"
                )
            values = values.rename(columns=str)[list(columns)]
        names = tuple(str(c) for c in values.columns)
        for name, dtype in zip(names, values.dtypes, strict=True):
            if dtype.kind not in "biuf":
                raise InputError(
                    f'{what}, column "{name}": expected numbers, got {dtype}; '
                    "encode a category as 0/1 columns"
                )
        index = values.index
    else:
        names, index = (), None
    try:
        matrix = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InputError(f"{what}: expected numbers ({error})") from None
    if matrix.ndim != 2:
        raise InputError(
            f"{what}: expected a 2-D array of shape (n_customers, "
            f"n_covariates), got shape {matrix.shape}; for one covariate pass "
            "a one-column DataFrame or values.reshape(-1, 1)"
        )
    if matrix.shape[0] != n:
        raise InputError(
            f"{what}: expected {n} rows, one per row of frequency, recency and "
            f"T, got {matrix.shape[0]}"
        )
    names = names or tuple(f"x{j}" for j in range(matrix.shape[1]))
    if columns is not None and matrix.shape[1] != len(columns):
        raise InputError(
            f"{what}: expected the {len(columns)} columns of the fit "
            f"{list(columns)}, got {matrix.shape[1]}"
        )
    if len(set(names)) != len(names):
        raise InputError(f"{what}: expected distinct column names, got {list(names)}")
    bad = ~np.isfinite(matrix)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        where = f"index {index[i]!r}" if index is not None else f"row {i}"
        raise InputError(
            f'{what}, {where}, column "{names[j]}": expected a finite number, '
            f"got {matrix[i, j]} ({int(bad.any(axis=1).sum())} rows have "
            "missing or infinite covariates; fill or drop them)"
        )
    return matrix, (columns or names)


def _moments(matrix: Array, names: tuple[str, ...], w: Array, *, what: str) -> tuple[Array, Array]:
    """Weighted column means and standard deviations; refuse constant or collinear columns."""
    total = float(w.sum())
    mean = w @ matrix / total
    centred = matrix - mean
    scale = np.sqrt(w @ centred**2 / total)
    for name, sd, m in zip(names, scale, mean, strict=True):
        if not sd > 1e-12 * max(1.0, abs(m)):
            raise InputError(
                f'{what}, column "{name}": constant (every customer has {m:.6g}); '
                "its effect cannot be told apart from the base parameters, so "
                "drop it"
            )
    if matrix.shape[1] > 1:
        standard = centred / scale * np.sqrt(w / total)[:, None]
        if np.linalg.matrix_rank(standard) < matrix.shape[1]:
            raise InputError(
                f"{what}: the columns {list(names)} are linearly dependent (one "
                "is a combination of the others, as with a 0/1 column for every "
                "category); drop one"
            )
    return mean, scale


# --- likelihood and slopes per row ----------------------------------------------------

# (log-likelihood of each row, d log-likelihood / d log parameter of each row) from the
# rows' parameters, shape (n_params, n), and the histories
SlopeFunction = Callable[[Array, Array, Array, Array], tuple[Array, Array]]


def _bgnbd_slopes(rows: Array, x: Array, t_x: Array, T: Array) -> tuple[Array, Array]:
    """BG/NBD row log-likelihoods and their exact derivatives in the log parameters."""
    r, alpha, a, b = rows
    ll = _bgnbd_log_likelihood(r, alpha, a, b, x, t_x, T)
    repeat = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        # share of the likelihood from "dropped out after the last purchase"
        a3 = -(r + x) * np.log(alpha + T)
        a4 = np.where(
            repeat,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
        gone = expit(a4 - a3)
        last = np.where(repeat, b / np.maximum(b + x - 1, 1e-300), 0.0)
    ab = digamma(a + b) - digamma(a + b + x)
    slopes = np.stack(
        [
            r
            * (
                digamma(r + x)
                - digamma(r)
                + np.log(alpha)
                - (1 - gone) * np.log(alpha + T)
                - gone * np.log(alpha + t_x)
            ),
            r - alpha * (r + x) * ((1 - gone) / (alpha + T) + gone / (alpha + t_x)),
            a * ab + gone,
            b * (digamma(b + x) - digamma(b) + ab) - gone * last,
        ]
    )
    return ll, slopes


def _pareto_slopes(
    rows: Array, x: Array, t_x: Array, T: Array, step: float = 1e-6
) -> tuple[Array, Array]:
    """Pareto/NBD row log-likelihoods and forward-difference slopes in the log parameters.

    Each parameter is moved for every row at once, so the cost is five likelihoods
    whatever the number of covariates.
    """
    ll = pareto_nbd_log_likelihood(rows[0], rows[1], rows[2], rows[3], x, t_x, T)
    slopes = np.empty_like(rows)
    for j in range(len(rows)):
        moved = rows.copy()
        moved[j] *= math.exp(step)
        slopes[j] = (
            pareto_nbd_log_likelihood(moved[0], moved[1], moved[2], moved[3], x, t_x, T) - ll
        ) / step
    return ll, slopes


# --- the optimiser --------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    """One coefficient vector: the base parameter it scales, the sign, the covariates."""

    name: str
    param: int
    sign: float
    source: str  # "purchase" or "dropout"


def _log_rows(
    theta: Array, n_params: int, blocks: tuple[_Block, ...], z: dict[str, Array]
) -> Array:
    """Each row's log parameters, shape (n_params, n): base logs plus covariate terms."""
    rows = np.repeat(theta[:n_params, None], len(z["purchase"]), axis=1)
    at = n_params
    for block in blocks:
        matrix = z[block.source]
        rows[block.param] += block.sign * (matrix @ theta[at : at + matrix.shape[1]])
        at += matrix.shape[1]
    return rows


@dataclass(frozen=True)
class _Problem:
    """The weighted negative log-likelihood, per customer, in the optimiser's variables.

    The optimiser's variables ``u`` are the log base parameters and the coefficients of
    centred, scaled covariates; ``theta = transform @ u`` are the log base parameters and
    the coefficients as reported. The two describe the same model, and ``u`` keeps the
    problem well conditioned whatever the covariates' units.
    """

    slopes: SlopeFunction
    n_params: int
    blocks: tuple[_Block, ...]
    histories: tuple[Array, Array, Array]
    w: Array
    z: dict[str, Array]
    transform: Array

    def log_likelihood(self, theta: Array) -> float:
        rows = np.exp(_log_rows(theta, self.n_params, self.blocks, self.z))
        return float(self.w @ self.slopes(rows, *self.histories)[0])

    def __call__(self, u: Array) -> tuple[float, Array]:
        theta = self.transform @ u
        rows = np.exp(_log_rows(theta, self.n_params, self.blocks, self.z))
        ll, slopes = self.slopes(rows, *self.histories)
        if not (np.all(np.isfinite(ll)) and np.all(np.isfinite(slopes))):
            return 1e300, np.zeros_like(u)
        weighted = slopes * self.w
        grad = list(weighted.sum(axis=1))
        for block in self.blocks:
            grad.extend(block.sign * (self.z[block.source].T @ weighted[block.param]))
        total = float(self.w.sum())
        return -float(self.w @ ll) / total, -(self.transform.T @ np.asarray(grad)) / total

    def covariance(self, u: Array, step: float = 1e-4) -> Array:
        """Covariance of theta: the inverse Hessian of the total negative log-likelihood."""
        size = len(u)
        hessian = np.empty((size, size))
        for j in range(size):
            shift = np.zeros(size)
            shift[j] = step
            hessian[:, j] = (self(u + shift)[1] - self(u - shift)[1]) / (2 * step)
        hessian = (hessian + hessian.T) / 2 * float(self.w.sum())
        try:
            return self.transform @ np.linalg.inv(hessian) @ self.transform.T
        except np.linalg.LinAlgError:
            return np.full((size, size), np.nan)


def _transform(
    n_params: int,
    blocks: tuple[_Block, ...],
    z: dict[str, Array],
    w: Array,
    names: dict[str, tuple[str, ...]],
) -> Array:
    """The map from the optimiser's variables to (log base parameters, coefficients).

    With covariates centred on their (weighted) means ``m`` and divided by their standard
    deviations ``sd``, ``log p_i = c + sign v . (z_i - m) / sd``; so the reported
    coefficients are ``g = v / sd`` and ``log p0 = c - sign g . m``.
    """
    moments = {
        source: _moments(z[source], names[source], w, what=f"{source}_covariates")
        for source in ("purchase", "dropout")
    }
    size = n_params + sum(z[block.source].shape[1] for block in blocks)
    transform = np.eye(size)
    at = n_params
    for block in blocks:
        mean, sd = moments[block.source]
        k = len(mean)
        transform[at : at + k, at : at + k] = np.diag(1.0 / sd)
        transform[block.param, at : at + k] = -block.sign * mean / sd
        at += k
    return transform


def _minimise(problem: _Problem, start: Array, *, flat: float = 1e-6) -> Any:
    """L-BFGS-B, then BFGS from where it stopped if it gave up away from an optimum.

    A line search that cannot improve where the gradient (of the log-likelihood per
    customer, in well-scaled variables) is below ``flat`` has found the optimum: the
    Pareto/NBD gradient is a finite difference, good to about that.
    """

    def done(result: Any) -> bool:
        return bool(
            np.all(np.isfinite(result.x))
            and np.isfinite(result.fun)
            and (result.success or np.max(np.abs(result.jac)) < flat)
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = minimize(
            problem,
            start,
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-8},
        )
        if not done(result) and np.all(np.isfinite(result.x)):
            polish = minimize(
                problem, result.x, jac=True, method="BFGS", options={"maxiter": 2000, "gtol": 1e-8}
            )
            if polish.fun <= result.fun:
                result = polish
    result.converged = done(result)
    return result


class _CovariateModel:
    """Base of the covariate models: validation, fit, standard errors, fitted state."""

    names: ClassVar[tuple[str, ...]] = ()
    blocks: ClassVar[tuple[_Block, ...]] = ()
    label: ClassVar[str] = ""
    key: ClassVar[str] = ""

    @staticmethod
    def _slopes(rows: Array, x: Array, t_x: Array, T: Array) -> tuple[Array, Array]:
        raise NotImplementedError

    def _read(
        self, purchase: Any, dropout: Any, n: int
    ) -> tuple[dict[str, Array], dict[str, tuple[str, ...]]]:
        """The covariate matrices and names; after a fit, in the fit's columns."""
        fitted = getattr(self, "covariate_names_", {})
        z1, names1 = _covariates(
            purchase, n, what="purchase_covariates", columns=fitted.get("purchase")
        )
        if dropout is None:
            z2, names2 = _covariates(
                purchase, n, what="purchase_covariates", columns=fitted.get("dropout")
            )
        else:
            z2, names2 = _covariates(
                dropout, n, what="dropout_covariates", columns=fitted.get("dropout")
            )
        return {"purchase": z1, "dropout": z2}, {"purchase": names1, "dropout": names2}

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        purchase_covariates: Any,
        dropout_covariates: Any = None,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Fit on per-customer (or distinct, weighted) histories and covariates.

        Parameters
        ----------
        frequency, recency, T
            Each row's repeat purchases, time of the last one and time observed, in one
            time unit.
        purchase_covariates
            Shape ``(n, k1)``: an array or a DataFrame (whose column names are kept).
        dropout_covariates
            Shape ``(n, k2)``; by default the purchase covariates. Pass an ``(n, 0)``
            array for none.
        weights
            How many customers each row stands for (rows sharing covariates and
            history may be merged into one).

        Raises
        ------
        InputError
            Shapes differ, or a covariate is missing, infinite, not a number, constant
            or a combination of the others.
        ConvergenceError
            The optimiser did not converge; the message says what to try.
        """
        x, t_x, t = _history(frequency, recency, T)
        n = len(x)
        w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
        if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise InputError(f"weights: expected {n} non-negative numbers, not all 0")
        for attribute in ("covariate_names_", "params_"):
            self.__dict__.pop(attribute, None)
        z, names = self._read(purchase_covariates, dropout_covariates, n)
        k = len(self.names)
        problem = _Problem(
            type(self)._slopes,
            k,
            self.blocks,
            (x, t_x, t),
            w,
            z,
            _transform(k, self.blocks, z, w, names),
        )
        size = len(problem.transform)
        # start from base parameters 1 and no covariate effects
        result = _minimise(problem, np.zeros(size))
        theta = problem.transform @ result.x
        if not result.converged:
            reached = ", ".join(
                f"{name}={value:.4g}"
                for name, value in zip(self.names, np.exp(theta[:k]), strict=True)
            )
            raise ConvergenceError(
                f"{self.label} with covariates: the fit did not converge ({result.message}); "
                f"base parameters reached {reached}. Check that the summary is in one time "
                "unit with recency <= T, and look for a covariate that singles out a few "
                "customers (a rare category): its coefficient can run off to infinity"
            )
        self._refuse_runaway(result.x[k:], names)
        variance = np.diag(problem.covariance(result.x))
        errors = np.where(variance > 0, np.sqrt(np.abs(variance)), np.nan)
        errors[:k] *= np.exp(theta[:k])  # delta method: se(p) = p se(log p)
        self.covariate_names_ = names
        self.params_ = dict(zip(self.names, map(float, np.exp(theta[:k])), strict=True))
        self.coefficients_ = self._by_block(theta[k:])
        self.standard_errors_: dict[str, Any] = {
            "params": dict(zip(self.names, map(float, errors[:k]), strict=True)),
            "coefficients": self._by_block(errors[k:]),
        }
        self.log_likelihood_ = problem.log_likelihood(theta)
        self.n_iter_ = int(result.nit)
        return self

    def _refuse_runaway(
        self, scaled: Array, names: dict[str, tuple[str, ...]], limit: float = 10.0
    ) -> None:
        """Refuse coefficients whose effect per standard deviation exceeds e^limit.

        Such a coefficient has not found a finite optimum: it runs off to infinity while
        the likelihood creeps towards a bound (a covariate that separates buyers from
        non-buyers, say).
        """
        at = 0
        for block in self.blocks:
            for name in names[block.source]:
                if abs(scaled[at]) > limit:
                    raise ConvergenceError(
                        f"{self.label} with covariates: the {block.name} coefficient of "
                        f'"{name}" runs off to infinity (one standard deviation of it '
                        f"multiplies a parameter by e^{abs(scaled[at]):.0f}). The covariate "
                        "all but separates the customers by their histories, e.g. a "
                        "category whose customers never came back: merge or drop it"
                    )
                at += 1

    def _by_block(self, values: Array) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        at = 0
        for block in self.blocks:
            names = self.covariate_names_[block.source]
            out[block.name] = dict(
                zip(names, map(float, values[at : at + len(names)]), strict=True)
            )
            at += len(names)
        return out

    def _theta(self) -> Array:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"{type(self).__name__}: call fit before predicting")
        coefs = [
            value for block in self.blocks for value in self.coefficients_[block.name].values()
        ]
        return np.concatenate([np.log(list(self.params_.values())), coefs])

    def customer_params(
        self, purchase_covariates: Any, dropout_covariates: Any = None
    ) -> dict[str, Array]:
        """Each customer's own model parameters (``alpha_i``, ...), given the covariates.

        Parameters
        ----------
        purchase_covariates, dropout_covariates
            As in :meth:`fit`, with the columns of the fit.
        """
        theta = self._theta()
        z, _ = self._read(
            purchase_covariates, dropout_covariates, int(np.shape(purchase_covariates)[0])
        )
        rows = np.exp(_log_rows(theta, len(self.names), self.blocks, z))
        return dict(zip(self.names, rows, strict=True))

    def _rows(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, purchase: Any, dropout: Any
    ) -> tuple[Array, ...]:
        """Each row's parameters and history, for the prediction functions."""
        theta = self._theta()
        x, t_x, t = _history(frequency, recency, T)
        z, _ = self._read(purchase, dropout, len(x))
        return (*np.exp(_log_rows(theta, len(self.names), self.blocks, z)), x, t_x, t)

    def to_dict(self) -> dict[str, Any]:
        """The fitted model as plain data (JSON-ready: a missing standard error is None)."""
        self._theta()

        def plain(value: float) -> float | None:
            return value if math.isfinite(value) else None

        errors = self.standard_errors_
        return {
            "model": self.key,
            "params": self.params_,
            "coefficients": self.coefficients_,
            "log_likelihood": self.log_likelihood_,
            "standard_errors": {
                "params": {k: plain(v) for k, v in errors["params"].items()},
                "coefficients": {
                    block: {k: plain(v) for k, v in values.items()}
                    for block, values in errors["coefficients"].items()
                },
            },
        }


class BetaGeoCovariateModel(_CovariateModel):
    """BG/NBD whose purchase and dropout heterogeneity depend on customer covariates.

    ``alpha_i = alpha0 exp(-g1 . z1_i)``, ``a_i = a0 exp(g2 . z2_i)``,
    ``b_i = b0 exp(g3 . z2_i)``, where ``z1`` are the purchase covariates and ``z2`` the
    dropout covariates.

    Attributes
    ----------
    params_
        Base parameters ``{"r", "alpha", "a", "b"}``: a customer whose covariates are 0.
    coefficients_
        ``{"purchase": g1, "dropout_a": g2, "dropout_b": g3}``, each ``{column: value}``.
        Positive ``purchase``: more purchases; positive ``dropout_a`` (negative
        ``dropout_b``): likelier dropout after each purchase.
    standard_errors_
        ``{"params": {...}, "coefficients": {...}}``, shaped as the two above.
    log_likelihood_
        The maximised log-likelihood.
    covariate_names_
        ``{"purchase": (...), "dropout": (...)}``: the columns of the fit.

    References
    ----------
    Fader & Hardie (2007), Incorporating Time-Invariant Covariates into the Pareto/NBD
    and BG/NBD Models.

    Examples
    --------
    Do customers whose first order was over $30 (CDNOW sample) go on differently?

    >>> import pandas as pd
    >>> from repeatly.datasets import load_cdnow, load_cdnow_summary
    >>> lines = load_cdnow("sample")
    >>> first = lines[lines.ordered_at == lines.groupby("sample_id").ordered_at.transform("min")]
    >>> spend = first.groupby("sample_id").amount.sum()
    >>> s = load_cdnow_summary()
    >>> z = pd.DataFrame({"big_first_order": (spend[s.customer_id].to_numpy() > 30) * 1.0})
    >>> model = BetaGeoCovariateModel().fit(s.frequency, s.recency, s["T"], z)
    >>> {k: round(v, 2) for k, v in model.params_.items()}
    {'r': 0.25, 'alpha': 5.94, 'a': 0.66, 'b': 1.76}
    >>> {k: round(v["big_first_order"], 2) for k, v in model.coefficients_.items()}
    {'purchase': 0.61, 'dropout_a': 0.4, 'dropout_b': 0.73}
    >>> round(model.standard_errors_["coefficients"]["purchase"]["big_first_order"], 2)
    0.11
    >>> model.expected_purchases(39, s.frequency, s.recency, s["T"], z)[:3].round(2)
    array([1.2 , 0.2 , 0.19])
    """

    names = ("r", "alpha", "a", "b")
    blocks = (
        _Block("purchase", 1, -1.0, "purchase"),
        _Block("dropout_a", 2, 1.0, "dropout"),
        _Block("dropout_b", 3, 1.0, "dropout"),
    )
    label = "BG/NBD"
    key = "bgnbd"
    _slopes = staticmethod(_bgnbd_slopes)

    def probability_alive(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        purchase_covariates: Any,
        dropout_covariates: Any = None,
    ) -> Array:
        """Probability that each customer is still a customer."""
        return _bgnbd_probability_alive(
            *self._rows(frequency, recency, T, purchase_covariates, dropout_covariates)
        )

    def expected_purchases(
        self,
        t: float,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        purchase_covariates: Any,
        dropout_covariates: Any = None,
    ) -> Array:
        """Expected purchases of each customer in the next ``t`` time units."""
        r, alpha, a, b, x, t_x, age = self._rows(
            frequency, recency, T, purchase_covariates, dropout_covariates
        )
        return _bgnbd_expected(r, alpha, a, b, t, x, t_x, age)


class ParetoNBDCovariateModel(_CovariateModel):
    """Pareto/NBD whose purchase and dropout heterogeneity depend on customer covariates.

    ``alpha_i = alpha0 exp(-g1 . z1_i)`` and ``beta_i = beta0 exp(-g2 . z2_i)``, where
    ``z1`` are the purchase covariates and ``z2`` the dropout covariates.

    Attributes
    ----------
    params_
        Base parameters ``{"r", "alpha", "s", "beta"}``: a customer whose covariates
        are 0.
    coefficients_
        ``{"purchase": g1, "dropout": g2}``, each ``{column: value}``. Positive
        ``purchase``: more purchases; positive ``dropout``: shorter lifetimes.
    standard_errors_
        ``{"params": {...}, "coefficients": {...}}``, shaped as the two above.
    log_likelihood_
        The maximised log-likelihood.
    covariate_names_
        ``{"purchase": (...), "dropout": (...)}``: the columns of the fit.

    References
    ----------
    Fader & Hardie (2007), Incorporating Time-Invariant Covariates into the Pareto/NBD
    and BG/NBD Models.

    Examples
    --------
    Do customers whose first order was over $30 (CDNOW sample) go on differently?

    >>> import pandas as pd
    >>> from repeatly.datasets import load_cdnow, load_cdnow_summary
    >>> lines = load_cdnow("sample")
    >>> first = lines[lines.ordered_at == lines.groupby("sample_id").ordered_at.transform("min")]
    >>> spend = first.groupby("sample_id").amount.sum()
    >>> s = load_cdnow_summary()
    >>> z = pd.DataFrame({"big_first_order": (spend[s.customer_id].to_numpy() > 30) * 1.0})
    >>> model = ParetoNBDCovariateModel().fit(s.frequency, s.recency, s["T"], z)
    >>> {k: round(v, 2) for k, v in model.params_.items()}
    {'r': 0.57, 'alpha': 13.6, 's': 0.61, 'beta': 12.22}
    >>> {k: round(v["big_first_order"], 2) for k, v in model.coefficients_.items()}
    {'purchase': 0.52, 'dropout': 0.1}
    >>> model.probability_alive(s.frequency, s.recency, s["T"], z)[:3].round(2)
    array([0.87, 0.14, 0.31])
    """

    names = ("r", "alpha", "s", "beta")
    blocks = (_Block("purchase", 1, -1.0, "purchase"), _Block("dropout", 3, -1.0, "dropout"))
    label = "Pareto/NBD"
    key = "pnbd"
    _slopes = staticmethod(_pareto_slopes)

    def probability_alive(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        purchase_covariates: Any,
        dropout_covariates: Any = None,
    ) -> Array:
        """Probability that each customer is still a customer."""
        return pareto_nbd_probability_alive(
            *self._rows(frequency, recency, T, purchase_covariates, dropout_covariates)
        )

    def expected_purchases(
        self,
        t: float,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        purchase_covariates: Any,
        dropout_covariates: Any = None,
    ) -> Array:
        """Expected purchases of each customer in the next ``t`` time units."""
        r, alpha, s, beta, x, t_x, age = self._rows(
            frequency, recency, T, purchase_covariates, dropout_covariates
        )
        return pareto_nbd_conditional_expected_purchases(r, alpha, s, beta, t, x, t_x, age)
