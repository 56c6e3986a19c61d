"""Predictive models of customer behaviour (buy-till-you-die and spend): maths only.

The maths lives in vectorised numpy/scipy functions (``repeatly.models._bgnbd`` ...);
the estimators are thin: ``fit`` on (distinct, weighted) summaries, predict per row.
Nothing here knows an engine: the summaries come from
:func:`repeatly.analytics.model_summary`, and :func:`repeatly.prediction.forecast`
fits these models on them and joins the predictions back in the engine.

Names are imported on first use, so code that needs none of them does not load scipy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from repeatly._lazy import lazy_names

if TYPE_CHECKING:
    from repeatly.models._boundary import bound_note, limit_note
    from repeatly.models._covariates import BetaGeoCovariateModel, ParetoNBDCovariateModel
    from repeatly.models._estimators import (
        MODELS,
        BetaGeoBetaBinomModel,
        BetaGeoModel,
        GammaGammaModel,
        HistoryModel,
        ModifiedBetaGeoModel,
        ParetoNBDModel,
    )
    from repeatly.models._kernels import distinct_pairs

__all__ = [
    "MODELS",
    "BetaGeoBetaBinomModel",
    "BetaGeoCovariateModel",
    "BetaGeoModel",
    "GammaGammaModel",
    "HistoryModel",
    "ModifiedBetaGeoModel",
    "ParetoNBDCovariateModel",
    "ParetoNBDModel",
    "bound_note",
    "distinct_pairs",
    "limit_note",
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
        "HistoryModel": "_estimators",
        "ModifiedBetaGeoModel": "_estimators",
        "ParetoNBDModel": "_estimators",
        "bound_note": "_boundary",
        "limit_note": "_boundary",
        "distinct_pairs": "_kernels",
    },
)
