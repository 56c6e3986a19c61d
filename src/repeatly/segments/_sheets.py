"""The sheets of the contact workbook, taken from the segments table in the engine.

An overview of the actions, then one sheet per action in the order given (each customer
on the sheet of the first action they are in, with the others in "Also in"), the
contact priority and the lapsed buyers. Only the rows a sheet holds leave the engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ibis
import ibis.expr.types as ir
import pandas as pd

from repeatly.exceptions import InputError
from repeatly.segments._assemble import ACTIONS, Action
from repeatly.segments._workbook import Sheet
from repeatly.segments._workbook_text import ACTION_TEXTS, CUT, SHEETS, ActionText, header

__all__ = ["ACTION_COLUMNS", "contact_sheets", "member", "resolve_actions"]

#: The columns every action sheet starts with (those the table has).
ACTION_COLUMNS = (
    "customer_id",
    "name",
    "phone",
    "consent_phone",
    "email",
    "city",
    "last_purchase",
    "days_since",
    "orders",
    "revenue",
    "margin",
    "clv",
    "top_category",
)
CONTACT = ("name", "phone", "consent_phone", "email", "city")
_STATUS_LISTS = ("due", "at_risk", "lost")


def member(table: ir.Table, segment: str) -> ir.BooleanValue:
    """Whether each customer is in the list of ``segment``.

    The statuses (``due``, ``at_risk``, ``lost``) by ``status``, brand fans by having a
    brand, any other list by its own true/false column (so an action plan can add one).

    Raises
    ------
    InputError
        The table has no column for ``segment``.
    """
    if segment in _STATUS_LISTS:
        return table.status == segment
    if segment == "brand_fan":
        return table.brand_fan.notnull()
    if segment not in table.columns or not table[segment].type().is_boolean():
        raise InputError(
            f"actions: the action {segment!r} needs a true/false column {segment!r} "
            f"in the segments table (it has {', '.join(table.columns)})",
            option="actions",
        )
    return ibis.coalesce(table[segment], False)


def resolve_actions(actions: Sequence[Action | str] | None) -> tuple[Action, ...]:
    """The actions in the order given: built-in ones by name, or :class:`Action` objects.

    Raises
    ------
    InputError
        A name that is not a built-in action, or an action given twice.
    """
    if actions is None:
        return ACTIONS
    builtin = {a.segment: a for a in ACTIONS}
    found: list[Action] = []
    for action in actions:
        if isinstance(action, str):
            if action not in builtin:
                raise InputError(
                    f"actions: expected one of {', '.join(builtin)} or an Action, got {action!r}",
                    option="actions",
                )
            action = builtin[action]
        if any(a.segment == action.segment for a in found):
            raise InputError(
                f"actions: {action.segment!r} is given twice; each action has one place",
                option="actions",
            )
        found.append(action)
    if not found:
        raise InputError("actions: expected at least one action, got none", option="actions")
    return tuple(found)


def action_text(action: Action, lang: str) -> ActionText:
    """The words for ``action``: the built-in ones, or the action's own when changed."""
    builtin = {a.segment: a for a in ACTIONS}
    known = ACTION_TEXTS[lang].get(action.segment)
    if known is not None and builtin.get(action.segment) == action:
        return known
    label = action.label or (known.label if known is not None else action.segment)
    return ActionText(label, action.action, action.offer, action.script)


def contact_sheets(
    table: ir.Table,
    *,
    actions: tuple[Action, ...],
    priority: ir.Table,
    lists: Mapping[str, ir.Table],
    lang: str,
    rows: int,
) -> list[Sheet]:
    """The workbook's sheets: actions, one per action, priority, lapsed buyers.

    Parameters
    ----------
    table
        The segments table (stored: every sheet filters it).
    actions
        The actions in priority order.
    priority
        :func:`repeatly.segments.contact_priority` of ``table``.
    lists
        The lists beside the segments; ``lapsed_year`` and ``lapsed_season`` get sheets.
    lang
        ``"en"`` or ``"ru"``.
    rows
        The most rows a sheet holds (the most valuable first; the CSV holds all).
    """
    texts = [action_text(a, lang) for a in actions]
    beside = ["priority", *(name for name in ("lapsed_year", "lapsed_season") if name in lists)]
    names = _sheet_names(
        [
            SHEETS[lang]["actions"][0],
            *(t.label for t in texts),
            *(SHEETS[lang][name][0] for name in beside),
        ]
    )
    titles = dict(zip(beside, names[len(actions) + 1 :], strict=True))
    flags = {f"_in{i}": member(table, a.segment) for i, a in enumerate(actions)}
    marked = table.mutate(**flags)
    firsts = [
        marked[f"_in{i}"] & ~ibis.or_(*[marked[f"_in{j}"] for j in range(i)]) if i else marked._in0
        for i in range(len(actions))
    ]
    counts = marked.aggregate(
        **{f"g{i}": marked[f"_in{i}"].ifelse(1, 0).sum() for i in range(len(actions))},
        **{f"f{i}": first.ifelse(1, 0).sum() for i, first in enumerate(firsts)},
        n=marked.count(),
    ).to_pandas()
    count = {k: int(counts[k].iloc[0] or 0) for k in counts.columns}
    overview: list[dict[str, object]] = []
    sheets: list[Sheet] = []
    for i, (action, text) in enumerate(zip(actions, texts, strict=True)):
        frame = _action_rows(marked, firsts[i], action, i, len(actions), rows)
        later = [f"_in{j}" for j in range(i + 1, len(actions))]
        labels = [names[j + 1] for j in range(i + 1, len(actions))]
        also = (
            [
                ", ".join(label for label, inside in zip(labels, row, strict=True) if inside)
                for row in frame[later].itertuples(index=False, name=None)
            ]
            if later
            else [""] * len(frame)
        )
        frame = frame.drop(columns=later).assign(offer=text.offer, also_in=also)
        cut = _cut(lang, len(frame), count[f"f{i}"], f"segments/{action.segment}.csv")
        note = (
            f"{text.what}\n{header('offer', lang)}: {text.offer}\n\n"
            f"{header('script', lang)}: {text.script}" + (f"\n\n{cut}" if cut else "")
        )
        sheets.append(Sheet(names[i + 1], frame, note=note))
        overview.append(
            {
                "number": i + 1,
                "sheet": names[i + 1],
                "group": count[f"g{i}"],
                "on_sheet": count[f"f{i}"],
                "what": text.what,
                "offer": text.offer,
                "script": text.script,
                "note": cut,
            }
        )
    label = ibis.cases(
        *[(marked[f"_in{i}"], names[i + 1]) for i in range(len(actions))],
        else_=ibis.null("string"),
    )
    info = marked.select("customer_id", *_present(marked, CONTACT), sheet=label)
    extra = _priority_sheet(priority, info, count["n"], lang, rows)
    extra += _lapsed_sheets(lists, info, lang, rows)
    for name, frame, total, file in extra:
        title, about = titles[name], SHEETS[lang][name][1]
        overview.append(
            {
                "number": None,
                "sheet": title,
                "group": total,
                "on_sheet": total,
                "what": about,
                "offer": None,
                "script": None,
                "note": _cut(lang, len(frame), total, file),
            }
        )
        sheets.append(Sheet(title, frame))
    columns = ["number", "sheet", "group", "on_sheet", "what", "offer", "script", "note"]
    front = Sheet(names[0], pd.DataFrame(overview, columns=columns), wrap=("what", "script"))
    return [front, *sheets]


def _action_rows(
    marked: ir.Table, first: ir.BooleanValue, action: Action, i: int, n: int, rows: int
) -> pd.DataFrame:
    """The rows of action ``i``'s sheet: its first-choice members, most valuable first."""
    columns = [*ACTION_COLUMNS, *action.reason]
    shown = _present(marked, dict.fromkeys(columns))
    later = [f"_in{j}" for j in range(i + 1, n)]
    members = marked.filter(first).order_by([ibis.desc("margin"), "customer_id"])
    return members.limit(rows).select(*shown, *later).to_pandas()


def _priority_sheet(
    priority: ir.Table, info: ir.Table, total: int, lang: str, rows: int
) -> list[tuple[str, pd.DataFrame, int, str]]:
    joined = priority.join(info, "customer_id")
    contact = _present(info, CONTACT)
    frame = (
        joined.order_by("priority")
        .limit(rows)
        .select("priority", "customer_id", *contact, "status", "value_at_stake", "sheet")
        .to_pandas()
    )
    return [("priority", frame, total, "segments/priority.csv")]


def _lapsed_sheets(
    lists: Mapping[str, ir.Table], info: ir.Table, lang: str, rows: int
) -> list[tuple[str, pd.DataFrame, int, str]]:
    found = []
    for name in ("lapsed_year", "lapsed_season"):
        if name not in lists:
            continue
        lapsed = lists[name]
        joined = lapsed.left_join(info, lapsed.customer_id == info.customer_id)
        contact = _present(info, CONTACT)
        frame = (
            joined.order_by([ibis.desc(lapsed.last_purchase), lapsed.customer_id])
            .limit(rows)
            .select(
                lapsed.customer_id,
                *[joined[c] for c in contact],
                lapsed.last_purchase,
                lapsed.previous_purchases,
                joined.sheet,
            )
            .to_pandas()
        )
        total = int(lapsed.count().execute())
        found.append((name, frame, total, f"segments/{name}.csv"))
    return found


def _present(table: ir.Table, columns: Sequence[str] | Mapping[str, None]) -> list[str]:
    return [c for c in columns if c in table.columns]


def _cut(lang: str, shown: int, total: int, file: str) -> str:
    """The note on a sheet that holds fewer rows than its list (empty when it holds all)."""
    if shown >= total:
        return ""
    sep = "," if lang == "en" else "\u00a0"
    return CUT[lang].format(
        rows=f"{shown:,}".replace(",", sep), total=f"{total:,}".replace(",", sep), file=file
    )


def _sheet_names(labels: list[str]) -> list[str]:
    """Valid, distinct sheet names: at most 31 characters, none of those Excel refuses."""
    import re

    names: list[str] = []
    for label in labels:
        name = re.sub(r"[\[\]:*?/\\']", "", label)[:31] or "sheet"
        base, k = name, 2
        while name.lower() in {n.lower() for n in names}:
            suffix = f" ({k})"
            name = base[: 31 - len(suffix)] + suffix
            k += 1
        names.append(name)
    return names
