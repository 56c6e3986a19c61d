"""The segments job: every customer's segments, and the lists beside them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from repeatly.exceptions import InputError
from repeatly.jobs._analyze import analyze
from repeatly.jobs._inputs import Source
from repeatly.jobs._options import AnalyzeOptions

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from repeatly.jobs._analysis import Analysis
    from repeatly.jobs._analyze import Progress

__all__ = ["SegmentOptions", "Segmentation", "segment"]


@dataclass(frozen=True, kw_only=True)
class SegmentOptions:
    """The rules the segments job uses.

    Parameters
    ----------
    cycles
        Return cycles in days by category, e.g. ``{"furniture": 730}``.
    business_cycle
        The business's return cycle in days (a restaurant: 14).
    golden_share
        Share of profit the golden customers bring.
    place
        ``(latitude, longitude, km)``: also list the customers near a place (needs a
        customers input with coordinates or a city).
    """

    cycles: Mapping[str, float] | None = None
    business_cycle: float | None = None
    golden_share: float = 0.5
    place: tuple[float, float, float] | None = None

    def __post_init__(self) -> None:
        for category, days in (self.cycles or {}).items():
            if not str(category).strip() or not days > 0:
                raise InputError(
                    f"cycle {category}={days}: expected a category and a number of days above 0"
                )
        if self.business_cycle is not None and not self.business_cycle > 0:
            raise InputError(
                f"business_cycle: expected a number of days above 0, got {self.business_cycle}",
                option="business_cycle",
            )
        if not 0 < self.golden_share <= 1:
            raise InputError(
                f"golden_share: expected a share above 0 and at most 1, got {self.golden_share}",
                option="golden_share",
            )
        if self.place is not None:
            latitude, longitude, km = self.place
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180 and km > 0):
                raise InputError(
                    f"place {self.place}: expected a latitude, a longitude and a distance in km"
                )


@dataclass
class Segmentation:
    """What :func:`segment` found: the analysis, every customer's segments, the lists.

    ``segments`` has one row per customer (see
    :func:`repeatly.segments.segment_customers`); ``lists`` are the lists beside the
    segments (:func:`repeatly.segments.reach_lists`: lapsed buyers, leads and customers
    who never bought, customers near a place). Both stay in the analysis's engine: close
    the segmentation (or use it in a ``with`` block) to free them.
    """

    analysis: Analysis
    segments: ir.Table
    lists: dict[str, ir.Table]

    def counts(self) -> dict[str, int]:
        """How many customers each list holds."""
        return {name: int(table.count().execute()) for name, table in self.lists.items()}

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: customers by status and RFM segment, and the lists."""
        by = {
            column: {
                str(row[column]): int(row["customers"])
                for row in self.segments.group_by(column)
                .aggregate(customers=self.segments.count())
                .to_pyarrow()
                .to_pylist()
            }
            for column in ("status", "rfm_segment")
        }
        return {
            "as_of": self.analysis.as_of.isoformat(),
            "customers": self.analysis.metrics.customers,
            "by_status": by["status"],
            "by_rfm_segment": by["rfm_segment"],
            "lists": self.counts(),
        }

    def close(self) -> None:
        """Free the engine tables (the analysis's workspace)."""
        self.analysis.close()

    def __enter__(self) -> Segmentation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def segment(
    orders: Source,
    *,
    customers: Source | None = None,
    products: Source | None = None,
    spend: Source | None = None,
    leads: Source | None = None,
    rules: SegmentOptions | None = None,
    options: AnalyzeOptions | None = None,
    progress: Progress | None = None,
) -> Segmentation:
    """Analyse the orders, then find every customer's segments and the reach lists.

    Parameters
    ----------
    orders, customers, products, spend, leads
        The inputs, as for :func:`repeatly.analyze`.
    rules
        The segment rules (:class:`SegmentOptions`).
    options
        The analysis's options (:class:`~repeatly.jobs.AnalyzeOptions`); with
        ``predict``, lost and golden customers are also found by the forecast.
    progress
        Called with a short label as each step starts.

    Examples
    --------
    >>> import repeatly
    >>> from repeatly.jobs import segment
    >>> shop = repeatly.datasets.make_shop(300, seed=4)
    >>> with segment(shop.orders, customers=shop.customers) as found:
    ...     sorted(found.lists)
    ['customers_never_bought', 'lapsed_season', 'lapsed_year']
    """
    rules = rules or SegmentOptions()
    step: Any = progress or (lambda label: None)
    analysis = analyze(
        orders,
        customers=customers,
        products=products,
        spend=spend,
        leads=leads,
        options=options,
        progress=step,
    )
    try:
        from repeatly.segments import reach_lists

        step("Finding segments")
        found = analysis.segments(
            cycles=rules.cycles,
            business_cycle=rules.business_cycle,
            golden_share=rules.golden_share,
        )
        customers = analysis.inputs.get("customers")
        leads = analysis.inputs.get("leads")
        lists = reach_lists(
            analysis.orders,
            as_of=analysis.as_of,
            customers=None if customers is None else customers.table,
            leads=None if leads is None else leads.table,
            place=rules.place,
        )
    except BaseException:
        analysis.close()
        raise
    return Segmentation(analysis=analysis, segments=found, lists=lists)
