"""`repeatly predict` and `--predict` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from repeatly._round import decimals_for
from repeatly.datasets import make_shop


def _run(*args: str):
    return subprocess.run(
        [sys.executable, "-m", "repeatly", *args], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def shop_files(tmp_path_factory):
    shop = make_shop(1500, seed=4)
    return shop, shop.write(tmp_path_factory.mktemp("shop"))


def test_predict_json_has_the_documented_keys(shop_files):
    shop, files = shop_files
    calibration = (pd.Timestamp(shop.end) - pd.DateOffset(months=6)).date().isoformat()
    run = _run(
        "predict",
        str(files["orders"]),
        "--model",
        "bgnbd",
        "--json",
        "--calibration-end",
        calibration,
        "--unit",
        "week",
        "--horizon",
        "26",
    )
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)  # stdout is only the JSON object: progress is on stderr
    assert data["model"] == "bgnbd"
    assert set(data["params"]) == {"r", "alpha", "a", "b"}
    assert set(data["standard_errors"]) == {"r", "alpha", "a", "b"}
    assert isinstance(data["log_likelihood"], float)
    assert set(data["spend_model"]["params"]) == {"p", "q", "gamma"}
    assert data["holdout"]["calibration_end"] == calibration
    assert data["options"]["horizon"] == 26


def test_predict_writes_predictions_for_every_customer(shop_files, tmp_path):
    shop, files = shop_files
    out = tmp_path / "forecast"
    run = _run(
        "predict",
        str(files["orders"]),
        "--model",
        "pnbd",
        "--margin",
        "0.4",
        "--discount-rate",
        "0.08",
        "--out",
        str(out),
    )
    assert run.returncode == 0, run.stderr
    predictions = pd.read_csv(out / "predictions.csv")
    assert len(predictions) == shop.orders.customer_id.nunique()
    assert predictions.p_alive.between(0, 1).all()
    assert (predictions.clv >= 0).all()
    model = json.loads((out / "model.json").read_text())
    # the shop's customers all drop out at about one rate: Pareto/NBD's likelihood rises
    # without end as s and beta grow together, and the fit is its limit with mu = s/beta
    assert model["model"] == "pnbd" and set(model["params"]) == {"r", "alpha", "mu"}
    assert model["limit"]["name"] == "common_dropout"
    assert model["options"]["margin"] == 0.4
    assert model["what_if"]["total_clv"] == pytest.approx(predictions.clv.sum(), rel=1e-6)
    assert "predicted CLV" in run.stdout
    assert "Pareto/NBD" in (out / "report.html").read_text(encoding="utf-8")


def test_parquet_predictions_hold_the_same_customers_as_the_csv(shop_files, tmp_path):
    # --format parquet skips the sort (and lets the engine interleave its threads' rows):
    # the same customers with the same figures, in whatever order
    shop, files = shop_files
    tables = {}
    for file_format in ("csv", "parquet"):
        out = tmp_path / file_format
        run = _run(
            "predict",
            str(files["orders"]),
            "--model",
            "bgnbd",
            "--margin",
            "0.4",
            "--format",
            file_format,
            "--out",
            str(out),
        )
        assert run.returncode == 0, run.stderr
        path = out / f"predictions.{file_format}"
        table = pd.read_csv(path) if file_format == "csv" else pd.read_parquet(path)
        tables[file_format] = table.sort_values("customer_id").reset_index(drop=True)
    csv, parquet = tables["csv"], tables["parquet"]
    assert len(parquet) == shop.orders.customer_id.nunique()
    assert list(parquet.customer_id.astype(str)) == list(csv.customer_id.astype(str))
    # the CSV, for people, is rounded (money to cents, the rest to 4 places); the
    # Parquet file, for programs, holds the values as they are
    for column in ("frequency", "p_alive", "expected_purchases", "expected_spend", "clv"):
        half = 0.5 * 10.0 ** -(decimals_for(column) or 9) + 1e-9
        assert parquet[column].to_numpy() == pytest.approx(csv[column].to_numpy(), abs=half)
    # the Parquet predictions are written as they are joined, under a hidden name that
    # is gone once they are in place
    assert sorted(p.name for p in (tmp_path / "parquet").iterdir()) == [
        "comparison.csv",
        "model.json",
        "predictions.parquet",
        "report.html",
    ]


def test_a_failed_parquet_predict_leaves_no_file_behind(shop_files, tmp_path):
    # the run fails in the fits (a calibration end that leaves no customer), after the
    # hidden predictions file was made: nothing is left in the folder
    shop, files = shop_files
    out = tmp_path / "out"
    first = pd.Timestamp(shop.orders.ordered_at.min()).date()
    run = _run(
        "predict",
        str(files["orders"]),
        "--model",
        "bgnbd",
        "--format",
        "parquet",
        "--calibration-end",
        (first - pd.Timedelta(days=1)).isoformat(),
        "--out",
        str(out),
    )
    assert run.returncode != 0
    assert "error: --calibration-end: no customers bought" in run.stderr
    assert list(out.iterdir()) == []


def test_writing_parquet_puts_the_engines_row_order_setting_back(tmp_path):
    import ibis

    from repeatly.connection import default_connection, write_parquet

    con = default_connection()
    table = con.create_table("t", ibis.memtable({"x": [3, 1, 2]}), temp=True)
    setting = "SELECT current_setting('preserve_insertion_order')"
    assert con.raw_sql(setting).fetchone()[0] is True
    write_parquet(table, tmp_path / "t.parquet")
    assert con.raw_sql(setting).fetchone()[0] is True
    assert sorted(pd.read_parquet(tmp_path / "t.parquet").x) == [1, 2, 3]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--model", "lifetimes"), "error: --model: expected auto, bgnbd"),
        (("--unit", "year"), "error: --unit: expected"),
        (("--margin", "2"), "error: --margin: expected a share"),
        (("--calibration-end", "2099-01-01"), "error: --calibration-end: expected a day before"),
        (("--calibration-end", "soon"), "--calibration-end: expected a date like 2024-12-31"),
        (("--as-of", "1999-12-31"), "error: --as-of 1999-12-31 is before the first order ("),
        (("--header-row", "0"), "error: --header-row: expected a row number of 1 or more"),
    ],
)
def test_bad_predict_options_exit_2(shop_files, args, message):
    _, files = shop_files
    run = _run("predict", str(files["orders"]), *args)
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr


def test_segments_with_predict_use_the_forecast(shop_files, tmp_path):
    _, files = shop_files
    out = tmp_path / "segments"
    run = _run(
        "segments",
        str(files["orders"]),
        "--customers",
        str(files["customers"]),
        "--predict",
        "--out",
        str(out),
    )
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(out / "segments.csv")
    assert {"p_alive", "clv", "golden_predicted", "lost_by"} <= set(table.columns)
    by_model = table[table.lost_by == "model"]
    assert (by_model.status == "lost").all() and (by_model.p_alive < 0.1).all()
    assert (table[table.status != "lost"].p_alive >= 0.1).all()
    assert table[table.golden_predicted].golden.all()
    priority = pd.read_csv(out / "segments" / "priority.csv").merge(table, on="customer_id")
    active = priority[priority.status_x == "active"].sort_values("priority")
    assert active.clv.is_monotonic_decreasing  # most valuable first, by predicted CLV


def test_a_mistyped_command_is_a_usage_error_not_a_crash():
    run = _run("predcit")
    assert run.returncode == 2
    assert "No such command" in run.stderr and "Traceback" not in run.stderr
