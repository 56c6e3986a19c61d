"""The report's charts: Plotly figures rendered as HTML fragments (JavaScript inlined once)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import plotly.graph_objects as go

from repeatly.report._format import MONTHS, currency_name, fmt_month
from repeatly.report._i18n import text

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "cohort_heatmap",
    "cohort_value_lines",
    "gap_bars",
    "month_axis",
    "monthly_charts",
    "plotly_locale",
    "to_div",
]

BLUE = "#2563eb"
GREEN = "#16a34a"
_FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"


def layout(fig: go.Figure, *, height: int = 320) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 60, "r": 20, "t": 40, "b": 50},
        font={"family": _FONT, "size": 12},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "y": -0.2},
    )
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(gridcolor="#eef0f3")
    return fig


#: Plotly's decimal mark and thousands separator per report language.
SEPARATORS = {"en": ".,", "ru": ", "}


def to_div(fig: go.Figure, *, lang: str = "en") -> str:
    """The figure as an HTML ``<div>`` that expects plotly.js on the page.

    In Russian the chart uses the ``ru`` locale :func:`plotly_locale` registers (its
    buttons' tips, month names); its labels are given in Russian by the figure itself.
    """
    fig.update_layout(separators=SEPARATORS.get(lang, ".,"))
    config: dict[str, object] = {"displaylogo": False, "responsive": True}
    if lang == "ru":
        config["locale"] = "ru"
    html: str = fig.to_html(full_html=False, include_plotlyjs=False, config=config)
    return html


# --- Russian complete: plotly.js's own words (tips of the chart buttons, hints, months) ---
_PLOTLY_RU = {
    "Autoscale": "Автомасштаб",
    "Box Select": "Выделить прямоугольником",
    "Compare data on hover": "Сравнивать данные при наведении",
    "Download plot": "Скачать график",
    "Download plot as a PNG": "Скачать график как PNG",
    "Download plot as a png": "Скачать график как PNG",
    "Double-click to zoom back out": "Двойной щелчок — вернуть масштаб",
    "Double-click on legend to isolate one trace": "Двойной щелчок по легенде — оставить один ряд",
    "Image download succeeded": "Изображение скачано",
    "Lasso Select": "Выделить лассо",
    "Pan": "Сдвиг",
    "Preparing image - this may take a few seconds": "Готовлю изображение, это займёт пару секунд",
    "Reset axes": "Сбросить оси",
    "Reset view": "Сбросить вид",
    "Reset": "Сбросить",
    "Show closest data on hover": "Показывать ближайшие данные при наведении",
    "Toggle Spike Lines": "Линии-указатели",
    "Toggle show closest data on hover": "Показывать ближайшие данные при наведении",
    "Zoom": "Масштаб",
    "Zoom in": "Увеличить",
    "Zoom out": "Уменьшить",
}


def plotly_locale(lang: str) -> str:
    """A script registering plotly.js's ``ru`` locale, or ``""`` in English."""
    if lang != "ru":
        return ""
    locale = {
        "moduleType": "locale",
        "name": "ru",
        "dictionary": _PLOTLY_RU,
        "format": {
            "days": [
                "воскресенье",
                "понедельник",
                "вторник",
                "среда",
                "четверг",
                "пятница",
                "суббота",
            ],
            "shortDays": ["вс", "пн", "вт", "ср", "чт", "пт", "сб"],
            "months": [
                "январь",
                "февраль",
                "март",
                "апрель",
                "май",
                "июнь",
                "июль",
                "август",
                "сентябрь",
                "октябрь",
                "ноябрь",
                "декабрь",
            ],
            "shortMonths": list(MONTHS["ru"]),
            "date": "%d.%m.%Y",
            "decimal": ",",
            "thousands": "\u00a0",
        },
    }
    return f"Plotly.register({json.dumps(locale, ensure_ascii=False)});"


def month_axis(fig: go.Figure, months: list[str], *, axis: str = "x") -> None:
    """Months on a category axis, at most about a dozen labels shown."""
    step = max(1, -(-len(months) // 12))
    shown = months[::step]
    fig.update_layout({f"{axis}axis": {"type": "category", "tickvals": shown, "ticktext": shown}})


def monthly_charts(monthly: pd.DataFrame, *, lang: str, currency: str) -> list[go.Figure]:
    """Revenue per month, and new vs returning customers per month."""
    months = [fmt_month(m, lang=lang) for m in monthly["month"]]
    revenue = go.Figure(
        go.Bar(x=months, y=monthly["revenue"], marker_color=BLUE, name=text("revenue_chart", lang))
    )
    revenue.update_layout(
        title=text("revenue_chart", lang),
        yaxis_tickformat=",.0f",
        yaxis_title=currency_name(currency, lang),
    )
    people = go.Figure()
    people.add_bar(x=months, y=monthly["new_customers"], name=text("new", lang), marker_color=BLUE)
    people.add_bar(
        x=months, y=monthly["returning_customers"], name=text("returning", lang), marker_color=GREEN
    )
    people.update_layout(
        barmode="stack", title=text("customers_chart", lang), yaxis_tickformat=",d"
    )
    month_axis(revenue, months)
    month_axis(people, months)
    return [layout(revenue), layout(people)]


def cohort_heatmap(cohorts: pd.DataFrame, *, lang: str, max_periods: int = 24) -> go.Figure:
    """Retention triangle: cohorts down, months since first purchase across."""
    cells = cohorts[cohorts["period"] <= max_periods]
    grid = cells.pivot_table(index="cohort", columns="period", values="retention", aggfunc="sum")
    grid = grid.sort_index()
    labels = [fmt_month(str(c)[:7], lang=lang) for c in grid.index]
    values = grid.to_numpy() * 100
    shown = [[("" if v != v else f"{v:.0f}") for v in row] for row in values]
    fig = go.Figure(
        go.Heatmap(
            z=values,
            x=[str(c) for c in grid.columns],
            y=labels,
            text=shown,
            texttemplate="%{text}",
            textfont={"size": 9},
            colorscale="Blues",
            zmin=0,
            zmax=min(
                100.0, max(20.0, float(_nanmax(values[:, 1:])) if values.shape[1] > 1 else 100)
            ),
            colorbar={"title": "%", "thickness": 12},
            hovertemplate="%{y} +%{x}: %{z:.1f}%<extra></extra>",
        )
    )
    fig.update_layout(xaxis_title=text("months_since", lang), yaxis_title=text("cohort", lang))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    return layout(fig, height=max(320, 18 * len(labels) + 120))


def cohort_value_lines(
    cohorts: pd.DataFrame, *, lang: str, currency: str, max_cohorts: int = 12
) -> go.Figure:
    """Cumulative revenue per acquired customer by months since acquisition, per cohort."""
    fig = go.Figure()
    recent = sorted(cohorts["cohort"].unique())[-max_cohorts:]
    for cohort in recent:
        rows = cohorts[cohorts["cohort"] == cohort].sort_values("period")
        fig.add_scatter(
            x=rows["period"],
            y=rows["revenue_per_customer"].cumsum(),
            mode="lines",
            name=fmt_month(str(cohort)[:7], lang=lang),
        )
    fig.update_layout(
        title=text("cohort_value", lang),
        xaxis_title=text("months_since", lang),
        yaxis_title=currency_name(currency, lang),
        yaxis_tickformat=",.0f",
    )
    return layout(fig, height=360)


def gap_bars(hist: pd.DataFrame, *, lang: str, title: str) -> go.Figure:
    """Histogram of days between purchases from pre-binned counts."""
    labels = [
        f"{int(lo)}–{int(up) - 1}" if up == up and up is not None else f"{int(lo)}+"
        for lo, up in zip(hist["lower"], hist["upper"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=hist["share"] * 100,
            marker_color=BLUE,
            customdata=hist["repeats"],
            hovertemplate="%{x}: %{y:.1f}% (%{customdata:,})<extra></extra>",
        )
    )
    fig.update_layout(
        title=title, xaxis_title=text("days_between", lang), yaxis_title=text("share", lang) + ", %"
    )
    fig.update_xaxes(type="category")
    return layout(fig, height=300)


def _nanmax(values: object) -> float:
    import numpy as np

    arr = np.asarray(values, dtype=float)
    if arr.size == 0 or np.all(np.isnan(arr)):
        return 0.0
    return float(np.nanmax(arr))
