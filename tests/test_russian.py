"""Russian complete: the demo in Russian shows no English word a reader would have to skip.

The check reads what a person sees: the report's visible text (tags, scripts and styles
stripped; tooltips kept), the words inside its charts (titles, axis titles, tick texts,
legend names, hover texts from the Plotly JSON), and what the command line prints. Every
word of Latin letters must be in :data:`ALLOWED`, each there for a stated reason. Text
quoted from the user's files (``<code>``: file and column names), ids with digits,
paths, commands and options the user types are not words to translate, and are left out.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from repeatly.report import fmt_date, fmt_money, fmt_number, plural, step_label
from repeatly.report._format import fmt_month

#: Latin words allowed in the Russian outputs, and why.
ALLOWED = {
    # the figures' names, used as such in Russian marketing
    "CAC",
    "LTV",
    "CLV",
    "RFM",
    # the names of the statistical models and criteria (proper names)
    "BG",
    "MBG",
    "NBD",
    "Pareto",
    "Gamma-Gamma",
    "AIC",
    "BIC",
    # said so in Russian
    "CSV",
    "SMS",
    "e-mail",
    # the product's name
    "Repeatly",
    # the synthetic shop's own data, shown as the shop's files have it: its product
    # categories and its acquisition channels
    "groceries",
    "clothing",
    "cosmetics",
    "jewellery",
    "shoes",
    "furniture",
    "email",
    "loyalty",
    "organic",
    "referral",
    "search",
    "social",
}

#: Not words: an id with digits (C0042), a path or a file name, a command or an option.
_NOT_WORDS = re.compile(
    r"\b[A-Za-z]+\d[\w-]*"
    r"|\S*/\S*"
    r"|\S+\.(?:html|json|csv|xlsx|parquet)\b"
    r"|\brepeatly [a-z]+\b"
    r"|--[a-z-]+"
)
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
#: Keys of a Plotly figure whose values are settings, not text a reader sees (a trace's
#: ``xaxis: "x2"``); where the value is an object (a layout's axis), it is read. The
#: layout's ``template`` (Plotly's theme: colours and modes) is never read.
_SETTINGS = {
    "type",
    "mode",
    "dtype",
    "bdata",
    "color",
    "colorscale",
    "family",
    "xref",
    "yref",
    "xanchor",
    "yanchor",
    "barmode",
    "orientation",
    "layer",
    "dash",
    "autorange",
    "template",
    "tickformat",
    "hoverformat",
    "texttemplate",
    "hoverinfo",
    "separators",
    "arrowcolor",
    "fillcolor",
    "plot_bgcolor",
    "paper_bgcolor",
    "gridcolor",
    "bgcolor",
    "locale",
    "uid",
    "xaxis",
    "yaxis",
}


class _Visible(HTMLParser):
    """The text of a page a reader sees, and its tooltips."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code"):
            self.hidden += 1
        self.parts += [v for k, v in attrs if k in ("title", "alt", "aria-label") and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code"):
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's visible text and tooltips, without scripts, styles and quoted code."""
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts)


def _strings(node: object) -> list[str]:
    if isinstance(node, dict):  # a setting's own part (a layout's xaxis) is read through
        return [
            s
            for k, v in node.items()
            if k != "template" and (k not in _SETTINGS or isinstance(v, dict))
            for s in _strings(v)
        ]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def chart_text(html: str) -> str:
    """The words of every Plotly chart on the page: titles, ticks, names, hover texts."""
    decoder = json.JSONDecoder()
    found = []
    for call in re.finditer(r"Plotly\.newPlot\(\s*", html):
        _, at = decoder.raw_decode(html, call.end())  # the div's id
        for _ in range(2):  # the data, then the layout
            at = html.index(",", at) + 1
            while html[at].isspace():
                at += 1
            figure_part, at = decoder.raw_decode(html, at)
            for text in _strings(figure_part):
                text = re.sub(r"%\{[^}]*\}", " ", text)  # placeholders of hover templates
                found.append(re.sub(r"<[^>]+>", " ", text))
    return "\n".join(found)


def english_words(text: str, allowed: set[str] = ALLOWED) -> set[str]:
    """The words of Latin letters in ``text`` that are not allowed."""
    return {w for w in _WORD.findall(_NOT_WORDS.sub(" ", text)) if w not in allowed}


def test_the_checker_finds_an_english_label_wherever_it_slips_in():
    chart = {"title": {"text": "Выручка"}, "xaxis": {"title": {"text": "Month"}}}
    page = (
        "<html><head><style>.tile { color: red }</style></head><body>"
        '<h2>Сегменты</h2><div title="Likely gone">12</div>'
        "<td>Champions</td><td><code>customer_id</code></td>"
        "<p>Клиенты в CSV: C0042, /tmp/out/report.html, repeatly segments --out</p>"
        '<script>Plotly.newPlot("x", [{"type": "bar", "name": "Revenue", "x": ["янв 2024"],'
        ' "hovertemplate": "%{x}: %{y} orders<extra></extra>"}], '
        + json.dumps({"layout": 1, **chart})
        + ", {})</script></body></html>"
    )
    text = visible_text(page) + "\n" + chart_text(page)
    # a tooltip, a table cell, a trace's name, a hover text and a layout's axis title
    assert english_words(text) == {"Likely", "gone", "Champions", "Revenue", "orders", "Month"}
    # quoted file columns, ids, paths, commands and allowed words are not flagged
    assert english_words(text, ALLOWED | {"Likely", "gone", "Champions"}) == {
        "Revenue",
        "orders",
        "Month",
    }
    assert english_words("готово за 3,2 с") == set()


def test_russian_formats():
    assert fmt_money(2996903.4, currency="RUB", lang="ru") == "2\u00a0996\u00a0903\u00a0₽"
    assert fmt_number(1234.5, digits=1, lang="ru") == "1\u00a0234,5"
    assert fmt_date("2023-12-31", lang="ru") == "31.12.2023"
    assert fmt_month("2024-01", lang="ru") == "янв\u00a02024"
    assert [plural(n, "customers", "ru") for n in (1, 2, 5, 11, 12, 22, 101)] == [
        "покупатель",
        "покупателя",
        "покупателей",
        "покупателей",
        "покупателей",
        "покупателя",
        "покупатель",
    ]
    assert step_label("Generating a shop with 3,000 customers (seed 7)", "ru") == (
        "Создаю магазин: 3\u00a0000 клиентов (зерно 7)"
    )
    assert step_label("Generating a shop with 3,000 customers (seed 7)", "en") == (
        "Generating a shop with 3,000 customers (seed 7)"
    )


@pytest.fixture(scope="module")
def russian_demo(tmp_path_factory):
    """``repeatly demo --lang ru`` on the synthetic shop of seed 0 (its as-of date is fixed)."""
    out = tmp_path_factory.mktemp("demo-ru")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "repeatly",
            "demo",
            "--lang",
            "ru",
            *("--customers", "1000"),
            *("--seed", "0", "--out", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    return out, run.stdout, run.stderr


def test_the_russian_demo_report_has_no_english_word(russian_demo):
    out, _, _ = russian_demo
    html = (out / "report.html").read_text(encoding="utf-8")
    text = visible_text(html)
    charts = chart_text(html)
    assert "Чемпионы" in text and "31.12.2023" in text  # segment names and dates in Russian
    assert "янв\u00a02023" in charts  # months on the charts, given in Russian
    assert english_words(text) == set(), "in the page"
    assert english_words(charts) == set(), "in the charts"


def test_the_russian_demo_console_has_no_english_word(russian_demo):
    _, stdout, stderr = russian_demo
    assert re.search(r"1\s000 покупателей, [\d\s]+ заказ\w*, выручка \d[\d\s]*\s₽", stdout)
    assert "готово за" in stderr
    assert english_words(stdout) == set(), stdout
    assert english_words(stderr) == set(), stderr
