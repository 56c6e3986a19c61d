"""The Prediction section's charts, drawn from the forecast's small tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from repeatly.report import _charts as charts
from repeatly.report._format import fmt_month, fmt_number

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd

__all__ = ["alive_heatmap", "by_frequency_bars", "clv_histogram", "tracking_lines"]

ORANGE = "#ea580c"
GREY = "#94a3b8"
Text = Callable[[str], str]


def by_frequency_bars(
    frame: pd.DataFrame, *, cap: int, t: Text, x_title: str, y_title: str
) -> go.Figure:
    """Mean holdout purchases per customer, actual next to expected, by past frequency."""
    labels = [f"{f}+" if f >= cap else str(f) for f in frame.frequency]
    hover = (
        "%{x}: %{y:.2f} (%{customdata:,} " + t("ch_customers") + ")<extra>%{fullData.name}</extra>"
    )
    fig = go.Figure()
    fig.add_bar(
        x=labels,
        y=frame.actual,
        name=t("ch_actual"),
        marker_color=charts.BLUE,
        customdata=frame.customers,
        hovertemplate=hover,
    )
    fig.add_bar(
        x=labels,
        y=frame.expected,
        name=t("ch_expected"),
        marker_color=ORANGE,
        customdata=frame.customers,
        hovertemplate=hover,
    )
    fig.update_layout(
        barmode="group", title=t("ch_by_frequency"), xaxis_title=x_title, yaxis_title=y_title
    )
    fig.update_xaxes(type="category")
    return charts.layout(fig, height=360)


def tracking_lines(
    frame: pd.DataFrame, *, calibration_end: dt.date, t: Text, x_title: str, lang: str = "en"
) -> go.Figure:
    """Cumulative repeat purchases, actual and expected, with the holdout shaded."""
    x = [d.isoformat() for d in frame.step_end]
    fig = go.Figure()
    fig.add_scatter(
        x=x,
        y=frame.actual,
        mode="lines",
        name=t("ch_actual"),
        line={"color": charts.BLUE, "width": 3},
        hovertemplate="%{x}: %{y:,.0f}<extra>%{fullData.name}</extra>",
    )
    fig.add_scatter(
        x=x,
        y=frame.expected,
        mode="lines",
        name=t("ch_expected"),
        line={"color": ORANGE, "width": 2, "dash": "dash"},
        hovertemplate="%{x}: %{y:,.0f}<extra>%{fullData.name}</extra>",
    )
    cut = calibration_end.isoformat()
    fig.add_shape(
        type="rect",
        xref="x",
        yref="paper",
        x0=cut,
        x1=x[-1],
        y0=0,
        y1=1,
        fillcolor="#f1f5f9",
        line={"width": 0},
        layer="below",
    )
    fig.add_shape(
        type="line",
        xref="x",
        yref="paper",
        x0=cut,
        x1=cut,
        y0=0,
        y1=1,
        line={"color": "#475569", "width": 1.5, "dash": "dot"},
    )
    fig.add_annotation(
        x=cut,
        y=1,
        xref="x",
        yref="paper",
        text=t("ch_calibration_end"),
        showarrow=False,
        xanchor="right",
        yanchor="top",
        xshift=-4,
        font={"size": 11, "color": "#475569"},
    )
    fig.add_annotation(
        x=x[-1],
        y=0.02,
        xref="x",
        yref="paper",
        text=t("ch_holdout"),
        showarrow=False,
        xanchor="right",
        yanchor="bottom",
        xshift=-4,
        font={"size": 11, "color": "#475569"},
    )
    fig.update_layout(
        title=t("ch_tracking"),
        xaxis_title=x_title,
        yaxis_title=t("ch_tracking_y"),
        yaxis_tickformat=",d",
    )
    ticks = _month_starts(frame.step_end.iloc[0], frame.step_end.iloc[-1])
    fig.update_xaxes(
        type="date",
        range=[x[0], x[-1]],
        tickvals=[d.isoformat() for d in ticks],
        ticktext=[fmt_month(d, lang=lang) for d in ticks],
        tickangle=0,  # level labels leave the axis title clear of the legend
        hoverformat="%d.%m.%Y" if lang == "ru" else "%Y-%m-%d",
    )
    return charts.layout(fig, height=360)


def _month_starts(first: dt.date, last: dt.date, most: int = 5) -> list[dt.date]:
    """First days of the months from ``first`` to ``last``, every n-th, at most ``most``."""
    import datetime as dt

    first, last = (
        d.to_pydatetime().date() if hasattr(d, "to_pydatetime") else d for d in (first, last)
    )
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        day = dt.date(year, month, 1)
        if first <= day <= last:
            months.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    step = max(1, -(-len(months) // most))
    return months[::step]


def alive_heatmap(matrix: pd.DataFrame, *, cap: int, lang: str, t: Text, x_title: str) -> go.Figure:
    """Mean probability alive by repeat purchases (rows) and recency band (columns)."""
    grid = matrix.pivot_table(
        index="frequency", columns="recency_bin", values="p_alive", aggfunc="sum"
    )
    counts = matrix.pivot_table(
        index="frequency", columns="recency_bin", values="customers", aggfunc="sum"
    )
    rows = range(int(matrix.frequency.max()) + 1 if len(matrix) else 1)
    bins = range(10)
    grid = grid.reindex(index=rows, columns=bins)
    counts = counts.reindex(index=rows, columns=bins).fillna(0)
    x = _recency_bands(matrix, lang=lang)
    y = [f"{f}+" if f >= cap else str(f) for f in rows]
    z = grid.to_numpy() * 100
    shown = [["" if v != v else f"{v:.0f}" for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=x,
            y=y,
            text=shown,
            texttemplate="%{text}",
            textfont={"size": 10},
            customdata=counts.to_numpy(),
            colorscale="Blues",
            zmin=0,
            zmax=100,
            colorbar={"title": {"text": "%"}, "thickness": 12},
            hovertemplate=(
                t("ch_alive_y")
                + " %{y}, %{x}: %{z:.0f}% (%{customdata:,} "
                + t("ch_customers")
                + ")<extra></extra>"
            ),
            xgap=1,
            ygap=1,
        )
    )
    fig.update_layout(title=t("ch_alive"), xaxis_title=x_title, yaxis_title=t("ch_alive_y"))
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category")
    return charts.layout(fig, height=max(340, 20 * len(y) + 140))


def _recency_bands(matrix: pd.DataFrame, *, lang: str) -> list[str]:
    """The ten recency bands as ``lo–hi`` in the model's unit (tenths of the longest age)."""
    later = matrix[matrix.recency_bin > 0]
    if not len(later):
        return [str(b) for b in range(10)]
    step = float((later.recency_from / later.recency_bin).iloc[0])
    digits = 0 if step >= 5 else 1
    return [
        f"{fmt_number(b * step, digits=digits, lang=lang)}–"
        f"{fmt_number((b + 1) * step, digits=digits, lang=lang)}"
        for b in range(10)
    ]


def clv_histogram(
    bands: pd.DataFrame,
    *,
    t: Text,
    title: str,
    x_title: str,
    above: str,
    money: Callable[[float], str],
) -> go.Figure:
    """Customers by CLV band; the last band (above the 99th percentile) set apart."""
    fig = go.Figure()
    if not len(bands):
        return charts.layout(fig, height=360)
    main, top = bands.iloc[:-1], bands.iloc[-1]
    width = float((main.clv_to - main.clv_from).mean()) if len(main) else 1.0
    ranges = [f"{money(lo)}–{money(hi)}" for lo, hi in zip(main.clv_from, main.clv_to, strict=True)]
    fig.add_bar(
        x=(main.clv_from + main.clv_to) / 2,
        y=main.customers,
        width=width,
        marker={"color": charts.BLUE, "line": {"color": "white", "width": 0.5}},
        customdata=np.array(ranges, dtype=object),
        showlegend=False,
        hovertemplate="%{customdata}: %{y:,} " + t("ch_customers") + "<extra></extra>",
    )
    edge = float(top.clv_from)
    fig.add_bar(
        x=[edge + 1.5 * width],
        y=[top.customers],
        width=width,
        marker={"color": GREY},
        showlegend=False,
        hovertemplate=f"{above}: %{{y:,}} {t('ch_customers')}<extra></extra>",
    )
    fig.add_annotation(
        x=edge + 1.5 * width,
        y=float(top.customers),
        text=above,
        showarrow=True,
        arrowhead=0,
        arrowcolor=GREY,
        ax=0,
        ay=-36,
        xanchor="right",
        font={"size": 11, "color": "#475569"},
    )
    fig.update_layout(
        title=title,
        xaxis_title=x_title,
        yaxis_title=t("ch_clv_y"),
        bargap=0,
        yaxis_tickformat=",d",
        xaxis_tickformat=",.0f",
    )
    fig.update_xaxes(range=[0, edge + 2.5 * width])
    return charts.layout(fig, height=360)
