"""The main job: from an order export to metrics, tables and a report.

:func:`analyze` is what the CLI's ``repeatly analyze`` and ``repeatly demo`` call. The
transaction-scale steps run in the engine; what comes back to Python is small (one
row of headline figures, per-month rows, per-cohort cells, histogram bins).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import ibis.expr.types as ir

from repeatly import analytics, economics
from repeatly.connection import materialize
from repeatly.data import with_products
from repeatly.economics._headline import activity_figures
from repeatly.exceptions import InputError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    from ibis.backends import BaseBackend

    from repeatly.data import DataQuality, Loaded
    from repeatly.models import Forecast

__all__ = ["Analysis", "analyze"]

log = logging.getLogger("repeatly")

Source = Any  # a path, a URL, a pandas/Arrow frame, or an Ibis table
Progress = Callable[[str], None]


@dataclass
class Analysis:
    """Everything :func:`analyze` found, ready to read, export or render.

    Attributes
    ----------
    metrics
        Headline figures (plain JSON-ready dict): ``as_of``, ``customers``, ``orders``,
        ``revenue``, ``repeat_share``, ``first_order_value`` ... and, with spend data,
        ``cost_per_visitor``, ``cost_per_lead``, ``cac``, ``cost_to_return``,
        ``profit_per_customer``, ``ltv_to_cac``, ``payback_months``.
    summary
        The per-customer summary as an Ibis table (still in the engine).
    tables
        Small result tables as pandas frames: ``monthly``, ``cohorts``,
        ``economics_by_month``, ``economics_by_channel``, ``gap_histogram``,
        ``category_gaps``, ``category_gap_histogram``.
    inputs
        The loaded inputs by name, with their mapping, row counts and data quality.
    what_if
        What the levers (upsell, repeat, churn, referrals) are worth on this base.
    lines
        The order lines analysed (filled from the products table when one was given).
    orders
        The orders built from them (still in the engine).
    gaps, category_gaps
        Days between purchase days per customer, overall and per category.
    segment_parts
        RFM scores, statuses and golden flags with the default rules, stored in the
        engine for the report and reused by :meth:`segments`.
    forecast
        With ``analyze(..., predict=True)``: every customer's forecast
        (:class:`repeatly.models.Forecast`), shown in the report's Prediction section and
        fed to :meth:`segments`.
    campaigns
        Measured campaigns (:meth:`measure_campaigns`), shown in the report's Campaigns
        section.
    """

    metrics: dict[str, Any]
    summary: ir.Table
    tables: dict[str, pd.DataFrame]
    inputs: dict[str, Loaded]
    what_if: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    lines: ir.Table | None = None
    orders: ir.Table | None = None
    gaps: ir.Table | None = None
    category_gaps: ir.Table | None = None
    segment_parts: dict[str, ir.Table] = field(default_factory=dict)
    forecast: Forecast | None = None
    campaigns: list[Any] = field(default_factory=list)

    @property
    def quality(self) -> DataQuality | None:
        """Data-quality summary of the orders input."""
        return self.inputs["orders"].quality

    def customers(self) -> pd.DataFrame:
        """The per-customer summary as a pandas DataFrame (one row per customer)."""
        return self.summary.order_by("customer_id").to_pandas()

    def customers_arrow(self) -> pa.Table:
        """The per-customer summary as an Arrow table."""
        return self.summary.order_by("customer_id").to_pyarrow()

    def measure_campaigns(
        self, store: Any, *, names: list[str] | None = None, window_days: int = 30
    ) -> list[Any]:
        """Measure recorded campaigns on these orders, for the report's Campaigns section.

        ``store`` is an open operational database (:func:`repeatly.campaigns.open_store`);
        ``names`` the campaigns to measure (default: every campaign whose start is on or
        before the analysis's day). The results are kept in :attr:`campaigns`.
        """
        from repeatly.campaigns import campaign_results

        if names is None:
            names = [
                name
                for name, start in store.campaign_starts().items()
                if start <= self.options["as_of"]
            ]
        assert self.lines is not None
        self.campaigns = [
            campaign_results(
                store,
                name,
                self.lines,
                window_days=window_days,
                margin_rate=self.options.get("margin_rate"),
            )
            for name in names
        ]
        return self.campaigns

    def segments(self, **options: Any) -> ir.Table:
        """Every customer's segments (see :func:`repeatly.segments.segment_customers`).

        Options are passed on, e.g. ``cycles={"furniture": 730}``, ``golden_share=0.6``.
        With a forecast (``analyze(..., predict=True)``) the predictions are used too.
        """
        from repeatly.segments import segment_customers

        customers = self.inputs["customers"].table if "customers" in self.inputs else None
        lines = self.lines if self.lines is not None else self.inputs["orders"].table
        options.setdefault("gaps", self.gaps)
        options.setdefault("category_gaps", self.category_gaps)
        options.setdefault("orders", self.orders)
        rules = {"rfm_rules", "golden_share", "cycles", "business_cycle", "status_rules"}
        if not rules & set(options):  # the default rules: reuse what the analysis stored
            options.setdefault("computed", self.segment_parts)
        if "products" in self.inputs:
            options.setdefault("products", self.inputs["products"].table)
        if self.forecast is not None:
            options.setdefault("forecast", self.forecast.customers)
        return segment_customers(self.summary, lines, customers=customers, **options)

    def report_html(self) -> str:
        """The self-contained HTML report."""
        from repeatly.report import render_report

        return render_report(self)

    def write(self, out: str | Path) -> dict[str, Path]:
        """Write ``report.html``, ``metrics.json`` and ``customers.csv`` into ``out``.

        Files are written to temporary names and renamed into place, so an
        interrupted run never leaves a half-written file behind.
        """
        from repeatly.report import write_outputs

        return write_outputs(self, Path(out))


def analyze(
    orders: Source,
    *,
    customers: Source | None = None,
    products: Source | None = None,
    spend: Source | None = None,
    leads: Source | None = None,
    as_of: dt.date | str | None = None,
    currency: str = "USD",
    lang: Literal["en", "ru"] = "en",
    mapping: dict[str, str] | None = None,
    table: str | None = None,
    on_bad_rows: Literal["error", "skip"] = "error",
    margin_rate: float | None = None,
    predict: bool | dict[str, Any] = False,
    con: BaseBackend | None = None,
    progress: Progress | None = None,
) -> Analysis:
    """Analyse a business's orders (and optionally customers, spend, leads).

    Parameters
    ----------
    orders
        Order lines: a CSV/Parquet/Excel path, a database URL (with ``table``), a
        pandas or Arrow frame with canonical column names, or an Ibis table.
    customers, products, spend, leads
        Optional further inputs of the same kinds.
    as_of
        Date to look from; the day of the last order when not given.
    currency
        Currency code used to format money in the report.
    lang
        Report language, ``"en"`` or ``"ru"``.
    mapping
        Role to column overrides, e.g. ``{"amount": "Total"}`` for the orders; prefix
        the role with the input's name for the others, e.g. ``{"spend.spend": "Cost"}``.
    table
        Table name when ``orders`` is a database URL.
    on_bad_rows
        ``"error"`` stops at bad rows with located messages; ``"skip"`` drops them and
        counts them in the data-quality summary.
    margin_rate
        Margin share assumed for lines that have neither cost nor margin. Without it,
        and with no cost data at all, margin is taken as revenue and the report says so.
    predict
        Also forecast every customer (probability alive, purchases, CLV): ``True`` for
        the defaults, or the options of :func:`repeatly.models.forecast` as a dict
        (``{"model": "auto", "calibration_end": ...}``). The report then has a
        Prediction section, and :meth:`Analysis.segments` uses the forecast.
    con
        Engine to load files into; the process-wide embedded DuckDB when not given.
    progress
        Called with a short label as each step starts (the CLI shows it).

    Returns
    -------
    Analysis

    Examples
    --------
    >>> import repeatly
    >>> shop = repeatly.datasets.make_shop(200, seed=3)
    >>> result = repeatly.analyze(shop.orders, spend=shop.spend, customers=shop.customers)
    >>> result.metrics["customers"] == shop.orders.customer_id.nunique()
    True
    """
    if lang not in ("en", "ru"):
        raise InputError(f'lang: expected "en" or "ru", got {lang!r}')
    if margin_rate is not None and not 0 <= margin_rate <= 1:
        raise InputError(f"margin_rate: expected a share between 0 and 1, got {margin_rate}")
    step = progress or (lambda label: log.info("%s", label))
    as_of_date = _parse_as_of(as_of)

    sources = {
        "orders": orders,
        "customers": customers,
        "products": products,
        "spend": spend,
        "leads": leads,
    }
    mappings = _split_mapping(mapping, sources)

    step("Loading orders")
    inputs = {
        "orders": _load(
            orders,
            "orders",
            con=con,
            mapping=mappings["orders"],
            table=table,
            on_bad_rows=on_bad_rows,
            as_of=as_of_date,
        )
    }
    con = _backend_of(inputs["orders"].table)
    for name, source in sources.items():
        if source is not None and name != "orders":
            step(f"Loading {name}")
            inputs[name] = _load(
                source,
                name,
                con=con,
                mapping=mappings[name],
                on_bad_rows=on_bad_rows,
                as_of=as_of_date,
            )
    lines = inputs["orders"].table
    if "products" in inputs:
        lines = with_products(lines, inputs["products"].table)

    step("Building orders")
    has_cost = _has_cost(inputs["orders"], lines, products="products" in inputs)
    margin_basis = "cost" if has_cost else ("rate" if margin_rate is not None else "revenue")
    rate = margin_rate if margin_rate is not None else (None if has_cost else 1.0)
    orders_t = materialize(analytics.orders_from_lines(lines, margin_rate=rate), "orders")
    if as_of_date is None:
        last = orders_t.ordered_at.max().execute()
        if last is None or (isinstance(last, float) and math.isnan(last)):
            raise InputError(f"{inputs['orders'].source}: no orders to analyse")
        as_of_date = _to_date(last)

    step("Summarising customers")
    summary = materialize(
        analytics.customer_summary(lines, as_of=as_of_date, orders=orders_t),
        "customer_summary",
    )

    step("Computing unit economics")
    spend_t = inputs["spend"].table if "spend" in inputs else None
    leads_t = inputs["leads"].table if "leads" in inputs else None
    if spend_t is not None and leads_t is not None:
        spend_t = economics.with_lead_counts(spend_t, leads_t)
    customers_t = inputs["customers"].table if "customers" in inputs else None
    econ = {
        by or "all": economics.unit_economics(
            lines,
            as_of=as_of_date,
            spend=spend_t,
            customers=customers_t,
            by=by,
            summary=summary,
        ).to_pandas()
        for by in (None, "month", "channel")
    }
    activity = activity_figures(orders_t, as_of=as_of_date).to_pandas().iloc[0].to_dict()

    step("Cohorts and purchase cycles")
    gaps = materialize(analytics.purchase_gaps(lines, orders=orders_t), "gaps")
    cat_gaps = materialize(analytics.purchase_gaps(lines, by="category"), "category_gaps")
    tables = {
        "monthly": analytics.monthly_activity(orders_t).to_pandas(),
        "cohorts": analytics.cohorts(orders_t).to_pandas(),
        "economics_by_month": econ["month"],
        "economics_by_channel": econ["channel"],
        "gap_histogram": analytics.gap_histogram(gaps).to_pandas(),
        "category_gaps": analytics.gap_stats(cat_gaps, by="category").to_pandas(),
        "category_gap_histogram": analytics.gap_histogram(cat_gaps, by="category").to_pandas(),
    }

    step("Segments")
    segment_tables, segment_parts = _segment_tables(
        summary, orders_t, lines, gaps=gaps, category_gaps=cat_gaps, as_of=as_of_date
    )
    tables.update(segment_tables)

    metrics = _headline(
        econ["all"].iloc[0].to_dict(),
        activity,
        as_of=as_of_date,
        currency=currency,
        margin_basis=margin_basis,
        has_spend=spend_t is not None,
        gap_median=_median_gap(gaps),
    )
    if leads_t is not None:
        conversion = economics.lead_conversion(leads_t).to_pandas().iloc[0]
        metrics["leads"] = int(conversion["leads"])
        metrics["converted_leads"] = int(conversion["converted_leads"])
        metrics["lead_conversion"] = _number(conversion["lead_conversion"])
    if inputs["orders"].quality is not None:
        metrics["data_quality"] = inputs["orders"].quality.to_dict()
    forecast = None
    if predict:
        from repeatly.models import forecast as fit_forecast

        step("Predicting customers")
        options = dict(predict) if isinstance(predict, dict) else {}
        options.setdefault("margin", _margin_share(metrics))
        options.setdefault("as_of", as_of_date)
        try:
            forecast = fit_forecast(lines, progress=None, **options)
        except InputError as error:  # say what failed: the rest would have worked
            raise InputError(f"predict: {error}; the analysis runs without predict") from error
    base = economics.baseline_from_metrics(metrics)
    lever_size = 0.05
    scenario = economics.what_if(
        base, upsell=lever_size, repeat=lever_size, churn=lever_size, referrals=lever_size
    )
    return Analysis(
        metrics=metrics,
        summary=summary,
        tables=tables,
        inputs=inputs,
        what_if={"lever": lever_size, "years": base.years, **scenario.to_dict()},
        options={
            "currency": currency,
            "lang": lang,
            "as_of": as_of_date,
            "margin_rate": margin_rate,
        },
        lines=lines,
        orders=orders_t,
        gaps=gaps,
        category_gaps=cat_gaps,
        segment_parts=segment_parts,
        forecast=forecast,
    )


def _segment_tables(
    summary: ir.Table,
    orders: ir.Table,
    lines: ir.Table,
    *,
    gaps: ir.Table,
    category_gaps: ir.Table,
    as_of: dt.date,
) -> tuple[dict[str, pd.DataFrame], dict[str, ir.Table]]:
    """Build the small tables of the report's Segments section.

    Also returns the stored RFM, status and golden tables they came from, which
    :meth:`Analysis.segments` reuses.
    """
    from repeatly import segments

    rfm = materialize(segments.rfm_scores(summary), "rfm")
    status = materialize(
        segments.customer_status(summary, lines, gaps=gaps, category_gaps=category_gaps), "status"
    )
    golden = materialize(segments.golden_customers(summary), "golden")
    moves = materialize(
        segments.movement_inputs(orders, start=as_of - dt.timedelta(days=365), end=as_of),
        "movement_inputs",
    )
    overview = segments.segment_overview(
        summary,
        orders,
        rfm=rfm,
        status=status,
        golden=golden,
        as_of=as_of,
        lines=lines,
        movement_inputs=moves,
    )
    first = _to_date(orders.ordered_at.min().execute())
    if first > as_of - dt.timedelta(days=365):  # under a year of history: no movement
        overview.pop("movement")
    small = {f"segments_{name}": table.to_pandas() for name, table in overview.items()}
    return small, {"rfm": rfm, "status": status, "golden": golden}


def _margin_share(metrics: dict[str, Any]) -> float:
    """Margin over revenue, for the forecast's CLV (1.0 when unknown)."""
    revenue, margin = metrics.get("revenue"), metrics.get("margin")
    if revenue and margin is not None and 0 < margin <= revenue:
        return float(margin) / float(revenue)
    return 1.0


def _parse_as_of(value: dt.date | str | None, name: str = "as_of") -> dt.date | None:
    """A date option from a date or an ISO string; the error names the option."""
    if value is None or isinstance(value, dt.date):
        return value if not isinstance(value, dt.datetime) else value.date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name}: expected a date like 2024-12-31, got {value!r}") from None


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _load(source: Source, name: str, *, con: BaseBackend | None, **options: Any) -> Loaded:
    from repeatly.data import from_frame, load_table, loaded_from_table

    as_of = options.get("as_of")
    overrides = options.get("mapping")
    if isinstance(source, ir.Table):
        renamed, used = _renamed(source, name, overrides)
        loaded = loaded_from_table(renamed, name, as_of=as_of)
    elif hasattr(source, "columns") or hasattr(source, "column_names"):
        renamed, used = _renamed(source, name, overrides)
        loaded = loaded_from_table(
            from_frame(renamed, name, con=con), name, source="frame", as_of=as_of
        )
    else:
        return load_table(source, name, con=con, **options)
    loaded.mapping = {role: used.get(role, column) for role, column in loaded.mapping.items()}
    return loaded


def _renamed(frame: Any, name: str, overrides: dict[str, str] | None) -> tuple[Any, dict[str, str]]:
    """Rename a frame's or table's columns to roles (detected or given).

    Returns the renamed frame and, for each renamed role, its original column.
    """
    from repeatly.data import TABLES
    from repeatly.data._roles import resolve_mapping

    columns = [str(c) for c in (frame.columns if hasattr(frame, "columns") else frame.column_names)]
    spec = TABLES[name]
    if not overrides and all(r in columns for r in spec.required):
        return frame, {}
    mapping = resolve_mapping(columns, spec, overrides, source=f"{name} frame")
    renames = {column: role for role, column in mapping.items() if column != role}
    used = {role: column for column, role in renames.items()}
    clashing = [c for c in columns if c in used and c not in renames]
    if clashing:  # a column already named like a role that another column now plays
        frame = _drop_columns(frame, clashing)
    if isinstance(frame, ir.Table):
        return frame.rename(used), used
    if hasattr(frame, "rename_columns"):  # Arrow
        names = list(frame.column_names)
        return frame.rename_columns([renames.get(c, c) for c in names]), used
    return frame.rename(columns=renames), used


def _drop_columns(frame: Any, columns: list[str]) -> Any:
    if isinstance(frame, ir.Table):
        return frame.drop(*columns)
    if hasattr(frame, "drop_columns"):  # Arrow
        return frame.drop_columns(columns)
    return frame.drop(columns=columns)


def _split_mapping(
    mapping: dict[str, str] | None, sources: dict[str, Any]
) -> dict[str, dict[str, str] | None]:
    """Per-input overrides from ``{"role": col, "spend.role": col, ...}``."""
    split: dict[str, dict[str, str] | None] = {name: None for name in sources}
    for key, column in (mapping or {}).items():
        name, dot, role = key.partition(".")
        if not dot:
            name, role = "orders", key
        if name not in sources:
            raise InputError(
                f'--map {key}=...: "{name}" is not an input; inputs are: {", ".join(sources)}'
            )
        if sources[name] is None:
            raise InputError(f"--map {key}=...: no {name} input was given")
        split[name] = {**(split[name] or {}), role: column}
    return split


def _has_cost(loaded: Loaded, lines: ir.Table, *, products: bool) -> bool:
    """Whether any order line has a cost or margin (read from the mapping if it can)."""
    if loaded.kind != "table" and not products:
        return "cost" in loaded.mapping or "margin" in loaded.mapping
    known = (lines.cost.notnull() | lines.margin.notnull()).any()
    return bool(lines.aggregate(n=known).execute().n[0])


def _backend_of(table: ir.Table) -> BaseBackend:
    return table._find_backend(use_default=True)


def _median_gap(gaps: ir.Table) -> float | None:
    value = gaps.gap_days.quantile(0.5).execute()
    return _number(value)


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
) -> dict[str, Any]:
    customers = int(activity["customers"] or 0)
    orders = int(activity["orders"] or 0)
    active = int(activity["active_customers"] or 0)
    revenue = _number(activity["revenue"])
    margin = _number(activity["margin"])
    purchases_value = _number(activity["purchases_value"])
    metrics: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "currency": currency,
        "first_order_at": str(activity["first_order_at"])[:10],
        "last_order_at": str(activity["last_order_at"])[:10],
        "customers": customers,
        "orders": orders,
        "revenue": _cents(revenue),
        "margin": _cents(margin),
        "margin_basis": margin_basis,
        "margin_rate": (margin / purchases_value)
        if margin is not None and purchases_value
        else None,
        "avg_order_value": purchases_value / orders if orders else None,
        "orders_per_customer": orders / customers if customers else None,
        "repeat_share": _number(overall["repeat_share"]),
        "first_order_value": _number(overall["first_order_value"]),
        "first_order_margin": _number(overall["first_order_margin"]),
        "repeat_30": _number(overall["repeat_30"]),
        "repeat_90": _number(overall["repeat_90"]),
        "repeat_365": _number(overall["repeat_365"]),
        "median_days_to_second": _number(overall["median_days_to_second"]),
        "median_days_between_purchases": gap_median,
        "revenue_per_customer": revenue / customers if customers and revenue is not None else None,
        "margin_per_customer": _number(overall["margin_per_customer"]),
        "active_customers": active,
        "orders_per_customer_year": int(activity["orders_last_year"] or 0) / active
        if active
        else None,
        "annual_retention": _number(activity["annual_retention"]),
    }
    if has_spend:
        for key in (
            "acquisition_spend",
            "retention_spend",
            "cost_per_visitor",
            "cost_per_lead",
            "cac",
            "cost_to_return",
            "profit_per_customer",
            "ltv_to_cac",
            "payback_months",
        ):
            metrics[key] = _number(overall[key])
        for key in ("acquisition_spend", "retention_spend"):
            metrics[key] = _cents(metrics[key])
    return metrics
