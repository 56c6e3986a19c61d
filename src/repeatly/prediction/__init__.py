"""Predictions for every customer: from order lines to P(alive), purchases and CLV.

The engine summarises each customer (:func:`repeatly.analytics.model_summary`) and
groups them into distinct (frequency, recency, T) rows; the models of
:mod:`repeatly.models` are fitted, judged and chosen on those rows in numpy; the
predictions are joined back in the engine. :func:`forecast` does all of it with the
options of a :class:`ForecastOptions` and returns a :class:`Forecast`.
"""

from repeatly.prediction._forecast import (
    ALIVE_CAP,
    FREQUENCY_CAP,
    GONE_BELOW,
    Forecast,
    forecast,
)
from repeatly.prediction._options import AUTO_MODELS, MODEL_NAMES, ForecastOptions

__all__ = [
    "ALIVE_CAP",
    "AUTO_MODELS",
    "FREQUENCY_CAP",
    "GONE_BELOW",
    "MODEL_NAMES",
    "Forecast",
    "ForecastOptions",
    "forecast",
]
