"""The report's Prediction section: headline figures, model comparison, charts, top customers.

Everything comes from a :class:`repeatly.prediction.Forecast`: its small tables are drawn as
they are, and the per-customer table stays in the engine; only its totals and the top
customers by CLV are fetched.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from repeatly.analytics import UNIT_DAYS
from repeatly.prediction import ALIVE_CAP, FREQUENCY_CAP, GONE_BELOW
from repeatly.report import _charts as charts
from repeatly.report import _prediction_charts as pcharts
from repeatly.report._format import (
    currency_name,
    fmt_date,
    fmt_money,
    fmt_number,
    fmt_share,
    is_missing,
)
from repeatly.report._i18n import NOTES, UNIT_SPAN_RU, count_words, text, unit_word

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd
    import plotly.graph_objects as go

    from repeatly.prediction import Forecast

__all__ = ["TOP_CUSTOMERS", "forecast_figures", "prediction_context"]

#: How many customers the top-by-CLV table lists.
TOP_CUSTOMERS = 10

Text = Callable[[str], str]


def forecast_figures(customers: ir.Table) -> dict[str, float]:
    """Totals over every customer, computed in the engine.

    ``customers``, ``clv`` (total predicted CLV), ``purchases`` (expected over the
    horizon), ``buyers`` (customers expected to buy at least once over the horizon: the
    sum of each one's chance), ``gone`` (customers with P(alive) below
    :data:`GONE_BELOW`) and ``known`` (customers with a P(alive): none when nobody
    bought twice).
    """
    c = customers
    row = (
        c.aggregate(
            customers=c.count(),
            clv=c.clv.sum(),
            purchases=c.expected_purchases.sum(),
            buyers=(1 - c.p_no_purchase).sum(),
            gone=c.count(where=c.p_alive < GONE_BELOW),
            known=c.p_alive.count(),
        )
        .execute()
        .iloc[0]
    )
    keys = ("customers", "clv", "purchases", "buyers", "gone", "known")
    return {key: float(row[key]) for key in keys}


def _top_customers(customers: ir.Table, n: int = TOP_CUSTOMERS) -> pd.DataFrame:
    c = customers.filter(customers.clv.notnull())
    return (
        c.order_by([c.clv.desc(), c.customer_id])
        .limit(n)
        .select(
            "customer_id",
            "frequency",
            "p_alive",
            "expected_purchases",
            "next_purchase_on",
            "expected_spend",
            "clv",
        )
        .to_pandas()
    )


def _quantity(value: float, unit: str, *, lang: str) -> str:
    """``52.18, "week"`` → ``52.2 weeks`` / ``52,2 нед.``; whole numbers without decimals."""
    digits = 0 if abs(value - round(value)) < 0.05 else 1
    number = fmt_number(value, digits=digits, lang=lang)
    form = "one" if lang == "en" and number == "1" else "count"
    return f"{number}\u00a0{unit_word(unit, form, lang)}"


def _span(value: float, unit: str, *, lang: str) -> str:
    """A span of model units in plain words: ``52.18, "week"`` → ``12 months``.

    Whole months from two months up, else whole days.
    """
    days = value * UNIT_DAYS[unit]
    months = days / (365.25 / 12)
    if months >= 1.95:
        return count_words(round(months), "month", lang)
    return count_words(round(days), "day", lang)


def _signed_share(value: float, *, lang: str) -> str:
    share = fmt_share(value, lang=lang)
    return f"+{share}" if not is_missing(value) and value > 0 else share


def prediction_context(
    forecast: Forecast, *, lang: str, currency: str, lost: int | None = None
) -> dict[str, Any]:
    """Everything the template's Prediction section needs.

    ``lost`` is the customers whose status is lost (the one customer state, the
    forecast's likely gone among them); without it (a forecast alone) the tile counts
    the forecast's likely gone only, and says so.

    The main text speaks plainly (who is likely to buy, who is likely gone, what they
    will bring); the model, its statistics and its checks go under ``details``.
    """
    from repeatly.report._render import html_table

    t = partial(text, lang=lang)
    money = partial(fmt_money, currency=currency, lang=lang)

    def div(fig: go.Figure) -> Markup:
        return Markup(charts.to_div(fig, lang=lang))

    opts = forecast.options
    unit = opts["unit"]
    figures = forecast_figures(forecast.customers)
    holdout = forecast.holdout
    cut = fmt_date(opts["calibration_end"], lang=lang) if holdout is not None else ""
    length = _span(holdout["length"], unit, lang=lang) if holdout is not None else ""
    horizon = _span(opts["horizon"], unit, lang=lang)

    wi = forecast.what_if
    # without a P(alive) nobody is seen leaving, so fewer leaving changes nothing to say
    what_if = (
        t("p_what_if").format(
            reduction=fmt_share(wi["churn_reduction"], lang=lang, digits=0),
            change=money(wi["change"]),
            share=_signed_share(wi["change_share"], lang=lang),
        )
        if figures["known"]
        else ""
    )
    note = (
        t("p_compared_holdout").format(date=cut, length=length)
        if holdout is not None
        else t("p_compared_whole")
    )
    top = _top_customers(forecast.customers)
    top_table = html_table(
        [
            t("p_col_customer"),
            t("p_col_repeats"),
            t("p_col_alive"),
            t("p_col_purchases").format(horizon=horizon),
            t("p_col_next"),
            t("p_col_spend"),
            t("p_col_value"),
        ],
        [
            [
                r.customer_id,
                fmt_number(r.frequency, lang=lang),
                fmt_share(r.p_alive, lang=lang),
                fmt_number(r.expected_purchases, digits=1, lang=lang),
                fmt_date(r.next_purchase_on, lang=lang),
                money(r.expected_spend),
                money(r.clv),
            ]
            for r in top.itertuples()
        ],
    )
    return {
        "intro": t("prediction_note"),
        "tiles": _tiles(forecast, figures, t=t, money=money, lang=lang, horizon=horizon, lost=lost),
        "what_if": what_if,
        "why": _why(forecast, figures, t=t, length=length),
        "method": t("p_method").format(units=unit_word(unit, "plural", lang)),
        "check": _check(forecast, t=t, lang=lang, length=length, cut=cut),
        "holdout_charts": [
            div(fig) for fig in _holdout_figures(forecast, t=t, lang=lang, length=length, cut=cut)
        ],
        "charts": [div(fig) for fig in _figures(forecast, t=t, lang=lang, currency=currency)],
        "comparison_note": note,
        "comparison": _comparison_table(forecast, t=t, lang=lang),
        "top_title": t("p_top").format(n=len(top)),
        "top": top_table,
        "notes": [note_text(note, unit=unit, lang=lang) for note in forecast.notes],
    }


def _why(forecast: Forecast, figures: dict[str, float], *, t: Text, length: str) -> Markup:
    """One plain sentence: which model (in bold), and why it was chosen; then spend's."""
    opts = forecast.options
    names = ", ".join(forecast.comparison["name"])
    label = Markup("<strong>{}</strong>").format(forecast.model.label)
    several = opts.get("requested_model") == "auto" and len(forecast.comparison) > 1
    if several and not figures["known"]:
        key = "p_why_tie"  # nobody bought twice
    elif several:
        key = "p_why_bic"
    else:
        key = "p_why_chosen"
    why = Markup(escape(t(key))).format(model=label, models=names, length=length)
    spend = t("p_spend_gg" if forecast.spend is not None else "p_spend_own")
    return Markup("{} {}").format(why, spend)


def _check(forecast: Forecast, *, t: Text, lang: str, length: str, cut: str) -> str:
    """How the forecast did on the months it was not shown (empty without a holdout)."""
    holdout = forecast.holdout
    if holdout is None:
        return ""
    return t("p_holdout_def").format(
        length=length,
        date=cut,
        expected=fmt_number(holdout["expected"], lang=lang),
        actual=fmt_number(holdout["actual"], lang=lang),
        error=_signed_share(holdout["aggregate_error"], lang=lang),
    )


def note_text(note: str, *, unit: str, lang: str) -> str:
    """A forecast's note in ``lang``: its English text, or its key's sentence in Russian."""
    key = getattr(note, "key", None)
    if lang != "ru" or key not in NOTES:
        return str(note)
    values = dict(getattr(note, "values", {}))
    if values.get("label") == "spend (Gamma-Gamma)":
        values["label"] = "Сумма покупки (Gamma-Gamma)"
    if "share" in values:
        values["share"] = fmt_share(values["share"], lang=lang)
    if "after" in values:
        values["after"] = _quantity(values["after"], values.get("unit", unit), lang=lang)
    if "date" in values:
        values["date"] = fmt_date(values["date"], lang=lang)
    if "bounds" in values:
        values["bounds"] = ", ".join(
            f"{name} — {'наименьшее' if side == 'lower' else 'наибольшее'} значение, "
            f"{fmt_number(value, digits=3, lang=lang)}"
            for name, side, value in values["bounds"]
        )
    values["unit_one"] = UNIT_SPAN_RU.get(values.get("unit", unit), unit)
    return NOTES[key].format(**values)


def _tiles(
    forecast: Forecast,
    figures: dict[str, float],
    *,
    t: Text,
    money: Callable[[Any], str],
    lang: str,
    horizon: str,
    lost: int | None = None,
) -> list[dict[str, str]]:
    opts = forecast.options
    months = count_words(opts["clv_months"], "month", lang)
    margin = opts["margin"]
    rate = fmt_share(opts["discount_rate"], lang=lang, digits=0)
    value_def = (
        t("p_value_revenue").format(months=months, rate=rate)
        if margin >= 1
        else t("p_value_margin").format(
            months=months, rate=rate, margin=fmt_share(margin, lang=lang, digits=0)
        )
    )
    n = figures["customers"]
    share = partial(fmt_share, lang=lang)
    tiles = [
        {
            "label": t("p_buyers").format(horizon=horizon),
            "value": fmt_number(figures["buyers"], lang=lang),
            "definition": t("p_buyers_def").format(
                share=share(figures["buyers"] / n if n else None)
            ),
        },
        {
            "label": t("p_lost"),
            "value": fmt_number(lost, lang=lang),
            "definition": t("p_lost_def").format(
                share=share(lost / n if n else None),
                gone=fmt_number(figures["gone"], lang=lang),
                cut=fmt_share(GONE_BELOW, lang=lang, digits=0),
            ),
        }
        if figures["known"] and lost is not None
        else {
            "label": t("p_gone"),
            "value": fmt_number(figures["gone"], lang=lang),
            "definition": t("p_gone_def").format(
                share=share(figures["gone"] / n if n else None),
                cut=fmt_share(GONE_BELOW, lang=lang, digits=0),
            ),
        }
        if figures["known"]
        else {  # nobody bought twice: who has left cannot be told, not "0 gone"
            "label": t("p_gone"),
            "value": fmt_number(None, lang=lang),
            "definition": t("p_gone_unknown"),
        },
        {
            "label": t("p_purchases").format(horizon=horizon),
            "value": fmt_number(figures["purchases"], lang=lang),
            "definition": t("p_purchases_def"),
        },
        {
            "label": t("p_value").format(months=months),
            "value": money(figures["clv"]),
            "definition": value_def,
        },
        {
            "label": t("p_value_customer"),
            "value": money(figures["clv"] / n if n else None),
            "definition": t("p_value_customer_def").format(n=fmt_number(n, lang=lang)),
        },
    ]
    return tiles


def _comparison_table(forecast: Forecast, *, t: Text, lang: str) -> Markup:
    from repeatly.report._render import html_table

    frame = forecast.comparison
    with_holdout = "holdout_mae" in frame.columns
    headers = [t("p_col_model"), t("p_col_ll"), "AIC", "BIC"]
    if with_holdout:
        headers += [t("p_col_mae"), t("p_col_expected"), t("p_col_actual"), t("p_col_aggregate")]
    rows, marked = [], []
    for i, r in enumerate(frame.to_dict("records")):
        chosen = r["model"] == forecast.options["model"]
        if chosen:
            marked.append(i)
        row = [
            f"{r['name']}\u00a0✓\u00a0{t('p_used')}" if chosen else r["name"],
            fmt_number(r["log_likelihood"], digits=1, lang=lang),
            fmt_number(r["aic"], digits=1, lang=lang),
            fmt_number(r["bic"], digits=1, lang=lang),
        ]
        if with_holdout:
            row += [
                fmt_number(r["holdout_mae"], digits=3, lang=lang),
                fmt_number(r["holdout_expected"], lang=lang),
                fmt_number(r["holdout_actual"], lang=lang),
                _signed_share(r["aggregate_error"], lang=lang),
            ]
        rows.append(row)
    return html_table(headers, rows, marked=marked)


def _holdout_figures(
    forecast: Forecast, *, t: Text, lang: str, length: str, cut: str
) -> list[go.Figure]:
    """Calibration vs holdout by frequency, and the cumulative tracking (with a holdout)."""
    tables = forecast.tables
    if forecast.holdout is None or not {"by_frequency", "tracking"} <= set(tables):
        return []
    unit = forecast.options["unit"]
    return [
        pcharts.by_frequency_bars(
            tables["by_frequency"],
            cap=FREQUENCY_CAP,
            t=t,
            x_title=t("ch_by_frequency_x").format(date=cut),
            y_title=t("ch_by_frequency_y").format(length=length),
        ),
        pcharts.tracking_lines(
            tables["tracking"],
            calibration_end=forecast.options["calibration_end"],
            t=t,
            x_title=t("ch_tracking_x").format(unit=unit_word(unit, "one", lang)),
            lang=lang,
        ),
    ]


def _figures(forecast: Forecast, *, t: Text, lang: str, currency: str) -> list[go.Figure]:
    """The P(alive) matrix and the CLV distribution.

    Neither without a P(alive) (nobody bought twice): the matrix would be empty, and
    every customer's CLV is nil (no repeat purchase is expected).
    """
    opts = forecast.options
    tables = forecast.tables
    if tables["alive_matrix"].empty:
        return []
    alive = pcharts.alive_heatmap(
        tables["alive_matrix"],
        cap=ALIVE_CAP,
        lang=lang,
        t=t,
        x_title=t("ch_alive_x").format(units=unit_word(opts["unit"], "plural", lang)),
    )
    money0 = partial(fmt_money, currency=currency, lang=lang, digits=0)
    bands = tables["clv_distribution"]
    above = t("ch_clv_above").format(value=money0(bands.clv_from.iloc[-1])) if len(bands) else ""
    clv = pcharts.clv_histogram(
        bands,
        t=t,
        title=t("ch_clv").format(months=count_words(opts["clv_months"], "month", lang)),
        x_title=t("ch_clv_x").format(currency=currency_name(currency, lang)),
        above=above,
        money=money0,
    )
    return [alive, clv]
