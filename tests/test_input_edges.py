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
