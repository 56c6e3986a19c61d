"""``repeatly segments``: segments.csv, one list per segment, and the workbook."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from openpyxl import load_workbook

from repeatly.datasets import make_shop
from repeatly.segments import ACTIONS, RFM_RULES, STATUSES
from repeatly.segments._workbook_text import ACTION_TEXTS

REQUIRED = [
    "customer_id",
    "rfm_segment",
    "status",
    "golden",
    "promo_hunter",
    "early_full_price",
    "brand_fan",
    "low_margin_only",
]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("seg")
    files = make_shop(600, seed=9).write(root / "data")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "repeatly",
            "segments",
            str(files["orders"]),
            "--customers",
            str(files["customers"]),
            "--products",
            str(files["products"]),
            "--leads",
            str(files["leads"]),
            "--near",
            "55.7558,37.6173,50",
            "--cycle",
            "furniture=730",
            "--out",
            str(root / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return root / "out"


def test_segments_csv_has_one_row_per_customer_with_the_promised_columns(written):
    text = (written / "segments.csv").read_text()
    frame = pd.read_csv(written / "segments.csv", dtype=str, keep_default_na=False)
    assert list(frame.columns[: len(REQUIRED)]) == REQUIRED
    assert len(frame) == 600 and frame.customer_id.is_unique
    for flag in ("golden", "promo_hunter", "early_full_price", "low_margin_only"):
        assert set(frame[flag]) <= {"true", "false"}, flag
    assert set(frame.status) <= set(STATUSES)
    assert set(frame.rfm_segment) <= {r.name for r in RFM_RULES}
    assert "True" not in text and "False" not in text  # booleans are true/false


def test_each_segment_list_holds_its_members(written):
    frame = pd.read_csv(written / "segments.csv", dtype=str, keep_default_na=False)
    expected = {
        "golden": (frame.golden == "true").sum(),
        "lost": (frame.status == "lost").sum(),
        "at_risk": (frame.status == "at_risk").sum(),
        "brand_fan": (frame.brand_fan != "").sum(),
        "promo_hunter": (frame.promo_hunter == "true").sum(),
    }
    for name, count in expected.items():
        members = pd.read_csv(written / "segments" / f"{name}.csv")
        assert len(members) == count, name
        assert {"name", "email", "phone"} <= set(members.columns)
    fans = pd.read_csv(written / "segments" / "brand_fan.csv")
    assert {"brand_fan", "new_products", "last_brand_purchase"} <= set(fans.columns)
    assert (fans.new_products >= 0).all()
    near = pd.read_csv(written / "segments" / "near.csv")
    assert len(near) > 0 and (near.distance_km <= 50).all()  # the shop's Moscow customers
    assert (written / "segments" / "lapsed_year.csv").exists()
    leads = pd.read_csv(written / "segments" / "leads_never_bought.csv")
    assert len(leads) > 0
    priority = pd.read_csv(written / "segments" / "priority.csv")
    assert priority.priority.tolist() == list(range(1, len(frame) + 1))
    order = {"new": 0, "active": 0, "due": 1, "at_risk": 2, "lost": 3}
    assert priority.status.map(order).is_monotonic_increasing
    champions = pd.read_csv(written / "segments" / "rfm_champions.csv")
    assert len(champions) == (frame.rfm_segment == "Champions").sum()


def test_workbook_has_an_actions_sheet_then_a_sheet_per_action_priority_and_lapsed(written):
    book = load_workbook(written / "segments.xlsx", read_only=True)
    labels = ACTION_TEXTS["en"]
    assert book.sheetnames == [
        "Actions",
        *(labels[a.segment].label for a in ACTIONS),
        "Priority",
        "Lapsed this year",
        "Lapsed this season",
    ]
    lost = list(book["Lost"].iter_rows(values_only=True))
    header = list(lost[0])  # the header on row 1, no title above it
    assert header[:4] == ["Customer", "Name", "Phone", "Phone consent"]
    assert {"Days since", "Lost on", "Margin", "Offer", "Also in"} <= set(header)
    assert all(row[header.index("Offer")] == "A comeback discount" for row in lost[1:])
    index = list(book["Actions"].iter_rows(values_only=True))
    assert len(index) - 1 == len(ACTIONS) + 3
    # every customer in some list is on exactly one action sheet
    frame = pd.read_csv(written / "segments.csv", dtype=str, keep_default_na=False)
    flags = ["golden", "promo_hunter", "early_full_price", "low_margin_only", "one_category"]
    listed = (
        frame[flags].eq("true").any(axis=1)
        | frame.status.isin(["due", "at_risk", "lost"])
        | frame.brand_fan.ne("")
    )
    on_sheets = [
        row[0]
        for a in ACTIONS
        for row in list(book[labels[a.segment].label].iter_rows(values_only=True))[1:]
    ]
    assert len(on_sheets) == len(set(on_sheets)) == listed.sum()
    assert set(on_sheets) == set(frame.customer_id[listed])


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (("--cycle", "furniture=soon"), "expected CATEGORY=DAYS"),
        (("--near", "55.7,north,5"), "expected LAT,LON,KM"),
        (("--near", "55.7,37.6,5"), "the customers table (with latitude and longitude) is needed"),
        (("--lang", "de"), 'expected "en" or "ru"'),
    ],
)
def test_bad_segment_options_exit_2(tmp_path, option, message):
    orders = tmp_path / "o.csv"
    orders.write_text("customer,date,amount\na,2024-01-01,1\n")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "repeatly",
            "segments",
            str(orders),
            *option,
            "--out",
            str(tmp_path / "r"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr
