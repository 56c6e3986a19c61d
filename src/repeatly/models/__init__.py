"""Predictive models of customer behaviour (buy-till-you-die and spend).

The maths lives in vectorised numpy/scipy functions (``repeatly.models._bgnbd`` ...);
the estimators are thin: ``fit`` on (distinct, weighted) summaries, predict per row.
"""

from repeatly.models._covariates import BetaGeoCovariateModel, ParetoNBDCovariateModel
from repeatly.models._estimators import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
)
from repeatly.models._forecast import AUTO_MODELS, MODELS, Forecast, forecast
from repeatly.models._prep import UNIT_DAYS, distinct_rows, model_summary, period_summary

__all__ = [
    "AUTO_MODELS",
    "MODELS",
    "UNIT_DAYS",
    "BetaGeoBetaBinomModel",
    "BetaGeoCovariateModel",
    "BetaGeoModel",
    "Forecast",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "ParetoNBDCovariateModel",
    "ParetoNBDModel",
    "distinct_rows",
    "forecast",
    "model_summary",
    "period_summary",
]
