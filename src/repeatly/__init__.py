"""Repeatly: find the money hidden in a customer base and bring customers back.

The main job is :func:`analyze`; :func:`predict` forecasts every customer. The layers
they are built from are public too: :mod:`repeatly.data` (loading),
:mod:`repeatly.analytics` (engine-side analytics), :mod:`repeatly.economics` (unit
economics and what-if), :mod:`repeatly.segments` (RFM, golden customers, cycles and
status), :mod:`repeatly.models` (buy-till-you-die and spend models, forecasts),
:mod:`repeatly.datasets` (demo and reference data) and :mod:`repeatly.campaigns`
(playbooks, audiences, control groups, coupons, messages and the operational
database). Each is imported on first use, so a command loads only what it needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from repeatly._lazy import lazy_names
from repeatly._version import __version__

if TYPE_CHECKING:
    from repeatly import (
        analytics,
        campaigns,
        data,
        datasets,
        economics,
        exceptions,
        models,
        segments,
    )
    from repeatly._analysis import Analysis, analyze
    from repeatly._prediction import predict

__all__ = [
    "Analysis",
    "__version__",
    "analytics",
    "analyze",
    "campaigns",
    "data",
    "datasets",
    "economics",
    "exceptions",
    "models",
    "predict",
    "segments",
]

__getattr__, __dir__ = lazy_names(
    globals(),
    {
        **{
            name: name
            for name in (
                "analytics",
                "campaigns",
                "data",
                "datasets",
                "economics",
                "exceptions",
                "models",
                "segments",
            )
        },
        "Analysis": "_analysis",
        "analyze": "_analysis",
        "predict": "_prediction",
    },
)
