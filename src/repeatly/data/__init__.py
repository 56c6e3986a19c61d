"""Loading a business's data as canonical tables.

Files (CSV, Parquet, Excel), database tables (any URL Ibis opens) and in-memory frames
become the canonical tables of :mod:`repeatly.data._schema`: order lines, customers,
products, marketing spend and leads. Column roles are detected from English and
Russian headers and can be overridden; every unreadable value is reported with its
file, row and column.
"""

from repeatly.data._enrich import with_products
from repeatly.data._frame import from_frame
from repeatly.data._load import (
    Loaded,
    load_customers,
    load_leads,
    load_orders,
    load_products,
    load_spend,
    load_table,
    loaded_from_table,
)
from repeatly.data._quality import DataQuality
from repeatly.data._roles import detect_roles, parse_mapping, resolve_mapping
from repeatly.data._schema import CUSTOMERS, LEADS, ORDERS, PRODUCTS, SPEND, TABLES, Role, TableSpec

__all__ = [
    "CUSTOMERS",
    "LEADS",
    "ORDERS",
    "PRODUCTS",
    "SPEND",
    "TABLES",
    "DataQuality",
    "Loaded",
    "Role",
    "TableSpec",
    "detect_roles",
    "from_frame",
    "load_customers",
    "load_leads",
    "load_orders",
    "load_products",
    "load_spend",
    "load_table",
    "loaded_from_table",
    "parse_mapping",
    "resolve_mapping",
    "with_products",
]
