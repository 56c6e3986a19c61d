"""The report reads for a shop owner: key columns first, paid CAC, levers told apart,
the prediction in plain words, RFM segments explained.

The hand figures come from the four customers of ``hand_orders`` (see conftest): they
came through ads and social (channels with acquisition spend), organically and by
e-mail (retention spend only).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pandas as pd
import pytest

import repeatly
from repeatly.report import render_report
from repeatly.report._format import fmt_money

AS_OF = "2024-06-01"


@pytest.fixture
def hand_analysis(hand_orders):
    spend = pd.DataFrame(
        {
            "period": [dt.date(2024, m, 1) for m in (1, 3, 3, 4)],
            "channel": ["ads", "ads", "social", "email"],
            "spend": [100.0, 60.0, 40.0, 10.0],
            "purpose": ["acquisition", "acquisition", "acquisition", "retention"],
        }
    )
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "acquisition_channel": ["ads", "social", "organic", "email"],
        }
    )
    with repeatly.analyze(hand_orders, spend=spend, customers=customers, as_of=AS_OF) as result:
        yield result


@pytest.fixture(scope="module")
def predicted():
    shop = repeatly.datasets.make_shop(400, seed=5)
    cut = shop.end - dt.timedelta(days=182)
    with repeatly.analyze(
        shop.orders,
        spend=shop.spend,
        customers=shop.customers,
        predict={"calibration_end": cut},
    ) as result:
        yield result


def _in(analysis, lang):
    options = dataclasses.replace(analysis.options, lang=lang)
    return dataclasses.replace(analysis, options=options)


def _section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}">')
    return html[start : html.index("</section>", start)]


def _headers(table_html: str) -> list[str]:
    return re.findall(r"<th[^>]*>([^<]*)</th>", table_html)


def _without_details(html: str) -> str:
    return re.sub(r"<details.*?</details>", "", html, flags=re.S)


@pytest.mark.parametrize(
    ("lang", "key"),
    [
        ("en", ["Month", "New customers", "CAC, all", "CAC, paid"]),
        ("ru", ["Месяц", "Новые клиенты", "CAC, все", "CAC, платные"]),
    ],
)
def test_unit_economics_show_the_key_columns_first_and_the_rest_behind_a_toggle(
    hand_analysis, lang, key
):
    section = _section(render_report(_in(hand_analysis, lang)), "economics-month")
    main = _without_details(section)
    headers = _headers(main)
    assert headers[:4] == key
    assert len(headers) == 7  # and LTV : CAC both ways, and payback: nothing off-screen
    details = re.findall(r"<details.*?</details>", section, flags=re.S)
    assert len(details) == 1 and "<summary>" in details[0]
    more = _headers(details[0])
    assert more[0] == key[0] and ("First order" if lang == "en" else "Первый заказ") in more
    assert not set(more[1:]) & set(headers[1:])  # each column in one place


def test_paid_cac_equals_the_hand_computed_one_and_shows_beside_the_all_channel_one(
    hand_analysis,
):
    m = hand_analysis.metrics
    # 200 of acquisition spend; a (ads) and b (social) came through paid channels
    assert m["cac"] == pytest.approx(200 / 4)
    assert m["cac_paid"] == pytest.approx(200 / 2)
    assert m["ltv_to_cac_paid"] == pytest.approx(((41 + 28) / 2) / 100)
    section = _section(render_report(hand_analysis), "acquisition")
    tiles = re.findall(
        r'<div class="label">([^<]*)</div><div class="value"[^>]*>([^<]*)</div>'
        r'<div class="def">([^<]*)</div>',
        section,
    )
    by_label = {label: (value, definition) for label, value, definition in tiles}
    paid = by_label["Cost per new buyer, paid channels"]
    every = by_label["Cost per new buyer, all channels"]
    assert paid[0] == fmt_money(100.0, currency="USD")
    assert every[0] == fmt_money(50.0, currency="USD")
    assert "channels with spend" in paid[1] and "organic ones included" in every[1]
    assert [label for label, _, _ in tiles][:2] == [
        "Cost per new buyer, paid channels",
        "Cost per new buyer, all channels",
    ]


def test_levers_are_worth_what_the_hand_computation_says(hand_analysis):
    # Four active customers buy 7 orders of margin 133.5 a year (33.375 each), nobody
    # was a customer the year before (retention 0), 4 new customers a year with a first
    # order of margin 17.875 on average, half of whom come back (repeat_share: nobody
    # is a year old yet). Over 3 years:
    #   active 4 * 33.375 = 133.5
    #   won in years 1, 2: 4 * (17.875 + 0.5 * 33.375) = 138.25 each; year 3: 71.5
    #   today 133.5 + 138.25 * 2 + 71.5 = 481.5
    wi = hand_analysis.levers.to_dict()
    assert wi["baseline"] == pytest.approx(481.5)
    gains = {name: value - wi["baseline"] for name, value in wi["levers"].items()}
    assert gains["upsell"] == pytest.approx(481.5 * 0.05)  # every order, first ones too
    assert gains["repeat"] == pytest.approx((133.5 + 2 * 4 * 0.5 * 33.375) * 0.05)
    # 5% less churn keeps 5%: 133.5 * (1 + 0.05 + 0.0025) and a year-1 recruit 0.05 more
    assert gains["churn"] == pytest.approx(133.5 * 0.0525 + 4 * 0.5 * 33.375 * 0.05)
    assert gains["referrals"] == pytest.approx(348 * 0.05)  # 5% more new customers
    assert len({round(g, 6) for g in gains.values()}) == 4

    section = _section(render_report(hand_analysis), "what-if")
    rows = re.findall(r"<tr>(.*?)</tr>", section, flags=re.S)
    cells = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in rows]
    shown = {c[0]: c for c in cells if c}
    assert shown["Bigger orders (upsell)"][3] == fmt_money(gains["upsell"], currency="USD")
    assert shown["More repeat purchases"][1] == "purchases a year per active customer: 1.75 → 1.84"
    assert shown["More new customers through referrals"][1] == "new customers a year: 4.00 → 4.20"
    assert shown["Less churn"][1] == "customers kept a year: 0.0% → 5.0%"
    for lever in ("More repeat purchases", "Less churn", "More new customers through referrals"):
        assert shown[lever][3] != shown["Bigger orders (upsell)"][3]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_prediction_speaks_plainly_and_keeps_the_statistics_behind_details(predicted, lang):
    forecast = predicted.forecast
    section = _section(render_report(_in(predicted, lang)), "prediction")
    main = _without_details(section)
    for word in ("AIC", "BIC", "CLV", "likelihood", "правдоподоб"):
        assert word not in main
    for name in forecast.comparison["name"]:
        assert name not in main
    assert not re.search(r"\d[.,]\d\s*(weeks|нед)", main)
    plain = {
        "en": ("Likely to buy in the next 12\u00a0months", "Lost", "Predicted value"),
        "ru": ("Скорее всего купят в ближайшие 12\u00a0месяцев", "Ушли"),
    }[lang]
    for words in plain:
        assert words in main
    details = re.findall(r"<details.*?</details>", section, flags=re.S)
    assert len(details) == 1
    assert "AIC" in details[0] and f"<strong>{forecast.model.label}</strong>" in details[0]
    why = {"en": "it fits the whole order history best", "ru": "лучше всех описывает всю"}
    assert why[lang] in details[0]


@pytest.mark.parametrize(
    ("lang", "champions"),
    [
        ("en", ("Champions", "bought recently, often and spent the most.")),
        ("ru", ("Чемпионы", "покупали недавно, часто и тратили больше всех.")),
    ],
)
def test_every_rfm_segment_in_the_table_is_explained(predicted, lang, champions):
    section = _section(render_report(_in(predicted, lang)), "segments")
    table = section[: section.index("</table>")]
    names = re.findall(r'<tr><td class="text">([^<]*)</td>', table)
    assert names
    explained = dict(re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", section))
    assert set(names) <= set(explained)
    assert explained[champions[0]] == champions[1]
