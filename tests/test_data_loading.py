"""Loading files: formats, encodings, conventions, role detection and located errors.

Every expected value below is written out by hand next to the input it comes from.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import ibis
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repeatly.connection import default_connection
from repeatly.data import detect_roles, load_orders, load_spend, load_table, parse_mapping
from repeatly.exceptions import DataValidationError, InputError, MappingError

ROWS = [  # customer, when, amount: the hand-made truth every format must give back
    ("c1", dt.datetime(2024, 2, 1), 1234.5),
    ("c2", dt.datetime(2024, 3, 15, 10, 30), 12.5),
    ("c1", dt.datetime(2024, 3, 16), 7.0),
]


@pytest.fixture
def con():
    return default_connection()


def _rows(loaded) -> list[tuple]:
    frame = loaded.table.select("customer_id", "ordered_at", "amount").to_pandas()
    return [
        (r.customer_id, r.ordered_at.to_pydatetime(), r.amount)
        for r in frame.itertuples(index=False)
    ]


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# -- role detection -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            ["Customer ID", "Order Date", "Total"],
            {"customer_id": "Customer ID", "ordered_at": "Order Date", "amount": "Total"},
        ),
        (
            ["Клиент", "Дата", "Сумма", "Кол-во"],
            {
                "customer_id": "Клиент",
                "ordered_at": "Дата",
                "amount": "Сумма",
                "quantity": "Кол-во",
            },
        ),
        (
            ["Номер заказа", "Дата заказа", "Покупатель", "Итого", "Скидка", "Магазин"],
            {
                "customer_id": "Покупатель",
                "ordered_at": "Дата заказа",
                "amount": "Итого",
                "order_id": "Номер заказа",
                "discount": "Скидка",
                "store": "Магазин",
            },
        ),
        (
            ["order_id", "customer_id", "ordered_at", "amount", "sku"],
            {
                "customer_id": "customer_id",
                "ordered_at": "ordered_at",
                "amount": "amount",
                "order_id": "order_id",
                "sku": "sku",
            },
        ),
        (
            ["Invoice No", "InvoiceDate", "CustomerID", "Quantity", "UnitPrice", "Sales"],
            {
                "customer_id": "CustomerID",
                "ordered_at": "InvoiceDate",
                "amount": "Sales",
                "order_id": "Invoice No",
                "quantity": "Quantity",
                "unit_price": "UnitPrice",
            },
        ),
    ],
)
def test_roles_are_detected_from_english_and_russian_headers(headers, expected):
    assert detect_roles(headers, "orders") == expected


def test_parse_mapping_reads_role_equals_column():
    assert parse_mapping(["amount=Total incl VAT", "customer_id='Card'"]) == {
        "amount": "Total incl VAT",
        "customer_id": "Card",
    }
    with pytest.raises(MappingError, match="ROLE=COLUMN"):
        parse_mapping(["amount"])


def test_mapping_override_picks_the_named_column(tmp_path, con):
    path = _write(
        tmp_path / "o.csv",
        "Customer,Date,Total,Total incl VAT\na,2024-01-02,10,12\nb,2024-01-03,20,24\n",
    )
    assert load_orders(path, con=con).mapping["amount"] == "Total"
    loaded = load_orders(path, con=con, mapping={"amount": "Total incl VAT"})
    assert loaded.mapping["amount"] == "Total incl VAT"
    assert sorted(loaded.table.amount.to_pandas()) == [12.0, 24.0]
    with pytest.raises(MappingError, match='no column "Gross"'):
        load_orders(path, con=con, mapping={"amount": "Gross"})
    with pytest.raises(MappingError, match='"total" is not a role'):
        load_orders(path, con=con, mapping={"total": "Total"})


# -- formats and conventions --------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_russian_export_in_any_encoding_and_delimiter(tmp_path, con, encoding, delimiter):
    d = delimiter
    amounts = ['"1 234,50"', '"12,5"', "7"] if d == "," else ["1 234,50", "12,5", "7"]
    text = (
        f"Клиент{d}Дата{d}Сумма\n"
        f"c1{d}01.02.2024{d}{amounts[0]}\n"
        f"c2{d}15.03.2024 10:30{d}{amounts[1]}\n"
        f"c1{d}16.03.2024{d}{amounts[2]}\n"
    )
    loaded = load_orders(_write(tmp_path / "заказы.csv", text, encoding), con=con)
    assert _rows(loaded) == ROWS
    assert loaded.mapping == {"customer_id": "Клиент", "ordered_at": "Дата", "amount": "Сумма"}


@pytest.mark.parametrize(
    ("dates", "style"),
    [
        (["2024-02-01", "2024-03-15T10:30:00", "2024-03-16 00:00"], "ISO"),
        (["01.02.2024", "15.03.2024 10:30", "16.03.2024"], "DD.MM.YYYY"),
        (["01/02/2024", "15/03/2024 10:30", "16/03/2024"], "DD/MM/YYYY"),
        (["02/01/2024", "03/15/2024 10:30", "03/16/2024"], "MM/DD/YYYY"),
        (["20240201", "20240315", "20240316"], "YYYYMMDD"),
    ],
)
def test_common_date_formats(tmp_path, con, dates, style):
    amounts = ["1,234.50", "12.5", "7"]
    text = "customer,date,amount\n" + "".join(
        f'c{1 + (i == 1)},{d},"{a}"\n' for i, (d, a) in enumerate(zip(dates, amounts, strict=True))
    )
    loaded = load_orders(_write(tmp_path / "o.csv", text), con=con)
    got = _rows(loaded)
    expected = (
        ROWS if style != "YYYYMMDD" else [(c, t.replace(hour=0, minute=0), a) for c, t, a in ROWS]
    )
    assert got == expected
    assert loaded.details["ordered_at"] == style


def test_numbers_with_grouping_currency_and_brackets(tmp_path, con):
    text = (
        "customer;date;amount\n"
        "a;2024-01-01;1.234,50 ₽\n"
        "a;2024-01-02;(12,00)\n"
        "a;2024-01-03;-3,25\n"
        "a;2024-01-04;1 000 000\n"
    )
    loaded = load_orders(_write(tmp_path / "o.csv", text), con=con)
    assert loaded.table.amount.to_pandas().tolist() == [1234.5, -12.0, -3.25, 1_000_000.0]


def test_parquet_excel_and_duckdb_url_give_the_same_rows(tmp_path, con):
    frame = pd.DataFrame(
        {
            "Customer": [r[0] for r in ROWS],
            "Order Date": [r[1] for r in ROWS],
            "Total": [r[2] for r in ROWS],
        }
    )
    parquet = tmp_path / "o.parquet"
    frame.to_parquet(parquet)
    excel = tmp_path / "o.xlsx"
    frame.to_excel(excel, index=False)
    db = tmp_path / "shop.duckdb"
    import duckdb

    with duckdb.connect(str(db)) as raw:
        raw.execute("CREATE TABLE sales AS SELECT * FROM frame")
    for loaded in (
        load_orders(parquet, con=con),
        load_orders(excel, con=con),
        load_orders(f"duckdb://{db}", table="sales"),
    ):
        assert _rows(loaded) == ROWS, loaded.kind
        assert loaded.mapping == {
            "customer_id": "Customer",
            "ordered_at": "Order Date",
            "amount": "Total",
        }


def test_parquet_with_text_columns_is_parsed_like_csv(tmp_path, con):
    frame = pd.DataFrame(
        {
            "customer": ["c1", "c2", "c1"],
            "date": ["01.02.2024", "15.03.2024 10:30", "16.03.2024"],
            "amount": ["1 234,50", "12,5", "x"],
        }
    )
    path = tmp_path / "o.parquet"
    frame.to_parquet(path)
    with pytest.raises(DataValidationError) as info:
        load_orders(path, con=con)
    assert str(info.value) == (
        'o.parquet, row 3, column "amount": expected a number like 1234,50 or 1 234,50, got "x"'
    )
    loaded = load_orders(path, con=con, on_bad_rows="skip")
    assert _rows(loaded) == ROWS[:2]
    assert loaded.n_skipped == 1


def test_typed_parquet_counts_missing_and_non_finite_cells(tmp_path, con):
    # rows 2-5 each have one problem (a null, a blank, a null, a NaN, which is null in
    # Parquet), row 6 two; rows 1 and 7 are good
    frame = pd.DataFrame(
        {
            "customer": ["c1", None, "  ", "c4", "c5", None, "c2"],
            "date": pd.to_datetime(
                [
                    "2024-02-01",
                    "2024-02-02",
                    "2024-02-03",
                    None,
                    "2024-02-05",
                    None,
                    "2024-03-15 10:30",
                ],
                format="ISO8601",
            ),
            "amount": [1234.5, 1.0, 2.0, 3.0, float("nan"), 4.0, 12.5],
        }
    )
    path = tmp_path / "o.parquet"
    frame.to_parquet(path)
    with pytest.raises(DataValidationError) as info:
        load_orders(path, con=con)
    assert info.value.n_problems == 5
    assert str(info.value).splitlines()[1].strip() == (
        'o.parquet, row 2, column "customer": expected a value (who bought), got an empty cell'
    )
    loaded = load_orders(path, con=con, on_bad_rows="skip")
    assert _rows(loaded) == [ROWS[0], ROWS[1]]
    assert (loaded.n_rows, loaded.n_skipped, loaded.n_bad_cells) == (2, 5, 6)


@pytest.mark.parametrize("blank", ["   ", "\u00a0\u00a0", ""])
def test_blank_ids_are_caught_whatever_the_statistics_say(tmp_path, con, blank):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "customer": ["c1", blank, "c2"],
            "date": pa.array(
                [dt.datetime(2024, 2, 1), dt.datetime(2024, 2, 2), dt.datetime(2024, 3, 15, 10, 30)]
            ),
            "amount": pa.array([1234.5, 3.0, 12.5]),
        }
    )
    for statistics in (True, False):
        path = tmp_path / f"o{statistics}.parquet"
        pq.write_table(table, path, write_statistics=statistics)
        loaded = load_orders(path, con=con, on_bad_rows="skip")
        assert _rows(loaded) == [ROWS[0], ROWS[1]], (blank, statistics)
        assert loaded.n_skipped == 1


def test_statistics_that_prove_a_clean_file_give_the_same_rows(tmp_path, con):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "o.parquet"
    pq.write_table(
        pa.table(
            {
                "customer": ["c1", "c2", "c1"],
                "date": pa.array([r[1] for r in ROWS]),
                "amount": pa.array([r[2] for r in ROWS]),
            }
        ),
        path,
    )
    loaded = load_orders(path, con=con)
    assert _rows(loaded) == ROWS and (loaded.n_rows, loaded.n_skipped) == (3, 0)


@pytest.mark.parametrize("ids", [["c1", "c2", "c1"], [" c1", "c2  ", "c1"], ["c1", "c2", "c1 "]])
def test_parquet_ids_are_trimmed_only_when_some_need_it(tmp_path, con, ids):
    # A file whose text ids have no surrounding spaces is read as stored (faster); one
    # space anywhere and every id is trimmed: the same customers either way.
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "o.parquet"
    pq.write_table(
        pa.table(
            {
                "customer": ids,
                "date": pa.array([r[1] for r in ROWS]),
                "amount": pa.array([r[2] for r in ROWS]),
            }
        ),
        path,
    )
    loaded = load_orders(path, con=con)
    assert _rows(loaded) == ROWS
    assert loaded.table.customer_id.nunique().execute() == 2


def test_typed_parquet_rejects_nan_and_infinite_amounts(tmp_path, con):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "o.parquet"
    pq.write_table(
        pa.table(
            {
                "customer": ["c1", "c2", "c3", "c2"],
                "date": pa.array(
                    [
                        dt.datetime(2024, 2, 1),
                        dt.datetime(2024, 2, 2),
                        dt.datetime(2024, 2, 3),
                        dt.datetime(2024, 3, 15, 10, 30),
                    ]
                ),
                "amount": pa.array([1234.5, float("nan"), float("inf"), 12.5]),  # NaN kept
            }
        ),
        path,
    )
    loaded = load_orders(path, con=con, on_bad_rows="skip")
    assert _rows(loaded) == [ROWS[0], ROWS[1]]
    assert (loaded.n_skipped, loaded.n_bad_cells) == (2, 2)


def test_excel_problems_name_the_sheet_row(tmp_path, con):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Клиент", "Дата", "Сумма"])
    sheet.append(["c1", dt.datetime(2024, 2, 1), 1234.5])
    sheet.append([None, None, None])  # an empty row keeps its number
    sheet.append(["c2", dt.datetime(2024, 3, 15, 10, 30), "двенадцать"])
    path = tmp_path / "o.xlsx"
    book.save(path)
    with pytest.raises(
        DataValidationError,
        match=r'o.xlsx, row 4, column "Сумма": expected'
        r' a number .*, got "двенадцать"',
    ):
        load_orders(path, con=con)


def test_spend_with_months_as_periods(tmp_path, con):
    text = "Month;Channel;Spend;Visitors;Leads;Purpose\n2024-01;ads;1 000,00;500;20;acquisition\n"
    loaded = load_spend(_write(tmp_path / "spend.csv", text), con=con)
    row = loaded.table.to_pandas().iloc[0]
    assert pd.Timestamp(row["period"]) == pd.Timestamp("2024-01-01")
    assert (row["spend"], row["visitors"], row["leads"]) == (1000.0, 500.0, 20.0)


def test_orders_without_order_id_are_customer_days(tmp_path, con):
    text = "customer,date,amount\na,2024-01-01 09:00,1\na,2024-01-01 18:00,2\na,2024-01-02,3\n"
    loaded = load_orders(_write(tmp_path / "o.csv", text), con=con)
    assert loaded.table.order_id.to_pandas().tolist() == [
        "a|2024-01-01",
        "a|2024-01-01",
        "a|2024-01-02",
    ]


# -- broken inputs: located errors, nothing left behind -----------------------------

GOOD_LINES = [f"c{i % 97},2024-01-{i % 28 + 1:02d},{i}.25" for i in range(6000)]
GOOD = "customer,date,amount\n" + "".join(f"{line}\n" for line in GOOD_LINES)
RAGGED = "customer,date,amount\n" + "".join(
    f"{line}\n" for line in [*GOOD_LINES[:4500], "c1,2024-01-01,5,oops", *GOOD_LINES[4500:]]
)

BROKEN = {
    "bad_number": (
        GOOD + "c1,2024-01-05,12.5O\n",
        'orders.csv, row 6002, column "amount": expected a number like 1234.50 or '
        '1,234.50, got "12.5O"',
    ),
    "bad_date": (
        GOOD + "c1,2024-02-30,12.5\n",
        'orders.csv, row 6002, column "date": expected a date like 2024-12-31 (ISO),'
        ' got "2024-02-30"',
    ),
    "missing_column": (
        "customer,date,qty\nc1,2024-01-01,1\n",
        'orders.csv: no column found for the required role "amount"',
    ),
    "empty_file": ("", "orders.csv: the file is empty"),
    "header_only": ("customer,date,amount\n", "orders.csv: has a header (row 1) but no data rows"),
    "duplicate_header": (
        "customer,date,amount,amount\nc1,2024-01-01,1,2\n",
        'orders.csv, row 1, column "amount": expected each column name once,'
        ' got 2 columns named "amount" (columns 3, 4)',
    ),
    "ragged_row": (
        RAGGED,
        "orders.csv, row 4502: expected 3 fields, as in the header, "
        "got 4 fields: c1,2024-01-01,5,oops",
    ),
    "binary": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        "orders.csv: holds binary data at byte 8, not text",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_input_gives_a_located_error(tmp_path, con, case):
    content, message = BROKEN[case]
    path = tmp_path / "orders.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = set(con.list_tables())
    with pytest.raises(InputError) as info:
        load_orders(path, con=con)
    assert message in str(info.value)
    assert set(con.list_tables()) == before  # a failed load leaves nothing behind


def test_ragged_row_is_located_far_down_the_file(tmp_path, con):
    content, _ = BROKEN["ragged_row"]
    path = tmp_path / "orders.csv"
    path.write_text(content)
    row = content.splitlines().index("c1,2024-01-01,5,oops") + 1
    assert row > 4000
    with pytest.raises(DataValidationError) as info:
        load_orders(path, con=con)
    assert str(info.value).startswith(f"orders.csv, row {row}: expected 3 fields")


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_cli_exits_non_zero_with_the_message_and_no_traceback(tmp_path, case):
    content, message = BROKEN[case]
    path = tmp_path / "orders.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    run = subprocess.run(
        [sys.executable, "-m", "repeatly", "analyze", str(path), "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert not (tmp_path / "r").exists()


def test_skip_drops_bad_rows_and_counts_them(tmp_path, con):
    text = (
        "customer,date,amount\n"
        "a,2024-01-01,10\n"
        "b,not a date,5\n"
        ",2024-01-02,5\n"
        "c,2024-01-03,7,extra\n"
        "d,2024-01-04,8\n"
    )
    path = _write(tmp_path / "orders.csv", text)
    with pytest.raises(DataValidationError) as info:
        load_orders(path, con=con)
    assert info.value.n_problems == 3
    assert [(p.row, p.column) for p in info.value.problems] == [
        (3, "date"),
        (4, "customer"),
        (5, None),
    ]
    loaded = load_orders(path, con=con, on_bad_rows="skip")
    assert loaded.table.customer_id.to_pandas().tolist() == ["a", "d"]
    assert loaded.n_skipped == 3
    assert loaded.quality.skipped_rows == 3
    assert loaded.quality.unparseable_values == 2  # the bad date and the empty customer


def test_empty_order_ids_default_to_customer_day_and_are_counted(tmp_path, con):
    text = "order,customer,date,amount\nA1,a,2024-01-01,1\n,a,2024-01-02 10:00,2\n"
    loaded = load_orders(_write(tmp_path / "o.csv", text), con=con)
    assert loaded.table.order_id.to_pandas().tolist() == ["A1", "a|2024-01-02"]
    assert loaded.quality.missing_order_ids == 1


def test_missing_files_and_unknown_tables(tmp_path, con):
    with pytest.raises(InputError, match="no such file"):
        load_orders(tmp_path / "nope.csv", con=con)
    with pytest.raises(InputError, match="name the table"):
        load_orders(f"duckdb://{tmp_path / 'x.duckdb'}")
    old_excel = tmp_path / "o.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(InputError, match="is an old-style Excel"):
        load_table(old_excel, con=con)


# -- the quality summary ------------------------------------------------------------


def test_quality_counts_match_the_hand_made_file(tmp_path, con):
    amounts = [10, 12, 11, 13, 10, 0, -5, 500]
    rows = [f"c{i},2024-01-0{i + 1},{a}" for i, a in enumerate(amounts)]
    rows.append(rows[0])  # an exact duplicate line
    rows.append("z,2030-01-01,10")  # a future date: left out, counted
    text = "customer,date,amount\n" + "\n".join(rows) + "\n"
    quality = load_orders(
        _write(tmp_path / "o.csv", text), con=con, as_of=dt.date(2024, 6, 1)
    ).quality
    # positive amounts kept: 10 12 11 13 10 500 10 -> sorted 10 10 10 11 12 13 500
    # Q1 = 10, Q3 = 12.5 (linear interpolation); threshold = 12.5 + 3 * 2.5 = 20.0
    assert quality.outlier_threshold == pytest.approx(20.0)
    assert (quality.rows, quality.duplicate_rows, quality.future_dates) == (9, 1, 1)
    assert (quality.zero_amounts, quality.negative_amounts, quality.outliers) == (1, 1, 1)


# -- properties ---------------------------------------------------------------------

money = st.decimals(min_value=-(10**7), max_value=10**7, places=2, allow_nan=False)


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    return sep.join([digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(money, min_size=1, max_size=20), comma=st.booleans(), grouping=st.booleans())
def test_any_written_number_reads_back(tmp_path_factory, values, comma, grouping):
    lines = []
    for v in values:
        sign = "-" if v < 0 else ""
        whole, frac = f"{abs(v):.2f}".split(".")
        if grouping:
            whole = _group(whole, "." if comma else ",")
        lines.append(f"{sign}{whole}{',' if comma else '.'}{frac}")
    text = "customer;date;amount\n" + "".join(f"a;2024-01-01;{x}\n" for x in lines)
    path = tmp_path_factory.mktemp("n") / "o.csv"
    path.write_text(text)
    got = load_orders(path, con=default_connection()).table.amount.to_pandas().tolist()
    assert got == pytest.approx([float(v) for v in values])


@settings(max_examples=25, deadline=None)
@given(
    days=st.lists(st.dates(dt.date(1990, 1, 1), dt.date(2060, 12, 31)), min_size=1, max_size=20),
    fmt=st.sampled_from(["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y%m%d"]),
)
def test_any_written_date_reads_back(tmp_path_factory, days, fmt):
    text = "customer,date,amount\n" + "".join(f"a,{d.strftime(fmt)},1\n" for d in days)
    path = tmp_path_factory.mktemp("d") / "o.csv"
    path.write_text(text)
    got = load_orders(path, con=default_connection()).table.ordered_at.to_pandas()
    assert [t.date() for t in got] == days


def _threads(con):
    return con.raw_sql("SELECT current_setting('threads')").fetchone()[0]


@pytest.mark.parametrize(("cores", "during"), [(1, 3), (2, 3), (3, 3), (8, 8)])
def test_a_large_aggregation_runs_with_at_least_three_threads_then_the_cores_again(
    monkeypatch, cores, during
):
    from repeatly import connection
    from repeatly.settings import get_settings

    monkeypatch.delenv("REPEATLY_THREADS", raising=False)
    get_settings.cache_clear()
    monkeypatch.setattr(connection.os, "cpu_count", lambda: cores)
    con = connection.default_connection()
    table = ibis.memtable({"x": [1, 2]})
    table = con.create_table("t", table, temp=True)
    assert _threads(con) == cores
    with connection.aggregation_threads(table):
        assert _threads(con) == during
    assert _threads(con) == cores
    with pytest.raises(ZeroDivisionError), connection.aggregation_threads(table):
        1 / 0  # noqa: B018
    assert _threads(con) == cores  # put back after a failure too


def test_duckdb_threads_from_the_environment(monkeypatch):
    from repeatly import connection
    from repeatly.settings import get_settings

    monkeypatch.setenv("REPEATLY_THREADS", "3")
    get_settings.cache_clear()  # settings are read once a process
    con = connection.default_connection()
    assert _threads(con) == 3
    with connection.aggregation_threads(con.create_table("t", ibis.memtable({"x": [1]}))):
        assert _threads(con) == 3  # the user's choice stands
    monkeypatch.setenv("REPEATLY_THREADS", "many")
    get_settings.cache_clear()
    with pytest.raises(InputError, match="REPEATLY_THREADS: expected a whole number"):
        connection.default_connection()


def test_engine_work_alongside_gives_its_result_and_is_waited_for_even_on_failure():
    import threading
    import time

    from repeatly import connection

    con = connection.default_connection()
    table = con.create_table("t", ibis.memtable({"x": [1, 2, 3]}), temp=True)
    with connection.alongside(lambda: int(table.x.sum().execute())) as total:
        here = sum([1, 2, 3])  # the caller's own work meanwhile
    assert total.result() == here == 6

    finished = threading.Event()

    def slow() -> None:
        time.sleep(0.2)
        finished.set()

    with pytest.raises(ZeroDivisionError), connection.alongside(slow):
        1 / 0  # noqa: B018
    assert finished.is_set()  # nothing runs on past the block
    with connection.alongside(lambda: 1 / 0) as failed:
        pass
    with pytest.raises(ZeroDivisionError):
        failed.result()  # the work's own error, where its outcome is taken


def test_engine_work_alongside_is_stopped_when_the_block_fails():
    import duckdb

    from repeatly import connection

    con = connection.default_connection()
    # minutes of work if it ran to its end: the block's failure must stop it
    endless = "SELECT sum(hash(i)) FROM range(50000000000) t(i)"
    with (
        pytest.raises(KeyboardInterrupt),
        connection.alongside(lambda: con.raw_sql(endless).fetchall(), engine=con) as work,
    ):
        raise KeyboardInterrupt  # as Ctrl-C would, while the query runs on its thread
    assert isinstance(work.exception(), duckdb.InterruptException)
    assert con.raw_sql("SELECT 42").fetchone() == (42,)  # the engine goes on serving
    con.disconnect()
