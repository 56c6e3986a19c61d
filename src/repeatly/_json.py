"""Results as plain JSON-ready data: the JSON form every result type gives."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["plain", "records"]


def plain(value: Any) -> Any:
    """A JSON-ready value.

    Numpy scalars and decimals become numbers, dates ISO text, NaN and missing values
    ``None``; lists, tuples and dicts are converted item by item.
    """
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "item") and hasattr(value, "dtype"):  # a numpy scalar
        value = value.item()
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.date | dt.datetime) or hasattr(value, "isoformat"):
        return value.isoformat()  # dates, times, pandas timestamps
    try:
        if value != value:  # pandas NA and NaT
            return None
    except (TypeError, ValueError):  # NA cannot say whether it equals itself
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as JSON-ready dicts."""
    return [{str(k): plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
