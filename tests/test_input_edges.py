"""Edge inputs: each stops with a located message (exit 2) or is counted, never a crash.

Every case runs through the command line (its real entry point, in this process, so
the exit code and what it prints are the user's) and through ``repeatly.analyze``.
"""

from __future__ import annotations

import json
import random
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import repeatly
from repeatly._checks import quote_value
from repeatly.cli import _app
from repeatly.exceptions import DataValidationError, InputError

HEADER = "customer,date,amount\n"


@pytest.fixture
def cli(monkeypatch, capsys):
    """Run ``repeatly ARGS...`` as the command does: (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["repeatly", *args])
        with pytest.raises(SystemExit) as exited:
            _app._main()
            sys.exit(0)
        done = capsys.readouterr()
        return int(exited.value.code or 0), done.out, done.err

    return run


def _csv(tmp_path, text: str, name: str = "orders.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- console markup -----------------------------------------------------------------


def test_a_cell_that_looks_like_markup_is_quoted_as_it_is(cli, tmp_path):
    orders = _csv(tmp_path, HEADER + "a,2024-01-01,10\nb,2024-01-02,[bold]1[/x]\n")
    code, _, err = cli("analyze", str(orders), "--out", str(tmp_path / "report"))
    assert code == 2
    assert (
        'error: orders.csv, row 3, column "amount": expected a number like 1234.50 or '
        '1,234.50, got "[bold]1[/x]"'
    ) in err
    with pytest.raises(DataValidationError) as raised:
        repeatly.analyze(orders)
    problem = raised.value.problems[0]
    assert (problem.row, problem.column, problem.found) == (3, "amount", '"[bold]1[/x]"')


def test_values_the_user_typed_are_printed_as_they_are(cli, tmp_path):
    orders = _csv(tmp_path, HEADER + "a,2024-01-01,10\na,2024-02-01,5\n")
    out_dir = tmp_path / "[red]report[/x]"
    code, out, _ = cli("analyze", str(orders), "--currency", "[/x]", "--out", str(out_dir))
    assert code == 0
    assert "[/x]" in out  # the currency, in the revenue
    assert f"{out_dir / 'metrics.json'}" in out.replace("\n", "")
    assert json.loads((out_dir / "metrics.json").read_text())["revenue"] == 15


# -- --out is checked before any work ------------------------------------------------


def test_out_that_is_a_file_stops_before_reading_the_orders(cli, tmp_path):
    orders = _csv(tmp_path, HEADER + "a,2024-01-01,10\n")
    taken = tmp_path / "report"
    taken.write_text("not a folder")
    code, _, err = cli("analyze", str(orders), "--out", str(taken))
    assert code == 2
    assert f"error: --out: expected a folder for the files, got '{taken}', which is a file" in err
    assert "Loading orders" not in err  # nothing was read


def test_out_below_a_file_stops_before_reading_the_orders(cli, tmp_path):
    orders = _csv(tmp_path, HEADER + "a,2024-01-01,10\n")
    (tmp_path / "file").write_text("x")
    code, _, err = cli("analyze", str(orders), "--out", str(tmp_path / "file" / "report"))
    assert code == 2
    assert f"'{tmp_path / 'file'}' is a file, so no folder can be made there" in err
    assert "Loading orders" not in err
    assert not (tmp_path / "report").exists()


@pytest.mark.parametrize("command", ["segments", "predict"])
def test_other_commands_check_out_first_too(cli, tmp_path, command):
    orders = _csv(tmp_path, HEADER + "a,2024-01-01,10\n")
    (tmp_path / "taken").write_text("x")
    code, _, err = cli(command, str(orders), "--out", str(tmp_path / "taken"))
    assert code == 2
    assert "--out: expected a folder for the files" in err
    assert "Loading orders" not in err


# -- long values --------------------------------------------------------------------


def test_a_huge_bad_value_is_quoted_by_its_first_200_characters(cli, tmp_path):
    value = "y" * 150 + "z" * 999_850  # a million characters
    orders = _csv(tmp_path, HEADER + f"a,2024-01-01,{value}\n")
    code, _, err = cli("analyze", str(orders), "--out", str(tmp_path / "report"))
    assert code == 2
    message = err.strip()
    assert message.startswith('error: orders.csv, row 2, column "amount": expected a number')
    shown = '"' + "y" * 150 + "z" * 50 + '…" (1,000,000 characters, the first 200 shown)'
    assert message.endswith(shown)
    assert len(message) < 400
    with pytest.raises(DataValidationError) as raised:
        repeatly.analyze(orders)
    assert raised.value.problems[0].found == shown
    assert len(str(raised.value)) < 400


def test_quote_value_keeps_short_values_whole():
    assert quote_value("x" * 200) == '"' + "x" * 200 + '"'
    assert quote_value("x" * 201) == '"' + "x" * 200 + '…" (201 characters, the first 200 shown)'
    assert quote_value("abcdef", limit=3, quotes=False) == "abc… (6 characters, the first 3 shown)"


# -- damaged Parquet ----------------------------------------------------------------


def _damaged_parquet(tmp_path, where: str):
    rng = random.Random(1)
    n = 50_000
    table = pa.table(
        {
            "customer": [f"c{rng.randrange(9999)}" for _ in range(n)],
            "date": [f"2024-01-{rng.randint(1, 28):02d}" for _ in range(n)],
            "amount": [rng.random() * 100 for _ in range(n)],
        }
    )
    path = tmp_path / "orders.parquet"
    pq.write_table(table, path, compression="snappy")
    data = bytearray(path.read_bytes())
    # the column chunks past the magic bytes (the footer intact), or the footer's
    # metadata before its length and the closing magic bytes
    pages, footer = range(200, len(data) // 2), range(len(data) - 40, len(data) - 8)
    span = pages if where == "pages" else footer
    for i in span:
        data[i] = rng.randrange(256)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("where", ["pages", "footer"])
def test_a_damaged_parquet_file_is_named_without_the_engine_sql(cli, tmp_path, where):
    path = _damaged_parquet(tmp_path, where)
    code, _, err = cli("analyze", str(path), "--out", str(tmp_path / "report"))
    assert code == 2
    assert err.startswith("error: orders.parquet: cannot be read")
    for sql in ("SELECT", "LINE 1", "read_parquet", "^"):
        assert sql not in err
    with pytest.raises(InputError) as raised:
        repeatly.analyze(path)
    assert str(raised.value).startswith("orders.parquet: cannot be read")
    assert "SELECT" not in str(raised.value)


# -- values out of bounds -----------------------------------------------------------

TODAY = "2025-01-01"


@pytest.mark.parametrize(
    ("cell", "expected", "found"),
    [
        ("1e308", "a number between -1,000,000,000,000 and 1,000,000,000,000", '"1e308"'),
        ("-2000000000000", "a number between -1,000,000,000,000 and 1,000,000,000,000", None),
    ],
)
def test_an_absurd_amount_is_a_located_problem(cli, tmp_path, cell, expected, found):
    orders = _csv(tmp_path, HEADER + f"a,2024-01-01,10\nb,2024-01-02,{cell}\n")
    found = found or f'"{cell}"'
    code, _, err = cli("analyze", str(orders), "--today", TODAY, "--out", str(tmp_path / "r"))
    assert code == 2
    assert f'orders.csv, row 3, column "amount": expected {expected}, got {found}' in err
    with pytest.raises(DataValidationError) as raised:
        repeatly.analyze(orders, today=TODAY)
    (problem,) = raised.value.problems
    assert (problem.row, problem.column, problem.expected, problem.found) == (
        3,
        "amount",
        expected,
        found,
    )


def test_an_amount_at_the_bound_is_read(tmp_path):
    orders = _csv(
        tmp_path,
        HEADER + "a,2024-01-01,1000000000000\na,2024-01-02,-1000000000000\nb,2024-01-03,5\n",
    )
    with repeatly.analyze(orders, today=TODAY) as result:
        assert result.metrics.revenue == 5


def test_a_date_before_1900_is_a_located_problem(cli, tmp_path):
    orders = _csv(tmp_path, HEADER + "a,2024-01-01,10\nb,0001-01-02,5\nc,1900-01-01,5\n")
    code, _, err = cli("analyze", str(orders), "--today", TODAY, "--out", str(tmp_path / "r"))
    assert code == 2
    assert (
        'error: orders.csv, row 3, column "date": expected a date from 1900-01-01 on, '
        'got "0001-01-02"'
    ) in err
    with pytest.raises(DataValidationError) as raised:
        repeatly.analyze(orders, today=TODAY)
    assert [(p.row, p.column) for p in raised.value.problems] == [(3, "date")]


def test_out_of_bounds_rows_are_skipped_and_counted_on_request(cli, tmp_path):
    orders = _csv(
        tmp_path, HEADER + "a,2024-01-01,10\nb,0001-01-02,5\nc,2024-01-03,1e308\na,2024-02-01,4\n"
    )
    out_dir = tmp_path / "r"
    code, _, err = cli(
        "analyze", str(orders), "--today", TODAY, "--on-bad-rows", "skip", "--out", str(out_dir)
    )
    assert code == 0, err
    assert "skipped 2 unreadable order lines" in err
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert (metrics["revenue"], metrics["customers"]) == (14, 1)
    assert metrics["data_quality"]["skipped_rows"] == 2


def test_a_file_of_only_refunds_is_refused_with_the_file_and_column(cli, tmp_path):
    orders = _csv(tmp_path, HEADER + "a,2024-01-01,-10\nb,2024-01-02,-5\nb,2024-01-03,0\n")
    message = (
        'orders.csv, column "amount": expected at least one sale (a line with a positive '
        "amount), got only refunds and zero amounts in 3 lines"
    )
    for command in ("analyze", "predict"):
        code, _, err = cli(command, str(orders), "--today", TODAY, "--out", str(tmp_path / "r"))
        assert code == 2, err
        assert f"error: {message}" in err
    with pytest.raises(DataValidationError, match=r"only refunds and zero amounts in 3 lines"):
        repeatly.analyze(orders, today=TODAY)
    with pytest.raises(DataValidationError, match=r"only refunds"):
        repeatly.predict(orders, today=TODAY)


def test_negative_quantities_are_counted_in_the_quality_section(cli, tmp_path):
    orders = _csv(
        tmp_path,
        "customer,date,amount,qty\na,2024-01-01,10,2\na,2024-01-05,-10,-2\nb,2024-01-02,5,-1\n",
    )
    out_dir = tmp_path / "r"
    code, _, err = cli("analyze", str(orders), "--today", TODAY, "--out", str(out_dir))
    assert code == 0, err
    quality = json.loads((out_dir / "metrics.json").read_text())["data_quality"]
    assert (quality["negative_quantities"], quality["negative_amounts"]) == (2, 1)
    assert "Lines of a negative quantity" in (out_dir / "report.html").read_text()
    with repeatly.analyze(orders, today=TODAY) as result:
        assert result.metrics.data_quality["negative_quantities"] == 2


# -- lines dated after today --------------------------------------------------------


def test_a_line_dated_after_today_does_not_move_the_analysis_date(cli, tmp_path):
    orders = _csv(
        tmp_path, HEADER + "a,2024-01-01,10\nb,2099-01-02,5\na,2024-02-01,5\nc,9999-12-31,7\n"
    )
    out_dir = tmp_path / "r"
    code, _, err = cli("analyze", str(orders), "--today", TODAY, "--out", str(out_dir))
    assert code == 0, err
    assert f"left out 2 order lines dated after {TODAY}" in err
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert (metrics["as_of"], metrics["last_order_at"]) == ("2024-02-01", "2024-02-01")
    assert (metrics["revenue"], metrics["customers"]) == (15, 1)
    quality = metrics["data_quality"]
    assert (quality["future_dates"], quality["rows"], quality["reference_date"]) == (2, 2, TODAY)
    with repeatly.analyze(orders, today=TODAY) as result:
        assert result.as_of.isoformat() == "2024-02-01"
        assert result.metrics.data_quality["future_dates"] == 2


def test_today_is_the_day_given_not_the_clock(tmp_path):
    orders = _csv(tmp_path, HEADER + "a,2024-01-01,10\na,2024-03-01,5\n")
    with repeatly.analyze(orders, today="2024-02-29") as result:  # the last order's day
        assert (result.as_of.isoformat(), result.metrics.revenue) == ("2024-01-01", 10)
    with repeatly.analyze(orders, today="2024-03-01") as result:  # the day itself is kept
        assert (result.as_of.isoformat(), result.metrics.revenue) == ("2024-03-01", 15)


def test_an_earlier_as_of_is_the_cut(tmp_path):
    orders = _csv(tmp_path, HEADER + "a,2024-01-01,10\na,2024-03-01,5\nb,2024-06-01,1\n")
    with repeatly.analyze(orders, as_of="2024-03-01", today="2024-12-31") as result:
        quality = result.metrics.data_quality
        assert (quality["future_dates"], quality["reference_date"]) == (1, "2024-03-01")
        assert result.metrics.revenue == 15


def test_a_file_dated_wholly_after_today_is_refused(cli, tmp_path):
    orders = _csv(tmp_path, HEADER + "a,2099-01-01,10\nb,2099-01-02,5\n")
    code, _, err = cli("analyze", str(orders), "--today", TODAY, "--out", str(tmp_path / "r"))
    assert code == 2
    assert (
        'orders.csv, column "date": expected order lines dated up to 2025-01-01 (the analysis '
        "date, or today), got all 2 lines dated after it"
    ) in err


def test_a_frame_is_cut_at_today_too(tmp_path):
    import pandas as pd

    frame = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "ordered_at": pd.to_datetime(["2024-01-01", "2024-02-01", "2099-01-01"]),
            "amount": [10.0, 5.0, 7.0],
        }
    )
    with repeatly.analyze(frame, today=TODAY) as result:
        assert result.as_of.isoformat() == "2024-02-01"
        assert result.metrics.data_quality["future_dates"] == 1
        assert result.metrics.customers == 1


def test_a_wrong_today_is_named(cli, tmp_path):
    orders = _csv(tmp_path, HEADER + "a,2024-01-01,10\n")
    code, _, err = cli("analyze", str(orders), "--today", "tomorrow", "--out", str(tmp_path / "r"))
    assert code == 2
    assert "error: --today: expected a date like 2024-12-31 or 31.12.2024, got 'tomorrow'" in err


@pytest.mark.parametrize("statistics", [True, False], ids=["with-stats", "without-stats"])
def test_parquet_values_out_of_bounds_are_found_with_or_without_statistics(tmp_path, statistics):
    import datetime as dt

    path = tmp_path / "orders.parquet"
    good = {
        "customer_id": ["a", "b", "c"],
        "ordered_at": [dt.datetime(2024, 1, d) for d in (1, 2, 3)],
        "amount": [10.0, 20.0, 5.0],
    }
    pq.write_table(pa.table(good), path, write_statistics=statistics)
    with repeatly.analyze(path, today=TODAY) as result:  # statistics prove them in bounds
        assert result.metrics.revenue == 35
    for column, value, expected in (
        ("amount", 1e308, "a number between -1,000,000,000,000 and 1,000,000,000,000"),
        ("ordered_at", dt.datetime(1800, 5, 1), "a date from 1900-01-01 on"),
    ):
        bad = {**good, column: [good[column][0], value, good[column][2]]}
        pq.write_table(pa.table(bad), path, write_statistics=statistics)
        with pytest.raises(DataValidationError) as raised:
            repeatly.analyze(path, today=TODAY)
        assert [(p.column, p.expected) for p in raised.value.problems] == [(column, expected)]
