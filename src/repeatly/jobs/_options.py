"""The options of the jobs: frozen objects that check their values once, when made.

A face (the command line, later the API and the web pages) parses what the user typed
into one of these and passes it on; the job trusts it. A bad value raises
:class:`~repeatly.exceptions.InputError` naming the option, what was expected and what
was given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from repeatly._checks import check_choice, check_share, parse_date
from repeatly.exceptions import InputError
from repeatly.prediction import ForecastOptions

__all__ = ["LANGUAGES", "AnalyzeOptions", "LoadOptions", "parse_date"]

#: The languages of reports and messages.
LANGUAGES = ("en", "ru")


@dataclass(frozen=True, kw_only=True)
class LoadOptions:
    """How to read the inputs.

    Parameters
    ----------
    mapping
        Role to column overrides, e.g. ``{"amount": "Total"}`` for the orders; prefix
        the role with the input's name for the others, e.g. ``{"spend.spend": "Cost"}``.
    table
        Table name when the orders are a database URL.
    on_bad_rows
        ``"error"`` stops at bad rows with located messages; ``"skip"`` drops them and
        counts them in the data-quality summary.
    as_of
        Date to look from (a date or ISO text); the day of the last order when not given.
    today
        Today's date (a date or ISO text). Order lines dated after it (or after
        ``as_of``, when that is earlier) are left out of the analysis and counted in the
        data-quality summary, so one line dated 2099 does not move the analysis there.
        The library never reads the clock: the command line passes the machine's date.
    header_row
        The row of the orders file the column names are on (1-based, as a spreadsheet
        shows it); found when not given, so title rows above the header are skipped.
    sheet
        The orders workbook's sheet, by name or number (1 for the first); the first
        sheet with data when not given.
    """

    mapping: Mapping[str, str] | None = None
    table: str | None = None
    on_bad_rows: Literal["error", "skip"] = "error"
    as_of: dt.date | None = None
    today: dt.date | None = None
    header_row: int | None = None
    sheet: str | int | None = None

    def __post_init__(self) -> None:
        check_choice("on_bad_rows", self.on_bad_rows, ("error", "skip"))
        header = self.header_row
        if header is not None and (
            isinstance(header, bool) or not isinstance(header, int) or header < 1
        ):
            raise InputError(
                f"header_row: expected a row number of 1 or more, got {header!r}",
                option="header_row",
            )
        sheet = self.sheet
        if sheet is not None and not (
            (isinstance(sheet, str) and sheet.strip())
            or (isinstance(sheet, int) and not isinstance(sheet, bool) and sheet >= 1)
        ):
            raise InputError(
                f"sheet: expected a sheet's name or number (1 for the first), got {sheet!r}",
                option="sheet",
            )
        object.__setattr__(self, "as_of", parse_date(self.as_of, "as_of"))
        object.__setattr__(self, "today", parse_date(self.today, "today"))
        if self.mapping is not None:
            object.__setattr__(self, "mapping", dict(self.mapping))

    def to_dict(self) -> dict[str, Any]:
        """The options as plain data (dates as ISO text)."""
        found = {f.name: _plain(getattr(self, f.name)) for f in fields(self)}
        if isinstance(found.get("predict"), ForecastOptions):
            found["predict"] = found["predict"].to_dict()
        return found


@dataclass(frozen=True, kw_only=True)
class AnalyzeOptions(LoadOptions):
    """What :func:`repeatly.analyze` does with the inputs it reads.

    Parameters
    ----------
    currency
        Currency code used to format money in the report.
    lang
        Report language, ``"en"`` or ``"ru"``.
    margin_rate
        Margin share assumed for lines that have neither cost nor margin. Without it,
        and with no cost data at all, margin is taken as revenue and the report says so.
    predict
        Also forecast every customer, with these options
        (:class:`~repeatly.prediction.ForecastOptions`; ``ForecastOptions()`` for the
        defaults), or not (``None``). Its margin and end default to the analysis's.
    """

    currency: str = "USD"
    lang: Literal["en", "ru"] = "en"
    margin_rate: float | None = None
    predict: ForecastOptions | None = field(default=None)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice("lang", self.lang, LANGUAGES)
        check_share("margin_rate", self.margin_rate)
        if not isinstance(self.currency, str) or not self.currency.strip():
            raise InputError(
                f"currency: expected a currency code such as USD, got {self.currency!r}",
                option="currency",
            )
        if isinstance(self.predict, Mapping):  # the options of a forecast as a dict
            object.__setattr__(self, "predict", ForecastOptions(**self.predict))


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
