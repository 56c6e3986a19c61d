"""The data-quality summary of an order-lines table, computed in the engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir

from repeatly.exceptions import Problem

__all__ = ["OUTLIER_IQR", "DataQuality", "future_start", "order_quality"]

#: A line amount is an outlier above Q3 + OUTLIER_IQR x (Q3 - Q1) of positive amounts.
OUTLIER_IQR = 3.0


@dataclass(frozen=True, slots=True)
class DataQuality:
    """What is doubtful in an orders input; nothing here stops the analysis.

    Attributes
    ----------
    rows
        Lines read and kept (the figures below, but ``future_dates``, count among them).
    skipped_rows
        Lines dropped because a value could not be read (``on_bad_rows="skip"``).
    unparseable_values
        Cells that could not be read, in the skipped lines.
    duplicate_rows
        Lines identical in every column to an earlier line.
    missing_order_ids
        Lines with an empty order id (their order became customer and day).
    future_dates
        Lines dated after the reference date: left out of the analysis.
    zero_amounts, negative_amounts
        Lines of zero amount, and returns or corrections (negative amount).
    negative_quantities
        Lines of a negative quantity (returns, when the amount is negative too).
    outliers
        Lines whose amount is above ``outlier_threshold`` (Q3 + 3 IQR).
    reference_date
        The date "future" is measured from (the analysis date, or today, whichever is
        earlier), or ``None`` when neither was given.
    problems
        Examples of the problems found, with file, row and column.
    """

    rows: int
    skipped_rows: int = 0
    unparseable_values: int = 0
    duplicate_rows: int = 0
    missing_order_ids: int = 0
    future_dates: int = 0
    zero_amounts: int = 0
    negative_amounts: int = 0
    negative_quantities: int = 0
    outliers: int = 0
    outlier_threshold: float | None = None
    reference_date: str | None = None
    problems: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict; problems as their one-line messages."""
        data = asdict(self)
        data["problems"] = [str(p) for p in self.problems]
        return data

    @property
    def flagged(self) -> int:
        """How many checks found something."""
        return sum(
            1
            for v in (
                self.skipped_rows,
                self.duplicate_rows,
                self.missing_order_ids,
                self.future_dates,
                self.zero_amounts,
                self.negative_quantities,
                self.outliers,
            )
            if v
        )


def order_quality(
    lines: ir.Table,
    *,
    reference: dt.date | None = None,
    missing_order_ids: int = 0,
    skipped_rows: int = 0,
    unparseable_values: int = 0,
    problems: list[Problem] | None = None,
) -> DataQuality:
    """Check canonical order lines; two engine queries whatever the size.

    Parameters
    ----------
    lines
        Canonical order lines.
    reference
        Lines after this date count as future dates, and every other figure counts
        among the lines up to it (the ones the analysis keeps); with none, no line is
        in the future.
    missing_order_ids, skipped_rows, unparseable_values, problems
        What the loader already counted.
    """
    end = future_start(reference)
    backend = lines._find_backend(use_default=True)
    if backend.name == "duckdb":
        figures = _duckdb_figures(backend, lines, end)
    else:
        figures = _ibis_figures(lines, end)
    rows, future, zero, negative, negative_quantities, q1, q3, distinct = figures
    threshold: float | None = None
    outliers = 0
    if rows and q1 is not None and q3 is not None:
        threshold = float(q3 + OUTLIER_IQR * (q3 - q1))
        kept = lines if end is None else lines.filter(lines.ordered_at < end)
        outliers = int(kept.filter(kept.amount > threshold).count().execute())
    return DataQuality(
        rows=rows,
        skipped_rows=skipped_rows,
        unparseable_values=unparseable_values,
        duplicate_rows=rows - distinct,
        missing_order_ids=missing_order_ids,
        future_dates=future,
        zero_amounts=zero,
        negative_amounts=negative,
        negative_quantities=negative_quantities,
        outliers=outliers,
        outlier_threshold=threshold,
        reference_date=None if reference is None else reference.isoformat(),
        problems=list(problems or []),
    )


def future_start(reference: dt.date | None) -> dt.datetime | None:
    """The first moment after ``reference``: lines from then on are in the future."""
    if reference is None or reference >= dt.date.max:
        return None
    return dt.datetime.combine(reference + dt.timedelta(days=1), dt.time())


_Figures = tuple[int, int, int, int, int, float | None, float | None, int]


def _duckdb_figures(backend: Any, lines: ir.Table, end: dt.datetime | None) -> _Figures:
    """All counts in one pass; duplicates by a 64-bit hash of each whole line."""
    sql = ibis.to_sql(lines, dialect="duckdb")
    kept = "ordered_at < ?" if end is not None else "true"
    row = backend.con.execute(
        f"WITH t AS ({sql}) SELECT count(*) FILTER (WHERE {kept}), "
        f"count(*) FILTER (WHERE NOT ({kept})), "
        f"count(*) FILTER (WHERE {kept} AND amount = 0), "
        f"count(*) FILTER (WHERE {kept} AND amount < 0), "
        f"count(*) FILTER (WHERE {kept} AND quantity < 0), "
        f"quantile_cont(amount, 0.25) FILTER (WHERE {kept} AND amount > 0), "
        f"quantile_cont(amount, 0.75) FILTER (WHERE {kept} AND amount > 0), "
        f"count(DISTINCT hash(*COLUMNS(*))) FILTER (WHERE {kept}) FROM t",
        [end] * 8 if end is not None else [],
    ).fetchone()
    assert row is not None
    rows, future, zero, negative, negative_quantities, q1, q3, distinct = row
    return (
        int(rows),
        int(future),
        int(zero),
        int(negative),
        int(negative_quantities),
        q1,
        q3,
        int(distinct),
    )


def _ibis_figures(lines: ir.Table, end: dt.datetime | None) -> _Figures:
    kept, future = lines, 0
    if end is not None:
        kept = lines.filter(lines.ordered_at < ibis.timestamp(end))
        future = int(lines.filter(lines.ordered_at >= ibis.timestamp(end)).count().execute())
    positive = kept.amount > 0
    stats = (
        kept.aggregate(
            rows=kept.count(),
            zero=(kept.amount == 0).sum(),
            negative=(kept.amount < 0).sum(),
            negative_quantities=(kept.quantity < 0).sum(),
            q1=kept.amount.quantile(0.25, where=positive),
            q3=kept.amount.quantile(0.75, where=positive),
        )
        .to_pandas()
        .iloc[0]
    )
    rows = int(stats["rows"])
    distinct = int(kept.distinct().count().execute()) if rows else 0

    def number(value: Any) -> float | None:
        return None if value is None or value != value else float(value)

    return (
        rows,
        future,
        int(stats["zero"] or 0),
        int(stats["negative"] or 0),
        int(stats["negative_quantities"] or 0),
        number(stats["q1"]),
        number(stats["q3"]),
        distinct,
    )
