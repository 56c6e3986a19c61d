"""Write a large synthetic order-lines Parquet file for the benchmarks.

Usage: python benchmarks/make_orders.py [LINES] [PATH] [--shape two_orders|four_days]
(default 10,000,000 lines of the ``two_orders`` shape)

The file has the canonical order columns with realistic shapes: customers who buy and
leave as in the buy-till-you-die models, categories with their own costs, discounts. It
is made in chunks with numpy so it needs little memory. Two shapes:

- ``two_orders``: about four lines per customer over two or so purchase days (many
  customers who bought once), amounts drawn per line;
- ``four_days``: about four purchase days per customer (BG/NBD with a higher purchase
  rate and a lower dropout), with Gamma-Gamma spend: each customer's mean spend is
  drawn once, each purchase day's total around it, split over its lines.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
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
LINES_PER_ORDER = 1.7


@dataclass(frozen=True)
class Shape:
    """How customers buy: BG/NBD's purchase rate (gamma r, alpha in days) and dropout
    (beta a, b); with ``spend`` the Gamma-Gamma (p, q, gamma) of each purchase day's
    total, else a gamma draw per line."""

    r: float
    alpha: float
    a: float
    b: float
    lines_per_customer: float
    spend: tuple[float, float, float] | None = None


SHAPES = {
    "two_orders": Shape(r=0.6, alpha=90.0, a=1.5, b=4.0, lines_per_customer=4.0),
    "four_days": Shape(
        r=1.0, alpha=70.0, a=1.0, b=5.0, lines_per_customer=7.5, spend=(6.0, 4.0, 15.0)
    ),
}


def _purchase_days(rng: np.random.Generator, customers: int, shape: Shape) -> list[np.ndarray]:
    """Each customer's purchase days: the buy-till-you-die story (BG/NBD).

    The first purchase falls anywhere in the span; while active, a customer buys at
    their own Poisson rate (gamma-distributed across customers) and after each
    purchase leaves for good with their own probability (beta-distributed).
    """
    span_days = SPAN_SECONDS // 86400
    rate = rng.gamma(shape.r, 1 / shape.alpha, size=customers)  # purchases a day while active
    leave = rng.beta(shape.a, shape.b, size=customers)
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


def _chunk(rng: np.random.Generator, first_customer: int, customers: int, shape: Shape) -> pa.Table:
    owner, days = _purchase_days(rng, customers, shape)
    lines_per = rng.geometric(1 / LINES_PER_ORDER, size=len(owner))
    n = int(lines_per.sum())
    customer = first_customer + np.repeat(owner, lines_per)
    day = np.repeat(days, lines_per).astype(np.int64)
    seconds = day * 86400 + np.repeat(rng.integers(8 * 3600, 22 * 3600, size=len(owner)), lines_per)
    ordered_at = START + seconds.astype("timedelta64[s]")
    cat = rng.integers(0, len(CATEGORIES), size=n)
    if shape.spend is None:
        amount = np.round(rng.gamma(2.0, 25.0, size=n) + 1, 2)
    else:  # Gamma-Gamma: a customer's scale nu, then each purchase day's total around it
        p, q, gamma = shape.spend
        nu = rng.gamma(q, 1 / gamma, size=customers)
        day_total = rng.gamma(p, 1 / nu[owner])
        amount = np.round(np.repeat(day_total / lines_per, lines_per) + 0.01, 2)
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


def make_orders(lines: int, path: Path, *, seed: int = 0, shape: str = "two_orders") -> Path:
    """Write about ``lines`` order lines to ``path`` (Parquet) and return the path."""
    form = SHAPES[shape]
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    customers_total = int(lines / form.lines_per_customer)
    writer = None
    written = 0
    try:
        for first in range(0, customers_total, CHUNK_CUSTOMERS):
            chunk = _chunk(rng, first, min(CHUNK_CUSTOMERS, customers_total - first), form)
            if writer is None:
                writer = pq.ParquetWriter(path, chunk.schema)
            writer.write_table(chunk)
            written += chunk.num_rows
    finally:
        if writer is not None:
            writer.close()
    return path


def data_path(lines: int, shape: str = "two_orders") -> Path:
    """The default file: orders_10m.parquet, orders_10m_four_days.parquet, orders_200k..."""
    label = f"{lines // 1_000_000}m" if lines % 1_000_000 == 0 else f"{lines // 1_000}k"
    suffix = "" if shape == "two_orders" else f"_{shape}"
    return Path(__file__).resolve().parent / "data" / f"orders_{label}{suffix}.parquet"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lines", nargs="?", type=int, default=10_000_000)
    parser.add_argument("path", nargs="?", type=Path)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="two_orders")
    args = parser.parse_args()
    path = args.path or data_path(args.lines, args.shape)
    started = time.perf_counter()
    make_orders(args.lines, path, shape=args.shape)
    rows = pq.ParquetFile(path).metadata.num_rows
    print(f"wrote {rows:,} lines to {path} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
