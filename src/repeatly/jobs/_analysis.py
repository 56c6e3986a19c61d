"""What the analysis job returns: typed results with a JSON form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir

from repeatly._json import records
from repeatly.jobs._options import AnalyzeOptions

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from repeatly.actions import ActionPlan
    from repeatly.campaigns import CampaignResults
    from repeatly.data import DataQuality, Loaded
    from repeatly.economics import WhatIf
    from repeatly.prediction import Forecast
    from repeatly.store import Store
    from repeatly.workspace import Workspace

__all__ = ["Analysis", "AnalysisTables", "Levers", "Metrics", "SegmentParts", "SegmentTables"]

#: The headline figures present only with marketing spend, and only with leads.
SPEND_KEYS = (
    "acquisition_spend",
    "retention_spend",
    "cost_per_visitor",
    "cost_per_lead",
    "cac",
    "cac_paid",
    "cost_to_return",
    "profit_per_customer",
    "ltv_to_cac",
    "ltv_to_cac_paid",
    "payback_months",
)
LEAD_KEYS = ("leads", "converted_leads", "lead_conversion")


@dataclass(frozen=True, kw_only=True)
class Metrics(Mapping[str, Any]):
    """The headline figures (see ``docs/metrics.md`` for each definition).

    Read them as attributes (``metrics.cac``) or by name (``metrics["cac"]``); as a
    mapping it holds the figures that apply: the spend figures only with marketing
    spend, the lead figures only with leads, ``data_quality`` only when it was
    checked. :meth:`to_dict` is its JSON form (``metrics.json``).
    """

    as_of: str
    currency: str
    first_order_at: str
    last_order_at: str
    customers: int
    orders: int
    revenue: float | None
    margin: float | None
    margin_basis: str
    margin_rate: float | None
    avg_order_value: float | None
    orders_per_customer: float | None
    repeat_share: float | None
    first_order_value: float | None
    first_order_margin: float | None
    repeat_30: float | None
    repeat_90: float | None
    repeat_365: float | None
    median_days_to_second: float | None
    median_days_between_purchases: float | None
    revenue_per_customer: float | None
    margin_per_customer: float | None
    active_customers: int
    orders_per_customer_year: float | None
    new_customers_year: int
    annual_retention: float | None
    statuses: dict[str, int] = field(default_factory=dict)
    acquisition_spend: float | None = None
    retention_spend: float | None = None
    cost_per_visitor: float | None = None
    cost_per_lead: float | None = None
    cac: float | None = None
    cac_paid: float | None = None
    cost_to_return: float | None = None
    profit_per_customer: float | None = None
    ltv_to_cac: float | None = None
    ltv_to_cac_paid: float | None = None
    payback_months: float | None = None
    leads: int | None = None
    converted_leads: int | None = None
    lead_conversion: float | None = None
    data_quality: dict[str, Any] | None = None
    has_spend: bool = field(default=False, repr=False)
    has_leads: bool = field(default=False, repr=False)

    def _keys(self) -> list[str]:
        keys = []
        for f in fields(self):
            name = f.name
            if name in ("has_spend", "has_leads"):
                continue
            if name in SPEND_KEYS and not self.has_spend:
                continue
            if name in LEAD_KEYS and not self.has_leads:
                continue
            if name == "data_quality" and self.data_quality is None:
                continue
            keys.append(name)
        return keys

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def to_dict(self) -> dict[str, Any]:
        """The figures as plain JSON-ready data."""
        return {key: getattr(self, key) for key in self._keys()}


@dataclass(frozen=True)
class SegmentTables:
    """The small tables of the report's Segments section.

    ``rfm_segments`` (segment, customers, revenue, margin), ``rfm_grid`` (r, f,
    customers), ``status`` (status, customers, margin), ``golden`` (one row: customers,
    golden, margin, golden_margin), ``golden_by_month``, ``pareto``, ``lost_by_month``
    and ``movement`` over the year before the analysis's day (``None`` with less than a
    year of history).
    """

    rfm_segments: pd.DataFrame
    rfm_grid: pd.DataFrame
    status: pd.DataFrame
    golden: pd.DataFrame
    golden_by_month: pd.DataFrame
    pareto: pd.DataFrame
    lost_by_month: pd.DataFrame
    movement: pd.DataFrame | None = None


@dataclass(frozen=True)
class AnalysisTables:
    """The small result tables, as pandas frames.

    ``monthly`` activity, ``cohorts`` (retention and revenue triangles, long form),
    unit economics ``economics_by_month`` and ``economics_by_channel``, the purchase
    gaps ``gap_histogram``, ``category_gaps`` and ``category_gap_histogram``, and the
    ``segments`` overview.
    """

    monthly: pd.DataFrame
    cohorts: pd.DataFrame
    economics_by_month: pd.DataFrame
    economics_by_channel: pd.DataFrame
    gap_histogram: pd.DataFrame
    category_gaps: pd.DataFrame
    category_gap_histogram: pd.DataFrame
    segments: SegmentTables

    def to_dict(self) -> dict[str, Any]:
        """Every table as a list of records, plain JSON-ready data."""
        found: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, SegmentTables):
                found[f.name] = {
                    g.name: records(getattr(value, g.name))
                    for g in fields(value)
                    if getattr(value, g.name) is not None
                }
            else:
                found[f.name] = records(value)
        return found


@dataclass(frozen=True)
class SegmentParts:
    """The stored RFM scores, statuses and golden flags (with the default rules).

    :meth:`Analysis.segments` reuses them.
    """

    rfm: ir.Table
    status: ir.Table
    golden: ir.Table

    def as_mapping(self) -> dict[str, ir.Table]:
        """By name, as :func:`repeatly.segments.segment_customers` takes them."""
        return {"rfm": self.rfm, "status": self.status, "golden": self.golden}


@dataclass(frozen=True)
class Levers:
    """What the levers are worth on this base.

    Each lever moved by ``lever`` (5%) over ``years``, alone and all together
    (:func:`repeatly.economics.what_if`).
    """

    lever: float
    years: float
    scenario: WhatIf

    def to_dict(self) -> dict[str, Any]:
        """``lever``, ``years``, ``baseline``, ``levers``, ``combined`` and ``gain``."""
        return {"lever": self.lever, "years": self.years, **self.scenario.to_dict()}


@dataclass
class Analysis:
    """Everything :func:`repeatly.analyze` found, ready to read, export or render.

    The tables that stay in the engine (``summary``, ``lines``, ``orders``, ``gaps``,
    ``category_gaps`` and the segment parts) live in the analysis's workspace: close
    the analysis (``with repeatly.analyze(...) as result:``, or :meth:`close`) to free
    them; an analysis no one closes frees them when it is collected.

    Attributes
    ----------
    metrics
        The headline figures (:class:`Metrics`).
    as_of
        The day the analysis looks from.
    options
        The options it ran with (:class:`AnalyzeOptions`).
    summary
        The per-customer summary as an Ibis table (in the engine).
    tables
        The small result tables (:class:`AnalysisTables`).
    inputs
        The loaded inputs by name, with their mapping, row counts and data quality.
    levers
        What the levers (upsell, repeat, churn, referrals) are worth on this base.
    lines
        The order lines analysed (filled from the products table when one was given).
    orders, gaps, category_gaps
        The orders built from them, and the days between purchase days per customer,
        overall and per category (in the engine).
    segment_parts
        RFM scores, statuses and golden flags with the default rules (in the engine).
    state
        Every customer's one state (in the engine): status, value, flags, contacts,
        with the forecast when there is one. Every count of the report, the lists and
        the action plan comes from it (:meth:`segments` returns it).
    forecast
        With ``predict``: every customer's forecast, shown in the report's Prediction
        section and used by :meth:`segments`.
    campaigns
        Measured campaigns (:meth:`measure_campaigns`), for the Campaigns section.
    workspace
        The workspace holding its engine tables.
    """

    metrics: Metrics
    as_of: dt.date
    options: AnalyzeOptions
    summary: ir.Table
    tables: AnalysisTables
    inputs: dict[str, Loaded]
    levers: Levers
    lines: ir.Table
    orders: ir.Table
    gaps: ir.Table
    category_gaps: ir.Table
    segment_parts: SegmentParts
    state: ir.Table
    workspace: Workspace
    forecast: Forecast | None = None
    campaigns: list[CampaignResults] = field(default_factory=list)

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
        self, store: Store, *, names: list[str] | None = None, window_days: int = 30
    ) -> list[CampaignResults]:
        """Measure recorded campaigns on these orders, for the report's Campaigns section.

        ``store`` is an open operational database (:func:`repeatly.store.open_store`);
        ``names`` the campaigns to measure (default: every campaign whose start is on or
        before the analysis's day). The results are kept in :attr:`campaigns`.
        """
        from repeatly.campaigns import campaign_results

        if names is None:
            names = [name for name, start in store.campaign_starts().items() if start <= self.as_of]
        self.campaigns = [
            campaign_results(
                store,
                name,
                self.lines,
                window_days=window_days,
                margin_rate=self.options.margin_rate,
            )
            for name in names
        ]
        return self.campaigns

    def segments(self, **options: Any) -> ir.Table:
        """Every customer's segments (see :func:`repeatly.segments.segment_customers`).

        Options are passed on, e.g. ``cycles={"furniture": 730}``, ``golden_share=0.6``.
        With a forecast (``predict``) the predictions are used too.
        """
        from repeatly.segments import segment_customers

        if not options:  # the default rules: the state the analysis stored
            return self.state
        customers = self.inputs["customers"].table if "customers" in self.inputs else None
        options.setdefault("gaps", self.gaps)
        options.setdefault("category_gaps", self.category_gaps)
        options.setdefault("orders", self.orders)
        rules = {
            "rfm_rules",
            "golden_share",
            "cycles",
            "business_cycle",
            "status_rules",
            "lost_below",
            "forecast",
        }
        if not rules & set(options):  # the default rules: reuse what the analysis stored
            options.setdefault("computed", self.segment_parts.as_mapping())
        if "products" in self.inputs:
            options.setdefault("products", self.inputs["products"].table)
        if self.forecast is not None:
            options.setdefault("forecast", self.forecast.customers)
        return segment_customers(self.summary, self.lines, customers=customers, **options)

    def leads_never_bought(self) -> ir.Table | None:
        """The leads who never bought (``None`` without a leads file)."""
        if "leads" not in self.inputs:
            return None
        from repeatly.segments import leads_never_bought

        return leads_never_bought(self.inputs["leads"].table, self.orders)

    def action_plan(self) -> ActionPlan:
        """What to do now: each group's action, the most expected profit first.

        Counted from :attr:`state`; a group whose playbook was measured
        (:meth:`measure_campaigns`) on the same audience takes the measured profit.
        See :func:`repeatly.actions.action_plan`.
        """
        from repeatly.actions import action_plan

        files = ("csv", "parquet", "excel")
        return action_plan(
            self.state,
            as_of=self.as_of,
            currency=self.metrics.currency,
            language=self.options.lang,
            measured=self.campaigns,
            leads=self.leads_never_bought(),
            first_order_margin=self.metrics.first_order_margin,
            inputs={
                name: loaded.source for name, loaded in self.inputs.items() if loaded.kind in files
            },
            predict=self.forecast is not None,
            reading=self._reading(),
        )

    def _reading(self) -> list[str]:
        """The flags that read the inputs as this analysis read them, for a command."""
        o = self.options
        words: list[str] = []
        for key, column in (o.mapping or {}).items():
            words += ["--map", f"{key}={column}"]
        if o.table:
            words += ["--table", o.table]
        if o.header_row is not None:
            words += ["--header-row", str(o.header_row)]
        if o.sheet is not None:
            words += ["--sheet", str(o.sheet)]
        if o.on_bad_rows != "error":
            words += ["--on-bad-rows", o.on_bad_rows]
        if o.margin_rate is not None:
            words += ["--margin-rate", f"{o.margin_rate:g}"]
        if o.currency:
            words += ["--currency", o.currency]
        return words

    def to_dict(self) -> dict[str, Any]:
        """The analysis as plain JSON-ready data: figures, tables, inputs, forecast."""
        return {
            "as_of": self.as_of.isoformat(),
            "options": self.options.to_dict(),
            "metrics": self.metrics.to_dict(),
            "what_if": self.levers.to_dict(),
            "tables": self.tables.to_dict(),
            "inputs": {
                name: {
                    "source": loaded.source,
                    "kind": loaded.kind,
                    "mapping": dict(loaded.mapping),
                    "rows": loaded.n_rows,
                    "skipped_rows": loaded.n_skipped,
                }
                for name, loaded in self.inputs.items()
            },
            "forecast": None if self.forecast is None else self.forecast.to_dict(),
            "campaigns": [c.to_dict() for c in self.campaigns],
        }

    def close(self) -> None:
        """Free the engine tables of this analysis (its workspace)."""
        self.workspace.close()

    def __enter__(self) -> Analysis:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
