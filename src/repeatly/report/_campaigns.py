"""The report's Campaigns section: what each campaign changed against its control group."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go
from markupsafe import Markup

from repeatly.report import _charts as charts
from repeatly.report._format import fmt_date, fmt_money, fmt_number, fmt_share, is_missing
from repeatly.report._i18n import segment_name, text

if TYPE_CHECKING:
    from repeatly.campaigns import CampaignResults

__all__ = ["campaigns_context"]


def campaigns_context(
    results: Sequence[CampaignResults], *, lang: str, currency: str
) -> dict[str, Any] | None:
    """The section's content for measured campaigns, or ``None`` without any."""
    if not results:
        return None
    return {"items": [_campaign(r, lang=lang, currency=currency) for r in results]}


def _points(value: float, lang: str) -> str:
    """An uplift in percentage points: ``+3.2 pp`` / ``+3,2 п.п.``."""
    if is_missing(value):
        return "—"
    unit = "п.п." if lang == "ru" else "pp"
    sign = "-" if value < 0 else "+"
    return f"{sign}{fmt_number(abs(value) * 100, digits=1, lang=lang)} {unit}"


def _campaign(result: CampaignResults, *, lang: str, currency: str) -> dict[str, Any]:
    from repeatly.report._render import html_table

    t = partial(text, lang=lang)
    money = partial(fmt_money, currency=currency, lang=lang)
    share = partial(fmt_share, lang=lang)
    table = result.table
    overall = result.overall
    lead = t("c_lead").format(
        treatment=fmt_number(overall["treatment"], lang=lang),
        control=fmt_number(overall["control"], lang=lang),
        rate_t=share(overall["response_rate_treatment"]),
        rate_c=share(overall["response_rate_control"]),
        uplift=_points(overall["uplift"], lang),
        low=_points(overall["uplift_low"], lang),
        high=_points(overall["uplift_high"], lang),
        profit=money(overall["incremental_profit"]),
        profit_low=money(overall["incremental_profit_low"]),
        profit_high=money(overall["incremental_profit_high"]),
        cost=money(overall["offer_cost"]),
    )
    rows = []
    for row in table.to_dict(orient="records"):
        name = t("c_all") if row["segment"] == "all" else segment_name(row["segment"], lang)
        rows.append(
            [
                name,
                fmt_number(row["treatment"], lang=lang),
                fmt_number(row["control"], lang=lang),
                share(row["response_rate_treatment"]),
                share(row["response_rate_control"]),
                f"{_points(row['uplift'], lang)} ({_points(row['uplift_low'], lang)} … "
                f"{_points(row['uplift_high'], lang)})",
                money(row["incremental_revenue"]),
                money(row["offer_cost"]),
                money(row["incremental_profit"]),
            ]
        )
    headers = [
        t("c_segment"),
        t("c_treatment"),
        t("c_control"),
        t("c_bought_t"),
        t("c_bought_c"),
        t("c_uplift"),
        t("c_revenue"),
        t("c_cost"),
        t("c_profit"),
    ]
    return {
        "title": result.campaign,
        "window": t("c_window").format(
            start=fmt_date(result.window[0], lang=lang), end=fmt_date(result.window[1], lang=lang)
        ),
        "lead": lead,
        "chart": Markup(charts.to_div(_uplift_chart(table, lang=lang), lang=lang)),
        "table": html_table(headers, rows, marked=(0,)),
    }


def _uplift_chart(table: Any, *, lang: str) -> go.Figure:
    """The uplift by segment as dots with their intervals; the whole campaign on top."""
    t = partial(text, lang=lang)
    order = table.iloc[::-1]  # plotly draws the first category at the bottom
    names = [t("c_all") if s == "all" else segment_name(s, lang) for s in order.segment]
    uplift = order.uplift * 100
    fig = go.Figure(
        go.Scatter(
            x=uplift,
            y=names,
            mode="markers",
            marker={
                "size": 10,
                "color": [charts.GREEN if s == "all" else charts.BLUE for s in order.segment],
            },
            error_x={
                "type": "data",
                "symmetric": False,
                "thickness": 1.5,
                "color": "#334155",
                "array": order.uplift_high * 100 - uplift,
                "arrayminus": uplift - order.uplift_low * 100,
            },
            hovertemplate="%{y}: %{x:+.1f}<extra></extra>",
        )
    )
    fig.add_vline(x=0, line={"color": "#94a3b8", "dash": "dot"})
    fig.update_layout(title=t("c_chart"), showlegend=False)
    fig.update_xaxes(title=t("c_chart_x"), zeroline=False, showgrid=True, gridcolor="#eef0f3")
    charts.layout(fig, height=max(220, 60 + 34 * len(names)))
    fig.update_layout(margin={"l": 140, "r": 20, "t": 40, "b": 50})
    return fig
