"""Predictive models of customer behaviour (buy-till-you-die and spend).

The maths lives in vectorised numpy/scipy functions (``repeatly.models._bgnbd`` ...);
the estimators are thin: ``fit`` on (distinct, weighted) summaries, predict per row.
"""

from repeatly.models._estimators import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
)
from repeatly.models._prep import UNIT_DAYS, distinct_rows, model_summary

__all__ = [
    "UNIT_DAYS",
    "BetaGeoBetaBinomModel",
    "BetaGeoModel",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
    "distinct_rows",
    "model_summary",
]
