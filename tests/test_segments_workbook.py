"""The contact workbook read back with openpyxl, on a hand-made segments table."""

from __future__ import annotations

import datetime as dt

import ibis
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from repeatly.exceptions import InputError
from repeatly.segments import ACTIONS, Action, write_segments

# Six customers whose sheets are worked out by hand (ACTIONS order: golden, due, at_risk,
# lost, promo_hunter, early_full_price, brand_fan, low_margin_only, one_category):
#   a  golden, lost, brand fan           -> Golden customers; also Lost, Brand fans
#   b  due, promo hunter                 -> Due to buy; also Promo hunters
#   c  one category                      -> One category; also nothing
#   d  active, no list                   -> no action sheet
#   e  at risk, low margin, one category -> At risk; also Low-margin buyers, One category
#   f  promo hunter                      -> Promo hunters
ROWS = {
    "customer_id": ["a", "b", "c", "d", "e", "f"],
    "status": ["lost", "due", "active", "active", "at_risk", "active"],
    "golden": [True, False, False, False, False, False],
    "promo_hunter": [False, True, False, False, False, True],
    "early_full_price": [False] * 6,
    "brand_fan": ["Northway", None, None, None, None, None],
    "low_margin_only": [False, False, False, False, True, False],
    "one_category": [False, False, True, False, True, False],
    "name": ["Anna Long-Surname-For-Width", "=1+1", "Carl", "Dora", "Emil", "Fay"],
    "phone": ["+7 900 000-00-01", "+7 900 000-00-02", None, None, None, None],
    "consent_phone": [True, False, True, False, False, True],
    "email": ["a@example.com"] * 6,
    "city": ["Moscow"] * 6,
    "last_purchase": [dt.date(2023, 12, 31 - i) for i in range(6)],
    "days_since": [400, 60, 10, 5, 200, 30],
    "orders": [12, 3, 2, 1, 4, 5],
    "revenue": [1234.5, 300.0, 80.0, 20.0, 150.0, 210.0],
    "margin": [600.25, 120.0, 30.0, 8.0, 40.0, 50.0],
    "top_category": ["shoes"] * 6,
    "promo_share": [0.0, 0.9, 0.0, 0.0, 0.0, 0.75],
    "late_share": [0.0, 0.8, 0.0, 0.0, 0.0, 0.5],
    "purchases": [12, 3, 2, 1, 4, 5],
    "rfm_segment": ["Can't lose them", "Loyal", "New", "New", "At risk", "Loyal"],
    "r": [1, 3, 5, 5, 2, 4],
    "f": [5, 3, 1, 1, 3, 3],
    "m": [5, 3, 2, 1, 3, 3],
    "recency_days": [400, 60, 10, 5, 200, 30],
}
FIRST = {"a": "Golden customers", "b": "Due to buy", "c": "One category", "e": "At risk"}
FIRST["f"] = "Promo hunters"
ALSO = {
    "a": "Lost, Brand fans",
    "b": "Promo hunters",
    "c": "",
    "e": "Low-margin buyers, One category",
    "f": "",
}
LAPSED = {
    "customer_id": ["a", "e"],
    "last_purchase": [dt.datetime(2022, 11, 5, 15, 30), dt.datetime(2022, 12, 1, 9)],
    "previous_purchases": [3, 1],
}
ACTION_SHEETS = [
    "Golden customers",
    "Due to buy",
    "At risk",
    "Lost",
    "Promo hunters",
    "Early buyers",
    "Brand fans",
    "Low-margin buyers",
    "One category",
]


def _write(tmp_path, **options):
    table = ibis.memtable(ROWS)
    lists = {"lapsed_year": ibis.memtable(LAPSED), "lapsed_season": ibis.memtable(LAPSED)}
    paths = write_segments(table, tmp_path / "out", extra=lists, **options)
    return load_workbook(paths["workbook"])


def _rows(sheet):
    rows = list(sheet.iter_rows(values_only=True))
    return list(rows[0]), [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _width(sheet, column: int) -> float:
    for dim in sheet.column_dimensions.values():  # openpyxl groups equal widths
        if dim.min <= column <= dim.max:
            return dim.width
    return 0.0


@pytest.fixture(scope="module")
def book_en(tmp_path_factory):
    return _write(tmp_path_factory.mktemp("en"))


@pytest.fixture(scope="module")
def book_ru(tmp_path_factory):
    return _write(tmp_path_factory.mktemp("ru"), lang="ru", currency="RUB")


def test_sheets_are_actions_then_each_action_in_order_then_priority_and_lapsed(book_en):
    assert book_en.sheetnames == [
        "Actions",
        *ACTION_SHEETS,
        "Priority",
        "Lapsed this year",
        "Lapsed this season",
    ]


def test_every_sheet_has_its_header_on_row_1_frozen_filtered_and_wide_enough(book_en):
    for sheet in book_en.worksheets:
        header, body = _rows(sheet)
        assert all(isinstance(h, str) and h for h in header), sheet.title
        assert sheet.freeze_panes == "A2", sheet.title
        last = f"{get_column_letter(len(header))}{max(len(body) + 1, 2)}"
        assert sheet.auto_filter.ref == f"A1:{last}", sheet.title
        for i, text in enumerate(header, start=1):
            assert _width(sheet, i) > len(text), (sheet.title, text)


def test_action_sheet_header_is_human_with_the_phone_consent_beside_the_phone(book_en):
    header, _ = _rows(book_en["Golden customers"])
    assert header[:11] == [
        "Customer",
        "Name",
        "Phone",
        "Phone consent",
        "Email",
        "City",
        "Last purchase",
        "Days since",
        "Orders",
        "Revenue",
        "Margin",
    ]
    assert header[-2:] == ["Offer", "Also in"]
    assert "customer_id" not in header and "consent_phone" not in header


def test_russian_headers_and_formats(book_ru):
    assert book_ru.sheetnames[:2] == ["Действия", "Золотые клиенты"]
    sheet = book_ru["Золотые клиенты"]
    header, body = _rows(sheet)
    assert header[:8] == [
        "Клиент",
        "Имя",
        "Телефон",
        "Согласие на звонки",
        "Эл. почта",
        "Город",
        "Последняя покупка",
        "Дней с покупки",
    ]
    assert header[-2:] == ["Предложение", "Также в"]
    assert body[0]["Согласие на звонки"] == "да"
    assert body[0]["Также в"] == "Потерянные, Поклонники брендов"
    assert sheet.cell(2, header.index("Последняя покупка") + 1).number_format == "dd.mm.yyyy"
    assert "₽" in sheet.cell(2, header.index("Выручка") + 1).number_format


def test_money_date_and_share_cells_are_numbers_with_formats(book_en):
    sheet = book_en["Golden customers"]
    header, body = _rows(sheet)
    revenue = sheet.cell(2, header.index("Revenue") + 1)
    assert revenue.value == 1234.5 and revenue.number_format == '"$"#,##0.00'
    bought = sheet.cell(2, header.index("Last purchase") + 1)
    assert bought.value == dt.datetime(2023, 12, 31) and bought.number_format == "yyyy-mm-dd"
    assert body[0]["Phone consent"] == "yes"
    promo = book_en["Promo hunters"]
    header, body = _rows(promo)
    share = promo.cell(2, header.index("Bought on promotion") + 1)
    assert share.value == 0.75 and share.number_format == "0%"
    lapsed = book_en["Lapsed this year"]
    header, body = _rows(lapsed)
    assert [r["Customer"] for r in body] == ["e", "a"]  # the latest purchase first
    day = lapsed.cell(2, header.index("Last purchase") + 1)
    assert day.value == dt.datetime(2022, 12, 1) and day.is_date  # the day, not the hour
    assert body[0]["Action sheet"] == "At risk"


def test_each_customer_is_on_the_sheet_of_their_first_action_with_the_others_listed(book_en):
    seen: dict[str, list[str]] = {}
    also = {}
    for title in ACTION_SHEETS:
        _, body = _rows(book_en[title])
        for row in body:
            seen.setdefault(row["Customer"], []).append(title)
            also[row["Customer"]] = row["Also in"] or ""
    assert seen == {customer: [title] for customer, title in FIRST.items()}
    assert also == ALSO
    _, body = _rows(book_en["Golden customers"])
    assert body[0]["Offer"] == "Early access and a personal gift"


def test_actions_sheet_lists_each_action_with_counts_script_and_offer(book_en):
    header, body = _rows(book_en["Actions"])
    assert header == [
        "#",
        "Action sheet",
        "In the group",
        "On this sheet",
        "What to do",
        "Offer",
        "Call script",
        "Note",
    ]
    by_sheet = {row["Action sheet"]: row for row in body}
    assert [row["Action sheet"] for row in body[: len(ACTIONS)]] == ACTION_SHEETS
    # lost: a (golden first) only; one category: c and e, only c first
    assert (by_sheet["Lost"]["In the group"], by_sheet["Lost"]["On this sheet"]) == (1, 0)
    one = by_sheet["One category"]
    assert (one["In the group"], one["On this sheet"]) == (2, 1)
    assert by_sheet["Priority"]["In the group"] == 6
    for row in body[: len(ACTIONS)]:
        assert row["Call script"].startswith("Hello, [name]!") and row["Offer"]
    note = book_en["Lost"]["A1"].comment
    assert note is not None and "A comeback discount" in note.text
    assert "Hello, [name]!" in note.text


def test_priority_sheet_holds_everyone_in_contact_order_with_their_sheet(book_en):
    _, body = _rows(book_en["Priority"])
    # active (c 30, f 50, d 8 -> f, c, d), due b, at risk e, lost a
    assert [r["Customer"] for r in body] == ["f", "c", "d", "b", "e", "a"]
    assert [r["Priority"] for r in body] == [1, 2, 3, 4, 5, 6]
    assert [r["Status"] for r in body][3:] == ["due to buy", "at risk", "lost"]
    assert body[2]["Action sheet"] is None  # d is in no list
    assert body[5]["Action sheet"] == "Golden customers"


def test_an_order_of_actions_given_by_a_plan_moves_customers(tmp_path):
    book = _write(tmp_path, actions=["lost", "golden", "one_category"])
    assert book.sheetnames[1:4] == ["Lost", "Golden customers", "One category"]
    _, lost = _rows(book["Lost"])
    assert [(r["Customer"], r["Also in"]) for r in lost] == [("a", "Golden customers")]
    _, golden = _rows(book["Golden customers"])
    assert golden == []
    _, one = _rows(book["One category"])
    assert [r["Customer"] for r in one] == ["e", "c"]  # margin 40, then 30


def test_an_action_of_the_plans_own_uses_its_column_and_words(tmp_path):
    table = ibis.memtable(ROWS).mutate(vip_call=ibis.literal(True))
    mine = Action("vip_call", "Call to say thanks", "A thank-you card", (), "Hi, [name]!")
    paths = write_segments(table, tmp_path, actions=[mine, *ACTIONS])
    book = load_workbook(paths["workbook"])
    _, body = _rows(book["vip_call"])
    assert len(body) == 6 and body[0]["Offer"] == "A thank-you card"
    assert body[0]["Also in"] == "Golden customers, Lost, Brand fans"
    _, actions = _rows(book["Actions"])
    assert actions[0]["Call script"] == "Hi, [name]!"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lang": "de"}, 'lang: expected "en" or "ru"'),
        ({"currency": " "}, "currency: expected a currency code"),
        ({"actions": ["lost", "refer_a_friend"]}, "actions: expected one of golden"),
        ({"actions": ["lost", "lost"]}, "'lost' is given twice"),
        ({"actions": [Action("vip", "x", "y", ())]}, "needs a true/false column 'vip'"),
    ],
)
def test_bad_workbook_options_stop_before_anything_is_written(tmp_path, options, message):
    with pytest.raises(InputError, match=message):
        write_segments(ibis.memtable(ROWS), tmp_path / "out", **options)
    assert not (tmp_path / "out").exists()


def test_a_list_longer_than_a_sheet_holds_its_most_valuable_and_says_so(tmp_path, monkeypatch):
    from repeatly.segments import _export

    monkeypatch.setattr(_export, "MAX_SHEET_ROWS", 2)
    book = _write(tmp_path)
    _, body = _rows(book["Priority"])
    assert [r["Customer"] for r in body] == ["f", "c"]
    _, actions = _rows(book["Actions"])
    note = {r["Action sheet"]: r["Note"] for r in actions}["Priority"]
    assert note == "Shows the first 2; the file segments/priority.csv holds all 6"
    priority = (tmp_path / "out" / "segments" / "priority.csv").read_text().splitlines()
    assert len(priority) == 7  # the header and every customer
