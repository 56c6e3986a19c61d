"""Write a large synthetic order-lines Parquet file for the benchmarks.

Usage: python benchmarks/make_orders.py [LINES] [PATH]   (default 10,000,000 lines)

The file has the canonical order columns with realistic shapes: customers who buy and
leave as in the buy-till-you-die models, about four lines per customer over two or so
orders, categories with their own costs, discounts. It is made in chunks with numpy so
it needs little memory.
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
LINES_PER_CUSTOMER = 4  # on average, from the orders and the lines per order
LINES_PER_ORDER = 1.7


def _purchase_days(rng: np.random.Generator, customers: int) -> list[np.ndarray]:
    """Each customer's purchase days: the buy-till-you-die story (BG/NBD).

    The first purchase falls anywhere in the span; while active, a customer buys at
    their own Poisson rate (gamma-distributed across customers) and after each
    purchase leaves for good with their own probability (beta-distributed).
    """
    span_days = SPAN_SECONDS // 86400
    rate = rng.gamma(0.6, 1 / 90.0, size=customers)  # purchases per day while active
    leave = rng.beta(1.5, 4.0, size=customers)
    day = rng.integers(0, span_days, size=customers).astype(np.float64)
    days = [day.copy()]
    who = [np.arange(customers)]
    active = np.arange(customers)
    while len(active):
        stays = rng.random(len(active)) >= leave[active]
        active, day = active[stays], day[stays]
        day = day + rng.exponential(1.0, size=len(active)) / rate[active]
        inside = day < span_days
        active, day = active[inside], day[inside]
        days.append(np.floor(day))
        who.append(active)
    return [np.concatenate(who), np.concatenate(days)]


def _chunk(rng: np.random.Generator, first_customer: int, customers: int) -> pa.Table:
    owner, days = _purchase_days(rng, customers)
    lines_per = rng.geometric(1 / LINES_PER_ORDER, size=len(owner))
    n = int(lines_per.sum())
    customer = first_customer + np.repeat(owner, lines_per)
    day = np.repeat(days, lines_per).astype(np.int64)
    seconds = day * 86400 + np.repeat(rng.integers(8 * 3600, 22 * 3600, size=len(owner)), lines_per)
    ordered_at = START + seconds.astype("timedelta64[s]")
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
