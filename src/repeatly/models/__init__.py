"""Predictive models of customer behaviour (buy-till-you-die and spend).

The maths lives in vectorised numpy/scipy functions (``repeatly.models._bgnbd`` ...);
the estimators are thin: ``fit`` on (distinct, weighted) summaries, predict per row.
"""

from repeatly.models._estimators import BetaGeoModel, GammaGammaModel

__all__ = ["BetaGeoModel", "GammaGammaModel"]
