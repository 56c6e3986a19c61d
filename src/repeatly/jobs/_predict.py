"""The prediction job: load order lines, then forecast every customer."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Literal

from repeatly._notes import Note
from repeatly.analytics import money_sum
from repeatly.exceptions import InputError
from repeatly.jobs._inputs import Source, _made_here, load_input, load_orders, split_mapping
from repeatly.jobs._options import LoadOptions, parse_date
from repeatly.segments import CONTACT_FIELDS
from repeatly.workspace import Workspace

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends import BaseBackend

    from repeatly.prediction import Forecast

__all__ = ["predict"]

log = logging.getLogger("repeatly")

#: The order-line roles a forecast reads (costs only to find the margin share).
ROLES = ("customer_id", "ordered_at", "amount")
#: What the predictions carry from the customers, when given.
CONTACT = CONTACT_FIELDS


def predict(
    orders: Source,
    *,
    customers: Source | None = None,
    model: str = "auto",
    unit: Literal["day", "week", "month"] = "week",
    as_of: dt.date | str | None = None,
    today: dt.date | str | None = None,
    calibration_end: dt.date | str | None = None,
    horizon: float | None = None,
    clv_months: int = 12,
    margin: float | None = None,
    discount_rate: float = 0.10,
    penalizer: float = 0.0,
    mapping: Mapping[str, str] | None = None,
    table: str | None = None,
    on_bad_rows: Literal["error", "skip"] = "error",
    header_row: int | None = None,
    sheet: str | int | None = None,
    con: BaseBackend | None = None,
    progress: Callable[[str], None] | None = None,
    predictions_file: str | os.PathLike[str] | None = None,
) -> Forecast:
    """Forecast every customer of an order export: P(alive), purchases, spend and CLV.

    ``orders``, ``customers`` and the loading options are as for
    :func:`repeatly.analyze`; with ``customers``, each customer's predictions carry their
    name, e-mail, phone, city, address and consents (the columns after the
    predictions), so the list is one to call or write to. The model
    options (:class:`~repeatly.prediction.ForecastOptions`) and ``predictions_file``
    are those of :func:`repeatly.prediction.forecast`, and are all checked before any
    order is read.
    ``margin`` (the share of spend that is margin) defaults to the margin share of the
    lines that have a cost or margin, and to 1.0 (CLV in revenue) when none has. The
    forecast's engine tables are freed when it is closed (``with`` or ``close()``).

    Examples
    --------
    >>> import repeatly
    >>> shop = repeatly.datasets.make_shop(300, seed=2)
    >>> with repeatly.predict(shop.orders, model="bgnbd", margin=0.4) as result:
    ...     sorted(result.to_dict()["params"])
    ['a', 'alpha', 'b', 'r']
    """
    from repeatly.prediction import ForecastOptions, forecast

    # every option is checked here, before a line is read
    loading = LoadOptions(
        mapping=mapping,
        table=table,
        on_bad_rows=on_bad_rows,
        as_of=parse_date(as_of, "as_of"),
        today=parse_date(today, "today"),
        header_row=header_row,
        sheet=sheet,
    )
    options = ForecastOptions(
        model=model,
        unit=unit,
        as_of=loading.as_of,
        calibration_end=parse_date(calibration_end, "calibration_end"),
        horizon=horizon,
        clv_months=clv_months,
        margin=margin,
        discount_rate=discount_rate,
        penalizer=penalizer,
    )
    step = progress or (lambda label: log.info("%s", label))
    step("Loading orders")
    roles = ROLES + (("cost", "margin") if margin is None else ())
    mappings = split_mapping(loading.mapping, {"orders": orders, "customers": customers})
    workspace, loaded = load_orders(
        Workspace(con), orders, loading, mapping=mappings["orders"], roles=roles
    )
    try:
        contacts = None
        if customers is not None:
            step("Loading customers")
            people = load_input(
                customers,
                "customers",
                con=workspace.con,
                mapping=mappings["customers"],
                on_bad_rows=loading.on_bad_rows,
            )
            if not workspace.owned and _made_here(customers, people):
                workspace.adopt(people.table)  # dropped with the forecast's tables
            contacts = people.table.select(*CONTACT).distinct(on="customer_id", keep="first")
        lines = loaded.table
        notes = []
        if options.margin is None:
            share, note = _margin_share(lines)
            options = replace(options, margin=share)
            notes.append(note)
        result = forecast(
            lines,
            options=options,
            progress=step,
            predictions_file=predictions_file,
            workspace=workspace,
        )
    except BaseException:
        workspace.close()
        raise
    result.notes[:0] = notes
    if contacts is not None:  # the predictions, then whom to reach and how
        joined = result.customers.left_join(contacts, "customer_id")
        result.customers = joined.select(
            *result.customers.columns, *[c for c in CONTACT if c != "customer_id"]
        )
        result.predictions_file = None  # the file has no contacts: write them again
    result.options["source"] = loaded.source
    result.workspace = workspace  # the forecast's tables are freed when it is closed
    return result


def _margin_share(lines: ir.Table) -> tuple[float, str]:
    known = lines.filter((lines.cost.notnull() | lines.margin.notnull()) & (lines.amount > 0))
    margin = known.margin.coalesce(known.amount - known.cost)
    # in cents: the same share to the last bit whatever order the engine sums in
    totals = known.aggregate(margin=money_sum(margin), amount=money_sum(known.amount))
    row = totals.execute().iloc[0]
    amount = row["amount"]
    if amount is None or not amount > 0:
        return 1.0, Note(
            "margin: no cost data, so CLV is in revenue (pass --margin to change)",
            "margin_none",
        )
    share = float(row["margin"]) / float(amount)
    if not 0 < share <= 1:
        raise InputError(
            f"margin: the lines' costs give a margin share of {share:.1%}; "
            "pass --margin with the share to use",
            option="margin",
        )
    return share, Note(
        f"margin: {share:.1%}, the margin share of the lines with a cost",
        "margin_from_costs",
        share=share,
    )
