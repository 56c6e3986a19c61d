"""The prediction job: load order lines, then forecast every customer."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from repeatly._analysis import Source, _load, _parse_as_of
from repeatly._files import atomic_write, json_plain
from repeatly.analytics import money_sum
from repeatly.connection import write_parquet
from repeatly.exceptions import InputError
from repeatly.models import Forecast, forecast

__all__ = ["predict", "write_forecast"]

log = logging.getLogger(__name__)


def predict(
    orders: Source,
    *,
    model: str = "auto",
    unit: Literal["day", "week", "month"] = "week",
    as_of: dt.date | str | None = None,
    calibration_end: dt.date | str | None = None,
    horizon: float | None = None,
    clv_months: int = 12,
    margin: float | None = None,
    discount_rate: float = 0.10,
    penalizer: float = 0.0,
    mapping: dict[str, str] | None = None,
    table: str | None = None,
    on_bad_rows: Literal["error", "skip"] = "error",
    con: BaseBackend | None = None,
    progress: Callable[[str], None] | None = None,
    predictions_file: str | Path | None = None,
) -> Forecast:
    """Forecast every customer of an order export: P(alive), purchases, spend and CLV.

    ``orders`` and the loading options are as for :func:`repeatly.analyze`; the model
    options and ``predictions_file`` are those of :func:`repeatly.models.forecast`.
    ``margin`` (the share of spend that is margin) defaults to the margin share of the
    lines that have a cost or margin, and to 1.0 (CLV in revenue) when none has.

    Examples
    --------
    >>> import repeatly
    >>> shop = repeatly.datasets.make_shop(300, seed=2)
    >>> result = repeatly.predict(shop.orders, model="bgnbd", margin=0.4)
    >>> sorted(result.to_dict()["params"])
    ['a', 'alpha', 'b', 'r']
    """
    step = progress or (lambda label: log.info("%s", label))
    as_of_date = _parse_as_of(as_of)
    calibration_date = _parse_as_of(calibration_end, "calibration_end")
    step("Loading orders")
    # costs only to find the margin share when none is given
    roles = ("customer_id", "ordered_at", "amount") + (("cost", "margin") if margin is None else ())
    loaded = _load(
        orders,
        "orders",
        con=con,
        mapping=mapping,
        table=table,
        on_bad_rows=on_bad_rows,
        as_of=as_of_date,
        quality=False,
        roles=roles,
    )
    lines = loaded.table
    notes = []
    if margin is None:
        margin, note = _margin_share(lines)
        notes.append(note)
    result = forecast(
        lines,
        model=model,
        unit=unit,
        as_of=as_of_date,
        calibration_end=calibration_date,
        horizon=horizon,
        clv_months=clv_months,
        margin=margin,
        discount_rate=discount_rate,
        penalizer=penalizer,
        progress=step,
        predictions_file=predictions_file,
    )
    result.notes[:0] = notes
    result.options["source"] = loaded.source
    return result


def _same_file(saved: Path, path: Path) -> None:
    """``path`` made the same file as ``saved``: linked if it can be, else copied."""
    path.unlink()
    try:
        os.link(saved, path)
    except OSError:  # another file system, or one without hard links
        shutil.copyfile(saved, path)


def _margin_share(lines: ir.Table) -> tuple[float, str]:
    known = lines.filter((lines.cost.notnull() | lines.margin.notnull()) & (lines.amount > 0))
    margin = known.margin.coalesce(known.amount - known.cost)
    # in cents: the same share to the last bit whatever order the engine sums in
    totals = known.aggregate(margin=money_sum(margin), amount=money_sum(known.amount))
    row = totals.execute().iloc[0]
    amount = row["amount"]
    if amount is None or not amount > 0:
        return 1.0, "margin: no cost data, so CLV is in revenue (pass --margin to change)"
    share = float(row["margin"]) / float(amount)
    if not 0 < share <= 1:
        raise InputError(
            f"margin: the lines' costs give a margin share of {share:.1%}; "
            "pass --margin with the share to use"
        )
    return share, f"margin: {share:.1%}, the margin share of the lines with a cost"


def write_forecast(
    result: Forecast,
    out: str | Path,
    *,
    file_format: Literal["csv", "parquet"] = "csv",
    lang: str = "en",
    currency: str = "USD",
) -> dict[str, Path]:
    """Write the predictions, ``model.json``, ``comparison.csv`` and ``report.html``.

    The predictions go to ``predictions.csv``, most valuable customers first, or to
    ``predictions.parquet`` unsorted; ``report.html`` is the Prediction section as a page
    of its own.
    Each file is written under a temporary name and renamed into place. A forecast
    that already wrote its predictions to a Parquet file (``predictions_file``) gives
    that file to ``predictions.parquet``, without writing them again: a hard link
    where both are on one file system, else a copy.
    """
    from repeatly.report import render_forecast_report

    if file_format not in ("csv", "parquet"):
        raise InputError(f'format: expected "csv" or "parquet", got {file_format!r}')
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "predictions": folder / f"predictions.{file_format}",
        "model": folder / "model.json",
        "comparison": folder / "comparison.csv",
    }
    if file_format == "csv":  # for people: most valuable first
        ranked = result.customers.order_by([ibis.desc("clv"), "customer_id"])
        atomic_write(paths["predictions"], lambda p: ranked.to_csv(p))
    elif result.predictions_file is not None:  # written by the forecast
        saved = result.predictions_file
        if saved.resolve() != paths["predictions"].resolve():
            atomic_write(paths["predictions"], lambda p: _same_file(saved, p))
    else:  # for programs: as stored, without the memory and time of a sort
        atomic_write(paths["predictions"], lambda p: write_parquet(result.customers, p))
    atomic_write(
        paths["model"],
        lambda p: p.write_text(
            json.dumps(result.to_dict(), indent=2, default=json_plain) + "\n", encoding="utf-8"
        ),
    )
    atomic_write(paths["comparison"], lambda p: result.comparison.to_csv(p, index=False))
    page = render_forecast_report(result, lang=lang, currency=currency)
    paths["report"] = atomic_write(
        folder / "report.html", lambda p: p.write_text(page, encoding="utf-8")
    )
    return paths
