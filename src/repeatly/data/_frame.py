"""Canonical tables from in-memory frames (pandas, Arrow), for notebooks and tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from repeatly.data._schema import TABLES, Kind, TableSpec
from repeatly.exceptions import MappingError

if TYPE_CHECKING:
    from ibis.backends import BaseBackend

__all__ = ["IBIS_TYPES", "from_frame"]

#: The Ibis type each logical kind is stored as.
IBIS_TYPES: dict[Kind, str] = {
    "string": "string",
    "timestamp": "timestamp",
    "date": "date",
    "number": "float64",
    "integer": "int64",
    "boolean": "boolean",
}


def from_frame(
    frame: Any,
    spec: TableSpec | str,
    *,
    con: BaseBackend | None = None,
    name: str | None = None,
) -> ir.Table:
    """Put a frame whose columns already carry canonical names into the engine.

    Columns of the spec that the frame lacks become typed NULL columns; columns the
    spec does not know are dropped. Orders without ``order_id`` get one order per
    customer and day, and cost or margin is derived from the other when only one is
    given, as :func:`repeatly.data.load_table` does for files.

    Parameters
    ----------
    frame
        A pandas DataFrame or a pyarrow Table.
    spec
        The canonical table (or its name, e.g. ``"orders"``).
    con
        Engine to put the table in; the process-wide embedded DuckDB when not given.
    name
        Table name in the engine; a generated one when not given.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"customer_id": ["a"], "ordered_at": [pd.Timestamp("2024-01-02")],
    ...                       "amount": [10.0]})
    >>> from_frame(frame, "orders").order_id.execute().tolist()
    ['a|2024-01-02']
    """
    from repeatly.connection import shared_connection

    spec = TABLES[spec] if isinstance(spec, str) else spec
    columns = list(frame.columns if hasattr(frame, "columns") else frame.column_names)
    missing = [r for r in spec.required if r not in columns]
    if missing:
        raise MappingError(
            f"{spec.name} frame: no column for required role(s) {', '.join(missing)};"
            f" columns found: {', '.join(map(str, columns))}"
        )
    con = con if con is not None else shared_connection()
    raw = con.create_table(name or ibis.util.gen_name(spec.name), frame, overwrite=True)
    present = set(raw.columns)
    exprs = {}
    for role in spec.roles:
        dtype = IBIS_TYPES[role.kind]
        if role.name in present:
            exprs[role.name] = raw[role.name].cast(dtype)
        else:
            exprs[role.name] = ibis.null(dtype)
    table = raw.select(**exprs)
    if spec.name == "orders":
        table = complete_orders(table, present=present)
    return table


def complete_orders(table: ir.Table, *, present: set[str]) -> ir.Table:
    """Fill derivable order columns: order id, and cost or margin from the other."""
    changes: dict[str, ir.Value] = {}
    if "order_id" not in present:
        changes["order_id"] = table.customer_id.concat("|", table.ordered_at.date().cast("string"))
    if "cost" not in present and "margin" in present:
        changes["cost"] = table.amount - table.margin
    if "margin" not in present and "cost" in present:
        changes["margin"] = table.amount - table.cost
    return table.mutate(**changes) if changes else table
