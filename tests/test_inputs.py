"""Inputs as shops have them: dates as they write them, title rows above the header,
workbooks of several sheets; and outputs rounded as people read them."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

import repeatly
from repeatly._round import decimals_for, round_data
from repeatly.cli._app import _message
from repeatly.data import load_table
from repeatly.data._sniff import find_header
from repeatly.exceptions import DataValidationError, InputError
from repeatly.jobs import LoadOptions
from repeatly.report import write_forecast

HEADER = ["Дата", "Клиент", "Номер заказа", "Сумма"]
ROWS = [
    ["05.01.2024", "C1", "1", "10,50"],
    ["20.01.2024", "C2", "2", "20"],
    ["03.02.2024", "C1", "3", "15"],
    ["10.03.2024", "C3", "4", "12,25"],
]
TITLE = [["Отчёт о продажах"], ["Период: 01.01.2024 - 31.03.2024"], []]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "repeatly", *args], capture_output=True, text=True, timeout=300
    )


def _csv(path, rows, delimiter=";"):
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return path


def _report_book(path, *, rows=ROWS, first_sheet=None):
    """A 1C-style report: a merged title, a period line, an empty row, then the table."""
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    if first_sheet is not None:
        notes.append(first_sheet)
    sheet = book.create_sheet("Orders")
    sheet["A1"] = "Отчёт о продажах"
    sheet.merge_cells("A1:D1")
    sheet["A2"] = "Период: 01.01.2024 - 31.03.2024"
    for number, row in enumerate([HEADER, *rows], start=4):  # row 3 empty, header on 4
        for column, value in enumerate(row, start=1):
            sheet.cell(row=number, column=column, value=value)
    book.save(path)
    return path


def _sheet_rows(path, name):
    sheet = openpyxl.load_workbook(path)[name]
    return {row[0].row: [c.value for c in row] for row in sheet.iter_rows()}


# -- dates in options ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["2024-01-31", "31.01.2024", "31/01/2024", "01/31/2024", "31.01.24", "20240131"]
)
def test_as_of_is_read_in_the_styles_the_data_is(text):
    assert LoadOptions(as_of=text).as_of == dt.date(2024, 1, 31)


def test_an_ambiguous_day_is_refused_with_how_to_write_it():
    with pytest.raises(InputError) as info:
        LoadOptions(as_of="03/04/2024")
    assert str(info.value) == (
        "as_of: '03/04/2024' could be 2024-04-03 (day first) or 2024-03-04 (month first); "
        "write it as YYYY-MM-DD (2024-04-03) or DD.MM.YYYY (03.04.2024)"
    )
    assert info.value.option == "as_of"
    # the same day either way is no question
    assert LoadOptions(as_of="04/04/2024").as_of == dt.date(2024, 4, 4)


def test_an_as_of_before_the_first_order_is_refused_by_the_library_by_keyword(tmp_path):
    orders = _csv(tmp_path / "orders.csv", [HEADER, *ROWS])
    with pytest.raises(InputError) as info:
        repeatly.analyze(orders, as_of="31.12.2023")
    assert str(info.value).startswith(
        "as_of 2023-12-31 is before the first order (2024-01-05): give a day from then on"
    )
    assert info.value.option == "as_of"
    with pytest.raises(
        InputError, match=r"^as_of 2020-01-01 is before the first order \(2024-01-05\)"
    ):
        repeatly.predict(orders, as_of="2020-01-01")


def test_an_as_of_on_the_first_order_day_is_read_in_the_data_s_style(tmp_path):
    orders = _csv(tmp_path / "orders.csv", [HEADER, *ROWS])
    with repeatly.analyze(orders, as_of="05.01.2024") as result:
        assert result.as_of == dt.date(2024, 1, 5)
        assert result.metrics["orders"] == 1  # only the first order is up to that day


def test_the_command_line_names_the_flag_the_library_the_keyword():
    cases = {
        InputError("as_of: expected a date", option="as_of"): "--as-of: expected a date",
        InputError("as_of 2020-01-01 is before", option="as_of"): "--as-of 2020-01-01 is before",
        InputError("margin_rate: expected a share", option="margin_rate"): (
            "--margin-rate: expected a share"
        ),
        InputError("mapping: no role x", option="mapping"): "--map: no role x",
        # not the option's name at the start: left as it is
        InputError("orders.csv: as_of is odd", option="as_of"): "orders.csv: as_of is odd",
        InputError("as_often: x", option="as_of"): "as_often: x",
    }
    for error, shown in cases.items():
        assert _message(error) == shown


def test_the_command_line_refuses_a_day_before_the_first_order_by_its_flag(tmp_path):
    orders = _csv(tmp_path / "orders.csv", [HEADER, *ROWS])
    run = _run("segments", str(orders), "--as-of", "2020-01-01", "--out", str(tmp_path / "s"))
    assert run.returncode == 2
    assert "error: --as-of 2020-01-01 is before the first order (2024-01-05)" in run.stderr
    assert not (tmp_path / "s" / "segments.csv").exists()


# -- the header row ----------------------------------------------------------------------


def test_find_header_skips_title_rows_and_keeps_row_1_of_a_plain_table():
    assert find_header([HEADER, *ROWS]) == 0
    assert find_header([*TITLE, HEADER, *ROWS]) == 3
    # a two-cell title line (label and value) is not the header of a four-column table
    assert find_header([["Организация:", "ООО Ромашка"], [], HEADER, *ROWS]) == 2
    # numbers and dates are data, not names: nothing better than the first filled row
    assert find_header([[], ["1", "2024-01-01", "3"], ["4", "2024-01-02", "5"]]) == 1
    assert find_header([[], [None, ""]]) is None


def test_a_csv_with_title_rows_is_read_from_its_header_with_the_file_s_row_numbers(tmp_path):
    bad = ["15.03.2024", "C2", "5", "двадцать"]  # file row 9: 3 title rows, header on 4
    orders = _csv(tmp_path / "orders.csv", [*TITLE, HEADER, *ROWS, bad])
    loaded = load_table(orders, "orders", on_bad_rows="skip")
    assert loaded.mapping == {
        "customer_id": "Клиент",
        "ordered_at": "Дата",
        "order_id": "Номер заказа",
        "amount": "Сумма",
    }
    frame = loaded.table.order_by("ordered_at").to_pandas()
    assert frame.customer_id.tolist() == ["C1", "C2", "C1", "C3"]
    assert frame.amount.tolist() == [10.5, 20.0, 15.0, 12.25]
    with pytest.raises(DataValidationError) as info:
        load_table(orders, "orders")
    [problem] = info.value.problems
    assert (problem.row, problem.column) == (9, "Сумма")


def test_a_malformed_line_below_title_rows_is_located_on_the_file_s_line(tmp_path):
    orders = tmp_path / "orders.csv"
    lines = ["Отчёт", "", ";".join(HEADER), *(";".join(r) for r in ROWS[:2])]
    lines += ["25.01.2024;C4;9;5;extra", *(";".join(r) for r in ROWS[2:])]
    orders.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_table(orders, "orders")
    [problem] = info.value.problems
    assert problem.row == 6  # title, empty, header, two rows, then this one
    loaded = load_table(orders, "orders", on_bad_rows="skip")
    assert loaded.n_rows == 4


def test_header_row_given_by_number_as_excel_shows_it(tmp_path):
    orders = _csv(tmp_path / "orders.csv", [*TITLE, HEADER, *ROWS])
    assert load_table(orders, "orders", header_row=4).n_rows == 4
    with pytest.raises(InputError) as info:
        load_table(orders, "orders", header_row=3)
    assert str(info.value) == "header_row: row 3 of orders.csv is empty; expected the header row"
    assert info.value.option == "header_row"


def test_a_workbook_report_is_read_from_the_sheet_named_or_numbered(tmp_path):
    bad = ["15.03.2024", "C2", "5", "n/a"]  # Excel row 9
    book = _report_book(tmp_path / "report.xlsx", rows=[*ROWS, bad], first_sheet=["a note"])
    assert _sheet_rows(book, "Orders")[4] == HEADER  # the file is what the test says
    for sheet in ("Orders", 2, "2"):
        loaded = load_table(book, "orders", sheet=sheet, on_bad_rows="skip")
        assert loaded.mapping["amount"] == "Сумма"
        frame = loaded.table.order_by("ordered_at").to_pandas()
        assert frame.customer_id.tolist() == ["C1", "C2", "C1", "C3"]
        assert frame.amount.tolist() == [10.5, 20.0, 15.0, 12.25]
    with pytest.raises(DataValidationError) as info:
        load_table(book, "orders", sheet="Orders")
    [problem] = info.value.problems
    assert (problem.row, problem.column, problem.found) == (9, "Сумма", '"n/a"')
    with pytest.raises(InputError) as missing:
        load_table(book, "orders", sheet="Sales")
    assert str(missing.value) == (
        "sheet: report.xlsx has no sheet 'Sales'; sheets are: 1 'Notes', 2 'Orders'"
    )


def test_a_workbook_s_first_sheet_with_data_is_read_by_default(tmp_path):
    book = _report_book(tmp_path / "report.xlsx")  # the first sheet is empty
    loaded = load_table(book, "orders")
    assert loaded.n_rows == 4
    assert loaded.details["sheet"] == "Orders"


def test_the_commands_take_the_header_row_and_the_sheet(tmp_path):
    book = _report_book(tmp_path / "report.xlsx", first_sheet=["a note"])
    out = tmp_path / "r"
    run = _run("analyze", str(book), "--sheet", "Orders", "--header-row", "4", "--out", str(out))
    assert run.returncode == 0, run.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert (metrics["orders"], metrics["revenue"]) == (4, 57.75)
    run = _run("analyze", str(book), "--sheet", "Orders", "--header-row", "3", "--out", str(out))
    assert run.returncode == 2
    assert "error: --header-row: row 3 of report.xlsx is empty" in run.stderr


# -- predictions with contacts -------------------------------------------------------------


def test_predictions_carry_the_customers_names_and_contacts(tmp_path):
    shop = repeatly.datasets.make_shop(300, seed=4)
    with repeatly.predict(shop.orders, customers=shop.customers, model="bgnbd") as result:
        paths = write_forecast(result, tmp_path)
    written = pd.read_csv(paths["predictions"], dtype=str, keep_default_na=False)
    assert len(written) == shop.orders.customer_id.nunique()
    people = shop.customers.set_index("customer_id")
    for column in ("name", "email", "city"):
        expected = people.loc[written.customer_id, column].fillna("").astype(str).tolist()
        assert written[column].tolist() == expected
    # a phone starts like a formula: written with the leading quote, the number intact
    phones = people.loc[written.customer_id, "phone"].fillna("").astype(str)
    assert (written.phone.str.removeprefix("'") == phones.to_numpy()).all()
    assert {"consent_email", "consent_sms"} <= set(written.columns)


def test_predict_on_the_command_line_takes_customers(tmp_path):
    shop = repeatly.datasets.make_shop(200, seed=5)
    files = shop.write(tmp_path / "data")
    out = tmp_path / "p"
    run = _run(
        "predict", str(files["orders"]), "--customers", str(files["customers"]), "--out", str(out)
    )
    assert run.returncode == 0, run.stderr
    written = pd.read_csv(out / "predictions.csv")
    assert {"name", "email", "phone"} <= set(written.columns)
    assert written.email.notna().any()


# -- rounding ------------------------------------------------------------------------------


def test_columns_round_by_what_they_hold():
    assert decimals_for("revenue") == decimals_for("first_order_value") == 2
    assert decimals_for("cost_per_lead") == decimals_for("clv") == 2
    assert decimals_for("margin_rate") == decimals_for("repeat_share") == 4
    assert decimals_for("p_alive") == decimals_for("repeat_90") == decimals_for("ltv_to_cac") == 4
    assert decimals_for("expected_purchases") == 4
    assert decimals_for("p_value") is None
    data = {"cac": 20.162299999999995, "what_if": {"lever": 0.05, "levers": {"churn": 1.005}}}
    assert round_data(data) == {"cac": 20.16, "what_if": {"lever": 0.05, "levers": {"churn": 1.0}}}


def _too_precise(path):
    """Cells of a CSV with more decimals than their column allows."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    found = []
    for column in frame.columns:
        places = decimals_for(column)
        for value in frame[column]:
            match = re.fullmatch(r"-?\d+\.(\d+)", value)
            if match and places is not None and len(match.group(1)) > places:
                found.append((path.name, column, value))
    return found


def _json_too_precise(value, key=""):
    if isinstance(value, dict):
        return [f for k, v in value.items() for f in _json_too_precise(v, k)]
    if isinstance(value, list):
        return [f for v in value for f in _json_too_precise(v, key)]
    if isinstance(value, float) and len(repr(value).partition(".")[2]) > 4:
        return [(key, value)]
    return []


def test_outputs_hold_no_float_noise(tmp_path):
    from repeatly.campaigns import write_plan
    from repeatly.jobs import demo
    from repeatly.report import write_outputs
    from repeatly.segments import write_segments

    with demo(tmp_path / "data", customers=400, seed=1) as made:
        write_outputs(made.analysis, tmp_path / "report")
        write_plan(made.plan, tmp_path / "campaign")
        write_segments(made.analysis.segments(), tmp_path / "segments")
        forecast = made.analysis.forecast
        assert forecast is not None
        write_forecast(forecast, tmp_path / "forecast")
    files = [
        tmp_path / "report" / "customers.csv",
        tmp_path / "segments" / "segments.csv",
        tmp_path / "forecast" / "predictions.csv",
        tmp_path / "campaign" / "audience.csv",
    ]
    text = "".join(path.read_text(encoding="utf-8") for path in files)
    assert re.search(r"\d\.\d+", text)  # there are fractions to round
    assert not re.search(r"\d\.\d{5,}", text)
    assert [f for path in files for f in _too_precise(path)] == []
    metrics = json.loads((tmp_path / "report" / "metrics.json").read_text())
    assert _json_too_precise(metrics) == []
    money = ["revenue", "cac", "avg_order_value", "first_order_value"]
    assert all(round(metrics[k], 2) == metrics[k] for k in money if metrics.get(k) is not None)
