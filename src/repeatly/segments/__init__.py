"""Segments that call for action: RFM, golden customers, purchase cycles and status.

Every function takes Ibis tables (the per-customer summary, orders or order lines) and
returns Ibis expressions, so segments are computed where the data is.
"""

from repeatly.segments._assemble import ACTIONS, Action, segment_customers
from repeatly.segments._behaviour import BehaviourRules, behaviour_segments, season_day
from repeatly.segments._export import MAX_SHEET_ROWS, segment_lists, write_segments
from repeatly.segments._golden import golden_customers, golden_share_by_month, pareto_curve
from repeatly.segments._rfm import RFM_RULES, SegmentRule, rfm_cutoffs, rfm_scores
from repeatly.segments._status import (
    STATUSES,
    StatusRules,
    category_cycles,
    customer_status,
    lost_by_month,
)

__all__ = [
    "ACTIONS",
    "MAX_SHEET_ROWS",
    "RFM_RULES",
    "STATUSES",
    "Action",
    "BehaviourRules",
    "SegmentRule",
    "StatusRules",
    "behaviour_segments",
    "category_cycles",
    "customer_status",
    "golden_customers",
    "golden_share_by_month",
    "lost_by_month",
    "pareto_curve",
    "rfm_cutoffs",
    "rfm_scores",
    "season_day",
    "segment_customers",
    "segment_lists",
    "write_segments",
]
