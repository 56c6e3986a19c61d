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
from repeatly.analytics._model_summary import (
    UNIT_DAYS,
    Unit,
    distinct_rows,
    model_summary,
    period_summary,
    purchase_days,
)
from repeatly.analytics._orders import line_margin, money_sum, orders_from_lines
from repeatly.analytics._summary import customer_summary
from repeatly.analytics._trends import monthly_activity

__all__ = [
    "DEFAULT_GAP_BINS",
    "UNIT_DAYS",
    "Unit",
    "cohorts",
    "customer_summary",
    "distinct_rows",
    "gap_histogram",
    "gap_stats",
    "line_margin",
    "model_summary",
    "money_sum",
    "month_index",
    "month_start",
    "monthly_activity",
    "orders_from_lines",
    "period_summary",
    "purchase_days",
    "purchase_gaps",
]
