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

import importlib
from typing import TYPE_CHECKING, Any

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

_SUBPACKAGES = {"analytics", "campaigns", "data", "datasets", "economics", "exceptions",
                "models", "segments"}
#: The private module each public function or class lives in.
_HOMES = {"Analysis": "_analysis", "analyze": "_analysis", "predict": "_prediction"}


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"repeatly.{name}")
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'repeatly' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"repeatly.{home}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
