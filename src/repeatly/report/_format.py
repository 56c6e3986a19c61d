"""Numbers as people read them, in English or Russian conventions."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

__all__ = [
    "currency_name",
    "fmt_date",
    "fmt_days",
    "fmt_money",
    "fmt_month",
    "fmt_number",
    "fmt_ratio",
    "fmt_share",
    "is_missing",
]

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "RUB": "₽"}
_DASH = "—"
#: Short month names, as a month is labelled on charts and in tables.
MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "ru": ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"),
}


def is_missing(value: Any) -> bool:
    """Whether a value is None or NaN."""
    if value is None:
        return True
    try:
        return math.isnan(value)
    except TypeError:
        return False


def fmt_number(value: Any, *, digits: int = 0, lang: str = "en") -> str:
    """``1234567.8`` → ``1,234,568`` (en) or ``1 234 568`` (ru)."""
    if is_missing(value):
        return _DASH
    text = f"{value:,.{digits}f}"
    if lang == "ru":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def fmt_money(
    value: Any, *, currency: str = "USD", lang: str = "en", digits: int | None = None
) -> str:
    """Money with the currency: ``$1,234`` / ``1 234 ₽``; cents only below 100."""
    if is_missing(value):
        return _DASH
    if digits is None:
        digits = 2 if abs(value) < 100 else 0
    number = fmt_number(abs(value), digits=digits, lang=lang)
    sign = "-" if value < 0 else ""
    symbol = _SYMBOLS.get(currency.upper())
    if lang == "ru":
        return f"{sign}{number}\u00a0{symbol or currency}"
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


def currency_name(currency: str, lang: str = "en") -> str:
    """The currency as a label says it: its code in English, its sign in Russian (``₽``)."""
    if lang == "ru":
        return _SYMBOLS.get(currency.upper(), currency)
    return currency


def fmt_share(value: Any, *, lang: str = "en", digits: int = 1) -> str:
    """``0.234`` → ``23.4%`` (en) or ``23,4 %`` (ru)."""
    if is_missing(value):
        return _DASH
    number = fmt_number(value * 100, digits=digits, lang=lang)
    return f"{number}\u00a0%" if lang == "ru" else f"{number}%"


def fmt_ratio(value: Any, *, lang: str = "en") -> str:
    """``3.456`` → ``3.5×``."""
    if is_missing(value):
        return _DASH
    return f"{fmt_number(value, digits=1, lang=lang)}×"


def fmt_days(value: Any, *, lang: str = "en") -> str:
    """``45.0`` → ``45 days`` / ``45 дн.``."""
    if is_missing(value):
        return _DASH
    unit = "дн." if lang == "ru" else "days"
    return f"{fmt_number(value, digits=0, lang=lang)}\u00a0{unit}"


def _as_date(value: Any) -> dt.date | None:
    """A date from a date, a datetime, a pandas timestamp or ISO text; None if it is none."""
    if is_missing(value) or value == "" or value != value:  # NaT is not equal to itself
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp or Period-like
        return value.to_pydatetime().date()
    return dt.date.fromisoformat(str(value)[:10])


def fmt_date(value: Any, *, lang: str = "en") -> str:
    """A day: ``2023-12-31`` (en, ISO) or ``31.12.2023`` (ru)."""
    day = _as_date(value)
    if day is None:
        return _DASH
    return day.strftime("%d.%m.%Y") if lang == "ru" else day.isoformat()


def fmt_month(value: Any, *, lang: str = "en") -> str:
    """A month: ``Jan 2024`` (en) or ``янв 2024`` (ru), from a date or ``2024-01`` text."""
    if isinstance(value, str) and len(value) == 7:
        value = f"{value}-01"
    day = _as_date(value)
    if day is None:
        return _DASH
    names = MONTHS.get(lang, MONTHS["en"])
    return f"{names[day.month - 1]}\u00a0{day.year}"
