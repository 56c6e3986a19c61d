"""Repeatly: find the money hidden in a customer base and bring customers back.

The main job is :func:`analyze`; :func:`predict` forecasts every customer; both come
from :mod:`repeatly.jobs`, which also types their options and results. The layers they
are built from are public too: :mod:`repeatly.data` (loading), :mod:`repeatly.analytics`
(engine-side analytics), :mod:`repeatly.economics` (unit economics and what-if),
:mod:`repeatly.models` (buy-till-you-die and spend models),
:mod:`repeatly.prediction` (every customer's forecast),
:mod:`repeatly.segments` (RFM, golden customers, cycles and status),
:mod:`repeatly.campaigns` (playbooks, audiences, control groups, messages, sending),
:mod:`repeatly.offers` (coupons), :mod:`repeatly.store` (the operational database),
:mod:`repeatly.workspace` (a job's engine tables), :mod:`repeatly.settings` and
:mod:`repeatly.datasets` (demo and reference data). Each is imported on first use, so a
command loads only what it needs; ``docs/architecture.md`` shows how they fit.
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
        jobs,
        models,
        offers,
        prediction,
        segments,
        settings,
        store,
        workspace,
    )
    from repeatly.jobs import Analysis, analyze, predict

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
    "jobs",
    "models",
    "offers",
    "predict",
    "prediction",
    "segments",
    "settings",
    "store",
    "workspace",
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
                "jobs",
                "models",
                "offers",
                "prediction",
                "segments",
                "settings",
                "store",
                "workspace",
            )
        },
        "Analysis": "jobs",
        "analyze": "jobs",
        "predict": "jobs",
    },
)
