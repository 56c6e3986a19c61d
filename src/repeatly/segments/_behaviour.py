"""Behavioural segments: how a customer buys, not only how much.

Promo hunters buy on discount late in the season; early full-price buyers buy at full
price soon after a season opens; brand fans buy one brand; low-margin-only buyers never
buy a category above the median margin; one-category buyers are cross-sell targets.
Seasons open on given months (1 March and 1 September by default).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from repeatly.analytics import orders_from_lines
from repeatly.exceptions import InputError
from repeatly.segments._join import attach

__all__ = ["BehaviourRules", "behaviour_segments", "brand_news", "season_day"]


@dataclass(frozen=True, slots=True)
class BehaviourRules:
    """Thresholds of the behavioural segments.

    Attributes
    ----------
    min_orders
        Purchases a customer needs before any pattern is read into them.
    promo_share
        Share of purchases with a discount or promotion that makes a promo hunter...
    late_share
        ...when at least this share of those discounted purchases fall late in a season.
    late_after_days
        Days after a season opens from which a purchase is "late".
    early_within_days
        Days after a season opens within which a purchase is "early".
    early_share
        Share of early purchases that, with no discounts, makes an early full-price buyer.
    full_price_share
        Smallest share of purchases at full price for an early full-price buyer.
    brand_share
        Share of a customer's purchase lines of one brand that makes a brand fan.
    min_lines
        Purchase lines a brand fan needs.
    season_months
        Months in which seasons open.
    """

    min_orders: int = 3
    promo_share: float = 0.5
    late_share: float = 0.6
    late_after_days: int = 120
    early_within_days: int = 30
    early_share: float = 0.75
    full_price_share: float = 0.9
    brand_share: float = 0.85
    min_lines: int = 6
    season_months: tuple[int, ...] = (3, 9)

    def __post_init__(self) -> None:
        for name in ("promo_share", "late_share", "early_share", "full_price_share", "brand_share"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise InputError(f"{name}: expected a share between 0 and 1, got {value}")
        if not self.season_months or not all(1 <= m <= 12 for m in self.season_months):
            raise InputError(f"season_months: expected months 1-12, got {self.season_months}")


def season_day(ts: ir.TimestampValue, *, season_months: Sequence[int] = (3, 9)) -> ir.IntegerValue:
    """Days since the latest season opening on or before ``ts`` (by calendar fields).

    Examples
    --------
    >>> import datetime as dt
    >>> ibis.memtable({"t": [dt.datetime(2024, 3, 1), dt.datetime(2024, 2, 29, 12)]}).select(
    ...     d=season_day(ibis._.t)).to_pandas().d.tolist()
    [0, 181]
    """
    months = sorted(set(season_months))
    year, month = ts.year(), ts.month()
    # the latest opening month at or before this month, else the last one of last year
    opening_month = ibis.cases(*[(month >= m, m) for m in reversed(months)], else_=months[-1])
    opening_year = ibis.ifelse(month >= months[0], year, year - 1)
    opened = ibis.date(opening_year, opening_month, 1)
    return ts.date().delta(opened, unit="day")


def behaviour_segments(
    lines: ir.Table,
    *,
    orders: ir.Table | None = None,
    rules: BehaviourRules | None = None,
) -> ir.Table:
    """Read each customer's buying pattern from their order lines.

    Parameters
    ----------
    lines
        Canonical order lines (``discount``, ``promo``, ``brand``, ``category``,
        ``cost``/``margin`` are used when present).
    orders
        :func:`repeatly.analytics.orders_from_lines` of ``lines`` when already built.
    rules
        Thresholds; :class:`BehaviourRules` defaults when not given.

    Returns
    -------
    ibis.Table
        One row per customer with a purchase: ``customer_id, purchases, promo_share,
        late_share, early_share, top_brand, top_brand_share, categories,
        promo_hunter, early_full_price, brand_fan`` (the brand, or NULL),
        ``low_margin_only, one_category``.
    """
    rules = rules or BehaviourRules()
    if orders is None:
        orders = orders_from_lines(lines)
    bought = orders.filter(orders.is_purchase)
    discounted = (ibis.coalesce(bought.discount, 0) > 0) | ibis.coalesce(bought.promo, False)
    day = season_day(bought.ordered_at, season_months=rules.season_months)
    late = day >= rules.late_after_days
    per_customer = bought.group_by("customer_id").aggregate(
        purchases=bought.count(),
        _promo=discounted.ifelse(1, 0).sum(),
        _late=late.ifelse(1, 0).sum(),
        _late_promo=(discounted & late).ifelse(1, 0).sum(),
        _early_full=(~discounted & (day < rules.early_within_days)).ifelse(1, 0).sum(),
    )

    # Separate two-key aggregations of the lines: engines inline a shared intermediate
    # in each of its uses, so one three-key table reused three times costs more.
    sold = lines.filter(lines.amount > 0)
    branded = sold.filter(sold.brand.notnull())
    per_brand = branded.group_by(["customer_id", "brand"]).aggregate(_lines=branded.count())
    brand_stats = per_brand.group_by("customer_id").aggregate(
        top_brand=per_brand.brand.argmax(per_brand._lines),
        _top_lines=per_brand._lines.max(),
        _brand_lines=per_brand._lines.sum(),
    )
    margin_line = ibis.coalesce(sold.margin, sold.amount - sold.cost)
    rates = sold.group_by("category").aggregate(
        _rate=margin_line.sum() / sold.amount.sum(where=margin_line.notnull())
    )
    median_rate = rates.aggregate(_median=rates._rate.quantile(0.5))
    rated = rates.cross_join(median_rate)
    high = rated.select(_category=rated.category, _high=rated._rate > rated._median)
    per_category = sold.group_by(["customer_id", "category"]).aggregate(_lines=sold.count())
    tagged = per_category.left_join(high, per_category.category == high._category)
    categories = tagged.group_by("customer_id").aggregate(
        categories=tagged.category.count(),
        _high_lines=ibis.coalesce(tagged._high, False).ifelse(tagged._lines, 0).sum(),
        _known=tagged._high.count(),
    )

    joined = attach(attach(per_customer, brand_stats), categories)
    n = joined.purchases.cast("float64")
    enough = joined.purchases >= rules.min_orders
    promo_share = joined._promo / n
    early_full_share = joined._early_full / n
    full_price_share = 1 - promo_share
    top_share = ibis.ifelse(
        joined._brand_lines > 0, joined._top_lines / joined._brand_lines.cast("float64"), None
    )
    is_fan = enough & (joined._brand_lines >= rules.min_lines) & (top_share >= rules.brand_share)
    return joined.select(
        "customer_id",
        "purchases",
        promo_share=promo_share,
        late_share=joined._late / n,
        early_share=early_full_share,
        top_brand=joined.top_brand,
        top_brand_share=top_share,
        categories=ibis.coalesce(joined.categories, 0),
        promo_hunter=enough
        & (promo_share >= rules.promo_share)
        & (joined._late_promo >= rules.late_share * joined._promo),
        early_full_price=enough
        & (full_price_share >= rules.full_price_share)
        & (early_full_share >= rules.early_share),
        brand_fan=ibis.ifelse(is_fan, joined.top_brand, ibis.null("string")),
        low_margin_only=enough & (joined._known > 0) & (joined._high_lines == 0),
        one_category=enough & (joined.categories == 1),
    )


def brand_news(lines: ir.Table, products: ir.Table, fans: ir.Table) -> ir.Table:
    """Whether each brand fan's brand has launched products since they last bought it.

    Parameters
    ----------
    lines
        Canonical order lines.
    products
        The products table, with ``brand`` and ``launch_date``.
    fans
        A table with ``customer_id`` and ``brand_fan`` (the brand, NULL for others), such
        as :func:`behaviour_segments`.

    Returns
    -------
    ibis.Table
        ``customer_id, brand_fan, last_brand_purchase, new_products`` for the brand fans:
        products of their brand launched after their last purchase of it.
    """
    who = fans.filter(fans.brand_fan.notnull()).select("customer_id", "brand_fan")
    sold = lines.filter(lines.amount > 0)
    bought = sold.join(who, (sold.customer_id == who.customer_id) & (sold.brand == who.brand_fan))
    last = bought.group_by([bought.customer_id, bought.brand_fan]).aggregate(
        last_brand_purchase=bought.ordered_at.max()
    )
    launched = products.filter(products.launch_date.notnull() & products.brand.notnull())
    launched = launched.select(_brand="brand", _launch="launch_date", _sku="sku")
    news = last.left_join(
        launched,
        (last.brand_fan == launched._brand)
        & (launched._launch.cast("timestamp") > last.last_brand_purchase),
    )
    return news.group_by(["customer_id", "brand_fan", "last_brand_purchase"]).aggregate(
        new_products=news._sku.count()
    )
