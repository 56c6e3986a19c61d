"""Contact lists: ``segments.csv``, one CSV per segment, and one Excel workbook."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import ibis
import ibis.expr.types as ir

from repeatly._checks import check_choice
from repeatly._files import atomic_write
from repeatly._safe import safe_table
from repeatly.connection import materialize
from repeatly.exceptions import InputError
from repeatly.segments._assemble import ACTIONS, Action
from repeatly.segments._reach import contact_priority
from repeatly.segments._rfm import RFM_RULES
from repeatly.segments._sheets import contact_sheets, member, resolve_actions
from repeatly.segments._workbook import write_workbook

__all__ = ["MAX_SHEET_ROWS", "segment_lists", "write_contact_workbook", "write_segments"]

#: Rows per workbook sheet; the CSV of a segment always holds all of it.
MAX_SHEET_ROWS = 5_000
#: The languages of the workbook.
LANGUAGES = ("en", "ru")

CONTACT = ("name", "email", "phone", "city", "consent_email", "consent_sms", "consent_phone")
SUMMARY_COLUMNS = (
    "customer_id",
    "rfm_segment",
    "status",
    "golden",
    "promo_hunter",
    "early_full_price",
    "brand_fan",
    "low_margin_only",
)


def segment_lists(table: ir.Table) -> dict[str, tuple[ir.Table, str, str]]:
    """Each segment's members, most valuable first, with the action and offer.

    Parameters
    ----------
    table
        The result of :func:`repeatly.segments.segment_customers`.

    Returns
    -------
    dict
        Segment name to ``(members, action, offer)``; members carry the contact fields
        present, the numbers that put them there, and their value (margin).
    """
    contact = [c for c in CONTACT if c in table.columns]
    lists: dict[str, tuple[ir.Table, str, str]] = {}
    for action in ACTIONS:
        name = action.segment
        members = table.filter(member(table, name))
        reasons = [c for c in action.reason if c != "margin" and c in table.columns]
        columns = ["customer_id", *contact, *reasons, "margin"]
        lists[name] = (
            members.select(*dict.fromkeys(columns)).order_by([ibis.desc("margin"), "customer_id"]),
            action.action,
            action.offer,
        )
    for rule in RFM_RULES:
        members = table.filter(table.rfm_segment == rule.name)
        columns = [
            "customer_id",
            *contact,
            "r",
            "f",
            "m",
            "recency_days",
            "orders",
            "revenue",
            "margin",
        ]
        lists[f"rfm {rule.name}"] = (
            members.select(*columns).order_by([ibis.desc("margin"), "customer_id"]),
            f"RFM segment {rule.name}",
            "",
        )
    return lists


def write_segments(
    table: ir.Table,
    out: Path,
    *,
    extra: dict[str, ir.Table] | None = None,
    lang: str = "en",
    currency: str = "USD",
    actions: Sequence[Action | str] | None = None,
) -> dict[str, Path]:
    """Write ``segments.csv``, ``segments/<name>.csv`` and ``segments.xlsx`` into ``out``.

    ``segments/priority.csv`` orders every customer by :func:`contact_priority`, by
    predicted CLV when the table has a forecast (else by margin).
    Every file is written under a temporary name and renamed into place. ``extra``
    lists (such as :func:`reach_lists`) are written as ``segments/<name>.csv`` too.
    Text that a spreadsheet would read as a formula is neutralised (see
    :mod:`repeatly._safe`): a leading ``'`` in the CSVs, a quote-prefixed string cell in
    the workbook.

    The CSVs, for programs, keep the code names of the columns and values. The workbook,
    for people who make the calls, speaks ``lang``: an "Actions" sheet (each action's
    sheet, customers, what to do, offer and call script), one sheet per action in the
    order of ``actions`` where each customer is on the sheet of the first action they
    are in ("Also in" names the others), the contact priority, and the lapsed buyers
    (when ``extra`` holds ``lapsed_year`` and ``lapsed_season``). Every sheet has its
    header on row 1, frozen, with a filter; money is formatted in ``currency``, dates
    as dates, shares as percentages.

    Parameters
    ----------
    table
        :func:`repeatly.segments.segment_customers`.
    out
        The folder to write into.
    extra
        More lists to write beside the segments (:func:`reach_lists`).
    lang
        The language of the workbook: ``"en"`` or ``"ru"``.
    currency
        The currency of the money, e.g. ``"USD"`` or ``"RUB"``.
    actions
        The actions in the order customers are given to them, most important first:
        built-in ones by name (:data:`ACTIONS`) or :class:`Action` objects (a list of
        its own needs a true/false column of that name in ``table``). By default
        :data:`ACTIONS`, in their order.

    Returns
    -------
    dict
        ``"segments"``, ``"workbook"`` and each segment's name to its path.
    """
    check_choice("lang", lang, LANGUAGES)
    if not isinstance(currency, str) or not currency.strip():
        raise InputError(
            f"currency: expected a currency code such as USD, got {currency!r}",
            option="currency",
        )
    order = resolve_actions(actions)
    for action in order:
        member(table, action.segment)  # a missing column stops before anything is written
    out.mkdir(parents=True, exist_ok=True)
    folder = out / "segments"
    folder.mkdir(exist_ok=True)
    paths: dict[str, Path] = {}
    table = materialize(table, "segments")  # every list below filters the stored table
    everyone = table.order_by("customer_id")
    paths["segments"] = atomic_write(out / "segments.csv", safe_table(everyone).to_csv)
    for name, (members, _action, _offer) in segment_lists(table).items():
        paths[name] = atomic_write(folder / f"{_slug(name)}.csv", safe_table(members).to_csv)
    for name, members in (extra or {}).items():
        paths[name] = atomic_write(folder / f"{_slug(name)}.csv", safe_table(members).to_csv)
    priority = contact_priority(table, value="clv" if "clv" in table.columns else "margin")
    paths["priority"] = atomic_write(folder / "priority.csv", safe_table(priority).to_csv)
    paths["workbook"] = _workbook(
        table, out / "segments.xlsx", order, priority, extra or {}, lang=lang, currency=currency
    )
    return paths


def write_contact_workbook(
    table: ir.Table,
    path: Path,
    *,
    actions: Sequence[Action | str],
    lang: str = "en",
    currency: str = "USD",
    extra: dict[str, ir.Table] | None = None,
) -> Path:
    """Write only the contact workbook (the one :func:`write_segments` writes) to ``path``.

    ``actions`` are the sheets in priority order, as :func:`write_segments` takes them
    (an action plan passes its own, the most profitable first). Written whole or not at
    all.
    """
    check_choice("lang", lang, LANGUAGES)
    order = resolve_actions(actions)
    for action in order:
        member(table, action.segment)
    table = materialize(table, "contacts")
    priority = contact_priority(table, value="clv" if "clv" in table.columns else "margin")
    return _workbook(table, path, order, priority, extra or {}, lang=lang, currency=currency)


def _workbook(
    table: ir.Table,
    path: Path,
    order: tuple[Action, ...],
    priority: ir.Table,
    extra: dict[str, ir.Table],
    *,
    lang: str,
    currency: str,
) -> Path:
    sheets = contact_sheets(
        table, actions=order, priority=priority, lists=extra, lang=lang, rows=MAX_SHEET_ROWS
    )
    return atomic_write(path, lambda p: write_workbook(p, sheets, lang=lang, currency=currency))


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
