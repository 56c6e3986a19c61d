"""From order lines to each customer's forecast: fit, validate, choose, predict, value.

The engine builds the per-customer summary and groups it into distinct (frequency,
recency, T) rows; the models are fitted and evaluated on those rows in numpy, and the
predictions are joined back in the engine, so the cost of the numerical part depends on
the number of distinct rows, not of customers.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from repeatly._notes import Note
from repeatly.analytics import Unit, model_summary, period_summary
from repeatly.connection import aggregation_threads, alongside, materialize, release, store_parquet
from repeatly.exceptions import InputError
from repeatly.prediction._options import AUTO_MODELS, ForecastOptions

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from repeatly.models import GammaGammaModel, HistoryModel
    from repeatly.workspace import Workspace

__all__ = ["ALIVE_CAP", "FREQUENCY_CAP", "GONE_BELOW", "Forecast", "forecast"]

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
        expected_spend, clv``; ``p_alive`` is null when no customer has bought twice
        (nothing then tells a customer who stopped from one yet to come back).
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
    predictions_file
        The Parquet file the per-customer predictions were written to, when
        :func:`forecast` was given one (``customers`` then reads it on DuckDB).
    """

    model: HistoryModel
    spend: GammaGammaModel | None
    customers: ir.Table
    comparison: pd.DataFrame
    holdout: dict[str, Any] | None
    tables: dict[str, pd.DataFrame]
    what_if: dict[str, float]
    options: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    predictions_file: Path | None = None
    workspace: Workspace | None = field(default=None, repr=False)

    def close(self) -> None:
        """Free the forecast's engine tables, when it has a workspace of its own.

        :func:`repeatly.predict` gives it one; a forecast inside an analysis shares the
        analysis's, which the analysis frees.
        """
        if self.workspace is not None:
            self.workspace.close()

    def __enter__(self) -> Forecast:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def to_dict(self) -> dict[str, Any]:
        """The forecast's summary as plain data (what ``repeatly predict --json`` prints).

        ``limit`` is the limit the model was fitted at, or ``None`` (see
        :meth:`repeatly.models.ParetoNBDModel.fit`); ``at_bounds`` the parameters left
        at the edge of the range searched.
        """
        fitted = self.model.to_dict()
        result: dict[str, Any] = {
            "model": fitted["model"],
            "params": fitted["params"],
            "log_likelihood": fitted["log_likelihood"],
            "standard_errors": fitted["standard_errors"],
            "limit": fitted["limit"],
            "at_bounds": fitted["at_bounds"],
            "spend_model": None
            if self.spend is None
            else {
                "model": "gamma_gamma",
                "params": dict(self.spend.params_),
                "standard_errors": self.spend.to_dict()["standard_errors"],
                "at_bounds": self.spend.to_dict()["at_bounds"],
            },
            "options": {
                k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.options.items()
            },
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
    if hasattr(value, "item") and hasattr(value, "dtype"):  # a numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def forecast(
    lines: ir.Table,
    *,
    model: str = "auto",
    unit: Unit = "week",
    as_of: dt.date | str | None = None,
    calibration_end: dt.date | str | None = None,
    horizon: float | None = None,
    clv_months: int = 12,
    margin: float | None = None,
    discount_rate: float = 0.10,
    penalizer: float = 0.0,
    options: ForecastOptions | None = None,
    progress: Progress | None = None,
    predictions_file: str | os.PathLike[str] | None = None,
    workspace: Workspace | None = None,
) -> Forecast:
    """Fit buy-till-you-die and spend models to order lines and forecast every customer.

    Parameters
    ----------
    lines
        Canonical order lines (``customer_id``, ``ordered_at``, ``amount``).
    model
        ``"bgnbd"``, ``"mbgnbd"``, ``"pnbd"``, ``"bgbb"`` or ``"auto"``: the model with
        the lowest BIC on the whole history among BG/NBD, MBG/NBD and Pareto/NBD, with or
        without a holdout (the holdout judges the models but does not choose, so one data
        set gets one model whichever command asks). When nobody bought
        twice at all, every model fits equally well and none is chosen: the figures are
        BG/NBD's, with a note.
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
        Share of spend that is margin (default 1.0: CLV in revenue).
    discount_rate
        Yearly discount rate of future margin (0.10 = 10% a year), applied monthly.
    penalizer
        L2 penalty on the model parameters.
    options
        All the options above as one :class:`ForecastOptions` instead of the keywords.
    progress
        Called with a short label as each step starts.
    predictions_file
        A Parquet file to write every customer's predictions to as the engine joins
        them back. On DuckDB ``customers`` then reads that file, and the predictions
        are not also kept in the engine: the fastest way to save them, and less
        memory. The file must stay while ``customers`` is used.
    workspace
        The job's workspace: the tables the forecast stores are its, and are dropped
        when it closes. Without one, they stay in the engine of ``lines``.

    Returns
    -------
    Forecast

    Raises
    ------
    InputError
        An option is out of range, no customer bought by the end (or the calibration
        end), or every order up to it is on one day (no time has passed).
    """
    if options is None:
        options = ForecastOptions(
            model=model,
            unit=unit,
            as_of=as_of,  # type: ignore[arg-type]  # text is read as a date
            calibration_end=calibration_end,  # type: ignore[arg-type]
            horizon=horizon,
            clv_months=clv_months,
            margin=margin,
            discount_rate=discount_rate,
            penalizer=penalizer,
        )
    model, unit, clv_months = options.model, options.unit, options.clv_months
    discount_rate, penalizer = options.discount_rate, options.penalizer
    calibration_end = options.calibration_end
    margin_share = 1.0 if options.margin is None else options.margin
    saved = None if predictions_file is None else Path(predictions_file)
    if saved is not None and not saved.parent.is_dir():
        raise InputError(
            f"predictions_file: expected a file in an existing folder, got {os.fspath(saved)!r}"
        )
    step = progress or (lambda label: None)
    keep = workspace.store if workspace is not None else materialize
    drop = workspace.drop if workspace is not None else release
    size = options.unit_days
    horizon = options.horizon_units
    end = options.as_of or _last_day(lines)
    if calibration_end is not None and not calibration_end < end:
        raise InputError(
            f"calibration_end: expected a day before the end of the history "
            f"({end}), got {calibration_end}",
            option="calibration_end",
        )
    candidates = list(AUTO_MODELS) if model == "auto" else [model]
    discrete = candidates == ["bgbb"]
    summarise = period_summary if discrete else model_summary
    notes: list[str] = []

    comparison_rows: list[dict[str, Any]] = []
    holdout: dict[str, Any] | None = None
    tables: dict[str, pd.DataFrame] = {}
    fits: dict[str, HistoryModel] = {}
    judged: dict[str, dict[str, Any]] = {}
    calibrated: dict[str, HistoryModel] = {}
    expected: dict[str, Any] = {}
    if calibration_end is not None:
        step("Fitting on the calibration period")
        calib = _summarised(
            summarise(lines, calibration_end=calibration_end, unit=unit, holdout_end=end),
            "model_calibration",
            keep,
        )
        from repeatly.prediction import _steps as steps

        calib_key = [*KEY, "holdout_purchases"]
        # in a fixed order: the engine returns groups in any order, and the sums over
        # the rows (the fits' among them) then differ in their last bits from run to run
        calib_rows = steps.frame(
            calib.group_by(calib_key).aggregate(weight=calib.count()).order_by(calib_key)
        )
        if calib_rows.empty:
            raise InputError(
                f"calibration_end: no customers bought on or before {calibration_end}",
                option="calibration_end",
            )
        steps.check_time_passed(calib_rows, calibration_end, cut=True)
        span = _span(calibration_end, end, size, discrete)
        for key in candidates:
            calibrated[key] = steps.fit_model(key, calib_rows, penalizer)
            expected[key] = calibrated[key].expected_purchases(
                span, calib_rows.frequency, calib_rows.recency, calib_rows["T"]
            )
            judged[key] = steps.judge(expected[key], calib_rows)

    step("Fitting the models")
    summary = stored = _summarised(
        summarise(lines, calibration_end=end, unit=unit), "model_summary", keep
    )
    from repeatly.prediction import _steps as steps

    rows = steps.frame(
        summary.group_by(KEY)
        .aggregate(weight=summary.count(), value_sum=steps.mean_spend_sum(summary))
        .order_by(KEY)
    )
    if rows.empty:
        raise InputError(f"no customers bought on or before {end}")
    steps.check_time_passed(rows, end)
    repeat = steps.has_repeat(rows)
    # the engine groups the spend rows while numpy fits the purchase models
    with alongside(lambda: steps.spend_rows(summary), engine=summary) as spend_rows:
        # every candidate is fitted on the whole history and ``auto`` keeps the one with
        # the lowest BIC, with or without a holdout: one data set, one model, whichever
        # command asked (the holdout judges the models; it does not choose)
        for key in candidates:
            fits[key] = steps.fit_model(key, rows, penalizer)
            comparison_rows.append(steps.compared(key, fits[key], judged.get(key)))
        # without repeat purchases every model's log-likelihood tends to 0: a tie
        chosen = min(candidates, key=lambda k: steps.bic(fits[k])) if repeat else candidates[0]
    if calibration_end is not None:
        holdout = {
            "calibration_end": calibration_end.isoformat(),
            "end": end.isoformat(),
            "length": span,
            "unit": unit,
            **judged[chosen],
        }
        tables["by_frequency"] = steps.by_frequency(expected[chosen], calib_rows)
        tables["tracking"] = steps.tracking(
            calibrated[chosen],
            lines,
            start_end=(calibration_end, end),
            unit=unit,
            discrete=discrete,
        )
    spend, spend_note = steps.fit_spend(spend_rows.result())
    if spend_note:
        notes.append(spend_note)
    mean_spend = steps.mean_spend(rows, spend)
    rows["spend_sum"] = steps.spend_sums(rows, spend, mean_spend)
    summary = summary.mutate(expected_spend=steps.spend_expr(summary, spend, mean_spend))
    names = ", ".join(steps.MODELS[k].label for k in candidates)
    label = steps.MODELS[chosen].label
    if model == "auto" and not repeat:
        notes.append(
            Note(
                "model auto: no customer bought more than once, so every model fits the "
                "orders equally well (log-likelihood 0) and none is chosen over the others; "
                f"the figures are {label}'s, and every model expects no repeat purchases",
                "auto_tie",
                label=label,
            )
        )
    elif model == "auto":
        notes.append(
            Note(
                f"model auto: {label} has the lowest BIC on the whole history of {names}",
                "auto_bic",
                label=label,
                names=names,
            )
        )
    fitted = fits[chosen]
    notes.extend(steps.fit_notes(fitted, spend, unit=unit, repeat=repeat))

    step("Predicting every customer")
    monthly = (1 + discount_rate) ** (1 / 12) - 1
    predictions, histories = steps.predict_rows(
        fitted,
        rows,
        horizon=horizon,
        month=DAYS_PER_MONTH / size,
        months=clv_months,
        monthly_rate=monthly,
        discrete=discrete,
        alive_known=repeat,
    )
    joined = steps.join_predictions(summary, predictions, end=end, size=size, margin=margin_share)

    def store() -> ir.Table:
        if saved is None:
            return keep(joined, "forecast")
        return store_parquet(joined, saved, "forecast")

    # the engine joins the predictions back while numpy computes the tables of rows
    with alongside(store, engine=joined) as stored_forecast:
        tables["alive_matrix"] = steps.alive_matrix(rows, predictions if repeat else None)
        what_if = steps.what_if(
            fitted,
            rows,
            predictions["discounted_purchases"].to_numpy(),
            histories,
            margin=margin_share,
            horizon_months=clv_months,
            month=DAYS_PER_MONTH / size,
            monthly_rate=monthly,
            discrete=discrete,
        )
    customers = stored_forecast.result()
    drop(stored)  # the forecast holds all of it
    tables["clv_distribution"] = steps.clv_distribution(customers)
    used = {
        "model": chosen,
        "requested_model": model,
        "unit": unit,
        "as_of": end,
        "calibration_end": calibration_end,
        "horizon": horizon,
        "clv_months": clv_months,
        "margin": margin_share,
        "discount_rate": discount_rate,
        "penalizer": penalizer,
    }
    return Forecast(
        model=fitted,
        spend=spend,
        customers=customers,
        comparison=steps.comparison(comparison_rows),
        holdout=holdout,
        tables=tables,
        what_if=what_if,
        options=used,
        notes=notes,
        predictions_file=saved,
    )


def _summarised(
    summary: ir.Table, name: str, keep: Callable[[ir.Table, str], ir.Table]
) -> ir.Table:
    """Store a summary of the orders, and import the numerical steps meanwhile.

    The steps' modules (numpy, scipy, pandas) are imported here, not with this module,
    whose constants the report and the segments use: while the engine summarises, on
    the core it leaves.
    """
    with (
        aggregation_threads(summary),
        alongside(lambda: keep(summary, name), engine=summary) as stored,
    ):
        from repeatly.prediction import _steps  # noqa: F401
    return stored.result()


def _last_day(lines: ir.Table) -> dt.date:
    last = lines.ordered_at.max().execute()
    if last is None or (isinstance(last, float) and math.isnan(last)):
        raise InputError("no orders to forecast from")
    return last.date() if isinstance(last, dt.datetime) else last  # a pandas Timestamp is one


def _span(start: dt.date, end: dt.date, size: float, discrete: bool) -> float:
    length = (end - start).days / size
    return float(math.floor(length)) if discrete else length
