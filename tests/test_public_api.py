"""Each package's ``__all__`` is exactly what is meant to be public, and all of it exists."""

from __future__ import annotations

import importlib

import pytest

PUBLIC = {
    "repeatly": {"Analysis", "__version__", "analytics", "analyze", "campaigns", "data",
                 "datasets",
                 "economics", "exceptions", "models", "predict", "segments"},
    "repeatly.data": {"CUSTOMERS", "DataQuality", "LEADS", "Loaded", "ORDERS", "PRODUCTS",
                      "Role", "SPEND", "TABLES", "TableSpec", "detect_roles", "from_frame",
                      "load_customers", "load_leads", "load_orders", "load_products",
                      "load_spend", "load_table", "loaded_from_table", "parse_mapping",
                      "with_products"},
    "repeatly.analytics": {"DEFAULT_GAP_BINS", "cohorts", "customer_summary", "gap_histogram",
                           "gap_stats", "line_margin", "money_sum", "month_index",
                           "month_start", "monthly_activity", "orders_from_lines",
                           "purchase_gaps"},
    "repeatly.economics": {"Baseline", "REPEAT_WINDOWS", "SaleEconomics", "WhatIf",
                           "baseline_from_metrics", "lead_conversion", "unit_economics",
                           "upsell_value", "what_if", "with_lead_counts"},
    "repeatly.datasets": {"CATEGORIES", "Shop", "TYPES", "load_cdnow", "load_cdnow_summary",
                          "load_donations", "make_shop"},
    "repeatly.segments": {"ACTIONS", "EARTH_RADIUS_KM", "MAX_SHEET_ROWS", "NOT_YET", "PERIOD_DAYS",
                          "RFM_RULES", "STATUSES", "Action", "BehaviourRules", "SegmentRule",
                          "StatusRules", "behaviour_segments", "brand_news", "category_cycles",
                          "contact_priority", "customer_status", "customers_never_bought",
                          "distance_km", "golden_customers", "golden_share_by_month",
                          "lapsed_customers", "leads_never_bought", "lost_by_month",
                          "movement_inputs", "movement_matrix", "near", "pareto_curve",
                          "reach_lists", "rfm_cutoffs", "rfm_scores", "season_day",
                          "segment_customers", "segment_lists", "segment_movement",
                          "segment_overview", "write_segments"},
    "repeatly.exceptions": {"ConvergenceError", "ConvergenceWarning", "DataValidationError",
                            "InputError", "MappingError", "MissingDependencyError",
                            "NotFittedError", "PlaybookError", "Problem", "RepeatlyError",
                            "StoreError"},
    "repeatly.campaigns": {"ADDRESS_FIELD", "ALPHABET", "CALL_RESULTS", "CHANNELS", "CONSENT_FIELD",
                           "CampaignPlan", "CampaignResults", "ContactRules", "Coupon",
                           "DEFAULT_URL", "FIELDS", "ImportedCalls", "LANGUAGES", "Message",
                           "Offer", "Playbook", "RESPONSE_RESULTS", "Rendered", "SendResult",
                           "SmsGateway", "SmtpSettings", "Step", "Store", "Templates",
                           "add_do_not_contact_file", "builtin_playbooks", "campaign_results",
                           "contact_key", "control_group", "coupon_code", "describe_audience",
                           "format_count", "format_date", "format_money", "import_call_results",
                           "load_playbook", "message_context", "newcombe_interval", "offer_text",
                           "open_store", "plan_campaign", "plan_from_analysis", "playbook_text",
                           "reachable", "record_campaign", "send_campaign", "sign", "sms_parts",
                           "unsubscribe_link", "verify", "wilson_interval", "write_call_tasks",
                           "write_letters", "write_plan", "write_results"},
    "repeatly.models": {"AUTO_MODELS", "MODELS", "UNIT_DAYS", "BetaGeoBetaBinomModel",
                        "BetaGeoCovariateModel", "BetaGeoModel", "Forecast",
                        "GammaGammaModel", "ModifiedBetaGeoModel", "ParetoNBDCovariateModel",
                        "ParetoNBDModel", "distinct_rows", "forecast", "model_summary",
                        "period_summary"},
    "repeatly.report": {"html_table", "render_campaign_report", "render_forecast_report",
                        "render_report",
                        "write_outputs"},
    "repeatly.cli": {"app", "main"},
}


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_all_is_exactly_the_public_api(name):
    module = importlib.import_module(name)
    assert set(module.__all__) == PUBLIC[name]
    assert len(module.__all__) == len(set(module.__all__))
    for attr in module.__all__:
        assert hasattr(module, attr), f"{name}.{attr}"
