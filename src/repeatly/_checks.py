"""Checking option values once, with messages that name the option."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from repeatly._dates import read_date
from repeatly.exceptions import InputError

__all__ = ["SHOWN_CHARS", "check_choice", "check_share", "parse_date", "quote_value"]

#: The most characters of a value an error message quotes.
SHOWN_CHARS = 200


def parse_date(value: dt.date | str | None, name: str) -> dt.date | None:
    """A date option from a date, a datetime or text; the error names the option.

    Text is read by the styles the loader reads order dates by (``2023-12-31``,
    ``31.12.2023``, ``31/12/2023`` ...; :func:`repeatly._dates.read_date`): a day that
    could be read two ways (``01/02/2023``) is refused with a message saying how to
    write it.

    Examples
    --------
    >>> parse_date("31.12.2023", "as_of")
    datetime.date(2023, 12, 31)
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return read_date(value)
        except ValueError as exc:
            raise InputError(f"{name}: {exc}", option=name) from None
    raise InputError(f"{name}: expected a date like 2024-12-31, got {value!r}", option=name)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    """Raise unless ``value`` is one of ``choices``."""
    if value not in choices:
        expected = " or ".join(f'"{c}"' for c in choices)
        raise InputError(f"{name}: expected {expected}, got {value!r}", option=name)


def check_share(name: str, value: float | None, *, above_zero: bool = False) -> None:
    """Raise unless ``value`` is ``None`` or a share from 0 (or above it) to 1."""
    if value is None:
        return
    low_ok = value > 0 if above_zero else value >= 0
    if not (isinstance(value, int | float) and math.isfinite(value) and low_ok and value <= 1):
        span = "above 0 and at most 1" if above_zero else "between 0 and 1"
        raise InputError(f"{name}: expected a share {span}, got {value}", option=name)


def quote_value(
    text: str, *, length: int | None = None, limit: int = SHOWN_CHARS, quotes: bool = True
) -> str:
    """``text`` in double quotes for a message, cut to ``limit`` characters.

    A longer value ends in an ellipsis and the message says how long it was, so a
    50 MB cell makes a message of a few hundred characters. ``length`` is the whole
    value's length when ``text`` is already a prefix of it (the engine cut it);
    ``quotes=False`` leaves out the quotes (a whole line of a file).
    """
    length = len(text) if length is None else length
    mark = '"' if quotes else ""
    if length <= limit:
        return f"{mark}{text}{mark}"
    return f"{mark}{text[:limit]}…{mark} ({length:,} characters, the first {limit} shown)"
