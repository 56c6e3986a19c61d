"""Plan a campaign for 1M customers (target: under 60 s).

Usage: python benchmarks/bench_campaign_plan.py [--customers N] [--playbook NAME]

Builds the segments of N synthetic customers (statuses, RFM segments, contact fields and
consents drawn at random), then plans the playbook on them with a fresh SQLite store
and writes the plan's files, as ``repeatly campaign plan`` does after the analysis.
Prints the time of each part and the whole.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from repeatly.campaigns import plan_campaign, write_plan
from repeatly.store import open_store

STATUSES = ["active", "due", "at_risk", "lost"]
SEGMENTS = ["Champions", "Loyal", "Potential loyalists", "At risk", "Hibernating", "Lost"]


def segments(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.char.add("C", np.arange(n).astype(str))
    return pd.DataFrame(
        {
            "customer_id": ids,
            "status": rng.choice(STATUSES, n),
            "rfm_segment": rng.choice(SEGMENTS, n),
            "name": np.char.add("Anna Smith", np.arange(n).astype(str)),
            "email": np.char.add(ids, "@example.com"),
            "phone": [f"+7 900 {i:07d}" for i in range(n)],
            "address": np.char.add("Garden Lane 1, flat ", np.arange(n).astype(str)),
            "consent_email": rng.random(n) < 0.7,
            "consent_sms": rng.random(n) < 0.5,
            "consent_post": rng.random(n) < 0.3,
            "days_since": rng.integers(0, 900, n),
            "orders": rng.integers(1, 30, n),
            "revenue": rng.gamma(2.0, 200.0, n).round(2),
            "top_category": rng.choice(["shoes", "bags", "coats"], n),
            "cycle_days": rng.uniform(20, 200, n).round(1),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--playbook", default="win_back")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, {dt.date.today()}")
    started = time.perf_counter()
    frame = segments(args.customers)
    print(
        f"segments of {args.customers:,} customers made in "
        f"{time.perf_counter() - started:.1f} s (not part of the plan)"
    )
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        with open_store(f"sqlite:///{Path(folder) / 'ops.db'}") as store:
            plan = plan_campaign(
                args.playbook,
                frame,
                store=store,
                as_of=dt.date(2026, 11, 1),
                shop={"name": "Shop", "url": "https://shop.example"},
            )
        t1 = time.perf_counter()
        write_plan(plan, Path(folder) / "plan")
        t2 = time.perf_counter()
    summary = plan.summary()
    print(
        f"playbook {args.playbook}: audience {summary['audience']:,}, treatment "
        f"{summary['treatment']:,}, control {summary['control']:,}, excluded "
        f"{sum(summary['excluded'].values()):,}"
    )
    print(
        f"plan: {t1 - t0:.1f} s; writing the files: {t2 - t1:.1f} s; "
        f"total {t2 - t0:.1f} s (target: under 60 s)"
    )


if __name__ == "__main__":
    main()
