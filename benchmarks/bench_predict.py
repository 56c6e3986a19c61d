"""Benchmark predictions against lifetimes 0.11.3 on 10M order lines, as whole processes.

Usage: python benchmarks/bench_predict.py [PARQUET] [--lines N] [--shape two_orders|four_days]
                                          [--only lifetimes|repeatly] [--margin M]
                                          [--settle SECONDS]

Both sides run the same pipeline as a child process each: read the order lines Parquet,
build the per-customer summary in weeks (repeat purchase days, recency, T, mean value of
the repeat purchase days; observation end on the last day in the data), fit BG/NBD, fit
Gamma-Gamma on the repeat buyers, predict the expected purchases over 52 weeks and a
12-month CLV (1% a month discount rate) for every customer, and write them to a file.

- lifetimes: ``lifetimes_pipeline.py`` run by the Python of a side environment with
  lifetimes 0.11.3 and the numpy/pandas/scipy it works with, made on first use in
  ``~/.cache/repeatly-bench/lifetimes-venv``;
- repeatly: ``REPEATLY_COMMAND`` below, the CLI next to this Python, its modules
  compiled to bytecode first as a ``pip install`` compiles them.

Before each side the script waits ``--settle`` seconds (default 15) with nothing running,
so that both start from the same state of the machine's memory. On the virtual machine
these figures come from, memory a process frees goes back to the host within a few
seconds, and the next process to touch it pays about 2.3 s per GiB instead of 0.2 s
(1 GiB of numpy ones: 0.19 s right after a 2 GiB process ended, 0.55 s 3 s after it,
2.35 s 15 s after it). With the pause, each side starts with the memory given back, as
the first side always does; without it, the second side would run on the first's.

Prints each side's wall time, CPU time (user + system; steadier than the wall time when
the machine is busy) and peak memory (max RSS of the child, through a small wrapper),
then the speed ratio (lifetimes seconds / repeatly seconds) and the memory ratio
(repeatly peak / lifetimes peak). PARQUET defaults to ``benchmarks/data/orders_10m.parquet``
(or the file for ``--lines N`` and ``--shape``: ``orders_10m_four_days.parquet`` has about
four purchase days per customer), made with ``make_orders.py`` when missing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_orders import SHAPES, data_path, make_orders  # noqa: E402

# The 1%-a-month discount rate of lifetimes' CLV, as the annual rate `repeatly predict` takes.
ANNUAL_DISCOUNT_RATE = f"{1.01**12 - 1:.4f}"  # 0.1268
# Our side; {repeatly}, {orders}, {out} and {margin} are filled in.
REPEATLY_COMMAND = [
    "{repeatly}",
    "predict",
    "{orders}",
    "--model",
    "bgnbd",
    "--unit",
    "week",
    "--horizon",
    "52",
    "--clv-months",
    "12",
    "--discount-rate",
    ANNUAL_DISCOUNT_RATE,
    "--format",
    "parquet",
    "--out",
    "{out}",
    # Always given: without it the CLI takes the margin from the lines' cost column.
    "--margin",
    "{margin}",
]

LIFETIMES_VENV = Path.home() / ".cache" / "repeatly-bench" / "lifetimes-venv"
LIFETIMES_REQUIREMENTS = [
    "lifetimes==0.11.3",
    "numpy<2",
    "pandas<2.1",
    "scipy<1.12",
    "pyarrow<22",
]
LIFETIMES_PIPELINE = HERE / "lifetimes_pipeline.py"
SYSTEM_PYTHON = "python3"
SIDES = ("lifetimes", "repeatly")


@dataclass
class Run:
    """One child process: its command, exit code, wall and CPU time, peak RSS and output."""

    side: str
    command: list[str]
    returncode: int
    seconds: float
    cpu_seconds: float
    peak_gib: float
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def ensure_data(path: Path, lines: int, shape: str = "two_orders") -> Path:
    if not path.exists():
        print(f"generating {lines:,} lines ({shape}) into {path} ...", flush=True)
        started = time.perf_counter()
        make_orders(lines, path, shape=shape)
        print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def lifetimes_python() -> Path:
    """The side environment's Python, after making the environment if it is missing."""
    python = LIFETIMES_VENV / "bin" / "python"
    stamp = LIFETIMES_VENV / ".installed"
    wanted = "\n".join(LIFETIMES_REQUIREMENTS) + "\n"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    print(f"setting up {LIFETIMES_VENV} with {' '.join(LIFETIMES_REQUIREMENTS)} ...", flush=True)
    started = time.perf_counter()
    subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(LIFETIMES_VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *LIFETIMES_REQUIREMENTS], check=True
    )
    stamp.write_text(wanted)
    print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    return python


# Runs argv[2:] and writes "exit-code seconds cpu-seconds peak-KiB" to argv[1]. A fresh small
# process between us and the measured one: a child's max RSS starts at the RSS of the
# process that spawned it (Linux counts the spawner's memory up to the exec), and ours
# holds the generated data and pyarrow.
WRAPPER = """
import os, resource, sys, time
started = time.perf_counter()
try:
    pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
except OSError as error:
    print(f"cannot start {sys.argv[2]}: {error}", file=sys.stderr)
    sys.exit(127)
code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as result:
    result.write(f"{code} {seconds} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
"""


def measure(side: str, command: list[str]) -> Run:
    """Run ``command``; return its exit code, wall time, peak RSS (with its children), output."""
    print(f"running {side}: {' '.join(command)}", flush=True)
    with (
        tempfile.NamedTemporaryFile("r") as result,
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
    ):
        wrapper = [sys.executable, "-I", "-S", "-c", WRAPPER, result.name]
        started = time.perf_counter()
        done = subprocess.run([*wrapper, *command], stdout=out, stderr=err, check=False)
        seconds = time.perf_counter() - started
        code, cpu, peak_kib = done.returncode, 0.0, 0.0
        if figures := result.read().split():
            code = int(figures[0])
            seconds, cpu, peak_kib = (float(figure) for figure in figures[1:])
        out.seek(0)
        err.seek(0)
        return Run(side, command, code, seconds, cpu, peak_kib / 2**20, out.read(), err.read())


def run_lifetimes(orders: Path, out: Path, margin: float) -> Run:
    command = [str(lifetimes_python()), str(LIFETIMES_PIPELINE), str(orders), "--out", str(out)]
    return measure("lifetimes", [*command, "--margin", str(margin)])


def compile_package() -> None:
    """Compile repeatly's modules to bytecode, as ``pip install .`` does.

    An editable install (``make install``) leaves them as sources, and with
    ``PYTHONDONTWRITEBYTECODE`` set every run compiles them again (about 0.08 s of
    imports); lifetimes' side, installed by pip, has its bytecode.
    """
    code = "import compileall, repeatly, sys; compileall.compile_dir(repeatly.__path__[0], quiet=1)"
    subprocess.run([sys.executable, "-c", code], check=True)


def run_repeatly(orders: Path, out: Path, margin: float) -> Run:
    fields = {
        "repeatly": str(Path(sys.executable).with_name("repeatly")),
        "orders": str(orders),
        "out": str(out),
        "margin": str(margin),
    }
    return measure("repeatly", [part.format(**fields) for part in REPEATLY_COMMAND])


def show_output(run: Run) -> None:
    """Print the child's output; its stderr only in full when it failed."""
    for line in run.stdout.strip().splitlines():
        print(f"  | {line}")
    stderr = run.stderr.strip().splitlines()
    if run.ok:
        stderr = stderr[-20:]
    for line in stderr:
        print(f"  ! {line}")
    if not run.ok:
        print(f"  {run.side} FAILED with exit code {run.returncode}")


def report(runs: list[Run]) -> None:
    print()
    print("| side | seconds | CPU seconds | peak GiB | result |")
    print("|---|---|---|---|---|")
    for run in runs:
        print(
            f"| {run.side} | {run.seconds:.1f} | {run.cpu_seconds:.1f} | {run.peak_gib:.2f} | "
            f"{'ok' if run.ok else f'failed (exit {run.returncode})'} |"
        )
    by_side = {run.side: run for run in runs if run.ok}
    if len(runs) < len(SIDES):
        return
    if len(by_side) == len(SIDES):
        theirs, ours = by_side["lifetimes"], by_side["repeatly"]
        print(f"speed ratio (lifetimes s / repeatly s): {theirs.seconds / ours.seconds:.1f}x")
        print(
            f"memory ratio (repeatly peak / lifetimes peak): {ours.peak_gib / theirs.peak_gib:.2f}x"
        )
    else:
        print("ratios: n/a (a side failed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "orders",
        nargs="?",
        type=Path,
        help="order lines Parquet (default: benchmarks/data/orders_10m.parquet)",
    )
    parser.add_argument(
        "--lines",
        type=int,
        default=10_000_000,
        help="lines to generate when the file is missing (default 10,000,000)",
    )
    parser.add_argument(
        "--shape",
        choices=sorted(SHAPES),
        default="two_orders",
        help="file shape to generate when the file is missing (see make_orders.py)",
    )
    parser.add_argument("--only", choices=SIDES, help="run one side only")
    parser.add_argument(
        "--margin", type=float, default=1.0, help="share of spend counted in the CLV (default 1.0)"
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=15.0,
        help="seconds to wait before each side, the machine idle (default 15)",
    )
    args = parser.parse_args()

    orders = ensure_data(args.orders or data_path(args.lines, args.shape), args.lines, args.shape)
    sides = [args.only] if args.only else list(SIDES)
    if "lifetimes" in sides:
        lifetimes_python()  # set up before timing anything
    if "repeatly" in sides:
        compile_package()

    import pyarrow.parquet as pq

    rows = pq.ParquetFile(orders).metadata.num_rows
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {dt.date.today()}"
    )
    print(f"input: {orders} ({rows:,} lines, {orders.stat().st_size / 2**20:.0f} MiB)")

    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-predict-") as tmp:
        for side in sides:
            time.sleep(args.settle)
            out = Path(tmp) / side
            if side == "lifetimes":
                run = run_lifetimes(orders, out, args.margin)
            else:
                run = run_repeatly(orders, out, args.margin)
            show_output(run)
            runs.append(run)
    report(runs)


if __name__ == "__main__":
    main()
