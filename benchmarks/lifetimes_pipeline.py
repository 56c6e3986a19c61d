"""The prediction pipeline written with lifetimes 0.11.3, the peer of `repeatly predict`.

Usage (inside the side environment that `bench_predict.py` makes):

    python benchmarks/lifetimes_pipeline.py ORDERS.parquet --out DIR [--margin 1.0]

Steps, each timed and printed as ``step <name>: <seconds> s  (CPU <seconds> s, ...)``:

1. read ``customer_id``, ``ordered_at`` and ``amount`` with ``pandas.read_parquet``;
2. the per-customer summary with ``summary_data_from_transaction_data``: frequency is the
   number of repeat purchase *days* (lines of the same customer and day are merged and
   their amounts summed), recency and T are in weeks, monetary value is the mean value of
   the repeat purchase days, and the observation ends on the last day in the data;
3. BG/NBD (``BetaGeoFitter(penalizer_coef=0.0)``) on every customer (see ``--tol`` below);
4. Gamma-Gamma (``GammaGammaFitter(penalizer_coef=0.0)``) on the repeat buyers;
5. expected purchases over the next 52 weeks for every customer
   (``conditional_expected_number_of_purchases_up_to_time``);
6. a 12-month CLV for every customer (``customer_lifetime_value`` with
   ``discount_rate=0.01`` a month and ``freq="W"``), times the margin;
7. the per-customer results written to ``DIR/predictions.parquet``.

How the summary is asked for: no aggregation to days beforehand is needed, lifetimes
floors the timestamps to periods itself. ``freq="W"`` would make the periods calendar
weeks (two purchases in one week would count once), so the summary is asked for with
``freq="D", freq_multiplier=7``: daily periods, as the pipeline defines frequency, with
recency and T divided by 7 into weeks. This is lifetimes' own documented way to get
exact durations in a coarser unit. ``--periods week`` gives the plain ``freq="W"``
summary instead, for comparison. The CLV is then asked for with ``freq="W"`` since the
model's time unit is the week.

``--tol`` (default 1e-6, for both fits; lifetimes' default is 1e-7): on the 10M lines
the Gamma-Gamma fit over 1.1M repeat buyers reaches its optimum (gradient of the mean
log-likelihood 2e-7) and then scipy's BFGS stops with "precision loss", so lifetimes
raises ``ConvergenceError``. The message suggests a penalizer, which would change the
model; 1e-6 accepts the optimum, and gives the same BG/NBD and Gamma-Gamma parameters as
1e-7 to four or more digits where 1e-7 converges. On lines whose customers all share one
dropout probability (``make_orders.py`` before it simulated dropout) the BG/NBD optimum
lies at infinity (a and b growing at a fixed ratio); ``--tol 1e-4`` fits those.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data


class _Steps:
    """Print each step's wall and CPU time as it ends."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.last_cpu = time.process_time()

    def done(self, name: str, note: str = "") -> None:
        now, cpu = time.perf_counter(), time.process_time()
        note = f", {note}" if note else ""
        print(
            f"step {name}: {now - self.last:.2f} s  (CPU {cpu - self.last_cpu:.2f} s{note})",
            flush=True,
        )
        self.last, self.last_cpu = now, cpu

    def total(self) -> None:
        wall, cpu = time.perf_counter() - self.started, time.process_time()
        print(f"total in-process: {wall:.2f} s  (CPU {cpu:.2f} s)", flush=True)


def run(
    path: Path, out: Path, *, margin: float = 1.0, periods: str = "day", tol: float = 1e-6
) -> pd.DataFrame:
    """Run the pipeline on the order lines in ``path`` and write ``out/predictions.parquet``."""
    steps = _Steps()
    lines = pd.read_parquet(path, columns=["customer_id", "ordered_at", "amount"])
    steps.done("read", f"{len(lines):,} lines")

    observation_end = lines["ordered_at"].max().normalize()
    by_day = {"freq": "D", "freq_multiplier": 7}
    period_options = by_day if periods == "day" else {"freq": "W"}
    summary = summary_data_from_transaction_data(
        lines,
        "customer_id",
        "ordered_at",
        monetary_value_col="amount",
        observation_period_end=observation_end,
        **period_options,
    )
    del lines
    repeat = summary[summary["frequency"] > 0]
    steps.done(
        "summary",
        f"{len(summary):,} customers, {len(repeat):,} repeat buyers, "
        f"observation end {observation_end.date()}",
    )

    bgf = BetaGeoFitter(penalizer_coef=0.0)
    bgf.fit(summary["frequency"], summary["recency"], summary["T"], tol=tol)
    params = ", ".join(f"{k}={v:.4g}" for k, v in bgf.params_.items())
    steps.done("fit BG/NBD", params)

    ggf = GammaGammaFitter(penalizer_coef=0.0)
    ggf.fit(repeat["frequency"], repeat["monetary_value"], tol=tol)
    params = ", ".join(f"{k}={v:.4g}" for k, v in ggf.params_.items())
    steps.done("fit Gamma-Gamma", params)

    result = summary.copy()
    result["expected_purchases_52w"] = bgf.conditional_expected_number_of_purchases_up_to_time(
        52, summary["frequency"], summary["recency"], summary["T"]
    )
    steps.done("predict 52 weeks", f"total {result['expected_purchases_52w'].sum():,.0f}")

    clv = ggf.customer_lifetime_value(
        bgf,
        summary["frequency"],
        summary["recency"],
        summary["T"],
        summary["monetary_value"],
        time=12,
        discount_rate=0.01,
        freq="W",
    )
    result["clv_12m"] = clv * margin
    steps.done("CLV 12 months", f"total {result['clv_12m'].sum():,.0f}")

    out.mkdir(parents=True, exist_ok=True)
    target = out / "predictions.parquet"
    result.reset_index().to_parquet(target, index=False)
    steps.done("write", str(target))
    steps.total()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("orders", type=Path, help="order lines Parquet file")
    parser.add_argument("--out", type=Path, required=True, help="folder for predictions.parquet")
    parser.add_argument("--margin", type=float, default=1.0, help="margin applied to the CLV")
    parser.add_argument(
        "--periods",
        choices=["day", "week"],
        default="day",
        help="merge purchases by day (the pipeline's definition) or by week",
    )
    parser.add_argument(
        "--tol", type=float, default=1e-6, help="tolerance of both fits (lifetimes' default: 1e-7)"
    )
    args = parser.parse_args()
    run(args.orders, args.out, margin=args.margin, periods=args.periods, tol=args.tol)


if __name__ == "__main__":
    main()
