"""Campaigns that bring customers back: playbooks, audiences, offers and messages.

A playbook (a plain TOML file) names an audience from the segments, an offer, the
channels and a message per channel and language. Planning a campaign picks the
customers who can be contacted under the contact rules, holds a stratified random
control group back, gives each recipient a coupon code no one can guess and renders
previews; the operational database (:func:`repeatly.store.open_store`) keeps opt-outs,
the do-not-contact list and what was sent. Coupons and their codes are
:mod:`repeatly.offers`.
"""

from repeatly.campaigns._control import control_group
from repeatly.campaigns._links import (
    link_base,
    short_base,
    short_unsubscribe_url,
    sign,
    unsubscribe_url,
    verify,
)
from repeatly.campaigns._messages import (
    FIELDS,
    Rendered,
    Templates,
    format_count,
    format_date,
    format_money,
    offer_text,
)
from repeatly.campaigns._offline import (
    CALL_RESULTS,
    RESPONSE_RESULTS,
    ImportedCalls,
    import_call_results,
    write_call_tasks,
    write_letters,
)
from repeatly.campaigns._optout import add_do_not_contact_file, unsubscribe_link
from repeatly.campaigns._plan import (
    CampaignPlan,
    audience_predicates,
    leads_audience,
    message_context,
    plan_campaign,
    plan_from_analysis,
    select_audience,
    stored_context,
    write_plan,
)
from repeatly.campaigns._playbooks import (
    CHANNELS,
    LANGUAGES,
    Message,
    Playbook,
    Step,
    builtin_playbooks,
    describe_audience,
    load_playbook,
    parse_audience,
    playbook_text,
)
from repeatly.campaigns._results import (
    CampaignResults,
    campaign_results,
    newcombe_interval,
    wilson_interval,
)
from repeatly.campaigns._rules import ADDRESS_FIELD, CONSENT_FIELD, ContactRules, reachable
from repeatly.campaigns._send import (
    UNKNOWN_POLICIES,
    SendResult,
    record_campaign,
    send_campaign,
)
from repeatly.campaigns._sms import SmsGateway, sms_parts
from repeatly.campaigns._smtp import SmtpSettings
from repeatly.campaigns._status import OUTCOMES, CampaignStatus, campaign_status
from repeatly.campaigns._unsubscribe import UnsubscribeAnswer, answer_unsubscribe
from repeatly.campaigns._why import reason_text
from repeatly.campaigns._words import CATEGORY_NAMES, first_name, translate_category

__all__ = [
    "ADDRESS_FIELD",
    "CALL_RESULTS",
    "CATEGORY_NAMES",
    "CHANNELS",
    "CONSENT_FIELD",
    "FIELDS",
    "LANGUAGES",
    "OUTCOMES",
    "RESPONSE_RESULTS",
    "UNKNOWN_POLICIES",
    "CampaignPlan",
    "CampaignResults",
    "CampaignStatus",
    "ContactRules",
    "ImportedCalls",
    "Message",
    "Playbook",
    "Rendered",
    "SendResult",
    "SmsGateway",
    "SmtpSettings",
    "Step",
    "Templates",
    "UnsubscribeAnswer",
    "add_do_not_contact_file",
    "answer_unsubscribe",
    "audience_predicates",
    "builtin_playbooks",
    "campaign_results",
    "campaign_status",
    "control_group",
    "describe_audience",
    "first_name",
    "format_count",
    "format_date",
    "format_money",
    "import_call_results",
    "leads_audience",
    "link_base",
    "load_playbook",
    "message_context",
    "newcombe_interval",
    "offer_text",
    "parse_audience",
    "plan_campaign",
    "plan_from_analysis",
    "playbook_text",
    "reachable",
    "reason_text",
    "record_campaign",
    "select_audience",
    "send_campaign",
    "short_base",
    "short_unsubscribe_url",
    "sign",
    "sms_parts",
    "stored_context",
    "translate_category",
    "unsubscribe_link",
    "unsubscribe_url",
    "verify",
    "wilson_interval",
    "write_call_tasks",
    "write_letters",
    "write_plan",
]
