"""Repeatly: find the money hidden in a customer base and bring customers back.

The main job is :func:`analyze`; :func:`predict` forecasts every customer. The layers
they are built from are public too: :mod:`repeatly.data` (loading),
:mod:`repeatly.analytics` (engine-side analytics), :mod:`repeatly.economics` (unit
economics and what-if), :mod:`repeatly.segments` (RFM, golden customers, cycles and
status), :mod:`repeatly.models` (buy-till-you-die and spend models, forecasts) and
:mod:`repeatly.datasets` (demo and reference data). :mod:`repeatly.campaigns` (playbooks,
audiences, control groups, coupons, messages and the operational database) is imported
on first use, so commands that do not need a database do not load one.
"""

from repeatly import analytics, data, datasets, economics, exceptions, models, segments
from repeatly._analysis import Analysis, analyze
from repeatly._prediction import predict
from repeatly._version import __version__

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


def __getattr__(name: str) -> object:
    if name == "campaigns":
        import importlib

        return importlib.import_module("repeatly.campaigns")
    raise AttributeError(f"module 'repeatly' has no attribute {name!r}")
