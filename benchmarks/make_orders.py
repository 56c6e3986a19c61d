"""Write a large synthetic order-lines Parquet file for the benchmarks.

Usage: python benchmarks/make_orders.py [LINES] [PATH]   (default 10,000,000 lines)

The file has the canonical order columns with realistic shapes: about four lines per
customer, several lines per order, categories with their own costs, discounts. It is
made in chunks with numpy so it needs little memory.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

CATEGORIES = np.array(["groceries", "cosmetics", "clothing", "shoes", "jewellery", "furniture"])
COST_SHARE = np.array([0.85, 0.40, 0.55, 0.55, 0.35, 0.60])
BRANDS = np.array([f"brand{i:02d}" for i in range(40)])
CHANNELS = np.array(["store", "web", "app"])
START = np.datetime64("2022-01-01T00:00:00", "s")
SPAN_SECONDS = 3 * 365 * 86400
CHUNK_CUSTOMERS = 250_000
LINES_PER_CUSTOMER = 4


def _chunk(rng: np.random.Generator, first_customer: int, customers: int) -> pa.Table:
    lines_per = rng.geometric(1 / LINES_PER_CUSTOMER, size=customers)
    n = int(lines_per.sum())
    customer = np.repeat(np.arange(first_customer, first_customer + customers), lines_per)
    start = rng.integers(0, SPAN_SECONDS // 2, size=customers)
    offset = np.repeat(start, lines_per) + rng.integers(0, SPAN_SECONDS // 2, size=n)
    ordered_at = START + offset.astype("timedelta64[s]")
    day = offset // 86400
    cat = rng.integers(0, len(CATEGORIES), size=n)
    amount = np.round(rng.gamma(2.0, 25.0, size=n) + 1, 2)
    discount = np.where(rng.random(n) < 0.15, np.round(amount * 0.2, 2), 0.0)
    cost = np.round(amount * COST_SHARE[cat], 2)
    customer_ids = np.char.add("C", customer.astype(str))
    order_ids = np.char.add(np.char.add(customer_ids, "-"), day.astype(str))
    return pa.table(
        {
            "customer_id": customer_ids,
            "ordered_at": pa.array(ordered_at, type=pa.timestamp("us")),
            "amount": amount,
            "order_id": order_ids,
            "sku": np.char.add("SKU", rng.integers(0, 5000, size=n).astype(str)),
            "category": CATEGORIES[cat],
            "brand": BRANDS[rng.integers(0, len(BRANDS), size=n)],
            "quantity": np.ones(n),
            "cost": cost,
            "discount": discount,
            "promo": discount > 0,
            "channel": CHANNELS[rng.integers(0, 3, size=n)],
        }
    )


def make_orders(lines: int, path: Path, *, seed: int = 0) -> Path:
    """Write about ``lines`` order lines to ``path`` (Parquet) and return the path."""
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    customers_total = lines // LINES_PER_CUSTOMER
    writer = None
    written = 0
    try:
        for first in range(0, customers_total, CHUNK_CUSTOMERS):
            chunk = _chunk(rng, first, min(CHUNK_CUSTOMERS, customers_total - first))
            if writer is None:
                writer = pq.ParquetWriter(path, chunk.schema)
            writer.write_table(chunk)
            written += chunk.num_rows
    finally:
        if writer is not None:
            writer.close()
    return path


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    path = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("benchmarks/data/orders_10m.parquet")
    started = time.perf_counter()
    make_orders(lines, path)
    rows = pq.ParquetFile(path).metadata.num_rows
    print(f"wrote {rows:,} lines to {path} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
