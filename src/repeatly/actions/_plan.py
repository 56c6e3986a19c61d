"""The action plan: which group to contact, with what, and what it will bring.

Every count comes from the customers' one state (:meth:`repeatly.Analysis.segments`),
with the groups' audiences read the way a campaign reads them, so the plan's "2,104
lost customers" is the campaign's audience plus its exclusions.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis

from repeatly._files import atomic_write
from repeatly._json import plain
from repeatly._safe import write_csv
from repeatly.actions._groups import GROUPS, PRIOR_SOURCE, ActionGroup
from repeatly.actions._words import GROUP_SCRIPTS, group_label
from repeatly.campaigns import (
    ADDRESS_FIELD,
    CONSENT_FIELD,
    audience_predicates,
    leads_audience,
    load_playbook,
    offer_text,
    select_audience,
)
from repeatly.segments import write_contact_workbook

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from repeatly.campaigns import CampaignResults, Playbook

__all__ = [
    "COLUMNS",
    "ActionPlan",
    "PlannedAction",
    "action_plan",
    "group_members",
    "write_actions",
]

#: The columns of ``actions.csv``, in order (``actions.json`` has these and more).
COLUMNS = (
    "priority",
    "group",
    "title",
    "what_to_do",
    "customers",
    "reachable",
    "value",
    "playbook",
    "offer",
    "offer_cost",
    "expected_profit",
    "list",
    "command",
)


@dataclass(frozen=True, kw_only=True)
class PlannedAction:
    """One group's action: who, what they are worth, what to send, what it will bring.

    ``value`` is the group's predicted value (the sum of their CLV) when the analysis
    predicted, else the margin they have brought so far (``value_basis`` says which);
    ``None`` for leads, who have brought nothing yet.
    ``title`` and ``what_to_do`` name the group and its action in the plan's language.
    ``offer_cost`` is what the offer is expected to cost (the discount given to
    everyone in the treated group who buys, those who would have bought anyway
    included), and ``expected_profit`` the extra margin the campaign is expected to
    bring less that cost. ``response`` holds the shares used and where they came from.
    """

    priority: int
    group: str
    title: str
    what_to_do: str
    customers: int
    reachable: int
    value: float | None
    value_basis: str
    playbook: str
    offer: str
    offer_terms: dict[str, Any]
    offer_cost: float
    expected_profit: float
    expected_buyers: float
    margin_per_order: float
    control_share: float
    response: dict[str, Any]
    audience: dict[str, Any]
    list: str
    command: str

    def to_dict(self) -> dict[str, Any]:
        """The action as plain JSON-ready data."""
        return plain(asdict(self))


@dataclass(frozen=True, kw_only=True)
class ActionPlan:
    """The actions, the most profitable first, with the day they look from.

    ``contacts`` says whether the state had contact fields (without them every
    customer counts as reachable); ``left_out`` names the groups the state cannot tell
    (a column their audience needs is missing), and ``notes`` says why in words.
    """

    as_of: dt.date
    currency: str
    actions: list[PlannedAction]
    contacts: bool = True
    left_out: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_records(self) -> list[dict[str, Any]]:
        """``actions.json``: a list of objects, the most profitable action first."""
        return [action.to_dict() for action in self.actions]

    def to_dict(self) -> dict[str, Any]:
        """The plan with its day, currency and notes."""
        return {
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "contacts": self.contacts,
            "left_out": list(self.left_out),
            "notes": list(self.notes),
            "actions": self.to_records(),
        }

    def frame(self) -> pd.DataFrame:
        """The actions as a table with :data:`COLUMNS`."""
        import pandas as pd

        rows = [{c: getattr(a, c) for c in COLUMNS} for a in self.actions]
        return pd.DataFrame(rows, columns=list(COLUMNS))

    def group(self, name: str) -> PlannedAction:
        """The action of one group (``KeyError`` when the plan has none)."""
        for action in self.actions:
            if action.group == name:
                return action
        raise KeyError(name)


def action_plan(
    state: ir.Table,
    *,
    as_of: dt.date,
    currency: str = "USD",
    language: str = "en",
    groups: Sequence[ActionGroup] = GROUPS,
    measured: Sequence[CampaignResults] = (),
    leads: ir.Table | None = None,
    first_order_margin: float | None = None,
    inputs: Mapping[str, str] | None = None,
    predict: bool = False,
    control_share: float | None = None,
    reading: Sequence[str] = (),
) -> ActionPlan:
    """What to do now: each group's size, value, playbook, offer, cost and profit.

    Parameters
    ----------
    state
        Every customer's state (:meth:`repeatly.Analysis.segments`): status, flags,
        ``margin``, ``orders``, ``revenue``, with ``clv`` when predicted and the
        contact fields when a customers file was given.
    as_of
        The day the state describes.
    currency, language
        For the offers' words (``20% off``, ``скидка 20%``).
    groups
        The groups to look at (:data:`GROUPS`).
    measured
        Measured campaigns (:meth:`repeatly.Analysis.measure_campaigns`): a group
        whose playbook was measured on the same audience takes its measured profit
        per treated customer instead of the prior.
    leads
        The leads who never bought (:func:`repeatly.segments.leads_never_bought`);
        without them the ``leads`` group is left out.
    first_order_margin
        The margin of a first order, for what a lead or a referred customer brings.
    inputs
        The input files by role (``orders``, ``customers``, ...), for the command
        that starts each campaign.
    predict
        Whether the analysis predicted (the command then asks for it too, so the
        campaign counts the same customers).
    control_share
        The share a campaign holds back as control (not treated, no offer); each
        playbook's own (usually 10%) when not given.
    reading
        The options the inputs were read with (``--map amount=Total``, ``--sheet 2``,
        ...), repeated in each command so that the campaign reads the same customers.

    Returns
    -------
    ActionPlan
        The actions with at least one customer, the most expected profit first.
    """
    columns = set(state.columns)
    has_contacts = bool({"email", "phone", "address"} & columns)
    predicted = "clv" in columns
    notes: list[str] = []
    if not has_contacts:
        notes.append(
            "no customers file with contacts: every customer is counted as reachable; "
            "give one (--customers) to count only those who agreed to be contacted"
        )
    missing = [g for g in groups if g.source == "customers" and not set(g.audience) <= columns]
    for group in missing:
        notes.append(
            f"{group.name}: left out, the customers' state has no "
            + ", ".join(sorted(set(group.audience) - columns))
        )
    groups = [g for g in groups if g not in missing]
    figures = _group_figures(state, groups, has_contacts=has_contacts, predicted=predicted)
    planned = []
    found: dict[str, Any]
    for group in groups:
        book = _playbook(group.playbook)
        if group.source == "leads":
            if leads is None:
                continue
            picked = _leads_picked(leads, book.audience, as_of)
            n = int(picked.count().execute())
            found = {
                "customers": n,
                "reachable": int(
                    picked.count(
                        where=picked.email.notnull() & (picked.email.strip() != "")
                    ).execute()
                ),
                "value": None,
                "margin": 0.0,
                "revenue": 0.0,
                "orders": 0,
            }
            per_order = float(first_order_margin or 0.0)
            aov = per_order
        else:
            found = figures[group.name]
            orders = found["orders"]
            per_order = found["margin"] / orders if orders else 0.0
            aov = found["revenue"] / orders if orders else 0.0
        if not found["customers"]:
            continue
        if group.name == "referral":  # an invited customer's extra buyer is a new one
            per_order = float(first_order_margin or per_order)
        held = book.control_share if control_share is None else control_share
        treated = found["reachable"] * (1.0 - held)
        cost_each = _redemption_cost(book.offer.kind, book.offer.value, aov)
        response = _response(group, book.name, measured)
        if "profit_per_treated" in response:
            profit = treated * response["profit_per_treated"]
            offer_cost = treated * response["offer_cost_per_treated"]
            buyers = treated * response["uplift"]
        else:
            buyers = treated * group.uplift
            redeemed = treated * (group.baseline + group.uplift)
            if group.name == "referral":
                redeemed = buyers  # the reward goes with each referred customer
            offer_cost = redeemed * cost_each
            profit = buyers * per_order - offer_cost
        title, todo = group_label(group.name, language)
        planned.append(
            {
                "group": group.name,
                "title": title,
                "what_to_do": todo,
                "customers": int(found["customers"]),
                "reachable": int(found["reachable"]),
                "value": None if found["value"] is None else round(float(found["value"]), 2),
                "value_basis": "predicted" if predicted else "historical",
                "playbook": book.name,
                "offer": offer_text(book.offer, language, currency) or _no_offer(language),
                "offer_terms": {
                    "kind": book.offer.kind,
                    "value": book.offer.value,
                    "valid_days": book.offer.valid_days,
                },
                "offer_cost": round(offer_cost, 2),
                "expected_profit": round(profit, 2),
                "expected_buyers": round(buyers, 1),
                "margin_per_order": round(per_order, 2),
                "control_share": held,
                "response": response,
                "audience": dict(group.audience),
                "list": f"actions/{group.name}.csv",
                "command": _command(
                    group, book.audience, inputs, as_of, predict, language, reading
                ),
            }
        )
    planned.sort(key=lambda a: (-a["expected_profit"], a["group"]))
    actions = [PlannedAction(priority=i, **a) for i, a in enumerate(planned, start=1)]
    return ActionPlan(
        as_of=as_of,
        currency=currency,
        actions=actions,
        contacts=has_contacts,
        left_out=[g.name for g in missing],
        notes=notes,
    )


def _leads_picked(leads: ir.Table, audience: Mapping[str, Any], as_of: dt.date) -> ir.Table:
    """The leads a campaign for leads picks: one row a person, within its audience."""
    return select_audience(ibis.memtable(leads_audience(leads, as_of)), audience)


def group_members(state: ir.Table, group: ActionGroup) -> ir.Table:
    """The customers of a group, the most valuable first."""
    members = select_audience(state, group.audience)
    worth = members.clv if "clv" in members.columns else members.margin
    return members.order_by(ibis.desc(worth), "customer_id")


def write_actions(
    plan: ActionPlan,
    state: ir.Table,
    out: str | Path,
    *,
    leads: ir.Table | None = None,
    groups: Sequence[ActionGroup] = GROUPS,
    language: str = "en",
    workbook: bool = True,
) -> dict[str, Path]:
    """Write ``actions.json``, ``actions.csv``, each action's list and ``actions.xlsx``.

    The lists are ``actions/GROUP.csv``, every customer of the group. ``actions.xlsx``
    is the contact workbook of :func:`repeatly.segments.write_contact_workbook` in
    ``language``: one sheet per action of the plan, the most profitable first, each
    customer on the sheet of their first action (the leads are in their list only).
    Each file is written whole or not at all; text that a spreadsheet would take for a
    formula is neutralised.
    """
    import json

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    text = json.dumps(plan.to_records(), indent=2, ensure_ascii=False) + "\n"
    paths["actions_json"] = atomic_write(
        out / "actions.json", lambda tmp: tmp.write_text(text, encoding="utf-8")
    )
    frame = plan.frame()
    paths["actions_csv"] = atomic_write(out / "actions.csv", lambda tmp: write_csv(frame, tmp))
    by_name = {g.name: g for g in groups}
    for action in plan.actions:
        group = by_name.get(action.group)
        if group is None:
            continue
        if group.source == "leads":
            if leads is None:
                continue
            members = _leads_picked(leads, _playbook(group.playbook).audience, plan.as_of)
        else:
            members = group_members(state, group)
        path = out / action.list
        path.parent.mkdir(parents=True, exist_ok=True)
        paths[f"list_{action.group}"] = atomic_write(path, partial(_write_list, members))
    if workbook:
        sheets = _sheets(plan, groups, language)
        if sheets:
            named = {a if isinstance(a, str) else a.segment for a in sheets}
            flagged = state.mutate(
                **{
                    group.name: _predicate(state, group.audience)
                    for group in groups
                    if group.name in named
                    and (group.name not in state.columns or group.name in _OWN_LISTS)
                    and group.name not in _STATUS_LISTS
                }
            )
            paths["actions_xlsx"] = write_contact_workbook(
                flagged,
                out / "actions.xlsx",
                actions=sheets,
                lang=language,
                currency=plan.currency,
            )
    return paths


#: Groups the workbook reads by status, and those it needs a true/false column for.
_STATUS_LISTS = frozenset({"due", "at_risk", "lost"})
_OWN_LISTS = frozenset({"new", "referral"})


def _sheets(plan: ActionPlan, groups: Sequence[ActionGroup], language: str) -> list[Any]:
    """The workbook's actions in the plan's order: built-in ones by name, others made."""
    from repeatly.segments import ACTIONS, Action

    builtin = {a.segment for a in ACTIONS}
    customer_groups = {g.name for g in groups if g.source == "customers"}
    sheets: list[Any] = []
    for action in plan.actions:
        if action.group not in customer_groups:
            continue
        if action.group in builtin:
            sheets.append(action.group)
        else:
            sheets.append(
                Action(
                    action.group,
                    action.what_to_do,
                    action.offer,
                    ("days_since", "orders", "margin", "rfm_segment"),
                    GROUP_SCRIPTS.get(action.group, {}).get(language, ""),
                    label=action.title,
                )
            )
    return sheets


@lru_cache(maxsize=64)
def _playbook(name: str) -> Playbook:
    """A built-in playbook, read once a process (its templates are compiled on reading)."""
    return load_playbook(name)


def _write_list(members: ir.Table, path: Path) -> None:
    write_csv(members.to_pandas(), path)


def _group_figures(
    state: ir.Table, groups: Sequence[ActionGroup], *, has_contacts: bool, predicted: bool
) -> dict[str, dict[str, float]]:
    """Customers, reachable, value, margin, revenue and orders of each group, one query."""
    worth = state.clv if predicted else state.margin
    metrics: dict[str, Any] = {}
    for group in groups:
        if group.source != "customers":
            continue
        channels = _playbook(group.playbook).channels
        reach = _reachable(state, channels) if has_contacts else ibis.literal(True)
        inside = _predicate(state, group.audience)
        key = group.name
        metrics[f"{key}__customers"] = state.count(where=inside)
        metrics[f"{key}__reachable"] = state.count(where=inside & reach)
        metrics[f"{key}__value"] = worth.fill_null(0.0).sum(where=inside)
        metrics[f"{key}__margin"] = state.margin.fill_null(0.0).sum(where=inside & reach)
        metrics[f"{key}__revenue"] = state.revenue.fill_null(0.0).sum(where=inside & reach)
        metrics[f"{key}__orders"] = state.orders.sum(where=inside & reach)
    if not metrics:
        return {}
    row = state.aggregate(**metrics).to_pandas().iloc[0]
    found: dict[str, dict[str, float]] = {}
    for column, value in row.items():
        key, figure = str(column).split("__")
        number = 0.0 if value is None or value != value else float(value)
        found.setdefault(key, {})[figure] = number
    return found


def _predicate(state: ir.Table, audience: Mapping[str, Any]) -> ir.BooleanValue:
    """The audience's condition as one boolean column (a campaign reads it the same)."""
    inside = ibis.literal(True)
    for predicate in audience_predicates(state, audience):
        inside = inside & predicate.fill_null(False)
    return inside


def _reachable(state: ir.Table, channels: Sequence[str]) -> ir.BooleanValue:
    """Whether a customer has an address and consent on one of the playbook's channels."""
    columns = set(state.columns)
    either = ibis.literal(False)
    for channel in channels:
        address, consent = ADDRESS_FIELD[channel], CONSENT_FIELD[channel]
        if address not in columns or consent not in columns:
            continue
        has = state[address].notnull() & (state[address].cast("string").strip() != "")
        either = either | (has & state[consent].fill_null(False))
    return either


def _redemption_cost(kind: str, value: float, aov: float) -> float:
    """What one use of the offer costs: a share of an order, an amount, or a gift."""
    if kind == "percent":
        return value / 100 * aov
    if kind in ("amount", "gift"):
        return float(value)
    return 0.0


def _response(
    group: ActionGroup, playbook: str, measured: Sequence[CampaignResults]
) -> dict[str, Any]:
    """The shares the plan uses, measured on the same playbook and audience if it can."""
    for result in reversed(list(measured)):
        options = result.options
        if options.get("playbook") != playbook:
            continue
        audience = options.get("audience") or {}
        if audience and dict(audience) != dict(group.audience):
            continue
        if not audience and dict(group.audience) != dict(_playbook(playbook).audience):
            continue
        row = result.overall
        treated = int(row.get("treatment") or 0)
        if not treated or row.get("uplift") is None or row["uplift"] != row["uplift"]:
            continue
        low = _number(row.get("incremental_profit_low"))
        high = _number(row.get("incremental_profit_high"))
        return {
            "uplift": float(row["uplift"]),
            "baseline": float(row["response_rate_control"]),
            "profit_per_treated": float(row["incremental_profit"]) / treated,
            "profit_per_treated_low": None if low is None else low / treated,
            "profit_per_treated_high": None if high is None else high / treated,
            # the measured profit's interval holds zero: the campaign may have brought nothing
            "certain": low is not None and high is not None and (low > 0 or high < 0),
            "offer_cost_per_treated": float(row["offer_cost"]) / treated,
            "campaign": result.campaign,
            "source": (
                f"measured: campaign {result.campaign} "
                f"({treated} customers treated, from {result.window[0].isoformat()})"
            ),
            "measured": True,
        }
    return {
        "uplift": group.uplift,
        "baseline": group.baseline,
        "source": PRIOR_SOURCE,
        "measured": False,
    }


def _number(value: Any) -> float | None:
    """A finite float, or ``None`` for a missing or NaN value."""
    if value is None:
        return None
    number = float(value)
    return None if number != number else number


def _command(
    group: ActionGroup,
    playbook_audience: Mapping[str, Any],
    inputs: Mapping[str, str] | None,
    as_of: dt.date,
    predict: bool,
    language: str,
    reading: Sequence[str],
) -> str:
    """The command line that plans this group's campaign (its messages in ``language``)."""
    inputs = dict(inputs or {})
    words = ["repeatly", "campaign", "plan", group.playbook, inputs.get("orders", "ORDERS")]
    for role in ("customers", "products", "spend", "leads"):
        if role in inputs:
            words += [f"--{role}", inputs[role]]
    if group.source == "leads" and "leads" not in inputs:
        words += ["--leads", "LEADS"]
    words += [*reading, "--as-of", as_of.isoformat()]
    if language != "en":
        words += ["--lang", language]
    if predict:
        words.append("--predict")
    if group.audience and dict(group.audience) != dict(playbook_audience):
        for column, condition in group.audience.items():
            words += ["--audience", f"{column}={_condition_text(condition)}"]
    return shlex.join(words)


def _condition_text(condition: Any) -> str:
    if isinstance(condition, bool):
        return "true" if condition else "false"
    if isinstance(condition, list):
        return ",".join(str(c) for c in condition)
    return str(condition)


def _no_offer(language: str) -> str:
    return "без скидки" if language == "ru" else "no discount"
