"""The options of the jobs: frozen objects that check their values once, when made.

A face (the command line, later the API and the web pages) parses what the user typed
into one of these and passes it on; the job trusts it. A bad value raises
:class:`~repeatly.exceptions.InputError` naming the option, what was expected and what
was given.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from repeatly.exceptions import InputError

__all__ = ["LANGUAGES", "AnalyzeOptions", "LoadOptions", "parse_date"]

#: The languages of reports and messages.
LANGUAGES = ("en", "ru")


def parse_date(value: dt.date | str | None, name: str) -> dt.date | None:
    """A date option from a date, a datetime or ISO text; the error names the option."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
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
    """

    mapping: Mapping[str, str] | None = None
    table: str | None = None
    on_bad_rows: Literal["error", "skip"] = "error"
    as_of: dt.date | None = None

    def __post_init__(self) -> None:
        check_choice("on_bad_rows", self.on_bad_rows, ("error", "skip"))
        object.__setattr__(self, "as_of", parse_date(self.as_of, "as_of"))
        if self.mapping is not None:
            object.__setattr__(self, "mapping", dict(self.mapping))

    def to_dict(self) -> dict[str, Any]:
        """The options as plain data (dates as ISO text)."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name != "predict"}


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
        Also forecast every customer: the options of
        :func:`repeatly.models.forecast` (``{}`` for the defaults), or ``None``.
    """

    currency: str = "USD"
    lang: Literal["en", "ru"] = "en"
    margin_rate: float | None = None
    predict: Mapping[str, Any] | None = field(default=None)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice("lang", self.lang, LANGUAGES)
        check_share("margin_rate", self.margin_rate)
        if not isinstance(self.currency, str) or not self.currency.strip():
            raise InputError(
                f"currency: expected a currency code such as USD, got {self.currency!r}"
            )
        if self.predict is not None:
            object.__setattr__(self, "predict", dict(self.predict))


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
