"""Maximum likelihood on positive parameters, in log space, with weights."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from repeatly.exceptions import ConvergenceError

__all__ = [
    "Gradient",
    "Hessian",
    "curvature_in_logs",
    "damped_newton_in_logs",
    "fit_positive",
    "newton_in_logs",
    "one_blas_thread",
    "standard_errors",
    "standard_errors_from_gradient",
    "standard_errors_from_hessian",
]


#: Bounds of the logs of every parameter: 1e-6 to 1e5. Beyond them a model has lost a
#: dimension and its special functions slow down sharply. Where the lost dimension is
#: the spread of the dropout, the fit takes the model's limit instead
#: (:mod:`repeatly.models._boundary`); a parameter left at a bound is reported.
LOG_BOUNDS = (float(np.log(1e-6)), float(np.log(1e5)))

Gradient = Callable[[NDArray[np.float64]], tuple[float, NDArray[np.float64]]]
#: The second derivatives of a negative log-likelihood in the parameters.
Hessian = Callable[[NDArray[np.float64]], NDArray[np.float64]]


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with BLAS on the calling thread alone (a decorator too).

    The likelihoods' sums are dot products of single vectors: BLAS threads save little
    on them, and afterwards spin, waiting for more work, on the core the next numpy
    step needs. With them the Gamma-Gamma fit on half a million distinct rows took
    three times as long (benchmarks/RESULTS.md).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def fit_positive(
    neg_log_likelihood: Callable[[NDArray[np.float64]], float],
    start: NDArray[np.float64],
    *,
    names: tuple[str, ...],
    model: str,
    with_gradient: Gradient | None = None,
) -> tuple[NDArray[np.float64], float]:
    """Minimise a negative log-likelihood over positive parameters.

    The optimiser works on the logs of the parameters. ``with_gradient``, when given,
    returns the negative log-likelihood and its gradient in the parameters, and saves
    the optimiser its numerical differentiation. Returns the parameters and the
    maximised log-likelihood.

    Raises
    ------
    ConvergenceError
        The optimiser did not converge; the message says what to try.
    """
    from scipy.optimize import minimize  # 0.2-0.3 s to import: only fits that need it

    def objective(log_params: NDArray[np.float64]) -> float:
        value = neg_log_likelihood(np.exp(log_params))
        return float(value) if np.isfinite(value) else 1e300

    def objective_and_gradient(
        log_params: NDArray[np.float64],
    ) -> tuple[float, NDArray[np.float64]]:
        params = np.exp(log_params)
        assert with_gradient is not None
        value, gradient = with_gradient(params)
        if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
            return 1e300, np.zeros_like(log_params)
        return float(value), gradient * params

    bounds = [LOG_BOUNDS] * len(start)
    # the optimiser tries parameters where the maths overflows: those count as +inf
    # (np.errstate, unlike a warnings filter, holds for this thread alone)
    with np.errstate(all="ignore"):
        if with_gradient is not None:
            result = minimize(
                objective_and_gradient,
                np.log(start),
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": 2000, "ftol": 1e-11, "gtol": 1e-7},
            )
        else:
            result = minimize(
                objective,
                np.log(start),
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": 2000, "ftol": 1e-11, "gtol": 1e-7},
            )
        # a line search that cannot improve further ends at the optimum within the
        # noise of the function's last digits: accept it
        settled = result.success or (
            result.status == 2 and np.isfinite(result.fun) and result.fun < 1e299
        )
        if settled:
            result.success = True
        if not settled or not np.all(np.isfinite(result.x)):
            result = minimize(
                objective,
                result.x if np.all(np.isfinite(result.x)) else np.log(start),
                method="Nelder-Mead",
                bounds=bounds,
                options={"maxiter": 4000, "maxfev": 2000, "xatol": 1e-10, "fatol": 1e-10},
            )
    params = np.exp(result.x)
    if not result.success or not np.all(np.isfinite(params)):
        raise ConvergenceError(
            f"{model}: the fit did not converge ({result.message}); parameters reached "
            + ", ".join(f"{n}={v:.4g}" for n, v in zip(names, params, strict=True))
            + ". Check that the summary is in one time unit with recency <= T, or try a "
            "coarser unit (week instead of day)"
        )
    return params, float(-result.fun)


def standard_errors(
    neg_log_likelihood: Callable[[NDArray[np.float64]], float],
    params: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Standard errors of the parameters from the inverse Hessian at the optimum.

    The Hessian of the negative log-likelihood is taken by central differences in the
    parameters themselves; a singular Hessian gives NaN errors.
    """
    k = len(params)
    steps = 1e-4 * np.maximum(np.abs(params), 1e-3)
    hessian = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):

            def at(di: float, dj: float, i: int = i, j: int = j) -> float:
                shifted = params.astype(np.float64).copy()
                shifted[i] += di * steps[i]
                shifted[j] += dj * steps[j]
                return float(neg_log_likelihood(shifted))

            value = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * steps[i] * steps[j])
            hessian[i, j] = hessian[j, i] = value
    return standard_errors_from_hessian(hessian)


def standard_errors_from_gradient(
    with_gradient: Gradient, params: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Standard errors from the inverse Hessian, by central differences of the gradient.

    ``with_gradient`` returns the negative log-likelihood and its gradient. (Forward
    differences would halve the evaluations, but where two parameters are nearly
    interchangeable, as Gamma-Gamma's q and gamma, their errors move by percents with
    the step.)
    """
    k = len(params)
    steps = 1e-5 * np.maximum(np.abs(params), 1e-3)
    hessian = np.empty((k, k))
    for i in range(k):
        up, down = params.astype(np.float64).copy(), params.astype(np.float64).copy()
        up[i] += steps[i]
        down[i] -= steps[i]
        hessian[i] = (with_gradient(up)[1] - with_gradient(down)[1]) / (2 * steps[i])
    return standard_errors_from_hessian((hessian + hessian.T) / 2)


def curvature_in_logs(
    with_gradient: Gradient, log_params: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The Hessian of a negative log-likelihood in the logs of its parameters.

    By central differences of the gradient (in the parameters, as ``with_gradient``
    returns it, turned into the gradient in their logs).
    """

    def gradient_in_logs(theta: NDArray[np.float64]) -> NDArray[np.float64]:
        params = np.exp(theta)
        return with_gradient(params)[1] * params

    k = len(log_params)
    step = 1e-4
    hessian = np.empty((k, k))
    for i in range(k):
        up, down = log_params.copy(), log_params.copy()
        up[i] += step
        down[i] -= step
        hessian[i] = (gradient_in_logs(up) - gradient_in_logs(down)) / (2 * step)
    return (hessian + hessian.T) / 2


def newton_in_logs(
    with_gradient: Gradient,
    log_start: NDArray[np.float64],
    curvature: NDArray[np.float64],
    *,
    max_steps: int = 30,
) -> NDArray[np.float64] | None:
    """Minimise from a nearby start with a good guess of the curvature, in few steps.

    Quasi-Newton steps on the logs of the parameters: the first with ``curvature``
    (the Hessian in the logs, e.g. measured on a sample of the rows, scaled up), each
    next one with it updated by what the last step saw (BFGS), each shortened until it
    lowers the objective. Stops when the step would lower the objective by less than
    1e-13 of its size, then the parameters are within about 1e-6 of the optimum.

    Returns the parameters, or ``None`` when it does not settle within ``max_steps`` or
    would leave the bounds: the caller then falls back on the general optimiser.
    """
    low, high = LOG_BOUNDS
    try:
        np.linalg.cholesky(curvature)
    except np.linalg.LinAlgError:
        return None
    hessian = curvature.astype(np.float64)  # a copy: the BFGS updates change it
    theta = log_start.astype(np.float64)
    with np.errstate(all="ignore"):
        value, gradient = _in_logs(with_gradient, theta)
        for _ in range(max_steps):
            if not (np.isfinite(value) and np.all(np.isfinite(gradient))):
                return None
            in_logs = gradient * np.exp(theta)
            try:
                step = -np.linalg.solve(hessian, in_logs)
            except np.linalg.LinAlgError:
                return None
            decrease = -float(in_logs @ step)  # what a full step should gain, times 2
            if not decrease >= 0:
                return None
            if decrease / 2 <= 1e-13 * max(abs(value), 1.0):
                return np.exp(theta)
            length = 1.0
            while True:
                moved = theta + length * step
                if np.any(moved < low) or np.any(moved > high):
                    return None
                new_value, new_gradient = _in_logs(with_gradient, moved)
                if np.isfinite(new_value) and new_value <= value - 1e-4 * length * decrease:
                    break
                length /= 2
                if length < 1e-3:
                    return None
            change = moved - theta
            seen = new_gradient * np.exp(moved) - in_logs
            if float(change @ seen) > 0:  # BFGS: keep the curvature what the step saw
                bent = hessian @ change
                hessian += np.outer(seen, seen) / float(change @ seen) - np.outer(
                    bent, bent
                ) / float(change @ bent)
            theta, value, gradient = moved, new_value, new_gradient
    return None


def damped_newton_in_logs(
    with_gradient: Gradient,
    hessian: Hessian,
    log_start: NDArray[np.float64],
    *,
    max_steps: int = 200,
) -> NDArray[np.float64] | None:
    """Minimise from afar with exact second derivatives, in the logs of the parameters.

    Newton steps, damped (Levenberg-Marquardt) where the curvature is not positive
    definite, a full step does not lower the objective, would change a parameter more
    than e^3-fold or leave the bounds. Stops where the curvature is positive and the
    full Newton step would lower the objective by less than 1e-13 of its size, as
    :func:`newton_in_logs` does.

    Returns the parameters, or ``None`` when the steps do not settle within
    ``max_steps`` or stall on a flat ridge: the caller then falls back on the general
    optimiser.
    """
    low, high = LOG_BOUNDS
    theta = log_start.astype(np.float64)
    identity = np.eye(len(theta))
    damping = 0.0  # added to the curvature, as a share of its largest diagonal entry
    with np.errstate(all="ignore"):
        value, gradient = _in_logs(with_gradient, theta)
        for _ in range(max_steps):
            params = np.exp(theta)
            in_logs = gradient * params
            curvature = np.outer(params, params) * hessian(params) + np.diag(in_logs)
            if not (np.isfinite(value) and np.all(np.isfinite(curvature))):
                return None
            full = _newton_step(curvature, in_logs)
            if full is not None and -float(in_logs @ full) / 2 <= 1e-13 * max(abs(value), 1.0):
                return params  # positive curvature, and the full step would gain nothing
            scale = max(float(np.abs(np.diag(curvature)).max()), 1e-300)
            while True:  # damp until a step lowers the objective
                step = _newton_step(curvature + damping * scale * identity, in_logs)
                if step is not None:
                    if -float(in_logs @ step) / 2 <= 1e-13 * max(abs(value), 1.0):
                        return None  # stuck on a flat ridge
                    moved = theta + step
                    # at most a factor e^3 per step on each parameter, within the bounds
                    if np.abs(step).max() <= 3.0 and np.all(moved >= low) and np.all(moved <= high):
                        new_value, new_gradient = _in_logs(with_gradient, moved)
                        if np.isfinite(new_value) and new_value <= value:
                            break
                damping = max(4 * damping, 1e-8)
                if damping > 1e8:
                    return None
            theta, value, gradient = moved, new_value, new_gradient
            damping = damping / 16 if damping > 1e-7 else 0.0
    return None


def _newton_step(
    curvature: NDArray[np.float64], in_logs: NDArray[np.float64]
) -> NDArray[np.float64] | None:
    """The step to the minimum of the quadratic model; ``None`` unless it is convex."""
    try:
        np.linalg.cholesky(curvature)
    except np.linalg.LinAlgError:
        return None
    return np.asarray(-np.linalg.solve(curvature, in_logs), dtype=np.float64)


def _in_logs(with_gradient: Gradient, at: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
    """The objective and its gradient (in the parameters) at the logs ``at``."""
    value, gradient = with_gradient(np.exp(at))
    return float(value), np.asarray(gradient, dtype=np.float64)


def standard_errors_from_hessian(hessian: NDArray[np.float64]) -> NDArray[np.float64]:
    """Standard errors from the Hessian of the negative log-likelihood at the optimum.

    Square roots of its inverse's diagonal; NaN where it is singular.
    """
    try:
        covariance = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        return np.full(len(hessian), np.nan)
    diagonal = np.diag(covariance)
    return np.where(diagonal > 0, np.sqrt(np.abs(diagonal)), np.nan)
