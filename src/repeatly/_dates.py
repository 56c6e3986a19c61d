"""The ways of writing a date that Repeatly reads, in the data and in options.

The loader (:mod:`repeatly.data`) reads each date column of a file by one of these
styles, in the engine; :func:`read_date` reads one date typed as an option (``--as-of
31.12.2023``) by the same styles, so a date that is read in the data is read in an
option too, and one that is ambiguous there (``01/02/2023``) is refused, not guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

__all__ = ["DATE_STYLES", "DateStyle", "read_date"]

_TIME = r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
_TIMES = ("%H:%M:%S.%f", "%H:%M:%S", "%H:%M")


def _formats(date: str, sep: str = " ") -> tuple[str, ...]:
    return (*(f"{date}{sep}{t}" for t in _TIMES), date)


@dataclass(frozen=True, slots=True)
class DateStyle:
    """One way of writing dates: a pattern to recognise it and formats to read it.

    The formats are ``strptime`` formats, read the same by Python and by DuckDB;
    ``"iso"`` has none (it is read as ISO 8601).
    """

    name: str
    pattern: str
    formats: tuple[str, ...]
    example: str


DATE_STYLES: dict[str, DateStyle] = {
    s.name: s
    for s in (
        DateStyle("iso", rf"\d{{4}}-\d{{1,2}}-\d{{1,2}}{_TIME}", (), "2024-12-31"),
        DateStyle(
            "dd.mm.yyyy",
            rf"\d{{1,2}}\.\d{{1,2}}\.\d{{4}}{_TIME}",
            _formats("%d.%m.%Y"),
            "31.12.2024",
        ),
        DateStyle(
            "dd.mm.yy", rf"\d{{1,2}}\.\d{{1,2}}\.\d{{2}}{_TIME}", _formats("%d.%m.%y"), "31.12.24"
        ),
        DateStyle(
            "dd/mm/yyyy", rf"\d{{1,2}}/\d{{1,2}}/\d{{4}}{_TIME}", _formats("%d/%m/%Y"), "31/12/2024"
        ),
        DateStyle(
            "mm/dd/yyyy", rf"\d{{1,2}}/\d{{1,2}}/\d{{4}}{_TIME}", _formats("%m/%d/%Y"), "12/31/2024"
        ),
        DateStyle(
            "yyyy/mm/dd", rf"\d{{4}}/\d{{1,2}}/\d{{1,2}}{_TIME}", _formats("%Y/%m/%d"), "2024/12/31"
        ),
        DateStyle(
            "dd-mm-yyyy", rf"\d{{1,2}}-\d{{1,2}}-\d{{4}}{_TIME}", _formats("%d-%m-%Y"), "31-12-2024"
        ),
        DateStyle("yyyymmdd", r"\d{8}", ("%Y%m%d",), "20241231"),
        DateStyle("yyyy-mm", r"\d{4}-\d{1,2}", ("%Y-%m",), "2024-12"),
        DateStyle("mm.yyyy", r"\d{1,2}\.\d{4}", ("%m.%Y",), "12.2024"),
    )
}

#: Styles that name a month, not a day: an option that is a day refuses them.
MONTH_STYLES = ("yyyy-mm", "mm.yyyy")


def read_date(text: str) -> dt.date:
    """A day written in any of :data:`DATE_STYLES` (a time after it is dropped).

    Raises
    ------
    ValueError
        The text is no date, names a month rather than a day, or reads as two
        different days (``01/02/2023``: 1 February or 2 January); the message says
        how to write it.

    Examples
    --------
    >>> read_date("31.12.2023"), read_date("2023-12-31"), read_date("31/12/2023")
    (datetime.date(2023, 12, 31), datetime.date(2023, 12, 31), datetime.date(2023, 12, 31))
    """
    value = text.strip()
    found: dict[dt.date, str] = {}
    for style in DATE_STYLES.values():
        if not re.fullmatch(style.pattern, value):
            continue
        day = _read(value, style)
        if day is None:
            continue
        if style.name in MONTH_STYLES:
            raise ValueError(
                f"{value!r} is a month; write the day, e.g. {day:%Y-%m}-01 or "
                f"{_month_end(day):%Y-%m-%d}"
            )
        found.setdefault(day, style.name)
    if len(found) > 1:
        first, second = sorted(found, key=lambda d: found[d])  # dd/mm first, then mm/dd
        raise ValueError(
            f"{value!r} could be {first} (day first) or {second} (month first); "
            f"write it as YYYY-MM-DD ({first}) or DD.MM.YYYY ({first:%d.%m.%Y})"
        )
    if not found:
        raise ValueError(f"expected a date like 2024-12-31 or 31.12.2024, got {value!r}")
    return next(iter(found))


def _read(value: str, style: DateStyle) -> dt.date | None:
    if not style.formats:  # ISO 8601, with a time or a zone after it
        try:
            return dt.datetime.fromisoformat(value.replace(" ", "T", 1)).date()
        except ValueError:
            try:
                return dt.date.fromisoformat(value[:10])
            except ValueError:
                return None
    for fmt in style.formats:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _month_end(day: dt.date) -> dt.date:
    following = day.replace(day=28) + dt.timedelta(days=4)
    return following - dt.timedelta(days=following.day)
