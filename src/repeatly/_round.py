"""Figures written for people, rounded: money to cents, shares and the rest to 4 places.

A sum of prices in binary floating point comes out as ``14.899999999999999``; a file a
shop owner opens should say ``14.9``. Every CSV and JSON file Repeatly writes for people
goes through these functions, which round each number by what its column (or key) is:

- money (revenue, margin, cost, value, CLV, spend, price, amount, profit ...) to
  :data:`MONEY_DECIMALS` places, cents;
- shares, rates and probabilities, and any other fractional number, to
  :data:`SHARE_DECIMALS` places;
- p-values are left as they are (a small one must not read as 0), and so are whole
  numbers, text, dates and missing values.

Files for programs (Parquet predictions, ``model.json`` with the fitted parameters)
keep full precision.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

__all__ = [
    "MONEY_DECIMALS",
    "SHARE_DECIMALS",
    "decimals_for",
    "round_data",
    "round_frame",
    "round_table",
]

MONEY_DECIMALS = 2
SHARE_DECIMALS = 4

#: Words in a name that make it a share (checked first: ``margin_rate`` is a share).
_SHARE = re.compile(
    r"(^|_)(share|rate|ratio|prob|probability|p|alive|retention|conversion|lift|uplift|"
    r"lever|pct|percent)(_|$)|^repeat_\d+$|_to_|^p_"
)
#: Words in a name that make it money.
_MONEY = re.compile(
    r"(^|_)(revenue|margin|discount|discounts|returns|value|cac|cost|costs|profit|clv|ltv|"
    r"spend|spent|price|amount|sales|aov|money|budget|baseline|gain|combined|threshold|"
    r"income|paid|refund|refunds|total)(_|$)"
)
#: Names never rounded.
_EXACT = re.compile(r"(^|_)p_?value(s)?($|_)|(^|_)pvalue")
#: Keys under which every number is money (the what-if's levers).
_MONEY_PARENTS = ("levers",)


def decimals_for(name: str, parents: tuple[str, ...] = ()) -> int | None:
    """The places a number named ``name`` is rounded to, or ``None`` to leave it.

    Examples
    --------
    >>> decimals_for("revenue"), decimals_for("margin_rate"), decimals_for("p_alive")
    (2, 4, 4)
    >>> decimals_for("expected_purchases"), decimals_for("p_value")
    (4, None)
    """
    key = name.lower()
    if _EXACT.search(key):
        return None
    if _SHARE.search(key):
        return SHARE_DECIMALS
    if _MONEY.search(key) or any(p.lower() in _MONEY_PARENTS for p in parents):
        return MONEY_DECIMALS
    return SHARE_DECIMALS


def round_data(value: Any, *, name: str = "", parents: tuple[str, ...] = ()) -> Any:
    """JSON-ready data with every float rounded by its key (see :func:`decimals_for`).

    Examples
    --------
    >>> round_data({"cac": 20.162299999999995, "repeat_share": 0.8366666666666667})
    {'cac': 20.16, 'repeat_share': 0.8367}
    """
    if isinstance(value, dict):
        inside = (*parents, name) if name else parents
        return {k: round_data(v, name=str(k), parents=inside) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [round_data(v, name=name, parents=parents) for v in value]
    if hasattr(value, "item") and hasattr(value, "dtype"):  # a numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isfinite(value):
        places = decimals_for(name, parents)
        return value if places is None else _round(value, places)
    return value


def round_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each float column rounded by its name (a copy when any is)."""
    import pandas as pd

    changed = {}
    for position, column in enumerate(frame.columns):
        values = frame.iloc[:, position]
        if pd.api.types.is_float_dtype(values.dtype):
            places = decimals_for(str(column))
            if places is not None:
                changed[position] = values.round(places)
    if not changed:
        return frame
    out = frame.copy()
    for position, values in changed.items():
        out.isetitem(position, values.to_numpy())
    return out


def round_table(table: ir.Table) -> ir.Table:
    """``table`` with each floating-point column rounded by its name, in the engine."""
    changed = {}
    for name, dtype in table.schema().items():
        if dtype.is_floating():
            places = decimals_for(name)
            if places is not None:
                changed[name] = table[name].round(places)
    return table.mutate(**changed) if changed else table


def _round(value: float, places: int) -> float:
    rounded = round(value, places)
    return 0.0 if rounded == 0 else rounded  # never -0.0
