"""Transaction-scale analytics as Ibis expressions.

Every function takes and returns :class:`ibis.Table` expressions with keyword-only
options, so it runs inside whichever engine holds the data (DuckDB by default,
PostgreSQL, Spark ...). Nothing here pulls order lines into Python.
"""

from repeatly.analytics._cohorts import cohorts, month_index, month_start
from repeatly.analytics._cycles import (
    DEFAULT_GAP_BINS,
    gap_histogram,
    gap_stats,
    purchase_gaps,
)
from repeatly.analytics._orders import line_margin, money_sum, orders_from_lines
from repeatly.analytics._summary import customer_summary
from repeatly.analytics._trends import monthly_activity

__all__ = [
    "DEFAULT_GAP_BINS",
    "cohorts",
    "customer_summary",
    "gap_histogram",
    "gap_stats",
    "line_margin",
    "money_sum",
    "month_index",
    "month_start",
    "monthly_activity",
    "orders_from_lines",
    "purchase_gaps",
]
