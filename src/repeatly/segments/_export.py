"""Contact lists: ``segments.csv``, one CSV per segment, and one Excel workbook."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from repeatly._files import atomic_write
from repeatly._safe import looks_like_formula, safe_table
from repeatly.connection import materialize
from repeatly.segments._assemble import ACTIONS
from repeatly.segments._reach import contact_priority
from repeatly.segments._rfm import RFM_RULES

__all__ = ["MAX_SHEET_ROWS", "segment_lists", "write_segments"]

#: Rows per workbook sheet; the CSV of a segment always holds all of it.
MAX_SHEET_ROWS = 5_000

CONTACT = ("name", "email", "phone", "city", "consent_email", "consent_sms")
SUMMARY_COLUMNS = (
    "customer_id",
    "rfm_segment",
    "status",
    "golden",
    "promo_hunter",
    "early_full_price",
    "brand_fan",
    "low_margin_only",
)


def segment_lists(table: ir.Table) -> dict[str, tuple[ir.Table, str, str]]:
    """Each segment's members, most valuable first, with the action and offer.

    Parameters
    ----------
    table
        The result of :func:`repeatly.segments.segment_customers`.

    Returns
    -------
    dict
        Segment name to ``(members, action, offer)``; members carry the contact fields
        present, the numbers that put them there, and their value (margin).
    """
    contact = [c for c in CONTACT if c in table.columns]
    lists: dict[str, tuple[ir.Table, str, str]] = {}
    for action in ACTIONS:
        name = action.segment
        if name in ("due", "at_risk", "lost"):
            members = table.filter(table.status == name)
        elif name == "brand_fan":
            members = table.filter(table.brand_fan.notnull())
        else:
            members = table.filter(table[name])
        reasons = [c for c in action.reason if c != "margin" and c in table.columns]
        columns = ["customer_id", *contact, *reasons, "margin"]
        lists[name] = (
            members.select(*dict.fromkeys(columns)).order_by([ibis.desc("margin"), "customer_id"]),
            action.action,
            action.offer,
        )
    for rule in RFM_RULES:
        members = table.filter(table.rfm_segment == rule.name)
        columns = [
            "customer_id",
            *contact,
            "r",
            "f",
            "m",
            "recency_days",
            "orders",
            "revenue",
            "margin",
        ]
        lists[f"rfm {rule.name}"] = (
            members.select(*columns).order_by([ibis.desc("margin"), "customer_id"]),
            f"RFM segment {rule.name}",
            "",
        )
    return lists


def write_segments(
    table: ir.Table, out: Path, *, extra: dict[str, ir.Table] | None = None
) -> dict[str, Path]:
    """Write ``segments.csv``, ``segments/<name>.csv`` and ``segments.xlsx`` into ``out``.

    ``segments/priority.csv`` orders every customer by :func:`contact_priority`, by
    predicted CLV when the table has a forecast (else by margin).
    Every file is written under a temporary name and renamed into place. ``extra``
    lists (such as :func:`reach_lists`) are written as ``segments/<name>.csv`` too.
    Text that a spreadsheet would read as a formula is neutralised (see
    :mod:`repeatly._safe`): a leading ``'`` in the CSVs, a quote-prefixed string cell in
    the workbook.

    Returns
    -------
    dict
        ``"segments"``, ``"workbook"`` and each segment's name to its path.
    """
    out.mkdir(parents=True, exist_ok=True)
    folder = out / "segments"
    folder.mkdir(exist_ok=True)
    paths: dict[str, Path] = {}
    table = materialize(table, "segments")  # every list below filters the stored table
    everyone = table.order_by("customer_id")
    paths["segments"] = atomic_write(out / "segments.csv", safe_table(everyone).to_csv)
    lists = segment_lists(table)
    counts = _counts(table)
    sheets = []
    for name, (members, action, offer) in lists.items():
        path = folder / f"{_slug(name)}.csv"
        paths[name] = atomic_write(path, safe_table(members).to_csv)
        sheets.append(
            (name, members.limit(MAX_SHEET_ROWS).to_pandas(), action, offer, counts.get(name, 0))
        )
    paths["workbook"] = atomic_write(out / "segments.xlsx", lambda p: _workbook(p, sheets))
    for name, members in (extra or {}).items():
        paths[name] = atomic_write(folder / f"{_slug(name)}.csv", safe_table(members).to_csv)
    priority = contact_priority(table, value="clv" if "clv" in table.columns else "margin")
    paths["priority"] = atomic_write(folder / "priority.csv", safe_table(priority).to_csv)
    return paths


def _counts(table: ir.Table) -> dict[str, int]:
    """Members of every list, from two small queries."""
    flags = {
        "golden": table.golden,
        "due": table.status == "due",
        "at_risk": table.status == "at_risk",
        "lost": table.status == "lost",
        "promo_hunter": table.promo_hunter,
        "early_full_price": table.early_full_price,
        "brand_fan": table.brand_fan.notnull(),
        "low_margin_only": table.low_margin_only,
        "one_category": table.one_category,
    }
    row = table.aggregate(**{k: v.ifelse(1, 0).sum() for k, v in flags.items()}).to_pandas()
    counts = {k: int(row[k].iloc[0] or 0) for k in flags}
    rfm = table.group_by("rfm_segment").aggregate(n=table.count()).to_pandas()
    counts.update({f"rfm {s}": int(n) for s, n in zip(rfm.rfm_segment, rfm.n, strict=True)})
    return counts


def _workbook(path: Path, sheets: list[tuple[str, Any, str, str, int]]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "default_date_format": "yyyy-mm-dd"}
    )
    bold = book.add_format({"bold": True})
    quoted = book.add_format({"quote_prefix": True})
    index = book.add_worksheet("Segments")
    _write_row(index, 0, ["segment", "customers", "action", "offer", "sheet rows"], quoted, bold)
    for i, (name, frame, action, offer, total) in enumerate(sheets, start=1):
        _write_row(index, i, [name, total, action, offer, len(frame)], quoted)
    for name, frame, action, offer, total in sheets:
        sheet = book.add_worksheet(_sheet_name(name))
        title = (
            f"{name}: {total:,} customers. Action: {action}"
            + (f". Offer: {offer}." if offer else ".")
            + (
                f" The first {len(frame):,} by value; the CSV holds all."
                if total > len(frame)
                else ""
            )
        )
        _write_row(sheet, 0, [title], quoted)
        _write_row(sheet, 1, [*frame.columns, "action", "offer"], quoted, bold)
        cells = frame.astype(object).where(frame.notna(), None)
        for r, row in enumerate(cells.itertuples(index=False, name=None), start=2):
            _write_row(sheet, r, [*map(_plain, row), action, offer], quoted)
    book.close()


def _write_row(sheet: Any, row: int, values: list[Any], quoted: Any, style: Any = None) -> None:
    """Write a row; text always as a string cell, never as a formula or a link.

    Text a spreadsheet would read as a formula keeps its value and gets the quote-prefix
    format (Excel's own way of storing text typed after a ``'``), so that editing the
    cell does not turn it into a formula either.
    """
    for col, value in enumerate(values):
        if isinstance(value, str):
            sheet.write_string(row, col, value, quoted if looks_like_formula(value) else style)
        else:
            sheet.write(row, col, value, style)


def _plain(value: Any) -> Any:
    """A cell value xlsxwriter writes as is (numpy scalars become Python ones)."""
    return value.item() if hasattr(value, "item") and not hasattr(value, "tzinfo") else value


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\']", "", name)[:31]
