"""Filling order lines from the product catalogue."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

__all__ = ["with_products"]


def with_products(lines: ir.Table, products: ir.Table) -> ir.Table:
    """Fill order lines' missing category, brand, unit price and cost from products.

    Lines are matched on ``sku``. What a line says itself wins; the catalogue fills
    only what is missing: ``cost`` becomes the product's unit cost times the line's
    quantity (1 when not given), negative on return lines, and ``margin`` then
    follows as amount minus cost.
    Lines whose SKU is not in the catalogue are kept as they are.

    Parameters
    ----------
    lines
        Canonical order lines.
    products
        The canonical products table (one row per SKU; the first row wins on repeats).

    Returns
    -------
    ibis.Table
        Canonical order lines.

    Examples
    --------
    >>> import pandas as pd
    >>> from repeatly.data import from_frame
    >>> lines = from_frame(pd.DataFrame({"customer_id": ["a"], "amount": [30.0],
    ...     "ordered_at": [pd.Timestamp("2024-01-02")], "sku": ["S1"], "quantity": [3]}),
    ...     "orders")
    >>> products = from_frame(pd.DataFrame({"sku": ["S1"], "category": ["tea"],
    ...     "cost": [4.0]}), "products")
    >>> with_products(lines, products).select("category", "cost", "margin").to_pandas()
      category  cost  margin
    0      tea  12.0    18.0
    """
    catalogue = products.select(
        "sku", _category="category", _brand="brand", _price="price", _cost="cost"
    ).distinct(on="sku", keep="first")
    joined = lines.left_join(catalogue, "sku")
    units = ibis.coalesce(joined.quantity, 1.0)
    sign = ibis.ifelse(joined.amount < 0, -1.0, 1.0)  # a returned line returns its cost
    cost = ibis.coalesce(joined.cost, joined._cost * units * sign)
    return joined.select(
        *[
            c
            for c in lines.columns
            if c not in ("category", "brand", "unit_price", "cost", "margin")
        ],
        category=ibis.coalesce(joined.category, joined._category),
        brand=ibis.coalesce(joined.brand, joined._brand),
        unit_price=ibis.coalesce(joined.unit_price, joined._price),
        cost=cost,
        margin=ibis.coalesce(joined.margin, joined.amount - cost),
    ).select(*lines.columns)
