"""Segments that call for action: RFM, golden customers, purchase cycles and status.

Every function takes Ibis tables (the per-customer summary, orders or order lines) and
returns Ibis expressions, so segments are computed where the data is.
"""

from repeatly.segments._assemble import ACTIONS, CONTACT_FIELDS, Action, segment_customers
from repeatly.segments._behaviour import (
    BehaviourRules,
    behaviour_segments,
    brand_news,
    season_day,
)
from repeatly.segments._export import (
    MAX_SHEET_ROWS,
    segment_lists,
    write_contact_workbook,
    write_segments,
)
from repeatly.segments._geo import EARTH_RADIUS_KM, distance_km, near
from repeatly.segments._golden import golden_customers, golden_share_by_month, pareto_curve
from repeatly.segments._movement import (
    NOT_YET,
    movement_inputs,
    movement_matrix,
    segment_movement,
)
from repeatly.segments._overview import segment_overview
from repeatly.segments._reach import (
    PERIOD_DAYS,
    contact_priority,
    customers_never_bought,
    lapsed_customers,
    leads_never_bought,
    reach_lists,
)
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
    "CONTACT_FIELDS",
    "EARTH_RADIUS_KM",
    "MAX_SHEET_ROWS",
    "NOT_YET",
    "PERIOD_DAYS",
    "RFM_RULES",
    "STATUSES",
    "Action",
    "BehaviourRules",
    "SegmentRule",
    "StatusRules",
    "behaviour_segments",
    "brand_news",
    "category_cycles",
    "contact_priority",
    "customer_status",
    "customers_never_bought",
    "distance_km",
    "golden_customers",
    "golden_share_by_month",
    "lapsed_customers",
    "leads_never_bought",
    "lost_by_month",
    "movement_inputs",
    "movement_matrix",
    "near",
    "pareto_curve",
    "reach_lists",
    "rfm_cutoffs",
    "rfm_scores",
    "season_day",
    "segment_customers",
    "segment_lists",
    "segment_movement",
    "segment_overview",
    "write_contact_workbook",
    "write_segments",
]
