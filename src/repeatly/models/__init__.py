"""Predictive models of customer behaviour (buy-till-you-die and spend).

The maths lives in vectorised numpy/scipy functions (``repeatly.models._bgnbd`` ...);
the estimators are thin: ``fit`` on (distinct, weighted) summaries, predict per row.

Names are imported on first use, so code that needs only the summaries (or nothing of
this package) does not load scipy and the estimators.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from repeatly._lazy import lazy_names

if TYPE_CHECKING:
    from repeatly.models._covariates import BetaGeoCovariateModel, ParetoNBDCovariateModel
    from repeatly.models._estimators import (
        MODELS,
        BetaGeoBetaBinomModel,
        BetaGeoModel,
        GammaGammaModel,
        ModifiedBetaGeoModel,
        ParetoNBDModel,
    )
    from repeatly.models._forecast import AUTO_MODELS, Forecast, forecast
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

__getattr__, __dir__ = lazy_names(
    globals(),
    {
        "BetaGeoCovariateModel": "_covariates",
        "ParetoNBDCovariateModel": "_covariates",
        "MODELS": "_estimators",
        "BetaGeoBetaBinomModel": "_estimators",
        "BetaGeoModel": "_estimators",
        "GammaGammaModel": "_estimators",
        "ModifiedBetaGeoModel": "_estimators",
        "ParetoNBDModel": "_estimators",
        "AUTO_MODELS": "_forecast",
        "Forecast": "_forecast",
        "forecast": "_forecast",
        "UNIT_DAYS": "_prep",
        "distinct_rows": "_prep",
        "model_summary": "_prep",
        "period_summary": "_prep",
    },
)
