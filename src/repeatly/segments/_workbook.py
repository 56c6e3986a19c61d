"""The contact workbook's layout: headers on row 1, frozen, filtered, formatted, sized.

Every sheet is a plain table: the human header on row 1 (frozen, with a filter over the
data), money in the shop's currency, dates as Excel dates, shares as percentages,
yes/no and statuses in words, and columns as wide as what they hold (within bounds).
Text is written as text cells, never as formulas or links; text that a spreadsheet
would read as a formula gets the quote-prefix flag (see :mod:`repeatly._safe`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from repeatly._safe import looks_like_formula
from repeatly.segments._workbook_text import VALUES, header

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

__all__ = ["DATE_FORMATS", "Sheet", "money_format", "write_workbook"]

MONEY = frozenset({"revenue", "margin", "clv", "value_at_stake"})
DATES = frozenset({"last_purchase", "lost_on", "last_brand_purchase", "next_purchase_on"})
SHARES = frozenset({"promo_share", "late_share", "early_share", "top_brand_share", "p_alive"})
WHOLE = frozenset(
    {
        "orders",
        "purchases",
        "days_since",
        "categories",
        "golden_rank",
        "priority",
        "previous_purchases",
        "new_products",
        "cycle_days",
        "number",
        "group",
        "on_sheet",
    }
)
WORDS = frozenset({"status", "lost_by"})  # code values shown in words

#: The date format of each language.
DATE_FORMATS = {"en": "yyyy-mm-dd", "ru": "dd.mm.yyyy"}
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "RUB": "₽"}
_MIN_WIDTH, _MAX_WIDTH, _WRAP_WIDTH = 6, 45, 70
_FILTER_BUTTON = 3  # characters the filter's drop-down button covers in a header


@dataclass(frozen=True)
class Sheet:
    """One sheet: its name, its rows (columns named by code), a note on A1.

    ``wrap`` names the columns of long text, shown wrapped in a wide column.
    """

    name: str
    frame: pd.DataFrame
    note: str = ""
    wrap: tuple[str, ...] = ()


def money_format(currency: str) -> str:
    """The Excel number format of money in ``currency``: ``"$"#,##0.00``, ``#,##0.00 "₽"``.

    Examples
    --------
    >>> money_format("USD"), money_format("rub"), money_format("CHF")
    ('"$"#,##0.00', '#,##0.00" ₽"', '#,##0.00" CHF"')
    """
    code = currency.strip().upper()
    symbol = _SYMBOLS.get(code, code).replace('"', "")
    if symbol in ("$", "£"):
        return f'"{symbol}"#,##0.00'
    return f'#,##0.00" {symbol}"'


def write_workbook(path: Path, sheets: list[Sheet], *, lang: str, currency: str) -> None:
    """Write ``sheets`` into the workbook ``path``, each a formatted table from row 1."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    formats = _Formats(book, lang=lang, currency=currency)
    for sheet in sheets:
        _write_sheet(book.add_worksheet(sheet.name), sheet, formats, lang)
    book.close()


class _Formats:
    """The workbook's cell formats, made once."""

    def __init__(self, book: Any, *, lang: str, currency: str) -> None:
        self.head = book.add_format(
            {"bold": True, "bg_color": "#E8EEF6", "bottom": 1, "valign": "top"}
        )
        self.quoted = book.add_format({"quote_prefix": True})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.wrap_quoted = book.add_format(
            {"text_wrap": True, "valign": "top", "quote_prefix": True}
        )
        self.kinds = {
            "money": book.add_format({"num_format": money_format(currency)}),
            "date": book.add_format({"num_format": DATE_FORMATS[lang]}),
            "share": book.add_format({"num_format": "0%"}),
            "whole": book.add_format({"num_format": "#,##0"}),
            "number": book.add_format({"num_format": "#,##0.0"}),
        }


def _kind(column: str) -> str:
    if column in MONEY:
        return "money"
    if column in DATES:
        return "date"
    if column in SHARES:
        return "share"
    if column in WHOLE:
        return "whole"
    return "number"


def _write_sheet(ws: Any, sheet: Sheet, formats: _Formats, lang: str) -> None:
    frame = sheet.frame
    columns = list(frame.columns)
    heads = [header(c, lang) for c in columns]
    widths = [len(h) + _FILTER_BUTTON for h in heads]
    kinds = [_kind(c) for c in columns]
    words = VALUES[lang]
    # widths first: xlsxwriter writes the column settings when the sheet is closed, but
    # the values are computed here from the rows before they are written
    cells = frame.astype(object)
    rows = [
        [_cell(value, column, words) for value, column in zip(row, columns, strict=True)]
        for row in cells.itertuples(index=False, name=None)
    ]
    for row in rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], _shown_width(value, kinds[i]))
    for i, column in enumerate(columns):
        wide = _WRAP_WIDTH if column in sheet.wrap else _MAX_WIDTH
        ws.set_column(i, i, min(max(widths[i] + 1, _MIN_WIDTH), wide))
    for i, text in enumerate(heads):
        ws.write_string(0, i, text, formats.quoted if looks_like_formula(text) else formats.head)
    if sheet.note:
        ws.write_comment(0, 0, sheet.note, {"x_scale": 3, "y_scale": 3})
    for r, row in enumerate(rows, start=1):
        for i, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                wrapped = columns[i] in sheet.wrap
                if looks_like_formula(value):
                    style = formats.wrap_quoted if wrapped else formats.quoted
                else:
                    style = formats.wrap if wrapped else None
                ws.write_string(r, i, value, style)
            elif isinstance(value, dt.datetime):
                ws.write_datetime(r, i, value, formats.kinds["date"])
            else:
                ws.write_number(r, i, value, formats.kinds[kinds[i]])
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), max(len(columns) - 1, 0))


def _cell(value: Any, column: str, words: dict[object, str]) -> Any:
    """A value as the sheet shows it: a number, a date, or text (booleans in words)."""
    import pandas as pd

    if value is None or (not isinstance(value, str | bool) and pd.isna(value)):
        return None
    if hasattr(value, "item") and not hasattr(value, "tzinfo"):
        value = value.item()  # numpy scalars
    if isinstance(value, bool):
        return words[value]
    if column in DATES or isinstance(value, dt.date):
        return _date(value)
    if isinstance(value, int | float):
        return None if isinstance(value, float) and not math.isfinite(value) else value
    if column in WORDS:
        return words.get(value, value)
    return str(value)


def _date(value: Any) -> dt.datetime | None:
    """A date or a time as the day it falls on (a naive datetime, as Excel keeps it)."""
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return None


def _shown_width(value: Any, kind: str) -> int:
    """About how many characters a cell shows."""
    if value is None:
        return 0
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0)
    if isinstance(value, dt.datetime):
        return 10
    if kind == "share":
        return 5
    if kind == "money":
        return len(f"{value:,.2f}") + 2
    if kind == "whole":
        return len(f"{value:,.0f}")
    return len(f"{value:,.1f}")
