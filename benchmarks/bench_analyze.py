"""Benchmark `repeatly analyze` on 10M order lines from Parquet.

Usage: python benchmarks/bench_analyze.py [LINES] [--shape two_orders|four_days]

Prints:
1. the wall time and peak memory (max RSS) of `repeatly analyze FILE` as a whole
   process (target: under 60 s and 4 GiB on a 2-core machine);
2. the per-customer summary step's time next to a bare DuckDB `GROUP BY customer` over
   the same file, and their ratio (goal: within 2x).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_orders import SHAPES, data_path, make_orders  # noqa: E402


def _data(lines: int, shape: str) -> Path:
    path = data_path(lines, shape)
    if not path.exists():
        print(f"generating {lines:,} lines ({shape}) into {path} ...", flush=True)
        make_orders(lines, path, shape=shape)
    return path


def whole_process(path: Path) -> None:
    repeatly = Path(sys.executable).with_name("repeatly")
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        done = subprocess.run(
            [str(repeatly), "analyze", str(path), "--out", out],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
        if done.returncode != 0:
            print(done.stderr)
            raise SystemExit(f"repeatly analyze failed with exit code {done.returncode}")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"repeatly analyze, whole process: {wall:.1f} s, peak RSS {peak_kib / 2**20:.2f} GiB")
    print(done.stderr.strip())


def summary_ratio(path: Path) -> None:
    import duckdb

    from repeatly import analytics
    from repeatly.connection import default_connection
    from repeatly.data import load_orders

    con = default_connection()
    loaded = load_orders(path, con=con)
    lines = loaded.table
    as_of = dt.date(2025, 1, 1)

    started = time.perf_counter()
    orders = con.create_table("bench_orders", analytics.orders_from_lines(lines), temp=True)
    con.create_table(
        "bench_summary", analytics.customer_summary(lines, as_of=as_of, orders=orders), temp=True
    )
    ours = time.perf_counter() - started

    bare_con = duckdb.connect()
    started = time.perf_counter()
    bare_con.sql(
        "CREATE TEMP TABLE bare AS SELECT customer_id, count(*) AS n, sum(amount) AS revenue, "
        "min(ordered_at) AS first, max(ordered_at) AS last "
        f"FROM read_parquet('{path}') GROUP BY customer_id"
    )
    bare = time.perf_counter() - started
    print(
        f"per-customer summary step: {ours:.2f} s; bare DuckDB GROUP BY customer on the "
        f"file: {bare:.2f} s; ratio {ours / bare:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", nargs="?", type=int, default=10_000_000)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="two_orders")
    args = parser.parse_args()
    path = _data(args.lines, args.shape)
    print(f"input: {path.name} ({args.shape})")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {dt.date.today()}"
    )
    whole_process(path)
    summary_ratio(path)


if __name__ == "__main__":
    main()
