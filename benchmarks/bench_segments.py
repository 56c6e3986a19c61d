"""Benchmark `repeatly segments` on top of the analysis, on 10M order lines (Parquet).

Usage: python benchmarks/bench_segments.py [LINES]

Prints the time of the analysis itself, then of the segment step on top of it (target:
within 30 s for 10M lines): finding the segments, and writing segments.csv, the
per-segment CSVs and the workbook. Peak memory is the whole process's max RSS.
"""

from __future__ import annotations

import datetime as dt
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_analyze import _data  # noqa: E402


def main(lines: int) -> None:
    import repeatly
    from repeatly.segments import write_segments

    path = _data(lines, "two_orders")
    print(
        f"machine: {platform.machine()}, 2 cores, Python {platform.python_version()}, "
        f"{dt.date.today()}"
    )
    started = time.perf_counter()
    result = repeatly.analyze(str(path))
    analysed = time.perf_counter()
    print(f"analysis: {analysed - started:.1f} s")
    with tempfile.TemporaryDirectory() as out:
        found = result.segments()
        paths = write_segments(found, Path(out))
        done = time.perf_counter()
        print(
            f"segments on top: {done - analysed:.1f} s "
            f"({len(paths) - 2} lists, workbook "
            f"{paths['workbook'].stat().st_size / 2**20:.1f} MiB)"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak RSS of the process: {peak:.2f} GiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000)
