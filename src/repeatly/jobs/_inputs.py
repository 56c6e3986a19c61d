"""Reading a job's inputs into its workspace: files, URLs, frames and Ibis tables."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir

from repeatly.data import TABLES, from_frame, load_table, loaded_from_table, resolve_mapping
from repeatly.exceptions import InputError
from repeatly.workspace import Workspace

if TYPE_CHECKING:
    from ibis.backends import BaseBackend

    from repeatly.data import Loaded
    from repeatly.jobs._options import LoadOptions

__all__ = ["Source", "load_input", "load_inputs", "load_orders", "split_mapping"]

Source = Any  # a path, a URL, a pandas/Arrow frame, or an Ibis table


def load_inputs(
    workspace: Workspace,
    sources: Mapping[str, Source | None],
    options: LoadOptions,
    *,
    step: Any,
) -> tuple[Workspace, dict[str, Loaded]]:
    """Load the orders, then the other inputs given, into the orders' engine.

    Returns the workspace the job goes on in, with the inputs by name. That is the one
    given, unless the orders stay in a database of their own (a URL, or an Ibis table
    of another engine): then it is a workspace on that engine, and the one given is
    closed. The other inputs are loaded next to the orders. When loading fails, the
    workspace is closed.
    """
    try:
        mappings = split_mapping(options.mapping, sources)
    except BaseException:
        workspace.close()
        raise
    step("Loading orders")
    workspace, orders = load_orders(
        workspace, sources["orders"], options, mapping=mappings["orders"]
    )
    inputs = {"orders": orders}
    try:
        for name, source in sources.items():
            if source is not None and name != "orders":
                step(f"Loading {name}")
                inputs[name] = load_input(
                    source,
                    name,
                    con=workspace.con,
                    mapping=mappings[name],
                    on_bad_rows=options.on_bad_rows,
                    as_of=options.as_of,
                    today=options.today,
                )
                if not workspace.owned and _made_here(source, inputs[name]):
                    workspace.adopt(inputs[name].table)  # dropped with the job's tables
    except BaseException:
        workspace.close()  # the caller closes the workspace it gave, not this one
        raise
    return workspace, inputs


def _made_here(source: Source, loaded: Loaded) -> bool:
    """Whether loading made a table in the engine (a file or frame copied into it)."""
    return not isinstance(source, ir.Table) and loaded.kind != "database"


def load_orders(
    workspace: Workspace,
    orders: Source,
    options: LoadOptions,
    *,
    mapping: Mapping[str, str] | None,
    roles: tuple[str, ...] | None = None,
) -> tuple[Workspace, Loaded]:
    """Load the order lines into the workspace; return the workspace to go on in.

    That is the one given, unless the orders stay in a database of their own (a URL,
    or an Ibis table of another engine): then a workspace on that engine, and the one
    given is closed. With ``roles``, only those are read and no quality summary is
    made (a job that needs a few columns). ``mapping`` is the orders' own column
    overrides (the options' mapping may also name other inputs'). When loading fails,
    the workspace is closed.
    """
    extra: dict[str, Any] = {} if roles is None else {"roles": roles, "quality": False}
    try:
        loaded = load_input(
            orders,
            "orders",
            con=workspace.con,
            mapping=mapping,
            table=options.table,
            on_bad_rows=options.on_bad_rows,
            as_of=options.as_of,
            today=options.today,
            **_layout(orders, options),
            **extra,
        )
        loaded.require_sales()  # a file of only refunds has nothing to work on
    except BaseException:
        workspace.close()
        raise
    engine = loaded.table._find_backend(use_default=True)
    if engine is not workspace.con:  # the orders stay where they are: the job runs there
        workspace.close()
        workspace = Workspace(engine, owned=isinstance(orders, str))  # closes what it opened
    elif not workspace.owned and _made_here(orders, loaded):
        workspace.adopt(loaded.table)  # dropped with the job's other tables
    return workspace, loaded


def _layout(orders: Source, options: LoadOptions) -> dict[str, Any]:
    """The orders file's header row and sheet, when given (only files have them)."""
    if isinstance(orders, str | os.PathLike) and not isinstance(orders, ir.Table):
        return {"header_row": options.header_row, "sheet": options.sheet}
    return {}


def load_input(
    source: Source,
    name: str,
    *,
    con: BaseBackend,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    **options: Any,
) -> Loaded:
    """One input as a canonical table on ``con`` (or in its own database, for a URL)."""
    overrides = options.get("mapping")
    if isinstance(source, ir.Table):
        renamed, used = _renamed(source, name, overrides)
        loaded = loaded_from_table(renamed, name, as_of=as_of, today=today)
    elif hasattr(source, "columns") or hasattr(source, "column_names"):
        renamed, used = _renamed(source, name, overrides)
        loaded = loaded_from_table(
            from_frame(renamed, name, con=con), name, source="frame", as_of=as_of, today=today
        )
    else:
        return load_table(source, name, con=con, as_of=as_of, today=today, **options)
    loaded.mapping = {role: used.get(role, column) for role, column in loaded.mapping.items()}
    return loaded


def _renamed(frame: Any, name: str, overrides: dict[str, str] | None) -> tuple[Any, dict[str, str]]:
    """Rename a frame's or table's columns to roles (detected or given).

    Returns the renamed frame and, for each renamed role, its original column.
    """
    columns = [str(c) for c in (frame.columns if hasattr(frame, "columns") else frame.column_names)]
    spec = TABLES[name]
    if not overrides and all(r in columns for r in spec.required):
        return frame, {}
    mapping = resolve_mapping(columns, spec, overrides, source=f"{name} frame")
    renames = {column: role for role, column in mapping.items() if column != role}
    used = {role: column for column, role in renames.items()}
    clashing = [c for c in columns if c in used and c not in renames]
    if clashing:  # a column already named like a role that another column now plays
        frame = _drop_columns(frame, clashing)
    if isinstance(frame, ir.Table):
        return frame.rename(used), used
    if hasattr(frame, "rename_columns"):  # Arrow
        names = list(frame.column_names)
        return frame.rename_columns([renames.get(c, c) for c in names]), used
    return frame.rename(columns=renames), used


def _drop_columns(frame: Any, columns: list[str]) -> Any:
    if isinstance(frame, ir.Table):
        return frame.drop(*columns)
    if hasattr(frame, "drop_columns"):  # Arrow
        return frame.drop_columns(columns)
    return frame.drop(columns=columns)


def split_mapping(
    mapping: Mapping[str, str] | None, sources: Mapping[str, Any]
) -> dict[str, dict[str, str] | None]:
    """Per-input overrides from ``{"role": col, "spend.role": col, ...}``."""
    split: dict[str, dict[str, str] | None] = {name: None for name in sources}
    for key, column in (mapping or {}).items():
        name, dot, role = key.partition(".")
        if not dot:
            name, role = "orders", key
        if name not in sources:
            raise InputError(
                f'--map {key}=...: "{name}" is not an input; inputs are: {", ".join(sources)}'
            )
        if sources[name] is None:
            raise InputError(f"--map {key}=...: no {name} input was given")
        split[name] = {**(split[name] or {}), role: column}
    return split
