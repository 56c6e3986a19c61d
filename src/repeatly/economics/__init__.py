"""Unit economics: what a customer costs, what they bring, and what the levers are worth."""

from repeatly.economics._headline import activity_figures
from repeatly.economics._metrics import (
    REPEAT_WINDOWS,
    lead_conversion,
    unit_economics,
    with_lead_counts,
)
from repeatly.economics._whatif import (
    Baseline,
    SaleEconomics,
    WhatIf,
    baseline_from_metrics,
    upsell_value,
    what_if,
)

__all__ = [
    "REPEAT_WINDOWS",
    "Baseline",
    "SaleEconomics",
    "WhatIf",
    "activity_figures",
    "baseline_from_metrics",
    "lead_conversion",
    "unit_economics",
    "upsell_value",
    "what_if",
    "with_lead_counts",
]
