"""The main job: from an order export to metrics, tables and segments.

:func:`analyze` is what ``repeatly analyze`` and ``repeatly demo`` call. The
transaction-scale steps run in the engine; what comes back to Python is small (one
row of headline figures, per-month rows, per-cohort cells, histogram bins).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

from repeatly import analytics, economics, segments
from repeatly.data import with_products
from repeatly.exceptions import InputError
from repeatly.jobs._analysis import (
    LEAD_KEYS,
    SPEND_KEYS,
    Analysis,
    AnalysisTables,
    Levers,
    Metrics,
    SegmentParts,
    SegmentTables,
)
from repeatly.jobs._inputs import Source, load_inputs
from repeatly.jobs._options import AnalyzeOptions, parse_date
from repeatly.prediction import ForecastOptions
from repeatly.workspace import Workspace

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends import BaseBackend

    from repeatly.data import Loaded

__all__ = ["analyze"]

log = logging.getLogger("repeatly")

Progress = Callable[[str], None]
#: How far each lever moves in the what-if of the report.
LEVER = 0.05


def analyze(
    orders: Source,
    *,
    customers: Source | None = None,
    products: Source | None = None,
    spend: Source | None = None,
    leads: Source | None = None,
    as_of: dt.date | str | None = None,
    today: dt.date | str | None = None,
    currency: str = "USD",
    lang: Literal["en", "ru"] = "en",
    mapping: Mapping[str, str] | None = None,
    table: str | None = None,
    on_bad_rows: Literal["error", "skip"] = "error",
    header_row: int | None = None,
    sheet: str | int | None = None,
    margin_rate: float | None = None,
    predict: bool | Mapping[str, Any] | ForecastOptions = False,
    options: AnalyzeOptions | None = None,
    con: BaseBackend | None = None,
    progress: Progress | None = None,
) -> Analysis:
    """Analyse a business's orders (and optionally customers, products, spend, leads).

    Parameters
    ----------
    orders
        Order lines: a CSV/Parquet/Excel path, a database URL (with ``table``), a
        pandas or Arrow frame with canonical column names, or an Ibis table.
    customers, products, spend, leads
        Optional further inputs of the same kinds.
    as_of, today, currency, lang, mapping, table, on_bad_rows, header_row, sheet, margin_rate
        The options (:class:`~repeatly.jobs.AnalyzeOptions` describes each).
    predict
        Also forecast every customer (probability alive, purchases, CLV): ``True`` for
        the defaults, or its options (:class:`~repeatly.prediction.ForecastOptions`, or
        a dict of them: ``{"model": "auto", "calibration_end": ...}``). The report
        then has a Prediction section, and :meth:`Analysis.segments` uses the forecast.
    options
        All the options as one :class:`~repeatly.jobs.AnalyzeOptions` instead of the
        keywords above.
    con
        Engine to work in (its tables stay; the ones the analysis stores are dropped
        when it is closed). By default an embedded DuckDB of the analysis's own.
    progress
        Called with a short label as each step starts (the CLI shows it).

    Returns
    -------
    Analysis
        Close it (or use it in a ``with`` block) to free its engine tables.

    Examples
    --------
    >>> import repeatly
    >>> shop = repeatly.datasets.make_shop(200, seed=3)
    >>> with repeatly.analyze(shop.orders, spend=shop.spend, customers=shop.customers) as result:
    ...     result.metrics["customers"] == shop.orders.customer_id.nunique()
    True
    """
    if options is None:
        options = AnalyzeOptions(
            as_of=parse_date(as_of, "as_of"),
            today=parse_date(today, "today"),
            currency=currency,
            lang=lang,
            mapping=mapping,
            table=table,
            on_bad_rows=on_bad_rows,
            header_row=header_row,
            sheet=sheet,
            margin_rate=margin_rate,
            predict=_forecast_options(predict),
        )
    step = progress or (lambda label: log.info("%s", label))
    sources = {
        "orders": orders,
        "customers": customers,
        "products": products,
        "spend": spend,
        "leads": leads,
    }
    workspace, inputs = load_inputs(Workspace(con), sources, options, step=step)
    try:
        return _analyze(workspace, inputs, options, step)
    except BaseException:
        workspace.close()  # a failed job leaves nothing behind
        raise


def _analyze(
    ws: Workspace, inputs: dict[str, Loaded], options: AnalyzeOptions, step: Progress
) -> Analysis:
    lines = inputs["orders"].table
    if "products" in inputs:
        lines = with_products(lines, inputs["products"].table)

    step("Building orders")
    has_cost = _has_cost(inputs["orders"], lines, products="products" in inputs)
    margin_rate = options.margin_rate
    margin_basis = "cost" if has_cost else ("rate" if margin_rate is not None else "revenue")
    rate = margin_rate if margin_rate is not None else (None if has_cost else 1.0)
    orders = ws.store(analytics.orders_from_lines(lines, margin_rate=rate), "orders")
    as_of = options.as_of
    if as_of is None:
        last = orders.ordered_at.max().execute()
        if last is None or (isinstance(last, float) and math.isnan(last)):
            raise InputError(f"{inputs['orders'].source}: no orders to analyse")
        as_of = _to_date(last)

    step("Summarising customers")
    summary = ws.store(
        analytics.customer_summary(lines, as_of=as_of, orders=orders), "customer_summary"
    )

    step("Computing unit economics")
    spend = inputs["spend"].table if "spend" in inputs else None
    leads = inputs["leads"].table if "leads" in inputs else None
    if spend is not None and leads is not None:
        spend = economics.with_lead_counts(spend, leads)
    customers = inputs["customers"].table if "customers" in inputs else None
    econ = {
        by or "all": economics.unit_economics(
            lines, as_of=as_of, spend=spend, customers=customers, by=by, summary=summary
        ).to_pandas()
        for by in (None, "month", "channel")
    }
    activity = economics.activity_figures(orders, as_of=as_of).to_pandas().iloc[0].to_dict()

    step("Cohorts and purchase cycles")
    gaps = ws.store(analytics.purchase_gaps(lines, orders=orders), "gaps")
    category_gaps = ws.store(analytics.purchase_gaps(lines, by="category"), "category_gaps")

    conversion = None if leads is None else economics.lead_conversion(leads).to_pandas().iloc[0]
    quality = inputs["orders"].quality
    metrics = _headline(
        econ["all"].iloc[0].to_dict(),
        activity,
        as_of=as_of,
        currency=options.currency,
        margin_basis=margin_basis,
        has_spend=spend is not None,
        gap_median=_number(gaps.gap_days.quantile(0.5).execute()),
        conversion=None if conversion is None else conversion.to_dict(),
        quality=None if quality is None else quality.to_dict(),
    )
    forecast = None
    if options.predict is not None:
        from repeatly.prediction import forecast as fit_forecast

        step("Predicting customers")
        predict = options.predict
        try:
            predict = replace(
                predict,
                margin=_margin_share(metrics) if predict.margin is None else predict.margin,
                as_of=as_of if predict.as_of is None else predict.as_of,
            )
            forecast = fit_forecast(lines, options=predict, progress=None, workspace=ws)
        except InputError as error:  # say what failed: the rest would have worked
            raise InputError(f"predict: {error}; the analysis runs without predict") from error

    step("Segments")
    overview, parts, state = _segment_tables(
        ws,
        summary,
        orders,
        lines,
        gaps=gaps,
        category_gaps=category_gaps,
        as_of=as_of,
        customers=customers,
        products=inputs["products"].table if "products" in inputs else None,
        forecast=None if forecast is None else forecast.customers,
    )
    metrics = replace(metrics, statuses=_status_counts(overview.status))
    tables = AnalysisTables(
        monthly=analytics.monthly_activity(orders).to_pandas(),
        cohorts=analytics.cohorts(orders).to_pandas(),
        economics_by_month=econ["month"],
        economics_by_channel=econ["channel"],
        gap_histogram=analytics.gap_histogram(gaps).to_pandas(),
        category_gaps=analytics.gap_stats(category_gaps, by="category").to_pandas(),
        category_gap_histogram=analytics.gap_histogram(category_gaps, by="category").to_pandas(),
        segments=overview,
    )
    base = economics.baseline_from_metrics(metrics)
    scenario = economics.what_if(base, upsell=LEVER, repeat=LEVER, churn=LEVER, referrals=LEVER)
    return Analysis(
        metrics=metrics,
        as_of=as_of,
        options=options,
        summary=summary,
        tables=tables,
        inputs=inputs,
        levers=Levers(lever=LEVER, years=base.years, scenario=scenario),
        lines=lines,
        orders=orders,
        gaps=gaps,
        category_gaps=category_gaps,
        segment_parts=parts,
        state=state,
        workspace=ws,
        forecast=forecast,
    )


def _segment_tables(
    ws: Workspace,
    summary: ir.Table,
    orders: ir.Table,
    lines: ir.Table,
    *,
    gaps: ir.Table,
    category_gaps: ir.Table,
    as_of: dt.date,
    customers: ir.Table | None,
    products: ir.Table | None,
    forecast: ir.Table | None,
) -> tuple[SegmentTables, SegmentParts, ir.Table]:
    """The small tables of the report's Segments section, the parts, and the state.

    The state (:func:`repeatly.segments.segment_customers`: every customer's one
    status, value and flags, with the forecast when there is one) is stored once and
    every count of the report, the lists and the action plan comes from it. The parts
    (the stored RFM, status and golden tables) are what :meth:`Analysis.segments`
    reuses with other options.
    """
    rfm = ws.store(segments.rfm_scores(summary), "rfm")
    status = ws.store(
        segments.customer_status(
            summary, lines, gaps=gaps, category_gaps=category_gaps, forecast=forecast
        ),
        "status",
    )
    golden = ws.store(segments.golden_customers(summary), "golden")
    state = ws.store(
        segments.segment_customers(
            summary,
            lines,
            customers=customers,
            products=products,
            orders=orders,
            computed={"rfm": rfm, "status": status, "golden": golden},
            forecast=forecast,
        ),
        "customer_state",
    )
    moves = ws.store(
        segments.movement_inputs(orders, start=as_of - dt.timedelta(days=365), end=as_of),
        "movement_inputs",
    )
    overview = segments.segment_overview(
        summary,
        orders,
        rfm=rfm,
        status=state,
        golden=state,
        as_of=as_of,
        lines=lines,
        movement_inputs=moves,
    )
    first = _to_date(orders.ordered_at.min().execute())
    if first > as_of - dt.timedelta(days=365):  # under a year of history: no movement
        overview.pop("movement")
    small = {name: table.to_pandas() for name, table in overview.items()}
    return SegmentTables(**small), SegmentParts(rfm=rfm, status=status, golden=golden), state


def _status_counts(table: Any) -> dict[str, int]:
    """Customers of each status (every status, 0 when none), from the status table."""
    found = {str(row.status): int(row.customers) for row in table.itertuples()}
    return {name: found.get(name, 0) for name in segments.STATUSES}


def _forecast_options(predict: bool | Mapping[str, Any] | ForecastOptions) -> Any:
    """The forecast's options from ``predict``: ``True`` for the defaults, or its options."""
    if predict is True:
        return ForecastOptions()
    return predict or None


def _margin_share(metrics: Metrics) -> float:
    """Margin over revenue, for the forecast's CLV (1.0 when unknown)."""
    revenue, margin = metrics.revenue, metrics.margin
    if revenue and margin is not None and 0 < margin <= revenue:
        return float(margin) / float(revenue)
    return 1.0


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _has_cost(loaded: Loaded, lines: ir.Table, *, products: bool) -> bool:
    """Whether any order line has a cost or margin (read from the mapping if it can)."""
    if loaded.kind != "table" and not products:
        return "cost" in loaded.mapping or "margin" in loaded.mapping
    known = (lines.cost.notnull() | lines.margin.notnull()).any()
    return bool(lines.aggregate(n=known).execute().n[0])


def _number(value: Any) -> Any:
    """A JSON-ready scalar: NaN and NA become None, numpy scalars plain Python."""
    if value is None:
        return None
    try:
        if math.isnan(value):
            return None
    except TypeError:
        pass
    if hasattr(value, "item"):
        return value.item()
    return value


def _cents(value: float | None) -> float | None:
    """A money total rounded to cents (sums of floats carry noise in the last digits)."""
    return None if value is None else round(value, 2)


def _headline(
    overall: dict[str, Any],
    activity: dict[str, Any],
    *,
    as_of: dt.date,
    currency: str,
    margin_basis: str,
    has_spend: bool,
    gap_median: float | None,
    conversion: dict[str, Any] | None,
    quality: dict[str, Any] | None,
) -> Metrics:
    customers = int(activity["customers"] or 0)
    orders = int(activity["orders"] or 0)
    active = int(activity["active_customers"] or 0)
    revenue = _number(activity["revenue"])
    margin = _number(activity["margin"])
    purchases_value = _number(activity["purchases_value"])
    figures: dict[str, Any] = {}
    if has_spend:
        figures = {key: _number(overall[key]) for key in SPEND_KEYS}
        for key in ("acquisition_spend", "retention_spend"):
            figures[key] = _cents(figures[key])
    if conversion is not None:
        figures.update(
            leads=int(conversion["leads"]),
            converted_leads=int(conversion["converted_leads"]),
            lead_conversion=_number(conversion["lead_conversion"]),
        )
    assert set(figures) <= set(SPEND_KEYS) | set(LEAD_KEYS)
    return Metrics(
        as_of=as_of.isoformat(),
        currency=currency,
        first_order_at=str(activity["first_order_at"])[:10],
        last_order_at=str(activity["last_order_at"])[:10],
        customers=customers,
        orders=orders,
        revenue=_cents(revenue),
        margin=_cents(margin),
        margin_basis=margin_basis,
        margin_rate=(margin / purchases_value) if margin is not None and purchases_value else None,
        avg_order_value=purchases_value / orders if orders else None,
        orders_per_customer=orders / customers if customers else None,
        repeat_share=_number(overall["repeat_share"]),
        first_order_value=_number(overall["first_order_value"]),
        first_order_margin=_number(overall["first_order_margin"]),
        repeat_30=_number(overall["repeat_30"]),
        repeat_90=_number(overall["repeat_90"]),
        repeat_365=_number(overall["repeat_365"]),
        median_days_to_second=_number(overall["median_days_to_second"]),
        median_days_between_purchases=gap_median,
        revenue_per_customer=revenue / customers if customers and revenue is not None else None,
        margin_per_customer=_number(overall["margin_per_customer"]),
        active_customers=active,
        orders_per_customer_year=int(activity["orders_last_year"] or 0) / active
        if active
        else None,
        annual_retention=_number(activity["annual_retention"]),
        new_customers_year=int(activity["new_customers"] or 0),
        data_quality=quality,
        has_spend=has_spend,
        has_leads=conversion is not None,
        **figures,
    )
