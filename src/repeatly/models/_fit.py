"""Maximum likelihood on positive parameters, in log space, with weights."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

from repeatly.exceptions import ConvergenceError

__all__ = ["fit_positive"]


def fit_positive(
    neg_log_likelihood: Callable[[NDArray[np.float64]], float],
    start: NDArray[np.float64],
    *,
    names: tuple[str, ...],
    model: str,
) -> tuple[NDArray[np.float64], float]:
    """Minimise a negative log-likelihood over positive parameters.

    The optimiser works on the logs of the parameters. Returns the parameters and the
    maximised log-likelihood.

    Raises
    ------
    ConvergenceError
        The optimiser did not converge; the message says what to try.
    """

    def objective(log_params: NDArray[np.float64]) -> float:
        value = neg_log_likelihood(np.exp(log_params))
        return float(value) if np.isfinite(value) else 1e300

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = minimize(objective, np.log(start), method="L-BFGS-B",
                          options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-8})
        if not result.success or not np.all(np.isfinite(result.x)):
            result = minimize(objective, result.x if np.all(np.isfinite(result.x))
                              else np.log(start), method="Nelder-Mead",
                              options={"maxiter": 20000, "xatol": 1e-10, "fatol": 1e-10})
    params = np.exp(result.x)
    if not result.success or not np.all(np.isfinite(params)):
        raise ConvergenceError(
            f"{model}: the fit did not converge ({result.message}); parameters reached "
            + ", ".join(f"{n}={v:.4g}" for n, v in zip(names, params, strict=True))
            + ". Check that the summary is in one time unit with recency <= T, or try a "
            "coarser unit (week instead of day)"
        )
    return params, float(-result.fun)
