"""All segments of every customer in one table, and the action each segment calls for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
from ibis import _

from repeatly.exceptions import InputError
from repeatly.prediction import GONE_BELOW
from repeatly.segments._behaviour import BehaviourRules, behaviour_segments, brand_news
from repeatly.segments._golden import golden_customers
from repeatly.segments._join import attach
from repeatly.segments._rfm import RFM_RULES, SegmentRule, rfm_scores
from repeatly.segments._status import StatusRules, customer_status

__all__ = ["ACTIONS", "CONTACT_FIELDS", "Action", "segment_customers"]

#: The customers' fields a list carries to reach them: contacts and consents.
CONTACT_FIELDS: tuple[str, ...] = (
    "customer_id",
    "name",
    "email",
    "phone",
    "city",
    "address",
    "consent_email",
    "consent_sms",
    "consent_phone",
    "consent_post",
)


@dataclass(frozen=True, slots=True)
class Action:
    """What to do with a segment: the list's name, the action, the offer, and why.

    ``script`` is what to say on the phone; the built-in actions' scripts (in English
    and Russian) are the contact workbook's own. ``label`` names its sheet (the
    segment's name when empty).
    """

    segment: str
    action: str
    offer: str
    reason: tuple[str, ...]  # the columns that show why a customer is in the list
    script: str = ""
    label: str = ""


#: The action lists, in the order of ease of return (most responsive first).
ACTIONS: tuple[Action, ...] = (
    Action(
        "golden",
        "VIP care: thank them personally, keep them close",
        "early access and a personal gift",
        ("margin", "golden_rank", "orders", "clv"),
    ),
    Action(
        "due",
        "Remind them: it is about time for their next purchase",
        "a reminder of what they usually buy",
        ("days_since", "cycle_days"),
    ),
    Action(
        "at_risk",
        "Win them before they leave",
        "a reminder with a small gift",
        ("days_since", "cycle_days", "cycles_overdue"),
    ),
    Action(
        "lost",
        "Win back",
        "a comeback discount",
        ("days_since", "cycle_days", "lost_on", "p_alive", "lost_by"),
    ),
    Action(
        "promo_hunter",
        "Invite them to the end-of-season sale",
        "a sale preview",
        ("promo_share", "late_share", "purchases"),
    ),
    Action(
        "early_full_price",
        "Give early access to the new collection",
        "early access, no discount",
        ("early_share", "purchases"),
    ),
    Action(
        "brand_fan",
        "Tell them about new arrivals of their brand",
        "new arrivals of the brand",
        ("brand_fan", "top_brand_share", "new_products", "last_brand_purchase", "purchases"),
    ),
    Action(
        "low_margin_only",
        "Steer them to higher-margin categories",
        "a coupon for a higher-margin category",
        ("categories", "purchases"),
    ),
    Action(
        "one_category",
        "Cross-sell a second category",
        "a bundle with a second category",
        ("top_category", "purchases"),
    ),
)


def segment_customers(
    summary: ir.Table,
    lines: ir.Table,
    *,
    customers: ir.Table | None = None,
    rfm_rules: tuple[SegmentRule, ...] = RFM_RULES,
    golden_share: float = 0.5,
    cycles: Mapping[str, float] | None = None,
    business_cycle: float | None = None,
    status_rules: StatusRules | None = None,
    behaviour_rules: BehaviourRules | None = None,
    gaps: ir.Table | None = None,
    category_gaps: ir.Table | None = None,
    orders: ir.Table | None = None,
    products: ir.Table | None = None,
    computed: Mapping[str, ir.Table] | None = None,
    forecast: ir.Table | None = None,
    lost_below: float = GONE_BELOW,
) -> ir.Table:
    """Every segment of every customer, with the numbers behind them.

    Parameters
    ----------
    summary
        The per-customer summary.
    lines
        Canonical order lines.
    customers
        The customers table, for contact fields (name, e-mail, phone, city, address,
        consents).
    rfm_rules, golden_share, cycles, business_cycle, status_rules, behaviour_rules
        Passed to :func:`rfm_scores`, :func:`golden_customers`,
        :func:`customer_status` and :func:`behaviour_segments`.
    gaps, category_gaps
        The purchase gaps when already computed, passed to :func:`customer_status`.
    orders
        The orders when already built, passed to :func:`behaviour_segments`.
    products
        The products table; with launch dates, brand fans get ``new_products`` (of their
        brand, launched since they last bought it) and ``last_brand_purchase``.
    computed
        ``"rfm"``, ``"golden"`` and ``"status"`` tables already computed with these
        same options (the status with this same ``forecast``), to use instead of
        computing them again.
    forecast
        Per-customer predictions (:attr:`repeatly.prediction.Forecast.customers`). With
        them, customers whose probability of still being a customer is below
        ``lost_below`` are lost too (``lost_by`` says ``"model"``; ``"cycle"`` for the
        cycle rule), the customers who bring ``golden_share`` of the predicted CLV are
        golden too (``golden_predicted``), and ``p_alive``, ``expected_purchases``,
        ``next_purchase_on`` and ``clv`` are added.
    lost_below
        The probability alive under which the forecast calls a customer lost.

    Returns
    -------
    ibis.Table
        One row per customer: ``customer_id, rfm_segment, status, golden,
        promo_hunter, early_full_price, brand_fan, low_margin_only, one_category``, the
        scores and numbers (``r, f, m, rfm, recency_days, last_purchase, orders, revenue, margin,
        golden_rank, cycle_days, cycle_source, days_since, cycles_overdue, lost_on,
        promo_share, late_share, early_share, top_brand_share, categories,
        top_category, purchases``), with ``forecast`` the predictions, and with
        ``customers`` the contact fields.
    """
    if not 0 <= lost_below < 1:
        raise InputError(f"lost_below: expected a probability below 1, got {lost_below}")
    computed = computed or {}
    rfm = computed.get("rfm")
    if rfm is None:
        rfm = rfm_scores(summary, rules=rfm_rules)
    rfm = rfm.select("customer_id", "r", "f", "m", "rfm", "rfm_segment")
    golden = computed.get("golden")
    if golden is None:
        golden = golden_customers(summary, share=golden_share)
    golden = golden.select("customer_id", "golden", "golden_rank")
    status = computed.get("status")
    if status is None:
        status = customer_status(
            summary,
            lines,
            cycles=cycles,
            business_cycle=business_cycle,
            rules=status_rules,
            gaps=gaps,
            category_gaps=category_gaps,
            forecast=forecast,
            lost_below=lost_below,
        )
    status = status.select(
        "customer_id",
        "status",
        "cycle_days",
        "cycle_source",
        "days_since",
        "cycles_overdue",
        "lost_on",
        *(["lost_by"] if "lost_by" in status.columns else []),
    )
    behaviour = behaviour_segments(lines, orders=orders, rules=behaviour_rules).drop("top_brand")
    base = summary.select(
        "customer_id",
        "recency_days",
        "orders",
        "revenue",
        "margin",
        "top_category",
        last_purchase=summary.last_purchase.cast("date"),
    )
    joined = base
    parts = [rfm, golden, status, behaviour]
    if products is not None:
        parts.append(brand_news(lines, products, behaviour).drop("brand_fan"))
    if forecast is not None:
        predicted = forecast.select(
            "customer_id", "p_alive", "expected_purchases", "next_purchase_on", "clv"
        )
        worth = summary.select("customer_id", "orders", "avg_order_value").join(
            predicted.select("customer_id", "clv"), "customer_id"
        )
        parts += [
            predicted,
            golden_customers(worth, share=golden_share, value="clv").select(
                "customer_id", golden_predicted=_.golden
            ),
        ]
    for part in parts:
        joined = attach(joined, part)
    names = ["golden", "promo_hunter", "early_full_price", "low_margin_only", "one_category"]
    if forecast is not None:
        names.append("golden_predicted")
    table = joined.mutate(**{name: ibis.coalesce(joined[name], False) for name in names})
    if forecast is not None:
        table = table.mutate(golden=table.golden | table.golden_predicted)
    order = [
        "customer_id",
        "rfm_segment",
        "status",
        "golden",
        "promo_hunter",
        "early_full_price",
        "brand_fan",
        "low_margin_only",
        "one_category",
    ]
    table = table.select(*order, *[c for c in table.columns if c not in order])
    if customers is not None:
        contact = customers.select(*CONTACT_FIELDS).distinct(on="customer_id", keep="first")
        table = attach(table, contact)
    return table
