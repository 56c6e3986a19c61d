"""Jobs: typed requests in, typed results out, each in a workspace of its own.

A job loads what it needs, runs the analytics in the engine and the models in numpy,
and returns a result with a JSON form. The faces (the command line, the report, later
the API and the web pages) call these and render what they return; they hold no logic
of their own.
"""

from typing import TYPE_CHECKING

from repeatly._lazy import lazy_names

if TYPE_CHECKING:
    from repeatly.jobs._analysis import (
        Analysis,
        AnalysisTables,
        Levers,
        Metrics,
        SegmentParts,
        SegmentTables,
    )
    from repeatly.jobs._analyze import analyze
    from repeatly.jobs._campaign import PlanOptions, Senders, measure, plan, send, status
    from repeatly.jobs._demo import Demo, demo
    from repeatly.jobs._history import CampaignHistory, PlantedCampaign, campaign_history
    from repeatly.jobs._options import AnalyzeOptions, LoadOptions, parse_date
    from repeatly.jobs._predict import predict
    from repeatly.jobs._segment import Segmentation, SegmentOptions, segment

__all__ = [
    "Analysis",
    "AnalysisTables",
    "AnalyzeOptions",
    "CampaignHistory",
    "Demo",
    "Levers",
    "LoadOptions",
    "Metrics",
    "PlanOptions",
    "PlantedCampaign",
    "SegmentOptions",
    "SegmentParts",
    "SegmentTables",
    "Segmentation",
    "Senders",
    "analyze",
    "campaign_history",
    "demo",
    "measure",
    "parse_date",
    "plan",
    "predict",
    "segment",
    "send",
    "status",
]

# each job loads only what it needs: `repeatly.predict` does not load the campaigns
__getattr__, __dir__ = lazy_names(
    globals(),
    {
        **dict.fromkeys(
            ("Analysis", "AnalysisTables", "Levers", "Metrics", "SegmentParts", "SegmentTables"),
            "_analysis",
        ),
        "analyze": "_analyze",
        **dict.fromkeys(
            ("PlanOptions", "Senders", "measure", "plan", "send", "status"), "_campaign"
        ),
        **dict.fromkeys(("Demo", "demo"), "_demo"),
        **dict.fromkeys(("CampaignHistory", "PlantedCampaign", "campaign_history"), "_history"),
        **dict.fromkeys(("AnalyzeOptions", "LoadOptions", "parse_date"), "_options"),
        "predict": "_predict",
        **dict.fromkeys(("SegmentOptions", "Segmentation", "segment"), "_segment"),
    },
)
