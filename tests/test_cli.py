"""The command line as a user runs it: options, exit codes, what it prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from repeatly import __version__


def _run(*args: str):
    return subprocess.run(
        [sys.executable, "-m", "repeatly", *args], capture_output=True, text=True, timeout=300
    )


def test_version():
    run = _run("--version")
    assert run.returncode == 0
    assert run.stdout.strip() == f"repeatly {__version__}"


def test_map_and_skip_bad_rows(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "Client;When;Total;Total incl VAT\n"
        "a;01.02.2024;10,00;12,00\n"
        "a;05.03.2024;20,00;24,00\n"
        "b;07.03.2024;oops;6,00\n"
        "b;08.03.2024;5,00;6,00\n",
        encoding="cp1251",
    )
    out = tmp_path / "report"
    run = _run(
        "analyze",
        str(orders),
        "--map",
        "amount=Total incl VAT",
        "--map",
        "customer_id=Client",
        "--map",
        "ordered_at=When",
        "--out",
        str(out),
    )
    assert run.returncode == 0, run.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["revenue"] == 12 + 24 + 6 + 6
    assert (metrics["customers"], metrics["orders"]) == (2, 4)

    run = _run(
        "analyze",
        str(orders),
        "--map",
        "customer_id=Client",
        "--map",
        "ordered_at=When",
        "--out",
        str(out),
    )
    assert run.returncode == 2
    assert 'orders.csv, row 4, column "Total": expected a number like 1234,50' in run.stderr

    run = _run(
        "analyze",
        str(orders),
        "--map",
        "customer_id=Client",
        "--map",
        "ordered_at=When",
        "--on-bad-rows",
        "skip",
        "--out",
        str(out),
    )
    assert run.returncode == 0, run.stderr
    assert "skipped 1 unreadable order lines" in run.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["revenue"] == 10 + 20 + 5
    assert metrics["data_quality"]["skipped_rows"] == 1


def test_bad_options_exit_2_without_traceback(tmp_path):
    orders = tmp_path / "o.csv"
    orders.write_text("customer,date,amount\na,2024-01-01,1\n")
    for args, message in [
        (("--lang", "de"), 'error: --lang: expected "en" or "ru"'),
        (("--on-bad-rows", "maybe"), '--on-bad-rows: expected "error" or "skip"'),
        (("--as-of", "yesterday"), "error: --as-of: expected a date like 2024-12-31"),
        (("--as-of", "02/03/2024"), "error: --as-of: '02/03/2024' could be 2024-03-02"),
        (("--as-of", "2023-12-31"), "error: --as-of 2023-12-31 is before the first order"),
        (("--margin-rate", "2"), "error: --margin-rate: expected a share between 0 and 1"),
        (("--currency", " "), "error: --currency: expected a currency code"),
        (("--map", "total"), "expected ROLE=COLUMN"),
        (("--map", "spend.spend=Cost"), "no spend input was given"),
        (("--spend", str(tmp_path / "missing.csv")), "missing.csv: no such file"),
    ]:
        run = _run("analyze", str(orders), *args, "--out", str(tmp_path / "r"))
        assert run.returncode == 2, (args, run.stderr)
        assert message in run.stderr, (args, run.stderr)
        assert "Traceback" not in run.stderr


def test_demo_refuses_zero_customers(tmp_path):
    run = _run("demo", "--customers", "0", "--out", str(tmp_path))
    assert run.returncode == 2
    assert "--customers: expected at least 1" in run.stderr


def test_the_cli_starts_without_loading_the_engines_or_the_numerics():
    # `repeatly --help` and every command start in a fraction of a second: names are
    # imported on first use
    code = (
        "import sys, repeatly.cli, repeatly; repeatly.__version__; "
        "print(sorted(m for m in ('pandas', 'scipy', 'duckdb', 'ibis', 'numpy') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_bgnbd_forecast_needs_no_general_optimiser(tmp_path):
    # BG/NBD and Gamma-Gamma settle by Newton steps on their own second derivatives, so
    # predict does not import scipy.optimize (a quarter of a second)
    code = (
        "import sys, repeatly\n"
        "shop = repeatly.datasets.make_shop(300, seed=2)\n"
        "result = repeatly.predict(shop.orders, model='bgnbd', margin=0.4)\n"
        "assert result.spend is not None\n"
        "print('scipy.optimize' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert done.stdout.strip() == "False"


def test_the_command_gives_numpy_plain_memory_pages_unless_told_otherwise():
    # numpy's own switch returns its previous state: whether it asked for huge pages
    code = (
        "import sys\n"
        "from repeatly.cli import main\n"
        "sys.argv = ['repeatly', '--version']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "from numpy._core import multiarray\n"
        "print(multiarray._set_madvise_hugepage(True))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    states = {}
    for choice in (None, "1"):
        if choice is not None:
            env["NUMPY_MADVISE_HUGEPAGE"] = choice
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
        )
        assert run.returncode == 0, run.stderr
        states[choice] = run.stdout.split()[-1]
    assert states == {None: "False", "1": "True"}  # plain pages; the user's choice stands
