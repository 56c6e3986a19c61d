"""From order lines to each customer's forecast: fit, validate, choose, predict, value.

The engine builds the per-customer summary and groups it into distinct (frequency,
recency, T) rows; the models are fitted and evaluated on those rows in numpy, and the
predictions are joined back in the engine, so the cost of the numerical part depends on
the number of distinct rows, not of customers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from repeatly.connection import aggregation_threads, alongside, materialize, release
from repeatly.exceptions import ConvergenceError, InputError
from repeatly.models._estimators import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    _HistoryModel,
)
from repeatly.models._kernels import distinct_pairs
from repeatly.models._prep import (
    UNIT_DAYS,
    Unit,
    model_summary,
    period_summary,
    purchase_days,
)

__all__ = ["AUTO_MODELS", "MODELS", "Forecast", "forecast"]

#: The models ``forecast`` can fit, by the name the CLI takes.
MODELS: dict[str, type[_HistoryModel]] = {
    "bgnbd": BetaGeoModel,
    "mbgnbd": ModifiedBetaGeoModel,
    "pnbd": ParetoNBDModel,
    "bgbb": BetaGeoBetaBinomModel,
}
#: The models ``model="auto"`` chooses between (they share one data summary).
AUTO_MODELS = ("bgnbd", "mbgnbd", "pnbd")

KEY = ["frequency", "recency", "T"]
FREQUENCY_CAP = 7  # the by-frequency tables group 7 and more together
ALIVE_CAP = 20  # the P(alive) matrix groups 20 and more repeat purchases together
#: Below this probability of still being a customer, a customer is likely gone.
GONE_BELOW = 0.1
DAYS_PER_MONTH = 365.25 / 12

Progress = Callable[[str], None]


@dataclass
class Forecast:
    """A fitted forecast: the model, its validation and every customer's predictions.

    Attributes
    ----------
    model
        The fitted history model used for the predictions (fitted on all the history).
    spend
        The fitted Gamma-Gamma spend model, or ``None`` when it could not be fitted
        (then each customer's own mean spend is used; see ``notes``).
    customers
        Engine table, one row per customer: ``customer_id, frequency, recency, T,
        monetary_value, p_alive, expected_purchases, p_no_purchase, next_purchase_on,
        expected_spend, clv``.
    comparison
        One row per model fitted: log-likelihood, AIC, BIC and, with a holdout, the
        per-customer mean absolute error and the aggregate error.
    holdout
        The chosen model's holdout figures, or ``None`` without a calibration end.
    tables
        Small tables for the report: ``by_frequency``, ``tracking``, ``alive_matrix``,
        ``clv_distribution``.
    what_if
        Total predicted CLV, and with dropout reduced by 5%.
    options
        The options used (unit, horizon, dates, margin, discount rate...).
    notes
        Plain-language remarks on choices made for the user.
    """

    model: _HistoryModel
    spend: GammaGammaModel | None
    customers: ir.Table
    comparison: pd.DataFrame
    holdout: dict[str, Any] | None
    tables: dict[str, pd.DataFrame]
    what_if: dict[str, float]
    options: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The forecast's summary as plain data (what ``repeatly predict --json`` prints)."""
        fitted = self.model.to_dict()
        result: dict[str, Any] = {
            "model": fitted["model"],
            "params": fitted["params"],
            "log_likelihood": fitted["log_likelihood"],
            "standard_errors": fitted["standard_errors"],
            "spend_model": None if self.spend is None else {
                "model": "gamma_gamma", "params": dict(self.spend.params_),
                "standard_errors": self.spend.to_dict()["standard_errors"]},
            "options": {k: (v.isoformat() if isinstance(v, dt.date) else v)
                        for k, v in self.options.items()},
            "comparison": _records(self.comparison),
            "what_if": self.what_if,
            "notes": self.notes,
        }
        if self.holdout is not None:
            result["holdout"] = self.holdout
        return _json_ready(result)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _json_ready(value: Any) -> Any:
    """Plain Python values for JSON: numpy scalars unwrapped, NaN and inf as None."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def forecast(
    lines: ir.Table,
    *,
    model: str = "auto",
    unit: Unit = "week",
    as_of: dt.date | None = None,
    calibration_end: dt.date | None = None,
    horizon: float | None = None,
    clv_months: int = 12,
    margin: float = 1.0,
    discount_rate: float = 0.10,
    penalizer: float = 0.0,
    progress: Progress | None = None,
) -> Forecast:
    """Fit buy-till-you-die and spend models to order lines and forecast every customer.

    Parameters
    ----------
    lines
        Canonical order lines (``customer_id``, ``ordered_at``, ``amount``).
    model
        ``"bgnbd"``, ``"mbgnbd"``, ``"pnbd"``, ``"bgbb"`` or ``"auto"``: with a holdout,
        the model with the lowest per-customer holdout error among BG/NBD, MBG/NBD and
        Pareto/NBD; without one, the lowest BIC.
    unit
        Time unit of frequency/recency/T and of ``horizon``: ``"day"``, ``"week"`` or
        ``"month"``. For BG/BB it is the length of one purchase opportunity.
    as_of
        End of the history; the day of the last order when not given.
    calibration_end
        With it, the models are also fitted on the history up to this day and judged on
        the purchases after it (the holdout); the predictions still use all the history.
    horizon
        Length of the forecast of purchases, in ``unit`` (default: one year).
    clv_months
        Months of purchases the customer lifetime value counts.
    margin
        Share of spend that is margin (1.0: CLV in revenue).
    discount_rate
        Yearly discount rate of future margin (0.10 = 10% a year), applied monthly.
    penalizer
        L2 penalty on the model parameters.
    progress
        Called with a short label as each step starts.

    Returns
    -------
    Forecast
    """
    if model != "auto" and model not in MODELS:
        raise InputError(f"model: expected auto, {', '.join(MODELS)}; got {model!r}")
    if unit not in UNIT_DAYS:
        raise InputError(f'unit: expected "day", "week" or "month", got {unit!r}')
    if not 0 < margin <= 1:
        raise InputError(f"margin: expected a share above 0 and at most 1, got {margin}")
    if not 0 <= discount_rate < 10:
        raise InputError(f"discount_rate: expected a yearly rate such as 0.1, got "
                         f"{discount_rate}")
    if not 0 <= penalizer < math.inf:
        raise InputError(f"penalizer: expected 0 or more, got {penalizer}")
    if clv_months < 1:
        raise InputError(f"clv_months: expected 1 or more, got {clv_months}")
    step = progress or (lambda label: None)
    size = UNIT_DAYS[unit]
    horizon = 365.25 / size if horizon is None else float(horizon)
    if horizon <= 0:
        raise InputError(f"horizon: expected a positive number of {unit}s, got {horizon}")
    end = as_of or _last_day(lines)
    if calibration_end is not None and not calibration_end < end:
        raise InputError(f"calibration_end: expected a day before the end of the history "
                         f"({end}), got {calibration_end}")
    candidates = list(AUTO_MODELS) if model == "auto" else [model]
    discrete = candidates == ["bgbb"]
    summarise = period_summary if discrete else model_summary
    notes: list[str] = []

    comparison_rows: list[dict[str, Any]] = []
    holdout: dict[str, Any] | None = None
    tables: dict[str, pd.DataFrame] = {}
    fits: dict[str, _HistoryModel] = {}
    if calibration_end is not None:
        step("Fitting on the calibration period")
        with aggregation_threads(lines):
            calib = materialize(summarise(lines, calibration_end=calibration_end,
                                          unit=unit, holdout_end=end), "model_calibration")
        rows = _frame(calib.group_by([*KEY, "holdout_purchases"]).aggregate(
            weight=calib.count()))
        if rows.empty:
            raise InputError(f"calibration_end: no customers bought on or before "
                             f"{calibration_end}")
        span = _span(calibration_end, end, size, discrete)
        judged, calibrated, expected = {}, {}, {}
        for key in candidates:
            calibrated[key] = _fit(key, rows, penalizer)
            expected[key] = calibrated[key].expected_purchases(
                span, rows.frequency, rows.recency, rows["T"])
            judged[key] = _judge(expected[key], rows)
            comparison_rows.append(_compared(key, calibrated[key], judged[key]))
        chosen = min(candidates, key=lambda k: judged[k]["mae"])
        holdout = {"calibration_end": calibration_end.isoformat(), "end": end.isoformat(),
                   "length": span, "unit": unit, **judged[chosen]}
        tables["by_frequency"] = _by_frequency(expected[chosen], rows)
        tables["tracking"] = _tracking(calibrated[chosen], lines,
                                       start_end=(calibration_end, end), unit=unit,
                                       discrete=discrete)

    step("Fitting the models")
    with aggregation_threads(lines):
        summary = stored = materialize(summarise(lines, calibration_end=end, unit=unit),
                                       "model_summary")
    rows = _frame(summary.group_by(KEY).aggregate(
        weight=summary.count(), value_sum=summary.monetary_value.sum()))
    if rows.empty:
        raise InputError(f"no customers bought on or before {end}")
    # the engine groups the spend rows while numpy fits the purchase models
    with alongside(lambda: _spend_rows(summary)) as spend_rows:
        if calibration_end is None:  # fit every candidate on the whole history, keep one
            for key in candidates:
                fits[key] = _fit(key, rows, penalizer)
                comparison_rows.append(_compared(key, fits[key], None))
            chosen = min(candidates, key=lambda k: _bic(fits[k]))
        else:  # chosen on the holdout: only it is refitted on the whole history
            fits[chosen] = _fit(chosen, rows, penalizer)
    spend, spend_note = _fit_spend(spend_rows.result())
    if spend_note:
        notes.append(spend_note)
    mean_spend = _mean_spend(rows, spend)
    rows["spend_sum"] = _spend_sums(rows, spend, mean_spend)
    summary = summary.mutate(expected_spend=_spend_expr(summary, spend, mean_spend))
    if model == "auto":
        how = "the lowest holdout error" if calibration_end else "the lowest BIC"
        notes.append(f"model auto: {MODELS[chosen].label} has {how} of "
                     + ", ".join(MODELS[k].label for k in candidates))
    fitted = fits[chosen]

    step("Predicting every customer")
    monthly = (1 + discount_rate) ** (1 / 12) - 1
    predictions, histories = _predict_rows(
        fitted, rows, horizon=horizon, month=DAYS_PER_MONTH / size, months=clv_months,
        monthly_rate=monthly, discrete=discrete)
    joined = _join_predictions(summary, predictions, end=end, size=size, margin=margin)
    # the engine joins the predictions back while numpy computes the tables of rows
    with alongside(lambda: materialize(joined, "forecast")) as stored_forecast:
        tables["alive_matrix"] = _alive_matrix(rows, predictions)
        what_if = _what_if(fitted, rows, predictions["discounted_purchases"].to_numpy(),
                           histories, margin=margin,
                           horizon_months=clv_months, month=DAYS_PER_MONTH / size,
                           monthly_rate=monthly, discrete=discrete)
    customers = stored_forecast.result()
    release(stored)  # the forecast holds all of it
    tables["clv_distribution"] = _clv_distribution(customers)
    options = {"model": chosen, "requested_model": model, "unit": unit, "as_of": end,
               "calibration_end": calibration_end, "horizon": horizon,
               "clv_months": clv_months, "margin": margin, "discount_rate": discount_rate,
               "penalizer": penalizer}
    return Forecast(model=fitted, spend=spend, customers=customers,
                    comparison=pd.DataFrame(comparison_rows), holdout=holdout,
                    tables=tables, what_if=what_if, options=options, notes=notes)


def _frame(table: ir.Table) -> pd.DataFrame:
    """A large numeric result as pandas, through Arrow.

    A few times faster than ``to_pandas`` on hundreds of thousands of distinct rows; a
    column apiece, each Arrow buffer let go as its column is made (no second copy).
    """
    return table.to_pyarrow().to_pandas(split_blocks=True, self_destruct=True)


def _last_day(lines: ir.Table) -> dt.date:
    last = lines.ordered_at.max().execute()
    if last is None or (isinstance(last, float) and math.isnan(last)):
        raise InputError("no orders to forecast from")
    return pd.Timestamp(last).date()


def _span(start: dt.date, end: dt.date, size: float, discrete: bool) -> float:
    length = (end - start).days / size
    return float(math.floor(length)) if discrete else length


def _fit(key: str, rows: pd.DataFrame, penalizer: float) -> _HistoryModel:
    model = MODELS[key](penalizer=penalizer)
    return model.fit(rows.frequency.to_numpy(float), rows.recency.to_numpy(float),
                     rows["T"].to_numpy(float), weights=rows.weight.to_numpy(float))


def _bic(model: _HistoryModel) -> float:
    return len(model.names) * math.log(model.n_observations_) - 2 * model.log_likelihood_


def _compared(key: str, model: _HistoryModel, judged: dict[str, Any] | None
              ) -> dict[str, Any]:
    k = len(model.names)
    row = {"model": key, "name": model.label, "log_likelihood": model.log_likelihood_,
           "aic": 2 * k - 2 * model.log_likelihood_, "bic": _bic(model)}
    if judged is not None:
        row.update(holdout_mae=judged["mae"], holdout_expected=judged["expected"],
                   holdout_actual=judged["actual"], aggregate_error=judged["aggregate_error"])
    return row


def _judge(expected: np.ndarray, rows: pd.DataFrame) -> dict[str, Any]:
    """Holdout figures: per-customer mean absolute error and the aggregate error."""
    w = rows.weight.to_numpy(float)
    actual = rows.holdout_purchases.to_numpy(float)
    total_expected = float(np.dot(w, expected))
    total_actual = float(np.dot(w, actual))
    return {
        "mae": float(np.dot(w, np.abs(expected - actual)) / w.sum()),
        "expected": total_expected,
        "actual": total_actual,
        "aggregate_error": (total_expected - total_actual) / total_actual
        if total_actual else float("nan"),
        "customers": int(w.sum()),
    }


def _by_frequency(expected: np.ndarray, rows: pd.DataFrame) -> pd.DataFrame:
    """Mean holdout purchases, actual and expected, by calibration frequency."""
    frame = pd.DataFrame({
        "frequency": np.minimum(rows.frequency.to_numpy(float), FREQUENCY_CAP).astype(int),
        "w": rows.weight.to_numpy(float),
    })
    frame["actual"] = frame.w * rows.holdout_purchases.to_numpy(float)
    frame["expected"] = frame.w * expected
    grouped = frame.groupby("frequency").sum()
    return pd.DataFrame({
        "frequency": grouped.index.to_numpy(),
        "customers": grouped.w.to_numpy().astype(int),
        "actual": (grouped.actual / grouped.w).to_numpy(),
        "expected": (grouped.expected / grouped.w).to_numpy(),
    })


def _tracking(model: _HistoryModel, lines: ir.Table, *, start_end: tuple[dt.date, dt.date],
              unit: Unit, discrete: bool) -> pd.DataFrame:
    """Cumulative repeat transactions, actual and expected, step by step.

    Expected: each day's new customers times the model's expected repeat purchases of a
    customer of that age. Calibration customers only (first purchase up to its end).
    """
    calibration_end, end = start_end
    size, days = purchase_days(lines, unit, calibration_end, end)
    first = days.group_by("customer_id").aggregate(first=days.day.min())
    first = first.filter(first.first <= ibis.date(calibration_end))
    births = first.group_by("first").aggregate(n=first.count()).to_pandas()
    joined = days.join(first, "customer_id")
    repeats = joined.filter((joined.day > joined.first) & (joined.day <= ibis.date(end)))
    daily = repeats.group_by("day").aggregate(n=repeats.count()).to_pandas()
    origin = pd.Timestamp(births["first"].min())
    steps = math.ceil((pd.Timestamp(end) - origin).days / size)
    edges = origin + pd.to_timedelta(np.arange(1, steps + 1) * size, unit="D")
    birth_age = (pd.to_datetime(births["first"]) - origin).dt.days.to_numpy(float)
    # age in the model's unit of each cohort at the end of each step
    ages = (np.arange(1, steps + 1)[:, None] * size - birth_age[None, :]) / size
    ages = np.floor(ages) if discrete else ages
    expected = model.expected_purchases_new(np.maximum(ages, 0.0)) @ births.n.to_numpy(float)
    day_age = (pd.to_datetime(daily["day"]) - origin).dt.days.to_numpy(float)
    actual_steps = np.minimum(np.floor(day_age / size).astype(int), steps - 1)
    actual = np.bincount(actual_steps, weights=daily.n.to_numpy(float), minlength=steps)
    return pd.DataFrame({"step_end": edges.date, "actual": np.cumsum(actual),
                         "expected": expected,
                         "calibration": edges.date <= calibration_end})


def _spend_rows(summary: ir.Table) -> pd.DataFrame:
    """The repeat buyers' distinct (frequency, mean spend) rows, with their counts."""
    repeat = summary.filter((summary.frequency > 0) & (summary.monetary_value > 0))
    return _frame(repeat.group_by(["frequency", "monetary_value"]).aggregate(
        weight=repeat.count()))


def _fit_spend(rows: pd.DataFrame) -> tuple[GammaGammaModel | None, str]:
    if len(rows) < 10:
        return None, ("spend: too few repeat buyers for the Gamma-Gamma model; each "
                      "customer's own mean spend is used")
    try:
        model = GammaGammaModel().fit(rows.frequency, rows.monetary_value, rows.weight)
    except ConvergenceError as error:
        return None, f"spend: {error}; each customer's own mean spend is used"
    if model.params_["q"] <= 1:
        return None, ("spend: the Gamma-Gamma fit has q <= 1 (no finite mean spend); each "
                      "customer's own mean spend is used")
    return model, ""


def _mean_spend(rows: pd.DataFrame, spend: GammaGammaModel | None) -> float:
    """The population's mean spend: the model's, or else the repeat buyers' mean."""
    if spend is not None:
        return spend.mean_spend
    repeat = rows[rows.frequency > 0]
    count = float(repeat.weight.sum())
    return float(repeat.value_sum.sum()) / count if count else 0.0


def _spend_sums(rows: pd.DataFrame, spend: GammaGammaModel | None, mean: float
                ) -> np.ndarray:
    """Each distinct row's expected spend per transaction, summed over its customers.

    As :func:`_spend_expr` gives it per customer. It is affine in the customer's own
    mean spend, so the sum is the count times the value at the row's average of them.
    """
    x = rows.frequency.to_numpy(float)
    n = rows.weight.to_numpy(float)
    total = rows.value_sum.to_numpy(float)
    if spend is None:
        return np.where(x > 0, total, n * mean)
    return n * spend.expected_spend(x, total / n)


def _spend_expr(summary: ir.Table, spend: GammaGammaModel | None, mean: float) -> ir.Value:
    """Expected spend per transaction: Gamma-Gamma's weighted mean of own and population."""
    x = summary.frequency.cast("float64")
    m = summary.monetary_value
    if spend is None:
        return ibis.ifelse(x > 0, m, mean)
    p, q = spend.params_["p"], spend.params_["q"]
    own = p * x / (p * x + q - 1)
    return ibis.ifelse(x > 0, (1 - own) * mean + own * m, mean)


class _Histories:
    """Distinct (frequency, recency, T) rows and their distinct (frequency, T) pairs.

    What an active customer does next depends on their frequency and age alone (the
    posterior of their rates given that they are still active), so each model's
    predictions are P(alive), per row, times a factor per (frequency, T) pair. The
    factor is the prediction of a customer with that pair who has just bought
    (recency = T) divided by their P(alive); it is computed once per pair, and there
    are far fewer pairs than rows.
    """

    def __init__(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:
        self.x, self.t_x, self.T = x, t_x, T
        self.pair_x, self.pair_T, self.inverse = distinct_pairs(x, T)
        self._alive: dict[_HistoryModel, tuple[np.ndarray, np.ndarray]] = {}

    def alive(self, model: _HistoryModel) -> tuple[np.ndarray, np.ndarray]:
        """P(alive) per row, and per pair for a customer who has just bought."""
        if model not in self._alive:
            self._alive[model] = (
                model.probability_alive(self.x, self.t_x, self.T),
                model.probability_alive(self.pair_x, self.pair_T, self.pair_T))
        return self._alive[model]

    def expected(self, model: _HistoryModel, t: float) -> np.ndarray:
        """Expected purchases in the next ``t``, per row."""
        rows, pairs = self.alive(model)
        if t == 0:
            return np.zeros(len(rows))
        active = model.expected_purchases(t, self.pair_x, self.pair_T, self.pair_T) / pairs
        return rows * active[self.inverse]

    def no_purchase(self, model: _HistoryModel, t: float) -> np.ndarray:
        """Probability of no purchase in the next ``t``, per row."""
        rows, pairs = self.alive(model)
        some = 1.0 - model.probability_no_purchase(t, self.pair_x, self.pair_T, self.pair_T)
        return 1.0 - rows * (some / pairs)[self.inverse]

    def next_in(self, model: _HistoryModel) -> np.ndarray:
        """Median time to the next purchase of an active customer, per row."""
        return model.next_purchase_in(self.pair_x, self.pair_T, self.pair_T)[self.inverse]


def _predict_rows(model: _HistoryModel, rows: pd.DataFrame, *, horizon: float,
                  month: float, months: int, monthly_rate: float, discrete: bool
                  ) -> tuple[pa.Table, _Histories]:
    """Predictions for the distinct rows, with each row's discounted CLV purchases.

    An Arrow table over the numpy arrays (no copy), which the engine joins as it is.
    """
    histories = _Histories(*(rows[c].to_numpy(float) for c in KEY))
    span = math.floor(horizon) if discrete else horizon
    discounted = _discounted_purchases(model, histories, month=month, months=months,
                                       monthly_rate=monthly_rate, discrete=discrete)
    frame = pa.table({
        "frequency": rows.frequency.to_numpy(), "recency": rows.recency.to_numpy(),
        "T": rows["T"].to_numpy(), "p_alive": histories.alive(model)[0],
        "expected_purchases": histories.expected(model, span),
        "p_no_purchase": histories.no_purchase(model, span),
        "next_purchase_in": histories.next_in(model),
        "discounted_purchases": discounted,
    })
    return frame, histories


def _discounted_purchases(model: _HistoryModel, histories: _Histories, *, month: float,
                          months: int, monthly_rate: float, discrete: bool) -> np.ndarray:
    """Sum over the months ahead of each month's expected purchases, discounted."""
    total = np.zeros(len(histories.x))
    before = np.zeros(len(histories.x))
    for k in range(1, months + 1):
        t = k * month
        upto = histories.expected(model, math.floor(t) if discrete else t)
        total += (upto - before) / (1 + monthly_rate) ** k
        before = upto
    return total


def _join_predictions(summary: ir.Table, predictions: pa.Table, *, end: dt.date,
                      size: float, margin: float) -> ir.Table:
    waits = predictions.column_names.index("next_purchase_in")
    rows = predictions.set_column(waits, "next_purchase_on", _next_purchase_on(
        predictions["next_purchase_in"].to_numpy(), end=end, size=size))
    joined = summary.join(ibis.memtable(rows), KEY)
    return joined.select(
        "customer_id", "frequency", "recency", "T", "monetary_value", "p_alive",
        "expected_purchases", "p_no_purchase", "next_purchase_on",
        expected_spend=joined.expected_spend,
        clv=margin * joined.expected_spend * joined.discounted_purchases,
    )


def _next_purchase_on(waits: np.ndarray, *, end: dt.date, size: float) -> pa.Array:
    """The day of the next purchase after ``end``, from the median waits in units.

    Rounded up to whole days; none (null) when the wait is endless or over 100 years.
    Once per distinct row, before the join, not once per customer.
    """
    days = waits * size
    known = np.isfinite(days) & (days <= 36500)
    offsets = np.ceil(np.where(known, days, 0.0)).astype(np.int64)
    epoch_days = (end - dt.date(1970, 1, 1)).days + offsets
    return pa.array(epoch_days.astype(np.int32), type=pa.date32(), mask=~known)


def _alive_matrix(rows: pd.DataFrame, predictions: pa.Table) -> pd.DataFrame:
    """Mean P(alive) by frequency (capped) and recency (in tenths of the longest T)."""
    top = float(rows["T"].max()) or 1.0
    frame = pd.DataFrame({
        "frequency": np.minimum(rows.frequency.to_numpy(float), ALIVE_CAP).astype(int),
        "recency_bin": np.minimum(np.floor(rows.recency.to_numpy(float) / top * 10), 9)
        .astype(int),
        "w": rows.weight.to_numpy(float),
    })
    frame["alive"] = frame.w * predictions["p_alive"].to_numpy()
    grouped = frame.groupby(["frequency", "recency_bin"]).sum().reset_index()
    grouped["p_alive"] = grouped.alive / grouped.w
    grouped["recency_from"] = grouped.recency_bin * top / 10
    return grouped.rename(columns={"w": "customers"})[
        ["frequency", "recency_bin", "recency_from", "customers", "p_alive"]]


def _clv_distribution(customers: ir.Table, bins: int = 40) -> pd.DataFrame:
    """Customers by CLV band, bands up to the 99th percentile and one band above it."""
    values = customers.clv.to_pyarrow().to_numpy(zero_copy_only=False)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return pd.DataFrame({"clv_from": [], "clv_to": [], "customers": [], "clv": []})
    top = float(np.quantile(values, 0.99)) or float(values.max()) or 1.0
    edges = np.linspace(0.0, top, bins + 1)
    edges = np.append(edges, max(float(values.max()), top) + 1e-9)
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
    counts = np.bincount(index, minlength=len(edges) - 1)
    sums = np.bincount(index, weights=values, minlength=len(edges) - 1)
    return pd.DataFrame({"clv_from": edges[:-1], "clv_to": edges[1:],
                         "customers": counts, "clv": sums})


def _what_if(model: _HistoryModel, rows: pd.DataFrame, discounted: np.ndarray,
             histories: _Histories, *,
             margin: float, horizon_months: int, month: float, monthly_rate: float,
             discrete: bool, reduction: float = 0.05) -> dict[str, float]:
    """Total predicted CLV, and the same with the dropout rate 5% lower.

    The dropout process's mean rate (BG/NBD, MBG/NBD: the dropout probability a/(a+b);
    Pareto/NBD: s/beta; BG/BB: gamma/(gamma+delta)) is lowered by ``reduction``, its
    spread kept, and every customer's prediction recomputed from their history.
    """
    spend = rows.spend_sum.to_numpy(float)
    total = margin * float(np.dot(spend, discounted))
    scenario = type(model)(penalizer=model.penalizer)
    scenario.params_ = _less_dropout(model, reduction)
    scenario.n_observations_ = model.n_observations_
    better = _discounted_purchases(scenario, histories, month=month, months=horizon_months,
                                   monthly_rate=monthly_rate, discrete=discrete)
    improved = margin * float(np.dot(spend, better))
    return {"churn_reduction": reduction, "total_clv": total, "total_clv_if": improved,
            "change": improved - total,
            "change_share": (improved - total) / total if total else float("nan")}


def _less_dropout(model: _HistoryModel, reduction: float) -> dict[str, float]:
    p = dict(model.params_)
    keep = 1 - reduction
    if "s" in p:  # Pareto/NBD: mean dropout rate s / beta
        p["beta"] = p["beta"] / keep
        return p
    # BG/NBD, MBG/NBD: dropout probability Beta(a, b); BG/BB: Beta(gamma, delta)
    first, second = ("gamma", "delta") if "gamma" in p else ("a", "b")
    total = p[first] + p[second]
    mean = p[first] / total * keep
    p[first], p[second] = mean * total, (1 - mean) * total
    return p
