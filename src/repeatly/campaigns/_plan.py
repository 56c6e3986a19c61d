"""Planning a campaign: its audience, control group, channels, coupons and previews.

Planning changes nothing: it reads the segments and the store (opt-outs, messages
already sent, past answers, the secret key) and says who would get what, and why. The
same playbook, inputs, name and seed always give the same plan.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from repeatly._files import atomic_write
from repeatly._json import plain, records
from repeatly._safe import write_csv
from repeatly.campaigns._control import control_group
from repeatly.campaigns._links import (
    link_base,
    short_base,
    short_unsubscribe_url,
    unsubscribe_url,
)
from repeatly.campaigns._messages import (
    CHECK_SECONDS,
    Rendered,
    Templates,
    format_money,
    offer_text,
)
from repeatly.campaigns._playbooks import LANGUAGES, Playbook, load_playbook
from repeatly.campaigns._rules import ContactRules, SentRecently, over_cap, reachable
from repeatly.campaigns._why import reason_text, why
from repeatly.campaigns._words import (
    DEFAULT_SHOP_NAME,
    first_name,
    quoted,
    translate_category,
)
from repeatly.exceptions import InputError, PlaybookError
from repeatly.offers import Coupon, issue_coupons
from repeatly.store import Store, contact_key

__all__ = [
    "CampaignPlan",
    "message_context",
    "plan_campaign",
    "plan_from_analysis",
    "stored_context",
    "write_plan",
]

_log = logging.getLogger(__name__)

#: Shop details a template can use when the playbook does not give them.
DEFAULT_SHOP = {"name": "", "url": "", "phone": "", "email": "", "address": ""}


@dataclass
class CampaignPlan:
    """Who a campaign reaches, how, with what, and who is held back to measure it.

    Attributes
    ----------
    name
        The campaign's name: it identifies the campaign in the store, so planning or
        sending it again finds the same campaign.
    playbook
        The playbook it follows.
    start
        The day the first message goes; each step goes its ``delay_days`` later.
    audience
        One row per customer in the campaign: ``customer_id, group`` (``treatment`` or
        ``control``), ``channel``, ``coupon_code``, ``stratum``, ``why``, and the contact
        fields.
    excluded
        Customers the playbook chose but who cannot be contacted: ``customer_id,
        reason``.
    coupons
        The treatment group's coupons.
    previews
        Rendered messages for a few recipients of each step, channel and language:
        ``(step, channel, language, customer_id, message)``.
    options
        The seed, control share, language, rules and the rest.
    returns
        Returned lines per customer (the ``returns`` message field).
    """

    name: str
    playbook: Playbook
    start: dt.date
    audience: pd.DataFrame
    excluded: pd.DataFrame
    coupons: list[Coupon]
    previews: list[tuple[str, str, str, str, Rendered]]
    options: dict[str, Any] = field(default_factory=dict)
    returns: Mapping[str, int] = field(default_factory=dict)

    @property
    def treatment(self) -> pd.DataFrame:
        """The customers who get the messages."""
        return self.audience[self.audience.group == "treatment"]

    @property
    def control(self) -> pd.DataFrame:
        """The customers held back to measure the campaign."""
        return self.audience[self.audience.group == "control"]

    def summary(self) -> dict[str, Any]:
        """The plan in numbers: audience, groups, channels, exclusions."""
        return {
            "campaign": self.name,
            "playbook": self.playbook.name,
            "start": self.start.isoformat(),
            "audience": len(self.audience),
            "treatment": len(self.treatment),
            "control": len(self.control),
            "by_channel": {
                str(k): int(v)
                for k, v in self.treatment.channel.value_counts().sort_index().items()
            },
            "excluded": {
                str(k): int(v) for k, v in self.excluded.reason.value_counts().sort_index().items()
            },
            "messages": len(self.treatment) * len(self.playbook.steps),
            "options": self.options,
        }

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain JSON-ready data: its summary, every recipient and exclusion."""
        columns = [
            c
            for c in ("customer_id", "group", "channel", "coupon_code", "why", "stratum")
            if c in self.audience.columns
        ]
        return {
            **plain(self.summary()),
            "recipients": records(self.audience[columns]),
            "not_contactable": records(self.excluded),
        }


def plan_campaign(
    playbook: Playbook | str | Path,
    segments: ir.Table | pd.DataFrame | None,
    *,
    store: Store,
    as_of: dt.date,
    name: str | None = None,
    new: bool = False,
    start: dt.date | None = None,
    seed: int | None = None,
    control_share: float | None = None,
    language: str = "en",
    rules: ContactRules | None = None,
    shop: Mapping[str, str] | None = None,
    currency: str = "",
    returns: Mapping[str, int] | None = None,
    leads: ir.Table | pd.DataFrame | None = None,
    previews: int = 3,
) -> CampaignPlan:
    """Plan a campaign from a playbook and the customers' segments.

    Parameters
    ----------
    playbook
        A :class:`Playbook`, a built-in playbook's name or a playbook file.
    segments
        Every customer's segments (:meth:`repeatly.Analysis.segments`), with the contact
        fields and consents when the analysis had a customers file.
    store
        The operational database: opt-outs, do-not-contact, messages already sent
        (for the frequency cap), past answers (for the channel) and the secret key that
        makes the coupon codes.
    as_of
        The day the segments describe.
    name
        The campaign's name. By default the campaign of this playbook last recorded
        under a name of its own making is continued (a newer export adds the
        customers who qualify now; those already in it get nothing again); without
        one, or with ``new``, a new campaign is named by the playbook and the start
        day (``win_back-2026-11-24``, then ``-2``, ``-3`` on the same day).
    new
        Start a new campaign rather than continue the last one.
    start
        The day the first message goes (default: the day after ``as_of``).
    seed
        Seed of the control group's draw; by default one derived from the name, so
        the same campaign always holds back the same customers.
    control_share
        Share held back as control (default: the playbook's, usually 10%).
    language
        Language of the messages (``en`` or ``ru``); English where a playbook has no
        message in it.
    rules
        The contact rules (consent, frequency cap, quiet hours).
    shop
        The shop's name, url, phone, e-mail and address for the messages; they
        override the playbook's ``[shop]``.
    currency
        Currency written after amounts in offers (e.g. ``"EUR"``).
    returns
        Returned lines per customer, for templates that apologise (``returns``).
    leads
        The leads who never bought (:func:`repeatly.segments.leads_never_bought`),
        for playbooks whose ``source`` is ``"leads"``; ``segments`` is not used then.
    previews
        Recipients rendered per step, channel and language for the previews.

    Raises
    ------
    PlaybookError
        The playbook, a template, or an audience condition is wrong (an unknown
        segments column, say).
    """
    book = playbook if isinstance(playbook, Playbook) else load_playbook(playbook)
    templates = Templates(book)
    if language not in LANGUAGES:
        raise InputError(f"language: expected one of {', '.join(LANGUAGES)}, got {language!r}")
    rules = rules or ContactRules()
    share = book.control_share if control_share is None else control_share
    if not 0 <= share < 1:
        raise InputError(f"control share: expected a share from 0 to below 1, got {share}")
    start = start or as_of + dt.timedelta(days=1)
    name = name or _default_name(store, book.name, start, new=new)
    seed = _seed_from(name) if seed is None else seed
    shop_fields = {**DEFAULT_SHOP, **book.shop, **{k: v for k, v in (shop or {}).items() if v}}
    if not shop_fields["name"]:
        shop_fields["name"] = DEFAULT_SHOP_NAME[language]

    if book.source == "leads":
        if leads is None:
            raise PlaybookError(
                f"{book.file}: plans for leads who never bought; pass the leads (--leads)"
            )
        table = ibis.memtable(leads_audience(leads, as_of))
    elif segments is None:
        raise InputError("segments: expected the customers' segments")
    else:
        table = segments if isinstance(segments, ir.Table) else ibis.memtable(segments)
    chosen = _select(table, book).to_pandas()
    chosen = chosen.sort_values("customer_id", kind="stable").reset_index(drop=True)
    if book.stratify_by not in chosen.columns:
        raise PlaybookError(
            f"{book.file}, stratify_by: no column {book.stratify_by!r} in the segments"
        )

    keep, channel, excluded = _contactable(chosen, book, store, rules, as_of)
    excluded["reason"] = [reason_text(r, language) for r in excluded.reason]
    audience = chosen[keep].reset_index(drop=True)
    audience["channel"] = channel[keep]
    strata = audience[book.stratify_by].astype(str).fillna("")
    held = control_group(
        audience.customer_id.astype(str).tolist(), strata.tolist(), share=share, seed=seed
    )
    audience["group"] = np.where(held, "control", "treatment")
    audience["stratum"] = strata
    secret = store.secret()
    treated = audience.customer_id[~held].astype(str)
    coupons = issue_coupons(
        book.offer,
        treated,
        secret=secret,
        issuer=name,
        valid_from=start,
        valid_until=_valid_until(book, start),
    )
    codes = np.full(len(audience), None, dtype=object)
    if coupons:  # one per treated customer, in their order
        codes[~held] = [c.code for c in coupons]
    audience["coupon_code"] = codes
    audience["why"] = [
        why(row, book.audience, language) for row in audience.to_dict(orient="records")
    ]
    plan = CampaignPlan(
        name=name,
        playbook=book,
        start=start,
        audience=audience,
        excluded=excluded,
        coupons=coupons,
        previews=[],
        options={
            "seed": seed,
            "control_share": share,
            "language": language,
            "as_of": as_of.isoformat(),
            "max_per_week": rules.max_per_week,
            "quiet_hours": f"{rules.quiet_start:%H:%M}-{rules.quiet_end:%H:%M}",
            "require_consent": rules.require_consent,
            "currency": currency,
            "shop": shop_fields,
            "audience": dict(book.audience),
        },
        returns=dict(returns or {}),
    )
    context = _Context(
        book,
        start=start,
        as_of=as_of,
        secret=secret,
        shop=shop_fields,
        currency=currency,
        returns=returns or {},
    )
    _check_templates(plan, templates, context, language)
    plan.previews = _previews(plan, templates, context, language, previews)
    return plan


def plan_from_analysis(
    playbook: Playbook | str | Path,
    analysis: Any,
    *,
    store: Store,
    segment_options: Mapping[str, Any] | None = None,
    **options: Any,
) -> CampaignPlan:
    """Plan a campaign on an :class:`repeatly.Analysis`: its segments, leads and returns.

    ``segment_options`` go to :meth:`repeatly.Analysis.segments`; the other options to
    :func:`plan_campaign` (``as_of`` defaults to the analysis's).

    Examples
    --------
    >>> import repeatly
    >>> from repeatly.campaigns import plan_from_analysis
    >>> from repeatly.store import open_store
    >>> shop = repeatly.datasets.make_shop(300, seed=2)
    >>> analysis = repeatly.analyze(shop.orders, customers=shop.customers)
    >>> with open_store("sqlite://") as store:
    ...     plan = plan_from_analysis("win_back", analysis, store=store)
    >>> sorted(set(plan.audience.group))
    ['control', 'treatment']
    """
    book = playbook if isinstance(playbook, Playbook) else load_playbook(playbook)
    options.setdefault("as_of", analysis.as_of)
    if book.source == "leads":
        from repeatly.segments import leads_never_bought

        if "leads" not in analysis.inputs:
            raise PlaybookError(
                f"{book.file}: plans for leads who never bought; pass the leads file (--leads)"
            )
        leads = leads_never_bought(analysis.inputs["leads"].table, analysis.orders)
        return plan_campaign(book, None, store=store, leads=leads, **options)
    segments = analysis.segments(**(segment_options or {}))
    lines = analysis.lines
    returned = lines.filter(lines.amount < 0)
    counts = returned.group_by("customer_id").aggregate(n=returned.count()).to_pandas()
    options.setdefault("returns", dict(zip(counts.customer_id.astype(str), counts.n, strict=True)))
    return plan_campaign(book, segments, store=store, **options)


def message_context(
    plan: CampaignPlan,
    row: Mapping[str, Any],
    *,
    secret: bytes,
    language: str,
    returns: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The fields a recipient's messages are rendered with (see ``FIELDS``)."""
    as_of = dt.date.fromisoformat(plan.options["as_of"])
    context = _Context(
        plan.playbook,
        start=plan.start,
        as_of=as_of,
        secret=secret,
        shop=plan.options["shop"],
        currency=plan.options["currency"],
        returns=returns or {},
    )
    return context.for_row(row, language)


def stored_context(text: str) -> dict[str, Any]:
    """A recipient's message fields as recorded (JSON), with their dates as dates."""
    context = json.loads(text)
    context.setdefault("perks", [])  # fields added since the campaign was recorded
    context.get("offer", {}).setdefault("usage_limit", 1)
    context.get("offer", {}).setdefault("minimum", "")
    for group, name in (("offer", "deadline"), ("last_purchase", "date")):
        value = context.get(group, {}).get(name)
        if isinstance(value, str):
            context[group][name] = dt.date.fromisoformat(value)
    return context


@dataclass
class _Context:
    book: Playbook
    start: dt.date
    as_of: dt.date
    secret: bytes
    shop: Mapping[str, str]
    currency: str
    returns: Mapping[str, int]

    def for_row(self, row: Mapping[str, Any], language: str) -> dict[str, Any]:
        customer = str(row["customer_id"])
        name = _text(row.get("name"))
        days = _number(row.get("days_since"))
        offer = self.book.offer
        channel = _text(row.get("channel")) or "email"
        category = _text(row.get("top_category"))
        shown = translate_category(category, language, self.book.categories) if category else ""
        return {
            "customer": {
                "id": customer,
                "name": name,
                "first_name": first_name(name),
                "email": _text(row.get("email")),
                "phone": _text(row.get("phone")),
                "city": _text(row.get("city")),
                "address": _text(row.get("address")),
            },
            "segment": {
                "rfm": _text(row.get("rfm_segment")),
                "status": _text(row.get("status")),
                "golden": bool(row.get("golden") is True),
                "days_since": None if days is None else int(days),
                "orders": _number(row.get("orders")),
                "revenue": _number(row.get("revenue")),
            },
            "last_purchase": {
                "date": None if days is None else self.as_of - dt.timedelta(days=int(days)),
                "days_ago": None if days is None else int(days),
                "category": shown,
            },
            "offer": {
                "code": row.get("coupon_code") or "",
                "text": offer_text(offer, language, self.currency),
                "kind": offer.kind,
                "value": offer.value,
                "deadline": _valid_until(self.book, self.start) if offer.has_coupon else None,
                "valid_days": offer.valid_days,
                "min_order": offer.min_order,
                "categories": ", ".join(
                    quoted(translate_category(c, language, self.book.categories), language)
                    for c in offer.categories
                ),
                "usage_limit": offer.usage_limit,
                "minimum": _minimum(offer.min_order, language, self.currency),
            },
            "shop": dict(self.shop),
            "brand": _text(row.get("brand_fan")) or None,
            "category": shown or None,
            "new_products": _number(row.get("new_products")),
            "perks": list(self.book.perks.get(language, ())),
            "returns": int(self.returns.get(customer, 0)),
            "unsubscribe_url": link_for(self.secret, self.shop, customer, channel, language),
            "language": language,
        }


def link_for(
    secret: bytes, shop: Mapping[str, str], customer: str, channel: str, language: str
) -> str:
    """A message's unsubscribe link: short for a text or letter when the shop has an address.

    An e-mail gets the long link (its ``List-Unsubscribe`` header carries it too); a
    text message or a letter the short one (``https://shop.example/u/sC001.k3Jx9_aQ``),
    which keeps a text in fewer parts. Without a shop address, the long link is
    relative (``/unsubscribe?...``) until a send gives the address.
    """
    short = short_base(shop) if channel != "email" else ""
    if short:
        return short_unsubscribe_url(secret, short, customer, channel, language=language)
    base = link_base(shop) or "/unsubscribe"
    return unsubscribe_url(secret, base, customer, channel, language=language)


def _minimum(amount: float, language: str, currency: str) -> str:
    """An offer's smallest order with its currency (``50 EUR``), "" when there is none."""
    return f"{format_money(amount, language)} {currency}".strip() if amount > 0 else ""


def _valid_until(book: Playbook, start: dt.date) -> dt.date:
    """A coupon's last day: ``valid_days`` from the campaign's last message."""
    last = max(step.delay_days for step in book.steps)
    return book.offer.valid_until(start + dt.timedelta(days=last))


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def leads_audience(leads: ir.Table | pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Leads as an audience: one row per person, the latest lead, e-mail agreed.

    The rows a playbook for leads (``source = "leads"``) picks its audience from.
    """
    frame = leads.to_pandas() if isinstance(leads, ir.Table) else leads.copy()
    person = frame.get("customer_id", pd.Series(None, index=frame.index, dtype=object))
    for column in ("lead_id", "email"):
        if column in frame.columns:
            person = person.fillna(frame[column])
    created = pd.to_datetime(frame["created_at"])
    out = pd.DataFrame(
        {
            "customer_id": person.astype(str),
            "email": frame.get("email"),
            "consent_email": True,
            "lead_channel": frame.get("channel", pd.Series("", index=frame.index)).fillna(""),
            "created_at": created,
            "days_since": (pd.Timestamp(as_of) - created.dt.normalize()).dt.days,
            "status": "lead",
            "rfm_segment": "lead",
        }
    )
    out = out[person.notna().to_numpy()]
    out = out.sort_values("created_at").drop_duplicates("customer_id", keep="last")
    return out.drop(columns="created_at").reset_index(drop=True)


def _seed_from(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")


def _select(table: ir.Table, book: Playbook) -> ir.Table:
    """The segments rows that meet every condition of the playbook's audience."""
    return select_audience(table, book.audience, where=str(book.file))


def select_audience(
    table: ir.Table, audience: Mapping[str, Any], *, where: str = "audience"
) -> ir.Table:
    """The rows of ``table`` that meet every condition of ``audience``.

    ``audience`` is a playbook's ``[audience]``: column -> ``true``/``false``, a value,
    a list of values, ``{min, max}`` or ``"*"`` (any value); ``where`` names it in
    errors (the playbook's file).
    """
    predicates = audience_predicates(table, audience, where=where)
    return table.filter(*predicates) if predicates else table


def audience_predicates(
    table: ir.Table, audience: Mapping[str, Any], *, where: str = "audience"
) -> list[ir.BooleanValue]:
    """The conditions of an audience as boolean columns of ``table``."""
    columns = set(table.columns)
    predicates = []
    for column, condition in audience.items():
        if column not in columns:
            raise PlaybookError(
                f"{where}, audience.{column}: no such column in the "
                "segments; they are " + ", ".join(sorted(columns))
            )
        value = table[column]
        textual = value.type().is_string()
        if condition == "*":
            predicates.append(value.notnull())
        elif isinstance(condition, bool) and textual:  # e.g. brand_fan holds the brand
            predicates.append(value.notnull() if condition else value.isnull())
        elif isinstance(condition, bool):
            predicates.append(value.fill_null(False) == condition)
        elif isinstance(condition, list):
            predicates.append(value.isin(condition))
        elif isinstance(condition, dict):
            if "min" in condition:
                predicates.append(value >= condition["min"])
            if "max" in condition:
                predicates.append(value <= condition["max"])
        else:
            predicates.append(value == condition)
    return predicates


def _contactable(
    chosen: pd.DataFrame, book: Playbook, store: Store, rules: ContactRules, as_of: dt.date
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Who can be contacted, by which channel, and why the others cannot."""
    n = len(chosen)
    ids = chosen.customer_id.astype(str)
    reasons = np.full(n, "", dtype=object)
    blocked = store.blocked()
    if blocked:
        hit = ids.map(lambda c: contact_key(c) in blocked).to_numpy(dtype=bool)
        for column in ("email", "phone"):
            if column in chosen.columns:
                hit |= (
                    chosen[column]
                    .map(lambda v: not _missing(v) and contact_key(str(v)) in blocked)
                    .to_numpy(dtype=bool)
                )
        reasons[hit] = "do not contact"
    since = dt.datetime.combine(as_of, dt.time(), tzinfo=dt.UTC) - dt.timedelta(days=6)
    capped = over_cap(chosen, SentRecently(store.sent_messages_since(since)), rules=rules)
    reasons[(reasons == "") & capped] = (
        f"frequency cap: {rules.max_per_week} "
        f"{'message' if rules.max_per_week == 1 else 'messages'} in the last 7 days"
    )
    unsubscribed, opted_out = store.unsubscribed(), store.unsubscribed_addresses()
    answered = store.answered_by()
    ok_by: dict[str, np.ndarray] = {}
    why_not: dict[str, np.ndarray] = {}
    for channel in book.channels:
        ok_by[channel], why_not[channel] = reachable(
            chosen, channel, rules=rules, unsubscribed=unsubscribed, opted_out=opted_out
        )
    channel_of = np.full(n, None, dtype=object)
    for i, customer in enumerate(ids):
        if reasons[i]:
            continue
        past: Mapping[str, int] = answered.get(customer, {})
        order = sorted(book.channels, key=lambda c: (-past.get(c, 0), book.channels.index(c)))
        for candidate in order:
            if ok_by[candidate][i]:
                channel_of[i] = candidate
                break
        else:
            reasons[i] = "; ".join(why_not[c][i] for c in book.channels)
    keep = reasons == ""
    excluded = pd.DataFrame({"customer_id": ids[~keep].to_numpy(), "reason": reasons[~keep]})
    return keep, channel_of, excluded


def _check_templates(
    plan: CampaignPlan, templates: Templates, context: _Context, language: str
) -> None:
    """Render every message on its recipients, once per branch they reach.

    Each step's message of a channel is checked on every recipient of that channel
    (:meth:`Templates.checker`), so a template that fails for any of them stops the
    plan rather than the send. A check that runs past ``CHECK_SECONDS`` (hundreds of
    thousands of recipients) leaves the rest to the send, which stops at the first
    message that fails and leaves it pending.
    """
    deadline = time.monotonic() + CHECK_SECONDS
    treated = plan.treatment
    checked = 0
    for channel in plan.playbook.channels:
        check = templates.checker(channel, language)
        for record in treated[treated.channel == channel].to_dict(orient="records"):
            if time.monotonic() > deadline:
                _log.info(
                    "templates checked on %d of %d recipients in %g s; the send checks the rest",
                    checked,
                    len(treated),
                    CHECK_SECONDS,
                )
                return
            row = {str(k): v for k, v in record.items()}
            check(str(row["customer_id"]), context.for_row(row, language))
            checked += 1


def _previews(
    plan: CampaignPlan, templates: Templates, context: _Context, language: str, count: int
) -> list[tuple[str, str, str, str, Rendered]]:
    shown = []
    treated = plan.treatment
    for step in plan.playbook.steps:
        for channel in plan.playbook.channels:
            sample = treated[treated.channel == channel].head(count)
            for record in sample.to_dict(orient="records"):
                row = {str(k): v for k, v in record.items()}
                rendered = templates.render(
                    step.name, channel, language, context.for_row(row, language)
                )
                shown.append((step.name, channel, language, str(row["customer_id"]), rendered))
    return shown


def write_plan(plan: CampaignPlan, out: str | Path) -> dict[str, Path]:
    """Write the plan's files; each is written whole or not at all.

    ``audience.csv``, ``excluded.csv``, ``coupons.csv``, ``previews.txt`` and
    ``plan.json``. Text in the CSVs that a spreadsheet would read as a formula gets a
    leading ``'`` (see :mod:`repeatly._safe`).
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        name: folder / file
        for name, file in (
            ("audience", "audience.csv"),
            ("excluded", "excluded.csv"),
            ("coupons", "coupons.csv"),
            ("previews", "previews.txt"),
            ("plan", "plan.json"),
        )
    }
    columns = ["customer_id", "group", "channel", "coupon_code", "why", "stratum"]
    contact = [
        c for c in ("name", "email", "phone", "city", "address") if c in plan.audience.columns
    ]
    frame = plan.audience[columns + contact].copy()
    frame.loc[frame.group == "control", "channel"] = None  # they get nothing
    atomic_write(paths["audience"], lambda p: write_csv(frame, p))
    atomic_write(paths["excluded"], lambda p: write_csv(plan.excluded, p))
    coupons = pd.DataFrame(
        [
            {
                "code": c.code,
                "customer_id": c.customer_id,
                "campaign": c.campaign,
                "kind": c.kind,
                "value": c.value,
                "valid_from": c.valid_from.isoformat(),
                "valid_until": c.valid_until.isoformat(),
                "usage_limit": c.usage_limit,
                "min_order": c.min_order,
                "categories": "|".join(c.categories),
            }
            for c in plan.coupons
        ],
        columns=[
            "code",
            "customer_id",
            "campaign",
            "kind",
            "value",
            "valid_from",
            "valid_until",
            "usage_limit",
            "min_order",
            "categories",
        ],
    )
    atomic_write(paths["coupons"], lambda p: write_csv(coupons, p))
    atomic_write(paths["previews"], lambda p: p.write_text(_preview_text(plan), encoding="utf-8"))
    atomic_write(
        paths["plan"],
        lambda p: p.write_text(
            json.dumps(plan.summary(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        ),
    )
    return paths


def _preview_text(plan: CampaignPlan) -> str:
    if not plan.previews:
        return "No messages: the treatment group is empty.\n"
    blocks = []
    for step, channel, language, customer, message in plan.previews:
        head = f"=== step {step} · {channel} · {language} · customer {customer} ==="
        subject = f"Subject: {message.subject}\n\n" if message.subject else ""
        blocks.append(f"{head}\n{subject}{message.body}\n")
    return "\n".join(blocks)


def _default_name(store: Store, playbook: str, start: dt.date, *, new: bool) -> str:
    """The campaign to continue (the playbook's last of a made-up name), or a new name."""
    made_up = re.compile(rf"{re.escape(playbook)}-\d{{4}}-\d{{2}}-\d{{2}}(-\d+)?")
    with store.connect() as db:
        names = db.campaigns.of_playbook(playbook)
    if not new:
        for name in names:  # the latest first
            if made_up.fullmatch(name):
                return name
    name = f"{playbook}-{start.isoformat()}"
    taken, number = set(names), 1
    while name in taken:
        number += 1
        name = f"{playbook}-{start.isoformat()}-{number}"
    return name
