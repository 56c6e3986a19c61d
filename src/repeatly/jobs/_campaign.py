"""The campaign jobs: plan a campaign on an analysis, send it, measure it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from repeatly.campaigns import (
    LANGUAGES,
    CampaignPlan,
    CampaignResults,
    CampaignStatus,
    ContactRules,
    Playbook,
    SendResult,
    SmsGateway,
    SmtpSettings,
    campaign_results,
    campaign_status,
    load_playbook,
    plan_from_analysis,
    send_campaign,
)
from repeatly.exceptions import InputError
from repeatly.jobs._analyze import analyze
from repeatly.jobs._inputs import Source, load_orders
from repeatly.jobs._options import AnalyzeOptions, LoadOptions, check_choice
from repeatly.store import open_store
from repeatly.workspace import Workspace

if TYPE_CHECKING:
    from repeatly.jobs._analyze import Progress

__all__ = ["PlanOptions", "Senders", "measure", "plan", "send", "status"]

#: The order-line roles measuring a campaign reads.
MEASURE_ROLES = ("customer_id", "ordered_at", "amount", "cost", "margin")


@dataclass(frozen=True, kw_only=True)
class PlanOptions:
    """How to plan a campaign (see :func:`repeatly.campaigns.plan_campaign`).

    Parameters
    ----------
    playbook
        A :class:`~repeatly.campaigns.Playbook`, a built-in playbook's name or a
        playbook file; it is read when the options are made, so a wrong playbook stops
        before any input is read.
    language
        Language of the messages, ``"en"`` or ``"ru"``.
    name, seed, control_share
        The campaign's name, the seed of its control group's draw and the share held
        back (defaults: the playbook's last campaign, continued, or a new one named by
        the playbook and start day; a seed from the name; the playbook's share).
    new
        Start a new campaign of the playbook rather than continue its last one.
    max_per_week
        At most this many messages to a customer in 7 days.
    shop
        The shop's ``name``, ``url``, ``phone``, ``email`` and ``address`` for the
        messages (they override the playbook's ``[shop]``).
    currency
        Currency written after amounts in offers.
    db
        The operational database's URL (default: the settings' ``db``).
    audience
        Who to plan for instead of the playbook's own audience, in its terms
        (``{"status": ["at_risk"]}``): how the action plan starts a playbook on
        another group (:mod:`repeatly.actions`).
    """

    playbook: Playbook | str | Path
    language: str = "en"
    name: str | None = None
    new: bool = False
    seed: int | None = None
    control_share: float | None = None
    max_per_week: int = 2
    shop: Mapping[str, str] = field(default_factory=dict)
    currency: str = ""
    db: str | None = None
    audience: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.playbook, Playbook):
            object.__setattr__(self, "playbook", load_playbook(self.playbook))
        if self.audience is not None:
            if not self.audience:
                raise InputError("audience: expected at least one condition", option="audience")
            book = replace(self.playbook, audience=dict(self.audience))  # type: ignore[type-var]
            object.__setattr__(self, "playbook", book)
        check_choice("lang", self.language, LANGUAGES)
        object.__setattr__(self, "shop", {k: v for k, v in self.shop.items() if v})
        ContactRules(max_per_week=self.max_per_week)  # the cap is checked now, not later

    @property
    def shop_fields(self) -> dict[str, str]:
        """The shop as the messages will show it: the playbook's ``[shop]``, overridden."""
        book = self.playbook if isinstance(self.playbook, Playbook) else None
        return {**(book.shop if book else {}), **self.shop}

    @property
    def rules(self) -> ContactRules:
        """The contact rules every campaign keeps."""
        return ContactRules(max_per_week=self.max_per_week)

    def planning(self) -> dict[str, Any]:
        """The keywords of :func:`repeatly.campaigns.plan_campaign` these options give."""
        return {
            "name": self.name,
            "new": self.new,
            "seed": self.seed,
            "control_share": self.control_share,
            "language": self.language,
            "rules": self.rules,
            "shop": dict(self.shop),
            "currency": self.currency,
        }


def plan(
    orders: Source,
    options: PlanOptions,
    *,
    customers: Source | None = None,
    products: Source | None = None,
    spend: Source | None = None,
    leads: Source | None = None,
    analysis: AnalyzeOptions | None = None,
    progress: Progress | None = None,
) -> CampaignPlan:
    """Analyse the orders and plan a campaign on them; nothing is sent or recorded.

    The plan reads the operational database (opt-outs, do-not-contact, recent messages,
    past answers, the secret key of the coupon codes) and says who would get what.
    The inputs and ``analysis`` (its options) are as for :func:`repeatly.analyze`.
    """
    step: Any = progress or (lambda label: None)
    analysed = analyze(
        orders,
        customers=customers,
        products=products,
        spend=spend,
        leads=leads,
        options=analysis,
        progress=step,
    )
    with analysed:
        step("Planning the campaign")
        with open_store(options.db) as store:
            return plan_from_analysis(options.playbook, analysed, store=store, **options.planning())


@dataclass(frozen=True, kw_only=True)
class Senders:
    """Who delivers the messages.

    The mail server, the SMS gateway, and a folder for the call sheet and the letters;
    the messages of a channel without its sender wait.
    """

    smtp: SmtpSettings | None = None
    sms: SmsGateway | None = None
    files: Path | None = None


def send(
    campaign: CampaignPlan,
    senders: Senders,
    *,
    db: str | None = None,
    now: dt.datetime | None = None,
    rules: ContactRules | None = None,
    unknown: Literal["retry", "sent", "hold"] = "retry",
) -> SendResult:
    """Record a planned campaign (once) and send the messages that are due, each once.

    ``now`` is the moment of sending (default: the clock); a naive moment is the
    machine's local time. ``unknown`` settles the messages an earlier run handed over
    without an answer (see :func:`repeatly.campaigns.send_campaign`).
    """
    moment = now or dt.datetime.now(dt.UTC)
    with open_store(db) as store:
        return send_campaign(
            campaign,
            store,
            smtp=senders.smtp,
            sms=senders.sms,
            files=senders.files,
            now=moment,
            rules=rules,
            unknown=unknown,
        )


def status(campaign: str, *, db: str | None = None) -> CampaignStatus:
    """Where a recorded campaign stands: its messages by channel and outcome."""
    with open_store(db) as store:
        return campaign_status(store, campaign)


def measure(
    campaign: str,
    orders: Source,
    *,
    loading: LoadOptions | None = None,
    db: str | None = None,
    window_days: int = 30,
    margin_rate: float | None = None,
    progress: Progress | None = None,
) -> CampaignResults:
    """Measure a recorded campaign on the orders of its attribution window."""
    loading = loading or LoadOptions()
    step: Any = progress or (lambda label: None)
    step("Loading orders")
    workspace, loaded = load_orders(
        Workspace(), orders, loading, mapping=loading.mapping, roles=MEASURE_ROLES
    )
    with workspace:
        step("Measuring")
        with open_store(db) as store:
            return campaign_results(
                store, campaign, loaded.table, window_days=window_days, margin_rate=margin_rate
            )
