"""Joining per-customer tables side by side."""

from __future__ import annotations

import ibis.expr.types as ir

__all__ = ["attach"]


def attach(left: ir.Table, right: ir.Table) -> ir.Table:
    """Left-join ``right`` on ``customer_id``, keeping one ``customer_id`` column."""
    joined = left.left_join(right, "customer_id")
    return joined.select(*left.columns, *[c for c in right.columns if c != "customer_id"])
