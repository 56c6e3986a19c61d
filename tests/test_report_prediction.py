"""The report's Prediction section, in the analyze report and on its own page.

The figures the page shows are worked out again here from the forecast's per-customer
table, and formatted with the report's formatters; the browser tests open the pages in
headless Chromium (see ``test_report_browser.py``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import numpy as np
import pytest

import repeatly
from repeatly.report import render_forecast_report, render_report, write_outputs
from repeatly.report._format import fmt_money, fmt_number

from .test_report_browser import _open

CURRENCY = {"en": "EUR", "ru": "RUB"}
TITLE = {"en": "Prediction", "ru": "Прогноз"}


@pytest.fixture(scope="module")
def shop():
    return repeatly.datasets.make_shop(400, seed=5)


@pytest.fixture(scope="module")
def analysis(shop):
    """A shop analysed with a forecast validated on its last ~6 months."""
    cut = shop.end - dt.timedelta(days=182)
    return repeatly.analyze(shop.orders, predict={"calibration_end": cut}, currency="EUR")


def _in(analysis, lang):
    """The same analysis reported in ``lang`` (the forecast does not depend on it)."""
    options = dataclasses.replace(analysis.options, lang=lang, currency=CURRENCY[lang])
    return dataclasses.replace(analysis, options=options)


def _section(html: str) -> str:
    start = html.index('<section id="prediction">')
    return html[start : html.index("</section>", start)]


def _column(forecast, name: str) -> np.ndarray:
    return forecast.customers[name].to_pyarrow().to_numpy(zero_copy_only=False)


def _charts(html: str) -> int:
    return html.count('class="plotly-graph-div"')


def _assert_figures_shown(section: str, forecast, *, lang: str) -> None:
    """The model, total CLV, likely-gone count and what-if change, as the page formats them."""
    currency = CURRENCY[lang]
    clv = _column(forecast, "clv")
    gone = int((_column(forecast, "p_alive") < 0.1).sum())
    assert f">{forecast.model.label}<" in section
    assert f">{fmt_money(float(np.nansum(clv)), currency=currency, lang=lang)}<" in section
    # a forecast alone shows the likely gone in a tile; an analysis shows its lost (the
    # one customer state) and names the forecast's likely gone among them
    shown = re.escape(fmt_number(gone, lang=lang))
    assert re.search(rf"[>\s]{shown}[<\s]", section)
    assert fmt_money(forecast.what_if["change"], currency=currency, lang=lang) in section


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_report_with_a_forecast_draws_every_chart_and_shows_its_figures(tmp_path, analysis, lang):
    paths = write_outputs(_in(analysis, lang), tmp_path)
    html = paths["report"].read_text(encoding="utf-8")
    section = _section(html)
    assert '<a href="#prediction">' in html
    assert f"<h2>{TITLE[lang]}</h2>" in section
    assert _charts(section) == 4  # by frequency, tracking, P(alive), CLV
    _assert_figures_shown(section, analysis.forecast, lang=lang)

    dom, console = _open(paths["report"])
    assert console == []
    assert len(re.findall(r'class="[^"]*js-plotly-plot', dom)) == _charts(html)


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_standalone_forecast_page_draws_every_chart(tmp_path, analysis, lang):
    forecast = analysis.forecast
    html = render_forecast_report(forecast, lang=lang, currency=CURRENCY[lang])
    assert "<script src=" not in html  # self-contained: works offline
    assert 'id="headline"' not in html and "<nav>" not in html
    title = "Прогноз по клиентам" if lang == "ru" else "Customer forecast"
    assert f"<h1>{title}</h1>" in html
    section = _section(html)
    assert _charts(html) == _charts(section) == 4
    _assert_figures_shown(section, forecast, lang=lang)

    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    dom, console = _open(page)
    assert console == []
    assert len(re.findall(r'class="[^"]*js-plotly-plot', dom)) == 4


def test_chosen_model_is_marked_in_the_comparison(analysis):
    forecast = analysis.forecast
    section = _section(render_report(analysis))
    marked = re.findall(r'<tr class="marked"><td class="text">([^<]*)</td>', section)
    assert marked == [f"{forecast.model.label}\u00a0✓\u00a0used"]
    for name in forecast.comparison["name"]:
        assert f'<td class="text">{name}' in section
    assert "Total error" in section  # the holdout columns


def test_prediction_section_is_absent_without_a_forecast(hand_orders):
    result = repeatly.analyze(hand_orders, as_of="2024-06-01")
    assert result.forecast is None
    html = render_report(result)
    assert 'id="prediction"' not in html
    assert "#prediction" not in html
    assert '<a href="#headline">' in html  # the other sections keep their nav entries


def test_without_a_holdout_only_the_model_charts_are_drawn(shop):
    forecast = repeatly.predict(shop.orders, margin=0.4)
    section = _section(render_forecast_report(forecast, currency="EUR"))
    assert _charts(section) == 2  # P(alive) and CLV: nothing to check against
    assert "Holdout error" not in section and "Total error" not in section
    assert "of BG/NBD, MBG/NBD, Pareto/NBD, it fits the whole order history best" in section
    assert "Margin (40% of spend) all customers are expected to bring" in section
    # the CLV band above the 99th percentile, labelled in the chart (JSON, so escaped)
    top = fmt_money(forecast.tables["clv_distribution"].clv_from.iloc[-1], currency="EUR", digits=0)
    assert json.dumps(f"above {top} (top 1%)") in section
