"""Files safe to open: no CSV or workbook Repeatly writes holds a live formula.

A shop whose customers are named and live in cities such as ``=HYPERLINK(...)`` and
``=cmd|' /C calc'!A0``, some with ids that start with ``=``, ``+``, ``-`` or ``@``, goes
through every job that writes files; each file is then read back (the CSVs with the
``csv`` module, as text, the workbooks with openpyxl) and no text cell may start with a
character a spreadsheet reads as a formula, unless it is neutralised (a leading ``'`` in
a CSV, the quote-prefix flag on a workbook's string cell).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

import repeatly
from repeatly._safe import (
    FORMULA_STARTS,
    looks_like_formula,
    restore_frame,
    restore_text,
    safe_frame,
    safe_table,
    safe_text,
    write_csv,
)
from repeatly.campaigns import (
    Templates,
    add_do_not_contact_file,
    campaign_results,
    import_call_results,
    plan_campaign,
    plan_from_analysis,
    send_campaign,
    write_call_tasks,
    write_plan,
)
from repeatly.datasets import make_shop
from repeatly.jobs import AnalyzeOptions, SegmentOptions, segment
from repeatly.report import write_forecast, write_outputs, write_results
from repeatly.segments import write_segments
from repeatly.store import contact_key, open_store, tables

NAMES = [
    '=HYPERLINK("http://x","click")',
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]
#: A number as a spreadsheet reads one: a numeric cell may start with "-" or "+".
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


# ---------------------------------------------------------------------------- helper


def test_safe_text_prefixes_text_that_starts_like_a_formula():
    assert [safe_text(name) for name in NAMES] == [
        '\'=HYPERLINK("http://x","click")',
        "'=cmd|' /C calc'!A0",
        "'+SUM(1,2)",
        "'-2+3",
        "'@SUM(A1:A2)",
        "'\t=1+1",
        "'\r=1+1",
    ]
    assert safe_text("+7 999 123-45-67") == "'+7 999 123-45-67"  # a phone is text
    # left alone: other text, a space before "=", the empty string, non-text values
    for value in ("Anna", " =1+1", "a=b", "", "'=already quoted", -5, 2.5, None, True):
        assert safe_text(value) == value


def test_restore_text_takes_off_only_the_quote_safe_text_added():
    for value in [*NAMES, "+7 999 123-45-67", "Anna", "'quoted'", "'", "", -5, None]:
        assert restore_text(safe_text(value)) == value
    assert restore_text("'Connor") == "'Connor"  # a quote before no formula start stays
    assert restore_text("''=x") == "''=x"


def test_safe_frame_changes_text_cells_index_and_headers_and_no_numbers():
    frame = pd.DataFrame(
        {
            "name": ["=1+1", "Anna", None, "", " =2", np.nan],
            "refund": [-5, 2, -1, 0, 3, -7],
            "share": [-0.5, 0.25, np.nan, 1.0, -1e-3, 2.0],
            "phone": pd.array(["+7 999", "8 999", None, "-", "@", "x"], dtype="string"),
            "kind": pd.Categorical(["-a", "b", "-a", "b", "b", "@c"]),
            "mixed": ["=x", 3, -4.5, None, "@y", "z"],
            "flag": [True, False, True, False, True, False],
            "=header": [1, 2, 3, 4, 5, 6],
        },
        index=pd.Index(["-C1", "C2", "+C3", "C4", "@C5", "C6"], name="customer_id"),
    )
    safe = safe_frame(frame)
    assert list(safe.columns) == [
        "name",
        "refund",
        "share",
        "phone",
        "kind",
        "mixed",
        "flag",
        "'=header",
    ]
    assert list(safe.index) == ["'-C1", "C2", "'+C3", "C4", "'@C5", "C6"]
    assert safe.index.name == "customer_id"
    assert safe["name"].tolist()[:5] == ["'=1+1", "Anna", None, "", " =2"]
    assert math.isnan(safe["name"].iloc[5])
    assert safe["refund"].tolist() == [-5, 2, -1, 0, 3, -7]
    assert safe["refund"].dtype == frame["refund"].dtype
    np.testing.assert_array_equal(safe["share"].to_numpy(), frame["share"].to_numpy())
    assert safe["share"].dtype == frame["share"].dtype
    assert safe["phone"].dtype == pd.StringDtype()
    assert safe["phone"].tolist()[:2] == ["'+7 999", "8 999"]
    assert safe["phone"].isna().tolist() == [False, False, True, False, False, False]
    assert safe["phone"].tolist()[3:] == ["'-", "'@", "x"]
    assert safe["kind"].tolist() == ["'-a", "b", "'-a", "b", "b", "'@c"]
    assert safe["mixed"].tolist() == ["'=x", 3, -4.5, None, "'@y", "z"]
    assert safe["flag"].tolist() == frame["flag"].tolist()
    assert safe["flag"].dtype == frame["flag"].dtype
    assert frame["name"].iloc[0] == "=1+1"  # the frame given is not changed
    back = restore_frame(safe)
    assert list(back.columns) == list(frame.columns) and list(back.index) == list(frame.index)
    assert back["mixed"].tolist() == frame["mixed"].tolist()


def test_write_csv_quotes_formulas_keeps_numbers_and_never_splits_a_row(tmp_path):
    frame = pd.DataFrame(
        {"name": ["=1+1", "Anna", "Bob\r=cmd|' /C calc'!A0", "\r=2"], "refund": [-5, 2.5, 0, 1]}
    )
    path = tmp_path / "out.csv"
    write_csv(frame, path)
    assert path.read_bytes() == (
        b"name,refund\r\n'=1+1,-5.0\r\nAnna,2.5\r\n"
        b'"Bob\r=cmd|\' /C calc\'!A0",0.0\r\n"\'\r=2",1.0\r\n'
    )
    assert _csv_rows(path) == [
        ["name", "refund"],
        ["'=1+1", "-5.0"],
        ["Anna", "2.5"],
        ["Bob\r=cmd|' /C calc'!A0", "0.0"],  # a carriage return inside a name: one row
        ["'\r=2", "1.0"],
    ]


def test_safe_table_neutralises_in_the_engine_and_keeps_the_order():
    import ibis

    con = ibis.duckdb.connect()
    table = con.create_table(
        "people",
        ibis.memtable(
            {
                "customer_id": ["b", "=c", "+a", "'x", None, "-z", "a"],
                "amount": [-5.0, 1.0, 3.0, -2.0, 4.0, 6.0, 7.0],
            }
        ),
    )
    rows = safe_table(table.order_by("customer_id")).to_pandas()
    # ordered by the values as they are ("'" < "+" < "-" < "=" < "a"), written quoted
    assert rows.customer_id.tolist()[:6] == ["'x", "'+a", "'-z", "'=c", "a", "b"]
    assert rows.customer_id.isna().tolist() == [False] * 6 + [True]
    assert rows.amount.tolist() == [-2.0, 3.0, 6.0, 1.0, 7.0, -5.0, 4.0]
    # whole numbers and no text: nothing to round or quote, the table as it is
    only_numbers = table.select(orders=table.amount.cast("int64"))
    assert safe_table(only_numbers) is only_numbers
    # fractions are rounded as people read them: money to cents
    noisy = table.select(amount=table.amount + 0.1 + 0.2 - 0.3 + 0.004)
    assert safe_table(noisy).order_by("amount").to_pandas().amount.tolist() == [
        -5.0,
        -2.0,
        1.0,
        3.0,
        4.0,
        6.0,
        7.0,
    ]


# ------------------------------------------------------------- every file of the jobs


def _hostile_shop(n: int = 300, seed: int = 12):
    """A synthetic shop whose names and cities are formulas and some ids start like one."""
    shop = make_shop(n, seed=seed)
    ids = shop.customers.customer_id.tolist()
    renamed = {old: f"{'=+-@'[i % 4]}{old}" for i, old in enumerate(ids) if i % 3 == 0}
    for table in (shop.orders, shop.customers, shop.leads, shop.truth):
        table["customer_id"] = table["customer_id"].replace(renamed)
    shop.customers["name"] = [NAMES[i % len(NAMES)] for i in range(len(ids))]
    shop.customers["city"] = [NAMES[(i + 3) % len(NAMES)] for i in range(len(ids))]
    shop.customers["consent_phone"] = True
    return shop


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Every CSV and workbook the jobs write for the hostile shop, under one folder."""
    root = tmp_path_factory.mktemp("safe")
    shop = _hostile_shop()
    with (
        segment(
            shop.orders,
            customers=shop.customers,
            products=shop.products,
            leads=shop.leads,
            rules=SegmentOptions(),
            options=AnalyzeOptions(as_of=shop.end),
        ) as found,
        open_store("sqlite://") as store,
    ):
        write_segments(found.segments, root / "segments", extra=found.lists)
        write_outputs(found.analysis, root / "report")
        plan = plan_from_analysis("win_back", found.analysis, store=store, name="back")
        write_plan(plan, root / "campaign")
        people = found.segments.to_pandas()
    with repeatly.predict(shop.orders, as_of=shop.end) as forecast:
        write_forecast(forecast, root / "predict")
    calls = people.assign(golden=True, consent_email=False, consent_sms=False)
    start = shop.end - dt.timedelta(days=60)  # measured on the shop's last orders
    moment = dt.datetime.combine(start + dt.timedelta(days=1), dt.time(12)).astimezone()
    with open_store("sqlite://") as store:
        plan = plan_campaign(
            "golden_care", calls, store=store, as_of=start, control_share=0.2, name="vip"
        )
        sent = send_campaign(plan, store, smtp=None, files=root / "calls", now=moment)
        assert set(sent.files) == {"calls"}
        with store.connect() as db:
            campaign = db.campaigns.find("vip")
        assert campaign is not None
        write_call_tasks(store, campaign.id, Templates(plan.playbook), root / "calls" / "calls.csv")
        results = campaign_results(store, "vip", shop.orders, window_days=30)
        write_results(results, root / "results")
    return root, shop


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _live(cell: str) -> bool:
    """Whether a CSV cell is text a spreadsheet would run as a formula."""
    return cell[:1] in FORMULA_STARTS and not NUMBER.fullmatch(cell)


EXPECTED_FILES = {
    "segments/segments.csv",
    "segments/segments.xlsx",
    "segments/segments/priority.csv",
    "segments/segments/golden.csv",
    "segments/segments/lost.csv",
    "report/customers.csv",
    "campaign/audience.csv",
    "campaign/excluded.csv",
    "campaign/coupons.csv",
    "predict/predictions.csv",
    "predict/comparison.csv",
    "calls/calls-vip.xlsx",
    "calls/calls.csv",
    "results/results.csv",
}


def test_every_csv_holds_no_live_formula_and_keeps_the_values_quoted(written):
    root, shop = written
    paths = sorted(root.rglob("*.csv"))
    found = {p.relative_to(root).as_posix() for p in paths}
    assert found >= EXPECTED_FILES - {"segments/segments.xlsx", "calls/calls-vip.xlsx"}
    hostile_ids = {i for i in shop.customers.customer_id if i[0] in "=+-@"}
    with_phones = 0
    for path in paths:
        rows = _csv_rows(path)
        where = path.relative_to(root).as_posix()
        live = [(r, c) for r, row in enumerate(rows) for c in row if _live(c)]
        assert not live, (where, live[:5])
        header = rows[0]
        columns = {name: [row[header.index(name)] for row in rows[1:]] for name in header}
        for field in ("name", "city"):  # every name and city is hostile
            if field in columns and len(rows) > len(NAMES) * 3:
                values = set(columns[field])
                assert all(v.startswith("'") for v in values), (where, field)
                # the call sheet shows names trimmed: "\t=1+1" as "=1+1"
                assert {v[1:] for v in values} <= set(NAMES) | {n.strip() for n in NAMES}
                assert len(values) >= 5, (where, field)
        ids = set(columns.get("customer_id", [])) - {""}  # leads have no id yet
        if len(ids) > 12:
            assert ids & {"'" + i for i in hostile_ids}, where  # some ids were hostile
            assert ids <= {"'" + i for i in hostile_ids} | set(shop.customers.customer_id)
        if "phone" in columns:
            phones = [p for p in columns["phone"] if p]
            assert all(p.startswith("'+7 ") for p in phones), where
            with_phones += bool(phones)
    assert with_phones >= 5  # the segment lists, the audience and the call sheet


def test_customers_csv_holds_every_customer_with_the_number_columns_unquoted(written):
    root, shop = written
    rows = _csv_rows(root / "report" / "customers.csv")
    header, body = rows[0], rows[1:]
    ids = [restore_text(row[header.index("customer_id")]) for row in body]
    assert sorted(ids) == sorted(shop.orders.customer_id.unique())
    revenue = {
        restore_text(row[header.index("customer_id")]): float(row[header.index("revenue")])
        for row in body
    }
    expected = shop.orders.groupby("customer_id").amount.sum()
    hostile, plain = shop.customers.customer_id[0], shop.customers.customer_id[1]
    assert hostile.startswith("=") and plain[0] not in FORMULA_STARTS
    for customer in (hostile, plain):
        assert revenue[customer] == pytest.approx(expected[customer], abs=0.01)


def _xml_text(value: object) -> object:
    """A cell's text with the ``_x000D_`` escapes of control characters undone.

    xlsxwriter writes a carriage return as ``_x000D_`` (as Excel does), and openpyxl
    gives inline strings back without undoing it; Excel shows the character.
    """
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def test_every_workbook_holds_no_formula_and_quote_prefixes_text_that_looks_like_one(written):
    root, _shop = written
    books = sorted(root.rglob("*.xlsx"))
    assert {p.relative_to(root).as_posix() for p in books} == {
        "segments/segments.xlsx",
        "calls/calls-vip.xlsx",
        "report/actions.xlsx",
    }
    trimmed = {n.strip() for n in NAMES}
    for path in books:
        names = set()
        for sheet in load_workbook(path).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    value = _xml_text(cell.value)
                    where = (path.name, sheet.title, cell.coordinate, value)
                    assert cell.data_type != "f", where
                    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
                        assert cell.data_type == "s" and cell.quotePrefix, where
                    if isinstance(value, str) and value in trimmed | set(NAMES):
                        names.add(value)
                    if cell.quotePrefix:
                        assert looks_like_formula(value), where  # only what needs it
        # the names are there, as they are (the call sheet shows them trimmed)
        assert {n.strip() for n in names} == trimmed, path.name


def test_call_sheet_csv_reads_back_to_the_values_it_was_written_from(written):
    root, shop = written
    sheet = pd.read_csv(root / "calls" / "calls.csv", dtype=str, keep_default_na=False)
    book = pd.read_excel(root / "calls" / "calls-vip.xlsx", dtype=str, keep_default_na=False)
    assert len(sheet) > 10 and sheet.name.str.startswith("'").all()  # every name is hostile
    back = restore_frame(sheet)
    pd.testing.assert_frame_equal(back, book)  # the workbook holds the values as they are
    people = shop.customers.set_index("customer_id")
    for row in back.itertuples():
        assert row.name == people.loc[row.customer_id, "name"].strip()  # shown trimmed
        assert row.phone == people.loc[row.customer_id, "phone"]
    assert set(back.customer_id) & {i for i in people.index if i[0] in "=+-@"}


def test_a_filled_in_csv_call_sheet_imports_with_its_values_restored(tmp_path):
    people = pd.DataFrame(
        {
            "customer_id": ["=c0", "+c1", "-c2", "@c3", "c4"],
            "status": "active",
            "rfm_segment": "Champions",
            "name": NAMES[:5],
            "email": [f"user{i}@example.org" for i in range(5)],
            "phone": [f"+7 900 {i:07d}" for i in range(5)],
            "golden": True,
            "consent_email": False,
            "consent_sms": False,
            "consent_phone": True,
            "days_since": 10,
        }
    )
    as_of = dt.date(2024, 6, 1)
    moment = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(12)).astimezone()
    with open_store("sqlite://") as store:
        plan = plan_campaign(
            "golden_care", people, store=store, as_of=as_of, control_share=0, name="vip"
        )
        send_campaign(plan, store, smtp=None, files=tmp_path / "sent", now=moment)
        with store.connect() as db:
            campaign = db.campaigns.find("vip")
        assert campaign is not None
        path = write_call_tasks(store, campaign.id, Templates(plan.playbook), tmp_path / "c.csv")
        rows = _csv_rows(path)
        header = rows[0]
        assert sorted(row[header.index("customer_id")] for row in rows[1:]) == [
            "'+c1",
            "'-c2",
            "'=c0",
            "'@c3",
            "c4",
        ]
        sheet = pd.read_csv(path, dtype=str, keep_default_na=False)
        by_id = sheet.set_index("customer_id")
        by_id.loc["'=c0", "result"] = "ordered"
        by_id.loc["'-c2", ["result", "note"]] = ["declined", "'-call again in May"]
        by_id.reset_index().to_csv(path, index=False)
        imported = import_call_results(store, "vip", path, at=moment)
        with store.connect() as db:
            recorded = db.responses.connection.execute(
                sa.select(
                    tables.responses.c.customer_id, tables.responses.c.kind, tables.responses.c.note
                )
            ).all()
    assert (imported.recorded, imported.responses) == (2, 1)
    assert sorted(map(tuple, recorded)) == [
        ("-c2", "call_declined", "-call again in May"),
        ("=c0", "call_ordered", None),
    ]


def test_a_do_not_contact_list_from_a_written_csv_matches_the_phones_and_ids(written):
    root, shop = written
    audience = root / "campaign" / "audience.csv"
    rows = _csv_rows(audience)
    header = rows[0]
    phones = [row[header.index("phone")] for row in rows[1:]]
    ids = [row[header.index("customer_id")] for row in rows[1:]]
    assert all(p.startswith("'+7") for p in phones)
    with open_store("sqlite://") as store:
        add_do_not_contact_file(store, audience, reason="test")
        blocked = store.blocked()
    expected_ids = {restore_text(i) for i in ids}
    assert expected_ids & {i for i in shop.customers.customer_id if i[0] in "=+-@"}
    assert {contact_key(restore_text(p)) for p in phones} <= blocked
    assert {contact_key(i) for i in expected_ids} <= blocked
    assert not any(value.startswith("'") for value in blocked)
