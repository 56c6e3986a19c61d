"""The canonical tables every input is mapped to.

A *role* is what a column means (the customer, the timestamp, the amount ...). Each
canonical table lists its roles, their types, and which are required. Loaders map input
columns to roles and produce tables whose columns are exactly the role names, in this
order, with these types. The rest of Repeatly only ever sees canonical tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["string", "timestamp", "date", "number", "integer", "boolean"]

__all__ = [
    "CUSTOMERS",
    "LEADS",
    "ORDERS",
    "PRODUCTS",
    "SPEND",
    "TABLES",
    "Kind",
    "Role",
    "TableSpec",
]


@dataclass(frozen=True, slots=True)
class Role:
    """One column of a canonical table.

    Parameters
    ----------
    name
        Canonical column name.
    kind
        Logical type the values are parsed to.
    required
        Whether a table without this column cannot be used.
    description
        What the column means, shown in the report's mapping table.
    """

    name: str
    kind: Kind
    required: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A canonical table: its name and its roles in order."""

    name: str
    roles: tuple[Role, ...]

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the required roles."""
        return tuple(r.name for r in self.roles if r.required)

    def role(self, name: str) -> Role:
        """Return the role called ``name``."""
        for r in self.roles:
            if r.name == name:
                return r
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of all roles, in order."""
        return tuple(r.name for r in self.roles)


ORDERS = TableSpec(
    "orders",
    (
        Role("customer_id", "string", True, "who bought"),
        Role("ordered_at", "timestamp", True, "when the order was placed"),
        Role("amount", "number", True, "money paid for the line, after discounts"),
        Role(
            "order_id",
            "string",
            False,
            "order or receipt number; without it an order is all lines of one customer on one day",
        ),
        Role("sku", "string", False, "product code"),
        Role("category", "string", False, "product category"),
        Role("brand", "string", False, "product brand"),
        Role("quantity", "number", False, "units on the line"),
        Role("unit_price", "number", False, "list price of one unit"),
        Role("cost", "number", False, "cost of goods on the line"),
        Role("margin", "number", False, "gross margin on the line (amount - cost)"),
        Role("discount", "number", False, "discount given on the line, in money"),
        Role("promo", "boolean", False, "whether the line was bought on promotion"),
        Role("channel", "string", False, "sales channel (store, web, app ...)"),
        Role("store", "string", False, "store or point of sale"),
    ),
)

CUSTOMERS = TableSpec(
    "customers",
    (
        Role("customer_id", "string", True, "customer identifier, as in the orders"),
        Role("name", "string", False, "customer name"),
        Role("email", "string", False, "e-mail address"),
        Role("phone", "string", False, "phone number"),
        Role("address", "string", False, "postal address"),
        Role("city", "string", False, "city"),
        Role("latitude", "number", False, "latitude in degrees"),
        Role("longitude", "number", False, "longitude in degrees"),
        Role("consent_email", "boolean", False, "agreed to e-mail"),
        Role("consent_sms", "boolean", False, "agreed to SMS"),
        Role("consent_phone", "boolean", False, "agreed to calls"),
        Role("consent_post", "boolean", False, "agreed to letters"),
        Role("acquisition_channel", "string", False, "channel that brought the customer"),
        Role("referred_by", "string", False, "customer who referred this one"),
        Role("signup_date", "date", False, "when the customer registered"),
    ),
)

PRODUCTS = TableSpec(
    "products",
    (
        Role("sku", "string", True, "product code, as in the orders"),
        Role("category", "string", False, "product category"),
        Role("brand", "string", False, "product brand"),
        Role("price", "number", False, "list price"),
        Role("cost", "number", False, "unit cost"),
        Role("collection", "string", False, "collection or season"),
        Role("launch_date", "date", False, "when the collection or product launched"),
    ),
)

SPEND = TableSpec(
    "spend",
    (
        Role("period", "date", True, "first day of the period the spend covers"),
        Role("spend", "number", True, "money spent"),
        Role("channel", "string", False, "marketing channel"),
        Role("visitors", "number", False, "visitors the spend brought"),
        Role("leads", "number", False, "leads the spend brought"),
        Role("purpose", "string", False, "acquisition or retention (default acquisition)"),
    ),
)

LEADS = TableSpec(
    "leads",
    (
        Role("created_at", "timestamp", True, "when the lead came in"),
        Role("lead_id", "string", False, "lead identifier"),
        Role("channel", "string", False, "channel the lead came from"),
        Role("customer_id", "string", False, "customer the lead became, if any"),
        Role("email", "string", False, "lead's e-mail"),
    ),
)

TABLES: dict[str, TableSpec] = {t.name: t for t in (ORDERS, CUSTOMERS, PRODUCTS, SPEND, LEADS)}
