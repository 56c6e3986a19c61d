"""The report's Segments section: sizes and value, RFM grid, Pareto, lost, movement."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup, escape

from repeatly.report import _charts as charts
from repeatly.report._format import fmt_money, fmt_month, fmt_number, fmt_share
from repeatly.report._i18n import segment_description, segment_name, text
from repeatly.segments import STATUSES

if TYPE_CHECKING:
    from repeatly.jobs import SegmentTables

__all__ = ["segments_context"]

_STATUS_ORDER = STATUSES


def segments_context(tables: SegmentTables, *, lang: str, currency: str) -> dict[str, Any]:
    """Everything the template's Segments section needs."""
    from repeatly.report._render import html_table

    t = partial(text, lang=lang)
    money = partial(fmt_money, currency=currency, lang=lang)
    div = partial(charts.to_div, lang=lang)

    rfm = tables.rfm_segments
    total = rfm.customers.sum()
    total_margin = rfm.margin.sum()
    rfm_table = html_table(
        [
            t("segment"),
            t("customers_col"),
            t("share_col"),
            t("revenue_col"),
            t("margin_col"),
            t("margin_share_col"),
        ],
        [
            [
                segment_name(str(r.rfm_segment), lang),
                fmt_number(r.customers, lang=lang),
                fmt_share(r.customers / total if total else None, lang=lang),
                money(r.revenue),
                money(r.margin),
                fmt_share(r.margin / total_margin if total_margin else None, lang=lang),
            ]
            for r in rfm.itertuples()
        ],
    )
    rfm_legend = _rfm_legend(list(rfm.rfm_segment), lang=lang)
    status = tables.status.set_index("status").reindex(_STATUS_ORDER)
    status_table = html_table(
        [t("status_col"), t("customers_col"), t("share_col"), t("margin_col")],
        [
            [
                t(f"status_{s}"),
                fmt_number(status.customers.get(s), lang=lang),
                fmt_share(status.customers.get(s) / total if total else None, lang=lang),
                money(status.margin.get(s)),
            ]
            for s in _STATUS_ORDER
        ],
    )
    golden = tables.golden.iloc[0]
    golden_line = t("golden_line").format(
        n=fmt_number(golden.golden, lang=lang),
        share=fmt_share(golden.golden / golden.customers if golden.customers else None, lang=lang),
        margin=fmt_share(
            golden.golden_margin / golden.margin if golden.margin else None, lang=lang
        ),
    )
    chart_list = [
        div(_rfm_grid(tables.rfm_grid, lang)),
        div(_pareto(tables.pareto, lang)),
        div(_golden_by_month(tables.golden_by_month, lang)),
        div(_lost(tables.lost_by_month, lang)),
    ]
    movement = tables.movement
    movement_chart = (
        Markup(div(_movement(movement, lang))) if movement is not None and len(movement) else None
    )
    return {
        "rfm_table": rfm_table,
        "rfm_legend": rfm_legend,
        "status_table": status_table,
        "golden_line": Markup(escape(golden_line)),
        "charts": [Markup(c) for c in chart_list],
        "movement_chart": movement_chart,
    }


def _rfm_legend(names: list[str], *, lang: str) -> Markup:
    """What each RFM segment in the table means, as a definition list."""
    items = "".join(
        f"<dt>{escape(segment_name(name, lang))}</dt><dd>{escape(description)}</dd>"
        for name in names
        if (description := segment_description(name, lang)) is not None
    )
    return Markup(f'<dl class="segments">{items}</dl>') if items else Markup("")


def _rfm_grid(grid: pd.DataFrame, lang: str) -> go.Figure:
    full = grid.pivot_table(index="r", columns="f", values="customers", aggfunc="sum")
    full = full.reindex(index=range(1, 6), columns=range(1, 6)).fillna(0)
    fig = go.Figure(
        go.Heatmap(
            z=full.to_numpy(),
            x=[str(f) for f in full.columns],
            y=[str(r) for r in full.index],
            colorscale="Blues",
            text=full.to_numpy().astype(int),
            texttemplate="%{text}",
            hovertemplate=text("rfm_hover", lang) + ": %{z:,.0f}<extra></extra>",
            showscale=False,
        )
    )
    fig.update_layout(
        title=text("rfm_grid", lang),
        xaxis_title=text("frequency_axis", lang),
        yaxis_title=text("recency_axis", lang),
    )
    return charts.layout(fig, height=340)


def _pareto(curve: pd.DataFrame, lang: str) -> go.Figure:
    fig = go.Figure(
        go.Scatter(
            x=curve.customer_share * 100,
            y=curve.value_share * 100,
            mode="lines",
            line={"color": charts.BLUE, "width": 3},
        )
    )
    fig.add_scatter(
        x=[0, 100],
        y=[0, 100],
        mode="lines",
        showlegend=False,
        line={"color": "#cbd5e1", "dash": "dot"},
    )
    fig.update_layout(
        title=text("pareto", lang),
        showlegend=False,
        xaxis_title=text("top_customers_axis", lang),
        yaxis_title=text("margin_share_axis", lang),
    )
    return charts.layout(fig, height=340)


def _golden_by_month(frame: pd.DataFrame, lang: str) -> go.Figure:
    months = [fmt_month(m, lang=lang) for m in frame.month]
    fig = go.Figure()
    fig.add_scatter(
        x=months,
        y=frame.golden_margin_share * 100,
        mode="lines+markers",
        name=text("golden_margin_series", lang),
        line={"color": charts.BLUE},
    )
    fig.add_scatter(
        x=months,
        y=frame.golden_customer_share * 100,
        mode="lines+markers",
        name=text("golden_customers_series", lang),
        line={"color": charts.GREEN},
    )
    fig.update_layout(title=text("golden_by_month", lang), yaxis_title="%")
    charts.month_axis(fig, months)
    return charts.layout(fig, height=340)


def _lost(frame: pd.DataFrame, lang: str) -> go.Figure:
    months = [fmt_month(m, lang=lang) for m in frame.month]
    fig = go.Figure(
        go.Bar(
            x=months,
            y=frame.became_lost,
            marker_color="#dc2626",
            name=text("became_lost", lang),
        )
    )
    fig.update_layout(title=text("lost_chart", lang), yaxis_tickformat=",d")
    charts.month_axis(fig, months)
    return charts.layout(fig, height=340)


def _movement(frame: pd.DataFrame, lang: str) -> go.Figure:
    matrix = frame.pivot_table(
        index="from_segment", columns="to_segment", values="customers", aggfunc="sum"
    ).fillna(0)
    z = matrix.to_numpy()
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[segment_name(name, lang) for name in matrix.columns],
            y=[segment_name(name, lang) for name in matrix.index],
            colorscale="Blues",
            text=np.where(z > 0, z.astype(int).astype(str), ""),
            texttemplate="%{text}",
            hovertemplate="%{y} → %{x}: %{z:,.0f}<extra></extra>",
            showscale=False,
        )
    )
    fig.update_layout(
        title=text("movement", lang),
        xaxis_title=text("to_axis", lang),
        yaxis_title=text("from_axis", lang),
    )
    return charts.layout(fig, height=460)
