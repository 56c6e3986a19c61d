"""The numerical steps of a forecast: fits, predictions and the tables of rows.

They run in numpy, scipy and pandas on the distinct rows the engine groups; the
engine joins the predictions back. :func:`repeatly.prediction.forecast` imports this module
once the engine has summarised the orders.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from repeatly._notes import Note
from repeatly.analytics import Unit, money_sum, purchase_days
from repeatly.exceptions import ConvergenceError, InputError
from repeatly.models import (
    MODELS,
    GammaGammaModel,
    HistoryModel,
    bound_note,
    distinct_pairs,
    limit_note,
)
from repeatly.prediction._forecast import ALIVE_CAP, FREQUENCY_CAP, KEY

__all__ = [
    "alive_matrix",
    "bic",
    "by_frequency",
    "check_time_passed",
    "clv_distribution",
    "compared",
    "comparison",
    "fit_model",
    "fit_notes",
    "fit_spend",
    "frame",
    "has_repeat",
    "join_predictions",
    "judge",
    "mean_spend",
    "mean_spend_sum",
    "predict_rows",
    "spend_expr",
    "spend_rows",
    "spend_sums",
    "tracking",
    "what_if",
]


def frame(table: ir.Table) -> pd.DataFrame:
    """A large numeric result as pandas, through Arrow.

    A few times faster than ``to_pandas`` on hundreds of thousands of distinct rows; a
    column apiece, each Arrow buffer let go as its column is made (no second copy).
    """
    return table.to_pyarrow().to_pandas(split_blocks=True, self_destruct=True)


def check_time_passed(rows: pd.DataFrame, end: dt.date, *, cut: bool = False) -> None:
    """Refuse rows where every customer's first purchase is on the last day: T = 0.

    ``end`` is the last day of the history (or, with ``cut``, the calibration end).

    Raises
    ------
    InputError
        Every order up to ``end`` is on that day, so no time has passed.
    """
    if (rows["T"] > 0).any():
        return
    if cut:
        raise InputError(
            f"calibration_end: no time has passed between the first order and {end}: "
            "every order up to it is on that day, so the models have nothing to learn "
            "from; choose a later calibration_end",
            option="calibration_end",
        )
    raise InputError(
        "no time has passed between the first and the last order: every order is on "
        f"{end}, so there is nothing to forecast from (the models need orders spread "
        "over time)"
    )


def has_repeat(rows: pd.DataFrame) -> bool:
    """Whether any customer made a repeat purchase (frequency > 0)."""
    return bool((rows.frequency > 0).any())


def fit_notes(
    model: HistoryModel, spend: GammaGammaModel | None, *, unit: str, repeat: bool
) -> list[str]:
    """Plain-language notes on how the fits went: no repeat buyers, limits, bounds."""
    if not repeat:
        return [
            Note(
                "no customer has bought more than once, so nothing tells a customer who has "
                "stopped buying from one who simply has not come back yet: P(alive) is left "
                "empty, and no repeat purchases are expected (none have been seen)",
                "no_repeat",
            )
        ]
    notes: list[str] = []
    if model.limit_ is not None:
        notes.append(
            limit_note(model.label, model.limit_.key, model.params_, unit, model.at_bounds_)
        )
    if model.at_bounds_:
        notes.append(bound_note(model.label, model.at_bounds_, model.params_))
    if spend is not None and spend.at_bounds_:
        notes.append(bound_note("spend (Gamma-Gamma)", spend.at_bounds_, spend.params_))
    return notes


def fit_model(key: str, rows: pd.DataFrame, penalizer: float) -> HistoryModel:
    model = MODELS[key](penalizer=penalizer)
    return model.fit(
        rows.frequency.to_numpy(float),
        rows.recency.to_numpy(float),
        rows["T"].to_numpy(float),
        weights=rows.weight.to_numpy(float),
    )


def bic(model: HistoryModel) -> float:
    """BIC with the parameters the model was fitted with (3 at a limit, else 4)."""
    return len(model.params_) * math.log(model.n_observations_) - 2 * model.log_likelihood_


def comparison(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The model comparison table: a row per model fitted, as :func:`compared` gives."""
    return pd.DataFrame(rows)


def compared(key: str, model: HistoryModel, judged: dict[str, Any] | None) -> dict[str, Any]:
    k = len(model.params_)
    limit = model.limit_
    row = {
        "model": key,
        "name": model.label,
        "limit": None if limit is None else limit.key,
        "log_likelihood": model.log_likelihood_,
        "aic": 2 * k - 2 * model.log_likelihood_,
        "bic": bic(model),
    }
    if judged is not None:
        row.update(
            holdout_mae=judged["mae"],
            holdout_expected=judged["expected"],
            holdout_actual=judged["actual"],
            aggregate_error=judged["aggregate_error"],
        )
    return row


def judge(expected: np.ndarray, rows: pd.DataFrame) -> dict[str, Any]:
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
        if total_actual
        else float("nan"),
        "customers": int(w.sum()),
    }


def by_frequency(expected: np.ndarray, rows: pd.DataFrame) -> pd.DataFrame:
    """Mean holdout purchases, actual and expected, by calibration frequency."""
    frame = pd.DataFrame(
        {
            "frequency": np.minimum(rows.frequency.to_numpy(float), FREQUENCY_CAP).astype(int),
            "w": rows.weight.to_numpy(float),
        }
    )
    frame["actual"] = frame.w * rows.holdout_purchases.to_numpy(float)
    frame["expected"] = frame.w * expected
    grouped = frame.groupby("frequency").sum()
    return pd.DataFrame(
        {
            "frequency": grouped.index.to_numpy(),
            "customers": grouped.w.to_numpy().astype(int),
            "actual": (grouped.actual / grouped.w).to_numpy(),
            "expected": (grouped.expected / grouped.w).to_numpy(),
        }
    )


def tracking(
    model: HistoryModel,
    lines: ir.Table,
    *,
    start_end: tuple[dt.date, dt.date],
    unit: Unit,
    discrete: bool,
) -> pd.DataFrame:
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
    return pd.DataFrame(
        {
            "step_end": edges.date,
            "actual": np.cumsum(actual),
            "expected": expected,
            "calibration": edges.date <= calibration_end,
        }
    )


def mean_spend_sum(summary: ir.Table) -> ir.FloatingScalar:
    """The sum of a group's mean spends, the same to the last bit in any order.

    A group of distinct rows shares its frequency x, so the sum of its customers' mean
    spends is the sum of their repeat spends (x times the mean: money, summed in
    cents) over x; 0 without repeats.
    """
    x = summary.frequency.max()  # one value in the group
    total = money_sum(summary.monetary_value * summary.frequency)
    return ibis.ifelse(x > 0, total / x.cast("float64"), 0.0)


def spend_rows(summary: ir.Table) -> pd.DataFrame:
    """The repeat buyers' distinct (frequency, mean spend) rows, with their counts."""
    repeat = summary.filter((summary.frequency > 0) & (summary.monetary_value > 0))
    key = ["frequency", "monetary_value"]
    return frame(repeat.group_by(key).aggregate(weight=repeat.count()).order_by(key))


def fit_spend(rows: pd.DataFrame) -> tuple[GammaGammaModel | None, str]:
    if len(rows) < 10:
        return None, Note(
            "spend: too few repeat buyers for the Gamma-Gamma model; each "
            "customer's own mean spend is used",
            "spend_few",
        )
    try:
        model = GammaGammaModel().fit(rows.frequency, rows.monetary_value, rows.weight)
    except ConvergenceError as error:
        return None, Note(f"spend: {error}; each customer's own mean spend is used", "spend_failed")
    if model.params_["q"] <= 1:
        return None, Note(
            "spend: the Gamma-Gamma fit has q <= 1 (no finite mean spend); each "
            "customer's own mean spend is used",
            "spend_no_mean",
        )
    return model, ""


def mean_spend(rows: pd.DataFrame, spend: GammaGammaModel | None) -> float:
    """The population's mean spend: the model's, or else the repeat buyers' mean."""
    if spend is not None:
        return spend.mean_spend
    repeat = rows[rows.frequency > 0]
    count = float(repeat.weight.sum())
    return float(repeat.value_sum.sum()) / count if count else 0.0


def spend_sums(rows: pd.DataFrame, spend: GammaGammaModel | None, mean: float) -> np.ndarray:
    """Each distinct row's expected spend per transaction, summed over its customers.

    As :func:`spend_expr` gives it per customer. It is affine in the customer's own
    mean spend, so the sum is the count times the value at the row's average of them.
    """
    x = rows.frequency.to_numpy(float)
    n = rows.weight.to_numpy(float)
    total = rows.value_sum.to_numpy(float)
    if spend is None:
        return np.where(x > 0, total, n * mean)
    return n * spend.expected_spend(x, total / n)


def spend_expr(summary: ir.Table, spend: GammaGammaModel | None, mean: float) -> ir.Value:
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
    factor is the prediction of a customer with that pair known to be active (the
    model's own formula for it where it has one, else that of a customer who has just
    bought, recency = T, over their P(alive)); it is computed once per pair, and there
    are far fewer pairs than rows.
    """

    def __init__(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:
        self.x, self.t_x, self.T = x, t_x, T
        self.pair_x, self.pair_T, self.inverse = distinct_pairs(x, T)
        self._alive: dict[HistoryModel, tuple[np.ndarray, np.ndarray]] = {}

    def alive(self, model: HistoryModel) -> tuple[np.ndarray, np.ndarray]:
        """P(alive) per row, and per pair for a customer who has just bought."""
        if model not in self._alive:
            self._alive[model] = (
                model.probability_alive(self.x, self.t_x, self.T),
                model.probability_alive(self.pair_x, self.pair_T, self.pair_T),
            )
        return self._alive[model]

    def expected(self, model: HistoryModel, t: float) -> np.ndarray:
        """Expected purchases in the next ``t``, per row."""
        return self.alive(model)[0] * self.active_expected(model, t)[self.inverse]

    def active_expected(self, model: HistoryModel, t: float) -> np.ndarray:
        """Expected purchases in the next ``t`` of an active customer, per pair."""
        if t == 0:
            return np.zeros(len(self.pair_x))
        return model._active_expected(t, self.pair_x, self.pair_T)

    def no_purchase(self, model: HistoryModel, t: float) -> np.ndarray:
        """Probability of no purchase in the next ``t``, per row."""
        rows, pairs = self.alive(model)
        some = 1.0 - model.probability_no_purchase(t, self.pair_x, self.pair_T, self.pair_T)
        return 1.0 - rows * (some / pairs)[self.inverse]

    def next_in(self, model: HistoryModel) -> np.ndarray:
        """Median time to the next purchase of an active customer, per row."""
        return model.next_purchase_in(self.pair_x, self.pair_T, self.pair_T)[self.inverse]


def predict_rows(
    model: HistoryModel,
    rows: pd.DataFrame,
    *,
    horizon: float,
    month: float,
    months: int,
    monthly_rate: float,
    discrete: bool,
    alive_known: bool = True,
) -> tuple[pa.Table, _Histories]:
    """Predictions for the distinct rows, with each row's discounted CLV purchases.

    An Arrow table over the numpy arrays (no copy), which the engine joins as it is.
    Without ``alive_known`` (no customer bought twice, so the data cannot tell who
    has left) ``p_alive`` is empty (null).
    """
    histories = _Histories(*(rows[c].to_numpy(float) for c in KEY))
    span = math.floor(horizon) if discrete else horizon
    discounted = _discounted_purchases(
        model, histories, month=month, months=months, monthly_rate=monthly_rate, discrete=discrete
    )
    frame = pa.table(
        {
            "frequency": rows.frequency.to_numpy(),
            "recency": rows.recency.to_numpy(),
            "T": rows["T"].to_numpy(),
            "p_alive": histories.alive(model)[0]
            if alive_known
            else pa.nulls(len(rows), type=pa.float64()),
            "expected_purchases": histories.expected(model, span),
            "p_no_purchase": histories.no_purchase(model, span),
            "next_purchase_in": histories.next_in(model),
            "discounted_purchases": discounted,
        }
    )
    return frame, histories


def _discounted_purchases(
    model: HistoryModel,
    histories: _Histories,
    *,
    month: float,
    months: int,
    monthly_rate: float,
    discrete: bool,
) -> np.ndarray:
    """Sum over the months ahead of each month's expected purchases, discounted, per row.

    Each month's expected purchases are P(alive) times a factor per (frequency, T) pair
    (:class:`_Histories`), so the discounted sum is summed over the pairs, then taken
    to the rows once.
    """
    total = np.zeros(len(histories.pair_x))
    before = np.zeros(len(histories.pair_x))
    for k in range(1, months + 1):
        t = k * month
        upto = histories.active_expected(model, math.floor(t) if discrete else t)
        total += (upto - before) / (1 + monthly_rate) ** k
        before = upto
    return histories.alive(model)[0] * total[histories.inverse]


def join_predictions(
    summary: ir.Table, predictions: pa.Table, *, end: dt.date, size: float, margin: float
) -> ir.Table:
    waits = predictions.column_names.index("next_purchase_in")
    rows = predictions.set_column(
        waits,
        "next_purchase_on",
        _next_purchase_on(predictions["next_purchase_in"].to_numpy(), end=end, size=size),
    )
    joined = summary.join(ibis.memtable(rows), KEY)
    return joined.select(
        "customer_id",
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "p_alive",
        "expected_purchases",
        "p_no_purchase",
        "next_purchase_on",
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


def alive_matrix(rows: pd.DataFrame, predictions: pa.Table | None) -> pd.DataFrame:
    """Mean P(alive) by frequency (capped) and recency (in tenths of the longest T).

    Empty without predictions of P(alive) (``None``).
    """
    if predictions is None:
        columns = ["frequency", "recency_bin", "recency_from", "customers", "p_alive"]
        return pd.DataFrame({c: np.array([], dtype=float) for c in columns})
    top = float(rows["T"].max()) or 1.0
    frequency = np.minimum(rows.frequency.to_numpy(float), ALIVE_CAP).astype(np.int64)
    recency_bin = np.minimum(np.floor(rows.recency.to_numpy(float) / top * 10), 9)
    cell = frequency * 10 + recency_bin.astype(np.int64)  # the cells in their order
    w = rows.weight.to_numpy(float)
    cells = (ALIVE_CAP + 1) * 10
    customers = np.bincount(cell, weights=w, minlength=cells)
    alive = np.bincount(cell, weights=w * predictions["p_alive"].to_numpy(), minlength=cells)
    seen = np.flatnonzero(customers)
    return pd.DataFrame(
        {
            "frequency": seen // 10,
            "recency_bin": seen % 10,
            "recency_from": seen % 10 * top / 10,
            "customers": customers[seen],
            "p_alive": alive[seen] / customers[seen],
        }
    )


def clv_distribution(customers: ir.Table, bins: int = 40) -> pd.DataFrame:
    """Customers by CLV band, bands up to the 99th percentile and one band above it.

    Counted in the engine (a percentile, then a count per band): bringing 2.5M values
    to numpy took 0.12-0.27 s, the two queries take a few hundredths.
    """
    clv = customers.clv
    known = customers.filter(clv.notnull() & ~clv.isnan() & ~clv.isinf())
    found = (
        known.aggregate(top=known.clv.quantile(0.99), high=known.clv.max(), n=known.count())
        .to_pyarrow()
        .to_pylist()[0]
    )
    if not found["n"]:
        return pd.DataFrame({"clv_from": [], "clv_to": [], "customers": [], "clv": []})
    top = float(found["top"]) or float(found["high"]) or 1.0
    edges = np.linspace(0.0, top, bins + 1)
    edges = np.append(edges, max(float(found["high"]), top) + 1e-9)
    # band i holds edges[i] <= clv < edges[i + 1]; the last, everything from the top up
    below = ibis.greatest(ibis.least((known.clv / (top / bins)).floor().cast("int64"), bins - 1), 0)
    band = ibis.ifelse(known.clv >= top, bins, below).name("band")
    counted = (
        known.group_by(band).aggregate(customers=known.count(), clv=known.clv.sum()).to_pyarrow()
    )
    index = counted["band"].to_numpy()
    counts = np.zeros(bins + 1, dtype=np.int64)
    sums = np.zeros(bins + 1)
    counts[index] = counted["customers"].to_numpy()
    sums[index] = counted["clv"].to_numpy()
    return pd.DataFrame(
        {"clv_from": edges[:-1], "clv_to": edges[1:], "customers": counts, "clv": sums}
    )


def what_if(
    model: HistoryModel,
    rows: pd.DataFrame,
    discounted: np.ndarray,
    histories: _Histories,
    *,
    margin: float,
    horizon_months: int,
    month: float,
    monthly_rate: float,
    discrete: bool,
    reduction: float = 0.05,
) -> dict[str, float]:
    """Total predicted CLV, and the same with the dropout rate 5% lower.

    The dropout process's mean rate (BG/NBD, MBG/NBD: the dropout probability a/(a+b);
    Pareto/NBD: s/beta; BG/BB: gamma/(gamma+delta); a model fitted at its limit of one
    dropout rate mu or probability p: that one) is lowered by ``reduction``, its
    spread kept, and every customer's prediction recomputed from their history.
    """
    spend = rows.spend_sum.to_numpy(float)
    total = margin * float(np.dot(spend, discounted))
    scenario = model.with_params(_less_dropout(model, reduction))
    better = _discounted_purchases(
        scenario,
        histories,
        month=month,
        months=horizon_months,
        monthly_rate=monthly_rate,
        discrete=discrete,
    )
    improved = margin * float(np.dot(spend, better))
    return {
        "churn_reduction": reduction,
        "total_clv": total,
        "total_clv_if": improved,
        "change": improved - total,
        "change_share": (improved - total) / total if total else float("nan"),
    }


def _less_dropout(model: HistoryModel, reduction: float) -> dict[str, float]:
    p = dict(model.params_)
    keep = 1 - reduction
    if "s" in p:  # Pareto/NBD: mean dropout rate s / beta
        p["beta"] = p["beta"] / keep
        return p
    if model.limit_ is not None:  # one dropout rate mu (Pareto/NBD) or probability p
        common = model.limit_.names[-1]
        p[common] = p[common] * keep
        return p
    # BG/NBD, MBG/NBD: dropout probability Beta(a, b); BG/BB: Beta(gamma, delta)
    first, second = ("gamma", "delta") if "gamma" in p else ("a", "b")
    total = p[first] + p[second]
    mean = p[first] / total * keep
    p[first], p[second] = mean * total, (1 - mean) * total
    return p
