"""Benchmark `repeatly demo` and the Pareto/NBD fit on the rows the demo fits.

Usage: python benchmarks/bench_demo.py [--runs N] [--customers N] [--fits-only]

Prints, for ``--runs`` runs each (default 3):

- the Pareto/NBD fit on the demo's calibration rows (``make_shop(customers, seed=0)``,
  the last 182 days held out, weekly distinct (frequency, recency, T) rows with their
  counts, as ``repeatly demo`` fits them): wall and CPU time of each fit, and what it
  found (parameters, log-likelihood, whether at its limit of one dropout rate);
- ``repeatly demo --customers N`` as a whole process, a child per run: its wall time,
  its CPU time (user + system, from the child's rusage: steadier than the wall time
  when other work shares the machine) and the time the demo itself reports.

The code measured is the ``repeatly`` this Python imports: with ``PYTHONPATH`` set to
another checkout's ``src`` the same script measures that checkout (the child demo
inherits it), which is how the figures before and after a change are taken.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def demo_rows(customers: int) -> tuple:
    """The distinct calibration rows of the demo shop, in weeks."""
    import repeatly
    from repeatly.analytics import distinct_rows, model_summary
    from repeatly.datasets import make_shop

    shop = make_shop(customers, seed=0)
    lines = repeatly.data.from_frame(shop.orders, "orders")
    cut = shop.end - dt.timedelta(days=182)  # as `repeatly demo` holds out
    rows = distinct_rows(model_summary(lines, calibration_end=cut, unit="week")).to_pandas()
    return tuple(rows[c].to_numpy(float) for c in ("frequency", "recency", "T", "weight"))


def bench_fit(customers: int, runs: int) -> None:
    from repeatly.models import ParetoNBDModel

    x, t_x, T, w = demo_rows(customers)
    print(f"Pareto/NBD on the demo's calibration rows: {len(x):,} rows, {int(w.sum()):,} customers")
    walls, cpus = [], []
    for run in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        model = ParetoNBDModel().fit(x, t_x, T, w)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        limit = getattr(model, "limit_", None)
        form = f"limit {limit.key}" if limit is not None else "full model"
        params = ", ".join(f"{k} {v:.6g}" for k, v in model.params_.items())
        print(
            f"  fit {run + 1}: {walls[-1]:.2f} s wall, {cpus[-1]:.2f} s CPU; {form}: {params}; "
            f"log-likelihood {model.log_likelihood_:.3f}"
        )
    print(f"  median: {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU")


def bench_demo(customers: int, runs: int) -> None:
    print(f"repeatly demo --customers {customers}, as a whole process")
    walls, cpus = [], []
    for run in range(runs):
        with tempfile.TemporaryDirectory() as out:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "repeatly",
                    "demo",
                    "--customers",
                    str(customers),
                    "--out",
                    out,
                ],
                capture_output=True,
                text=True,
                env=os.environ.copy(),
                check=True,
            )
            walls.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        reported = re.search(r"done in ([\d.]+) s", done.stderr)
        print(
            f"  run {run + 1}: {walls[-1]:.1f} s wall, {cpus[-1]:.1f} s CPU"
            + (f" (the demo reports {reported.group(1)} s)" if reported else "")
        )
    print(f"  median: {statistics.median(walls):.1f} s wall, {statistics.median(cpus):.1f} s CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--fits-only", action="store_true", help="skip the whole demo runs")
    options = parser.parse_args()
    import repeatly

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {dt.date.today()}; repeatly from {repeatly.__file__}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    bench_fit(options.customers, options.runs)
    if not options.fits_only:
        bench_demo(options.customers, options.runs)


if __name__ == "__main__":
    main()
