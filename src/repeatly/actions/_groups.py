"""The groups of customers that call for an action, and what each is expected to bring.

A group is an audience in the playbooks' own terms (``{"status": ["lost"]}``), so the
campaign that acts on it picks exactly the customers the plan counted. Each group has
the built-in playbook that acts on it and a prior response: the share of the group who
buy within the campaign's window anyway (``baseline``) and the extra share a campaign
brings (``uplift``). A measured campaign of the same playbook on the same group
replaces the prior.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from repeatly.exceptions import InputError

__all__ = ["GROUPS", "PRIOR_SOURCE", "ActionGroup"]

#: Where the priors come from, said wherever one is used.
PRIOR_SOURCE = (
    "Repeatly's default assumption for this kind of campaign, not measured on your "
    "shop; measure your first campaign (it keeps a control group) to replace it"
)


@dataclass(frozen=True, slots=True)
class ActionGroup:
    """A group of customers, the playbook that acts on it, and its prior response.

    Parameters
    ----------
    name
        The group's identifier (``lost``, ``golden``, ...).
    playbook
        The built-in playbook that acts on it.
    audience
        Who is in it, as a playbook's ``[audience]`` (column -> condition); empty for
        the leads, who come from the leads file.
    uplift
        Prior: the extra share of the group who buy within the window because of the
        campaign (for referrals: new customers brought per customer invited).
    baseline
        Prior: the share who buy within the window anyway (they use the offer too,
        and that is a cost).
    source
        ``"customers"``, or ``"leads"`` for leads who never bought.
    """

    name: str
    playbook: str
    audience: Mapping[str, Any] = field(default_factory=dict)
    uplift: float = 0.0
    baseline: float = 0.0
    source: str = "customers"

    def __post_init__(self) -> None:
        for label, share in (("uplift", self.uplift), ("baseline", self.baseline)):
            if not 0 <= share <= 1:
                raise InputError(f"{self.name}: {label} expected a share from 0 to 1, got {share}")
        if self.source not in ("customers", "leads"):
            raise InputError(f"{self.name}: source expected customers or leads, got {self.source}")


#: The groups the action plan looks at, before it orders them by expected profit.
GROUPS: tuple[ActionGroup, ...] = (
    ActionGroup("lost", "win_back", {"status": ["lost"]}, uplift=0.03, baseline=0.01),
    ActionGroup("at_risk", "win_back", {"status": ["at_risk"]}, uplift=0.05, baseline=0.05),
    ActionGroup("due", "cycle_reminder", {"status": ["due"]}, uplift=0.06, baseline=0.15),
    ActionGroup("new", "thank_you", {"status": ["new"]}, uplift=0.04, baseline=0.10),
    ActionGroup("golden", "golden_care", {"golden": True}, uplift=0.05, baseline=0.30),
    ActionGroup(
        "promo_hunter", "end_of_season", {"promo_hunter": True}, uplift=0.08, baseline=0.10
    ),
    ActionGroup("brand_fan", "new_arrivals", {"brand_fan": True}, uplift=0.06, baseline=0.10),
    ActionGroup(
        "low_margin_only", "cross_sell", {"low_margin_only": True}, uplift=0.03, baseline=0.10
    ),
    ActionGroup(
        "referral", "referral", {"rfm_segment": ["Champions", "Loyal"]}, uplift=0.02, baseline=0.0
    ),
    ActionGroup("leads", "lead_follow_up", uplift=0.03, baseline=0.02, source="leads"),
)
