"""Writing what a forecast and a campaign's results are as files people open."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import ibis

from repeatly._files import atomic_write, json_plain
from repeatly._safe import safe_table, write_csv
from repeatly.connection import write_parquet
from repeatly.exceptions import InputError

if TYPE_CHECKING:
    from repeatly.campaigns import CampaignResults
    from repeatly.prediction import Forecast

__all__ = ["ForecastFiles", "write_forecast", "write_results"]

#: The languages of the pages.
LANGUAGES = ("en", "ru")


@dataclass(frozen=True, kw_only=True)
class ForecastFiles:
    """How to write a forecast's files (see :func:`write_forecast`).

    The options are checked when made, so a wrong choice stops before the models are
    fitted.

    Parameters
    ----------
    file_format
        ``"csv"`` (most valuable customers first) or ``"parquet"`` (unsorted).
    lang
        Language of ``report.html``: ``"en"`` or ``"ru"``.
    currency
        The currency of the amounts.
    """

    file_format: Literal["csv", "parquet"] = "csv"
    lang: str = "en"
    currency: str = "USD"

    def __post_init__(self) -> None:
        if self.file_format not in ("csv", "parquet"):
            raise InputError(
                f'format: expected "csv" or "parquet", got {self.file_format!r}', option="format"
            )
        if self.lang not in LANGUAGES:
            raise InputError(f'lang: expected "en" or "ru", got {self.lang!r}', option="lang")


def write_forecast(
    result: Forecast,
    out: str | Path,
    files: ForecastFiles | None = None,
    *,
    file_format: Literal["csv", "parquet"] = "csv",
    lang: str = "en",
    currency: str = "USD",
) -> dict[str, Path]:
    """Write the predictions, ``model.json``, ``comparison.csv`` and ``report.html``.

    The predictions go to ``predictions.csv``, most valuable customers first, or to
    ``predictions.parquet`` unsorted; ``report.html`` is the Prediction section as a page
    of its own. Each file is written under a temporary name and renamed into place. A
    forecast that already wrote its predictions to a Parquet file (``predictions_file``)
    gives that file to ``predictions.parquet``, without writing them again: a hard link
    where both are on one file system, else a copy. The options come as ``files``, or
    as the keywords of :class:`ForecastFiles`. Text in the CSVs that a spreadsheet
    would read as a formula gets a leading ``'`` (see :mod:`repeatly._safe`); the
    Parquet file, for programs, holds the values as they are.
    """
    files = files or ForecastFiles(file_format=file_format, lang=lang, currency=currency)
    file_format, lang, currency = files.file_format, files.lang, files.currency
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "predictions": folder / f"predictions.{file_format}",
        "model": folder / "model.json",
        "comparison": folder / "comparison.csv",
    }
    if file_format == "csv":  # for people: most valuable first
        ranked = safe_table(result.customers.order_by([ibis.desc("clv"), "customer_id"]))
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
    atomic_write(paths["comparison"], lambda p: write_csv(result.comparison, p))
    from repeatly.report._render import render_forecast_report  # the page's modules

    page = render_forecast_report(result, lang=lang, currency=currency)
    paths["report"] = atomic_write(
        folder / "report.html", lambda p: p.write_text(page, encoding="utf-8")
    )
    return paths


def _same_file(saved: Path, path: Path) -> None:
    """``path`` made the same file as ``saved``: linked if it can be, else copied."""
    path.unlink()
    try:
        os.link(saved, path)
    except OSError:  # another file system, or one without hard links
        shutil.copyfile(saved, path)


def write_results(
    results: CampaignResults, out: str | Path, *, lang: str = "en", currency: str = "USD"
) -> dict[str, Path]:
    """Write ``results.csv`` (a row per segment), ``results.json`` and ``report.html``.

    Text in ``results.csv`` that a spreadsheet would read as a formula gets a leading
    ``'`` (see :mod:`repeatly._safe`).
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "results": folder / "results.csv",
        "summary": folder / "results.json",
        "report": folder / "report.html",
    }
    atomic_write(paths["results"], lambda p: write_csv(results.table, p))
    summary = results.to_dict()
    atomic_write(
        paths["summary"],
        lambda p: p.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8"),
    )
    from repeatly.report._render import render_campaign_report

    page = render_campaign_report([results], lang=lang, currency=currency)
    atomic_write(paths["report"], lambda p: p.write_text(page, encoding="utf-8"))
    return paths
