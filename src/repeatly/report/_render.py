"""Render an :class:`~repeatly.Analysis` as one self-contained HTML file, and write outputs."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup, escape

from repeatly._files import atomic_write
from repeatly._round import round_data
from repeatly._safe import safe_table
from repeatly._version import __version__
from repeatly.report import _charts as charts
from repeatly.report._campaigns import campaigns_context
from repeatly.report._format import (
    currency_name,
    fmt_date,
    fmt_days,
    fmt_money,
    fmt_month,
    fmt_number,
    fmt_ratio,
    fmt_share,
    is_missing,
)
from repeatly.report._i18n import (
    METRICS,
    SPEND_METRICS,
    detail_word,
    input_name,
    role_name,
    text,
)
from repeatly.report._prediction import prediction_context
from repeatly.report._segments import segments_context

if TYPE_CHECKING:
    from repeatly.actions import ActionPlan
    from repeatly.campaigns import CampaignResults
    from repeatly.jobs import Analysis
    from repeatly.prediction import Forecast

__all__ = [
    "html_table",
    "render_campaign_report",
    "render_forecast_report",
    "render_report",
    "write_outputs",
]


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("repeatly.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )


def _formatter(kind: str, *, lang: str, currency: str) -> Callable[[Any], str]:
    return {
        "int": partial(fmt_number, digits=0, lang=lang),
        "number": partial(fmt_number, digits=1, lang=lang),
        "number1": partial(fmt_number, digits=1, lang=lang),
        "money": partial(fmt_money, currency=currency, lang=lang),
        "share": partial(fmt_share, lang=lang),
        "ratio": partial(fmt_ratio, lang=lang),
        "days": partial(fmt_days, lang=lang),
    }[kind]


def _tiles(
    metrics: Mapping[str, Any], spec: Iterable[tuple[str, ...]], *, lang: str, currency: str
) -> list[dict[str, str]]:
    ru = lang == "ru"
    tiles = []
    for key, kind, label_en, label_ru, def_en, def_ru in spec:
        if key not in metrics:
            continue
        fmt = _formatter(kind, lang=lang, currency=currency)
        tiles.append(
            {
                "label": label_ru if ru else label_en,
                "value": fmt(metrics[key]),
                "definition": def_ru if ru else def_en,
            }
        )
    return tiles


def html_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    text_columns: int = 1,
    marked: Collection[int] = (),
) -> Markup:
    """A plain HTML table; every cell is escaped.

    The first ``text_columns`` columns are text, aligned left; the rest are figures,
    aligned right. Rows whose position is in ``marked`` are highlighted.
    """

    def cls(i: int) -> str:
        return ' class="text"' if i < text_columns else ""

    head = "".join(f"<th{cls(i)}>{escape(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        ('<tr class="marked">' if n in marked else "<tr>")
        + "".join(f"<td{cls(i)}>{escape(c)}</td>" for i, c in enumerate(row))
        + "</tr>"
        for n, row in enumerate(rows)
    )
    return Markup(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


#: The unit-economics columns: (key, kind, i18n key of the header); the key ones first.
_ECON_KEY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("new_customers", "int", "col_new_customers"),
    ("cac", "money", "col_cac"),
    ("cac_paid", "money", "col_cac_paid"),
    ("ltv_to_cac", "ratio", "col_ltv_to_cac"),
    ("ltv_to_cac_paid", "ratio", "col_ltv_to_cac_paid"),
    ("payback_months", "number", "col_payback"),
)
_ECON_MORE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("first_order_value", "money", "col_first_order"),
    ("repeat_90", "share", "col_back_90"),
    ("repeat_share", "share", "col_came_back"),
    ("revenue_per_customer", "money", "col_revenue_pc"),
    ("margin_per_customer", "money", "col_margin_pc"),
    ("acquisition_spend", "money", "col_acquisition_spend"),
    ("cost_per_lead", "money", "col_cost_per_lead"),
)


#: Headers that read differently by channel, where CAC is the channel's own.
_CHANNEL_LABELS = frozenset({"col_cac", "col_ltv_to_cac"})


def _economics_table(
    frame: Any, *, first: str, lang: str, currency: str, paid_columns: bool = True
) -> dict[str, Any]:
    """The key columns (CAC, LTV:CAC, payback) as one table, the rest as another.

    Without spend there is no cost to show: every column goes in the first table. A
    column with no value at all (the paid CAC without customers' channels) is left out,
    and so are the paid columns where ``paid_columns`` is false (by channel they repeat
    the channel's own CAC).
    """
    t = partial(text, lang=lang)
    shown = [
        c
        for c in (*_ECON_KEY_COLUMNS, *_ECON_MORE_COLUMNS)
        if c[0] in frame.columns
        and not frame[c[0]].isna().all()
        and (paid_columns or c[0] not in {"cac_paid", "ltv_to_cac_paid"})
    ]
    has_spend = "acquisition_spend" in {c[0] for c in shown}
    key = [c for c in shown if c in _ECON_KEY_COLUMNS] if has_spend else shown
    more = [c for c in shown if c not in key]
    month = first == t("month")

    def table(cols: list[tuple[str, str, str]]) -> Markup:
        rows = []
        for record in frame.to_dict("records"):
            row = [fmt_month(str(record["group"])[:7], lang=lang) if month else record["group"]]
            row += [
                _formatter(kind, lang=lang, currency=currency)(record[k]) for k, kind, _ in cols
            ]
            rows.append(row)
        labels = [
            t(f"{label}_channel") if not paid_columns and label in _CHANNEL_LABELS else t(label)
            for _, _, label in cols
        ]
        return html_table([first, *labels], rows)

    return {
        "key": table(key),
        "more": table(more) if more else None,
        "legend": t("economics_legend_paid" if paid_columns else "economics_legend")
        if has_spend
        else "",
    }


_QUALITY_KEYS = (
    "rows",
    "skipped_rows",
    "unparseable_values",
    "duplicate_rows",
    "missing_order_ids",
    "future_dates",
    "zero_amounts",
    "negative_amounts",
    "negative_quantities",
    "outliers",
)


def _quality_table(quality: dict[str, Any], *, lang: str, currency: str) -> Markup:
    """The data-quality checks as a two-column table, then examples of problems."""
    t = partial(text, lang=lang)
    rows = []
    for key in _QUALITY_KEYS:
        if key not in quality:
            continue
        label = t(f"q_{key}")
        if key == "outliers":
            label = label.format(
                threshold=fmt_money(quality.get("outlier_threshold"), currency=currency, lang=lang)
            )
        rows.append((label, fmt_number(quality[key], lang=lang)))
    table = html_table([t("check"), t("count")], rows)
    problems = quality.get("problems") or []
    if problems:
        items = "".join(f"<li><code>{escape(p)}</code></li>" for p in problems[:10])
        table = Markup(f"{table}<h3>{escape(t('problems'))}</h3><ul class='problems'>{items}</ul>")
    return table


def _mapping_table(analysis: Analysis, *, lang: str) -> Markup:
    """Which column each role was read from, and how (format, encoding, conventions).

    What comes from the user's files (file and column names, a sheet's name, an
    encoding) is shown as it is, in ``<code>``; the rest is in the report's language.
    """
    t = partial(text, lang=lang)
    word = partial(detail_word, lang=lang)

    def code(value: Any) -> Markup:
        return Markup("<code>{}</code>").format(value) if value else Markup("")

    rows: list[list[Any]] = []
    for name, loaded in analysis.inputs.items():
        where = Markup("{} ({})").format(input_name(name, lang), code(loaded.source))
        details = getattr(loaded, "details", {}) or {}
        fmt = Markup(", ").join(
            Markup("{} {}").format(word(k), code(v) if k in ("sheet", "encoding") else word(v))
            for k, v in details.items()
            if k in ("encoding", "delimiter", "sheet", "engine")
        )
        rows.append([where, t("file_format"), word(loaded.kind), fmt])
        for role, column in loaded.mapping.items():
            rows.append([where, role_name(role, lang), code(column), word(details.get(role, ""))])
        if loaded.n_skipped:
            rows.append(
                [where, t("skipped"), f"{fmt_number(loaded.n_skipped, lang=lang)} {t('rows')}", ""]
            )
    return html_table([t("input"), t("role"), t("column"), t("read_as")], rows, text_columns=4)


#: How each lever's quantity reads: (i18n key of its name, formatter kind).
_LEVER_QUANTITIES = {
    "upsell": ("q_order_value", "money"),
    "repeat": ("q_orders_per_year", "count"),
    "churn": ("q_retention", "share"),
    "referrals": ("q_new_customers", "count"),
}


def _levers(analysis: Analysis, *, lang: str, currency: str) -> tuple[Markup, str]:
    """The levers' table (each with the quantity it moves, before and after) and its note."""
    t = partial(text, lang=lang)
    wi = analysis.levers.to_dict()
    money = partial(fmt_money, currency=currency, lang=lang)
    rows = [[t("baseline"), "", money(wi["baseline"]), "—"]]
    for lever, value in wi["levers"].items():
        move = wi["moves"].get(lever)
        what = ""
        if move is not None:
            name, kind = _LEVER_QUANTITIES[lever]
            fmt: Callable[[Any], str]
            if kind == "count":  # enough digits for a small move to show
                size = abs(move["to"])
                digits = 2 if size < 10 else 1 if size < 100 else 0
                fmt = partial(fmt_number, digits=digits, lang=lang)
            else:
                fmt = _formatter(kind, lang=lang, currency=currency)
            what = f"{t(name)}: {fmt(move['from'])} → {fmt(move['to'])}"
        rows.append([t(lever), what, money(value), money(value - wi["baseline"])])
    rows.append([t("combined"), "", money(wi["combined"]), money(wi["gain"])])
    table = html_table(
        [t("lever"), t("lever_moves"), t("margin_over").format(years=wi["years"]), t("gain")],
        rows,
        text_columns=2,
    )
    note = t("what_if_note").format(
        years=wi["years"], lever=fmt_share(wi["lever"], lang=lang, digits=0)
    )
    return table, note


def render_report(analysis: Analysis, *, plan: ActionPlan | None = None) -> str:
    """The report of ``analysis`` as one HTML string that works offline.

    It opens with the action plan (``plan``, :meth:`Analysis.action_plan` when not
    given).
    """
    from plotly.offline import get_plotlyjs

    from repeatly.report._actions import actions_context

    lang = analysis.options.lang
    currency = analysis.options.currency
    metrics = analysis.metrics
    t = partial(text, lang=lang)
    tables = analysis.tables

    monthly = [
        charts.to_div(f, lang=lang)
        for f in charts.monthly_charts(tables.monthly, lang=lang, currency=currency)
    ]
    cohort_html = charts.to_div(charts.cohort_heatmap(tables.cohorts, lang=lang), lang=lang)
    cohort_value = charts.to_div(
        charts.cohort_value_lines(tables.cohorts, lang=lang, currency=currency), lang=lang
    )
    gap_chart = charts.to_div(
        charts.gap_bars(tables.gap_histogram, lang=lang, title=t("cycles")), lang=lang
    )

    cat = tables.category_gaps
    category_table = None
    category_charts: list[str] = []
    if len(cat):
        cat = cat.sort_values("median_days")
        category_table = html_table(
            [t("category"), t("median"), t("middle_half"), t("repeats")],
            [
                [
                    r["category"],
                    fmt_days(r["median_days"], lang=lang),
                    f"{fmt_number(r['p25_days'], lang=lang)}–{fmt_days(r['p75_days'], lang=lang)}",
                    fmt_number(r["repeats"], lang=lang),
                ]
                for r in cat.to_dict("records")
            ],
        )
        hist = tables.category_gap_histogram
        for name in cat["category"].tolist()[:8]:
            rows = hist[hist["category"] == name]
            category_charts.append(
                charts.to_div(charts.gap_bars(rows, lang=lang, title=name), lang=lang)
            )

    economics_tables = [
        {
            "id": "economics-month",
            "title": t("economics_month"),
            **_economics_table(
                tables.economics_by_month, first=t("month"), lang=lang, currency=currency
            ),
        },
    ]
    by_channel = tables.economics_by_channel
    if len(by_channel) > 1 or (len(by_channel) == 1 and by_channel["group"].iloc[0] != "unknown"):
        economics_tables.append(
            {
                "id": "economics-channel",
                "title": t("economics_channel"),
                **_economics_table(
                    by_channel,
                    first=t("channel"),
                    lang=lang,
                    currency=currency,
                    paid_columns=False,
                ),
            }
        )

    what_if_table, what_if_note = _levers(analysis, lang=lang, currency=currency)

    quality = metrics.get("data_quality") or {}
    quality_table = (
        _quality_table(quality, lang=lang, currency=currency)
        if quality
        else Markup(f"<p>{escape(t('none_found'))}</p>")
    )
    mapping_table = _mapping_table(analysis, lang=lang)

    margin_note = t("margin_revenue") if metrics.get("margin_basis") == "revenue" else ""
    segments = segments_context(analysis.tables.segments, lang=lang, currency=currency)
    prediction = (
        None
        if analysis.forecast is None
        else prediction_context(
            analysis.forecast,
            lang=lang,
            currency=currency,
            lost=metrics.statuses.get("lost"),
        )
    )
    actions = actions_context(
        plan if plan is not None else analysis.action_plan(),
        metrics.statuses,
        lang=lang,
        currency=currency,
    )
    nav = [
        ("actions", "nav_actions"),
        ("headline", "nav_headline"),
        ("acquisition", "nav_acquisition"),
        ("trends", "nav_trends"),
        ("economics-month", "nav_economics"),
        ("cohorts", "nav_cohorts"),
        ("cycles", "nav_cycles"),
    ]
    nav += [("segments", "nav_segments")] if segments else []
    nav += [("prediction", "nav_prediction")] if prediction else []
    campaigns = campaigns_context(analysis.campaigns, lang=lang, currency=currency)
    nav += [("campaigns", "nav_campaigns")] if campaigns else []
    nav += [("what-if", "nav_what_if"), ("quality", "nav_quality"), ("mapping", "nav_mapping")]
    context = {
        "lang": lang,
        "t": t,
        "page_title": t("title"),
        "nav": [(anchor, t(key)) for anchor, key in nav],
        "as_of": fmt_date(metrics["as_of"], lang=lang),
        "first_order_at": fmt_date(metrics["first_order_at"], lang=lang),
        "last_order_at": fmt_date(metrics["last_order_at"], lang=lang),
        "currency": currency_name(currency, lang),
        "source": analysis.inputs["orders"].source,
        "plotly_js": Markup(get_plotlyjs()),
        "plotly_locale": Markup(charts.plotly_locale(lang)),
        "tiles": _tiles(metrics, METRICS, lang=lang, currency=currency),
        "spend_tiles": [
            tile
            for tile in _tiles(metrics, SPEND_METRICS, lang=lang, currency=currency)
            if tile["value"] != fmt_number(None, lang=lang)  # no paid CAC without channels
        ],
        "margin_note": margin_note,
        "monthly_charts": [Markup(c) for c in monthly],
        "economics_tables": economics_tables,
        "cohort_heatmap": Markup(cohort_html),
        "cohort_value": Markup(cohort_value),
        "gap_chart": Markup(gap_chart),
        "category_table": category_table,
        "category_charts": [Markup(c) for c in category_charts],
        "what_if_note": what_if_note,
        "what_if_table": what_if_table,
        "quality_table": quality_table,
        "mapping_table": mapping_table,
        "actions": actions,
        "segments": segments,
        "prediction": prediction,
        "campaigns": campaigns,
        "version": __version__,
    }
    return _env().get_template("report.html.j2").render(**context)


def render_campaign_report(
    results: Sequence[CampaignResults], *, lang: str = "en", currency: str = "USD"
) -> str:
    """Measured campaigns on their own page: the report's Campaigns section.

    It is what ``repeatly campaign results --out DIR`` writes as ``DIR/report.html``;
    self-contained (plotly.js inlined), it works offline.
    """
    from plotly.offline import get_plotlyjs

    t = partial(text, lang=lang)
    context = {
        "lang": lang,
        "t": t,
        "page_title": t("campaigns_title"),
        "as_of": ", ".join(r.campaign for r in results),
        "subtitle": " · ".join(
            f"{r.campaign}: {fmt_date(r.window[0], lang=lang)} – {fmt_date(r.window[1], lang=lang)}"
            for r in results
        )
        + f" · {currency_name(currency, lang)}",
        "plotly_js": Markup(get_plotlyjs()),
        "plotly_locale": Markup(charts.plotly_locale(lang)),
        "campaigns": campaigns_context(results, lang=lang, currency=currency),
        "version": __version__,
    }
    return _env().get_template("campaigns.html.j2").render(**context)


def render_forecast_report(forecast: Forecast, *, lang: str = "en", currency: str = "USD") -> str:
    """A forecast on its own page: the report's Prediction section as one HTML string.

    The page is self-contained (plotly.js inlined) and works offline; it is what
    ``repeatly predict --out DIR`` writes as ``DIR/report.html``.

    Parameters
    ----------
    forecast
        A fitted forecast, from :func:`repeatly.predict` or
        :func:`repeatly.prediction.forecast`.
    lang
        ``"en"`` or ``"ru"``: the language of the page and its number formats.
    currency
        The currency of the amounts the forecast was fitted on.

    Examples
    --------
    >>> import repeatly
    >>> from repeatly.report import render_forecast_report
    >>> shop = repeatly.datasets.make_shop(300, seed=2)
    >>> html = render_forecast_report(repeatly.predict(shop.orders, model="bgnbd"))
    >>> "BG/NBD" in html and 'id="prediction"' in html
    True
    """
    from plotly.offline import get_plotlyjs

    t = partial(text, lang=lang)
    context = {
        "lang": lang,
        "t": t,
        "page_title": t("forecast_title"),
        "as_of": fmt_date(forecast.options["as_of"], lang=lang),
        "model": forecast.model.label,
        "currency": currency_name(currency, lang),
        "source": forecast.options.get("source", ""),
        "plotly_js": Markup(get_plotlyjs()),
        "plotly_locale": Markup(charts.plotly_locale(lang)),
        "prediction": prediction_context(forecast, lang=lang, currency=currency),
        "version": __version__,
    }
    return _env().get_template("forecast.html.j2").render(**context)


def _json_default(value: Any) -> Any:
    if is_missing(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def write_outputs(analysis: Analysis, out: str | Path, *, workbook: bool = True) -> dict[str, Path]:
    """Write ``report.html``, ``metrics.json``, ``customers.csv`` and the action plan.

    The action plan is ``actions.json``, ``actions.csv``, each group's list in
    ``actions/`` and, with ``workbook``, the call workbook ``actions.xlsx``
    (:func:`repeatly.actions.write_actions`).

    Files are written to temporary names and renamed into place, so an interrupted run
    never leaves a half-written file behind. Text in ``customers.csv`` that a
    spreadsheet would read as a formula gets a leading ``'`` (see :mod:`repeatly._safe`).

    Examples
    --------
    >>> import repeatly
    >>> from repeatly.report import write_outputs
    >>> shop = repeatly.datasets.make_shop(200, seed=3)
    >>> with repeatly.analyze(shop.orders) as result:
    ...     sorted(write_outputs(result, "report"))
    ['actions', 'actions_csv', 'actions_xlsx', 'customers', 'metrics', 'report']
    """
    from repeatly.actions import write_actions

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "report": out / "report.html",
        "metrics": out / "metrics.json",
        "customers": out / "customers.csv",
    }
    plan = analysis.action_plan()
    written = write_actions(
        plan,
        analysis.state,
        out,
        leads=analysis.leads_never_bought(),
        language=analysis.options.lang,
        workbook=workbook,
    )
    paths["actions"] = written["actions_json"]
    paths["actions_csv"] = written["actions_csv"]
    if "actions_xlsx" in written:
        paths["actions_xlsx"] = written["actions_xlsx"]
    summary = safe_table(analysis.summary.order_by("customer_id"))
    atomic_write(paths["customers"], lambda p: summary.to_csv(p))
    payload = round_data({**analysis.metrics.to_dict(), "what_if": analysis.levers.to_dict()})
    atomic_write(
        paths["metrics"],
        lambda p: p.write_text(
            json.dumps(payload, indent=2, ensure_ascii=False, default=_json_default) + "\n",
            encoding="utf-8",
        ),
    )
    html = render_report(analysis, plan=plan)
    atomic_write(paths["report"], lambda p: p.write_text(html, encoding="utf-8"))
    return paths
