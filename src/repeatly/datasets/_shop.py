"""A seeded synthetic shop with planted ground truth, for the demo, tests and models.

How the shop is made (every draw comes from one seeded generator, all of it vectorised):

- **Customers and purchases.** Each customer has a main category, a latent purchase
  rate ``lambda = m / cycle`` per day (``m ~ Gamma(r, 1/r)``, ``cycle`` the category's
  natural return cycle) and a dropout probability ``p ~ Beta(a, b)``: after each
  purchase the customer leaves for good with probability ``p``, and purchases come as a
  Poisson process at ``lambda`` until then (BG/NBD). An order's value is
  ``Gamma(q, nu / q)`` around the customer's latent mean spend ``nu ~ Gamma(s, v/s)``
  (Gamma-Gamma).
- **Planted types.** Promo hunters buy late in each season with deep discounts; early
  full-price buyers buy clothes within 30 days of a season opening, without
  discounts; brand fans buy one brand only; low-margin buyers buy only the value
  grocery brands; churners stop at a known date (``churn_at``); the rest are regulars.
  The four behaviour types make at least six purchases (a pattern shows over repeats).
  Everyone but the low-margin buyers has a main category in the high-margin half of
  the catalogue (cosmetics, clothing, jewellery) and buys elsewhere only now and then.
- **Catalogue.** Categories with their own return cycles and margins (groceries about
  weekly, cosmetics monthly, clothing about 6 months, shoes 8, jewellery 1-2 years,
  furniture about 2 years), four or five brands each, prices and costs, spring-summer
  and autumn-winter collections for clothes and shoes.
- **Marketing.** Customers come from search, social, referral, organic and e-mail;
  monthly spend per channel (search and social for acquisition at a planted cost per
  new customer, e-mail and loyalty for retention) with visitors and leads; leads that
  became customers and many that never bought; referrals name an earlier customer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from repeatly._files import atomic_write
from repeatly.exceptions import InputError

__all__ = ["CATEGORIES", "TYPES", "Shop", "make_shop"]

#: Category: (return cycle in days, margin, price range, typical order value, brands,
#: seasonal). The first two brands of groceries are low-margin value brands. Groceries,
#: shoes and furniture are the low-margin half of the catalogue.
CATEGORIES: dict[str, dict[str, Any]] = {
    "groceries": {
        "cycle": 7,
        "margin": 0.18,
        "price": (2, 15),
        "order": 35,
        "brands": ("BudgetBasket", "ThriftMart", "FreshFarm", "GreenValley", "DailyBasket"),
        "seasonal": False,
    },
    "cosmetics": {
        "cycle": 30,
        "margin": 0.6,
        "price": (8, 60),
        "order": 45,
        "brands": ("Lumen", "Velvet", "Aqua", "Bloom"),
        "seasonal": False,
    },
    "clothing": {
        "cycle": 180,
        "margin": 0.55,
        "price": (20, 150),
        "order": 110,
        "brands": ("Northway", "Urbanite", "Kora", "Linea"),
        "seasonal": True,
    },
    "shoes": {
        "cycle": 240,
        "margin": 0.38,
        "price": (40, 200),
        "order": 120,
        "brands": ("Stride", "Kora", "Pace", "Trek"),
        "seasonal": True,
    },
    "jewellery": {
        "cycle": 540,
        "margin": 0.65,
        "price": (80, 900),
        "order": 300,
        "brands": ("Aurum", "Lumen", "Gemma", "Orbis"),
        "seasonal": False,
    },
    "furniture": {
        "cycle": 730,
        "margin": 0.32,
        "price": (150, 1500),
        "order": 600,
        "brands": ("Hearth", "Oakline", "Nido", "Forma"),
        "seasonal": False,
    },
}
#: Shares of the categories among occasional (secondary) purchases.
_CATEGORY_SHARE = (0.25, 0.2, 0.25, 0.12, 0.08, 0.1)
#: Main categories of everyone but the low-margin buyers: the high-margin half.
_MAIN_SHARE = {"cosmetics": 0.45, "clothing": 0.35, "jewellery": 0.2}
#: Planted behaviours show over repeated purchases: these types make at least this many.
_PATTERN_TYPES = ("promo_hunter", "early_full_price", "brand_fan", "low_margin")
_PATTERN_PURCHASES = 6
_VALUE_MARGIN = (0.04, 0.08)  # the value grocery brands' margin range
_VALUE_BRANDS = 2  # the first brands of groceries

#: Planted customer types and their shares.
TYPES: dict[str, float] = {
    "promo_hunter": 0.10,
    "early_full_price": 0.10,
    "brand_fan": 0.10,
    "low_margin": 0.08,
    "churner": 0.12,
    "regular": 0.50,
}

_CHANNELS = ("search", "social", "referral", "organic", "email")
_CHANNEL_SHARE = (0.3, 0.25, 0.15, 0.2, 0.1)
_CAC = {"search": 40.0, "social": 28.0}  # planted acquisition cost per new customer
_COST_PER_VISIT = {"search": 0.8, "social": 0.5}
_CITIES = (  # name, latitude, longitude, share
    ("Moscow", 55.7558, 37.6173, 0.35),
    ("Saint Petersburg", 59.9343, 30.3351, 0.2),
    ("Kazan", 55.7963, 49.1088, 0.12),
    ("Yekaterinburg", 56.8389, 60.6057, 0.12),
    ("Novosibirsk", 55.0084, 82.9357, 0.11),
    ("Sochi", 43.6028, 39.7342, 0.1),
)
_STREETS = (
    "Lenin Street",
    "Garden Lane",
    "Pushkin Street",
    "Mira Avenue",
    "River Road",
    "Central Square",
    "Oak Street",
    "Station Road",
)
_FIRST = (
    "Anna",
    "Ivan",
    "Maria",
    "Oleg",
    "Elena",
    "Dmitry",
    "Olga",
    "Sergey",
    "Irina",
    "Alexei",
    "Natalia",
    "Pavel",
    "Emma",
    "John",
    "Sofia",
    "Mikhail",
)
_LAST = (
    "Ivanova",
    "Petrov",
    "Smirnova",
    "Kuznetsov",
    "Popova",
    "Sokolov",
    "Lebedeva",
    "Novikov",
    "Morozova",
    "Volkov",
    "Brown",
    "Smith",
)

#: BG/NBD-like and Gamma-Gamma-like parameters of the planted behaviour.
PARAMS: dict[str, float] = {
    "rate_shape_r": 1.5,  # m ~ Gamma(r, 1/r): mean 1, lambda = m / cycle
    "dropout_a": 1.2,  # p ~ Beta(a, b)
    "dropout_b": 9.0,
    "spend_shape_s": 3.0,  # nu ~ Gamma(s, typical / s)
    "order_shape_q": 6.0,  # order value ~ Gamma(q, nu / q)
    "main_category_share": 0.85,
    "return_share": 0.01,
}


@dataclass(frozen=True)
class Shop:
    """A synthetic shop: its tables, the ground truth behind them, and how it was made.

    Attributes
    ----------
    orders, customers, products, spend, leads
        The tables with canonical column names (see :mod:`repeatly.data`).
    truth
        One row per customer: ``customer_id, type, main_category, purchase_rate``
        (per day), ``dropout_p``, ``mean_spend``, ``alive_at_end``, ``dropped_at``,
        ``churn_at``, ``favourite_brand``; the planted flags ``promo_hunter``,
        ``early_full_price``, ``brand_fan`` (the brand, or empty), ``low_margin_only``
        and ``churned_on`` (the churners' churn date); ``acquisition_channel``,
        ``n_orders``, ``revenue``.
    params
        The parameters the shop was drawn with.
    seed
        The random seed.
    start, end
        First and last day covered; no order falls outside them.
    """

    orders: pd.DataFrame
    customers: pd.DataFrame
    products: pd.DataFrame
    spend: pd.DataFrame
    leads: pd.DataFrame
    truth: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    start: dt.date = dt.date(2022, 1, 1)
    end: dt.date = dt.date(2023, 12, 31)

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write every table as a UTF-8 CSV into ``folder``; return the paths by name.

        Each file is written under a temporary name and renamed into place.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name in ("orders", "customers", "products", "spend", "leads", "truth"):
            paths[name] = atomic_write(
                folder / f"{name}.csv", partial(_write_csv, getattr(self, name))
            )
        return paths


def make_shop(
    n_customers: int = 3000,
    *,
    seed: int = 0,
    start: str | dt.date = "2022-01-01",
    months: int = 24,
) -> Shop:
    """Make a synthetic shop with planted ground truth.

    Parameters
    ----------
    n_customers
        Customers who bought at least once.
    seed
        Random seed; the same seed gives the same shop.
    start
        First day of the shop's history.
    months
        Length of the history in calendar months.

    Returns
    -------
    Shop

    Examples
    --------
    >>> shop = make_shop(300, seed=1)
    >>> shop.orders.customer_id.nunique()
    300
    >>> shop.orders.ordered_at.max() <= pd.Timestamp(shop.end) + pd.Timedelta(days=1)
    True
    """
    if (
        isinstance(n_customers, bool)
        or not isinstance(n_customers, int | np.integer)
        or n_customers < 1
    ):
        raise InputError(f"n_customers: expected a whole number of at least 1, got {n_customers!r}")
    if isinstance(months, bool) or not isinstance(months, int | np.integer) or months < 1:
        raise InputError(f"months: expected a whole number of at least 1, got {months!r}")
    try:
        first = start if isinstance(start, dt.date) else dt.date.fromisoformat(start)
    except ValueError:
        raise InputError(f"start: expected a date like 2022-01-01, got {start!r}") from None
    last = (pd.Timestamp(first) + pd.DateOffset(months=months) - pd.Timedelta(days=1)).date()
    return _Maker(int(n_customers), seed, first, last).make()


class _Maker:
    """The drawing of one shop; split in steps so each stays readable."""

    def __init__(self, n: int, seed: int, start: dt.date, end: dt.date) -> None:
        self.n, self.seed, self.start, self.end = n, seed, start, end
        self.rng = np.random.default_rng(seed)
        self.days = (end - start).days + 1
        self.t0 = np.datetime64(start, "D")

    def make(self) -> Shop:
        products = self._catalogue()
        people = self._customers()
        tx = self._transactions(people)
        lines = self._lines(tx, people, products)
        lines = self._returns(lines)
        orders = self._finish_orders(lines, people)
        customers = self._customer_table(people, orders)
        spend, leads = self._marketing(people, customers, orders)
        truth = self._truth(people, orders)
        return Shop(
            orders=orders,
            customers=customers,
            products=products.drop(columns="_lo_margin"),
            spend=spend,
            leads=leads,
            truth=truth,
            params={
                **PARAMS,
                "types": dict(TYPES),
                "cac": dict(_CAC),
                "categories": {k: v["cycle"] for k, v in CATEGORIES.items()},
            },
            seed=self.seed,
            start=self.start,
            end=self.end,
        )

    # -- catalogue ------------------------------------------------------------------

    def _catalogue(self) -> pd.DataFrame:
        rng = self.rng
        rows = []
        seasons = _season_starts(self.start, self.end)
        for category, spec in CATEGORIES.items():
            for b, brand in enumerate(spec["brands"]):
                for k in range(12):
                    low, high = spec["price"]
                    price = round(float(np.exp(rng.uniform(np.log(low), np.log(high)))), 2)
                    if category == "groceries" and b < _VALUE_BRANDS:
                        margin = rng.uniform(*_VALUE_MARGIN)
                    else:
                        margin = float(np.clip(rng.normal(spec["margin"], 0.05), 0.08, 0.85))
                    if spec["seasonal"]:
                        kind = "SS" if k % 2 == 0 else "AW"
                        launch = next(
                            (d for d in seasons if (d.month == 3) == (kind == "SS")), self.start
                        )
                        collection = f"{kind}{launch.year % 100:02d}"
                    else:
                        collection, launch = "core", self.start
                    rows.append(
                        {
                            "sku": f"{category[:3].upper()}-{brand[:3].upper()}-{k + 1:02d}",
                            "category": category,
                            "brand": brand,
                            "price": price,
                            "cost": round(price * (1 - margin), 2),
                            "collection": collection,
                            "launch_date": launch,
                            "_lo_margin": category == "groceries" and b < _VALUE_BRANDS,
                        }
                    )
        return pd.DataFrame(rows)

    # -- customers and their purchase process ---------------------------------------

    def _customers(self) -> dict[str, np.ndarray]:
        rng, n = self.rng, self.n
        types = rng.choice(np.array(list(TYPES)), n, p=np.array(list(TYPES.values())))
        main = rng.choice(np.array(list(_MAIN_SHARE)), n, p=list(_MAIN_SHARE.values()))
        main = np.where(types == "early_full_price", "clothing", main)
        main = np.where(types == "low_margin", "groceries", main)
        cycle = np.array([CATEGORIES[c]["cycle"] for c in main], dtype=float)
        r = PARAMS["rate_shape_r"]
        rate = rng.gamma(r, 1 / r, n) / cycle
        dropout = rng.beta(PARAMS["dropout_a"], PARAMS["dropout_b"], n)
        dropout = np.where(types == "churner", dropout / 4, dropout)
        pattern = np.isin(types, _PATTERN_TYPES)
        rate = np.where(pattern, np.maximum(rate, 1 / 45), rate)
        dropout = np.where(pattern, dropout / 3, dropout)
        typical = np.array([CATEGORIES[c]["order"] for c in main], dtype=float)
        s = PARAMS["spend_shape_s"]
        mean_spend = rng.gamma(s, typical / s)
        acquired = self.days * np.where(pattern, rng.beta(1.0, 3.0, n), rng.beta(1.0, 1.6, n))
        churn_at = np.where(
            types == "churner", acquired + rng.uniform(0.3, 0.7, n) * (self.days - acquired), np.inf
        )
        brands = {c: np.array(CATEGORIES[c]["brands"]) for c in CATEGORIES}
        pick = rng.integers(0, 1000, n)
        favourite = np.array(
            [
                brands[c][_VALUE_BRANDS + pick[i] % (len(brands[c]) - _VALUE_BRANDS)]
                if c == "groceries"
                else brands[c][pick[i] % len(brands[c])]
                for i, c in enumerate(main)
            ]
        )
        favourite = np.where(types == "brand_fan", favourite, "")
        channel = rng.choice(np.array(_CHANNELS), n, p=_CHANNEL_SHARE)
        city = rng.choice(len(_CITIES), n, p=[c[3] for c in _CITIES])
        lat = np.array([c[1] for c in _CITIES])[city] + rng.normal(0, 0.05, n)
        lon = np.array([c[2] for c in _CITIES])[city] + rng.normal(0, 0.08, n)
        return {
            "type": types,
            "main": main,
            "rate": rate,
            "dropout": dropout,
            "mean_spend": mean_spend,
            "acquired": acquired,
            "churn_at": churn_at,
            "favourite": favourite,
            "channel": channel,
            "city_name": np.array([c[0] for c in _CITIES])[city],
            "lat": lat,
            "lon": lon,
        }

    def _transactions(self, people: dict[str, np.ndarray]) -> pd.DataFrame:
        """Purchase times: Poisson at the customer's rate until dropout (BG/NBD)."""
        rng, n = self.rng, self.n
        potential = np.minimum(rng.geometric(people["dropout"]), 400)
        pattern = np.isin(people["type"], _PATTERN_TYPES)
        potential = np.where(pattern, np.maximum(potential, _PATTERN_PURCHASES), potential)
        who = np.repeat(np.arange(n), potential)
        starts = np.cumsum(potential) - potential
        gaps = rng.exponential(1 / people["rate"][who])
        gaps[starts] = 0.0
        total = np.cumsum(gaps)
        t = people["acquired"][who] + total - total[starts][np.repeat(np.arange(n), potential)]
        t[starts] = people["acquired"]  # exactly, not up to rounding
        last_potential = t[starts + potential - 1]
        people["alive_at_end"] = last_potential >= self.days
        people["dropped_at"] = np.where(people["alive_at_end"], np.nan, last_potential)
        tx = pd.DataFrame({"who": who, "t": t, "first": np.isin(np.arange(len(t)), starts)})
        tx = tx[(tx.t < self.days) & (tx.t < people["churn_at"][tx.who])]
        return self._season_timing(tx, people)

    def _season_timing(self, tx: pd.DataFrame, people: dict[str, np.ndarray]) -> pd.DataFrame:
        """Move promo hunters' repeat purchases late in a season, early buyers' early."""
        kind = people["type"][tx.who.to_numpy()]
        day = self.t0 + np.floor(tx.t.to_numpy()).astype("timedelta64[D]")
        season = _season_start(day)
        offset = (season - self.t0).astype(float)
        late = offset + 120 + self.rng.uniform(0, 60, len(tx))
        early = offset + self.rng.uniform(0, 30, len(tx))
        repeat = ~tx["first"].to_numpy()
        t = tx.t.to_numpy().copy()
        t = np.where(repeat & (kind == "promo_hunter"), late, t)
        t = np.where(repeat & (kind == "early_full_price"), early, t)
        acquired = people["acquired"][tx.who.to_numpy()]
        tx = tx.assign(t=t)
        keep = ~repeat | ((t >= acquired) & (t < self.days))
        return tx[keep].sort_values(["who", "t"], kind="stable").reset_index(drop=True)

    # -- orders and lines -----------------------------------------------------------

    def _lines(
        self, tx: pd.DataFrame, people: dict[str, np.ndarray], products: pd.DataFrame
    ) -> pd.DataFrame:
        rng = self.rng
        n_tx = len(tx)
        who_tx = tx.who.to_numpy()
        kind_tx = people["type"][who_tx]
        q = PARAMS["order_shape_q"]
        value = rng.gamma(q, people["mean_spend"][who_tx] / q)
        promo_p = np.select(
            [kind_tx == "promo_hunter", kind_tx == "early_full_price"], [0.85, 0.0], 0.12
        )
        promo_tx = rng.random(n_tx) < promo_p
        rate_tx = (
            np.where(
                kind_tx == "promo_hunter", rng.uniform(0.3, 0.5, n_tx), rng.uniform(0.1, 0.3, n_tx)
            )
            * promo_tx
        )
        n_lines = 1 + np.minimum(rng.poisson(0.8, n_tx), 4)
        order = np.repeat(np.arange(n_tx), n_lines)
        who = who_tx[order]
        kind = kind_tx[order]
        cats = np.array(list(CATEGORIES))
        fixed = np.isin(kind, ["brand_fan", "low_margin", "early_full_price"])
        own = fixed | (rng.random(len(order)) < PARAMS["main_category_share"])
        category = np.where(
            own, people["main"][who], rng.choice(cats, len(order), p=_CATEGORY_SHARE)
        )
        sku = self._pick_skus(
            products, category, kind, people["favourite"][who], tx.t.to_numpy()[order]
        )
        price = products.price.to_numpy()[sku]
        unit_cost = products.cost.to_numpy()[sku]
        share = value[order] / n_lines[order]
        quantity = np.clip(np.round(share / price), 1, 50).astype(int)
        t = tx.t.to_numpy()[order]
        minutes = rng.integers(9 * 60, 21 * 60, n_tx)[order]
        keep, quantity = self._merge_repeated_skus(order, sku, quantity)
        order, sku, who, category = order[keep], sku[keep], who[keep], category[keep]
        price, unit_cost, t, minutes = price[keep], unit_cost[keep], t[keep], minutes[keep]
        gross = quantity * price
        discount = np.round(gross * rate_tx[order], 2)
        when = (self.t0 + np.floor(t).astype("timedelta64[D]")).astype(
            "datetime64[m]"
        ) + minutes.astype("timedelta64[m]")
        return pd.DataFrame(
            {
                "who": who,
                "order": order,
                "ordered_at": when.astype("datetime64[us]"),
                "sku": products.sku.to_numpy()[sku],
                "category": category,
                "brand": products.brand.to_numpy()[sku],
                "quantity": quantity,
                "unit_price": price,
                "amount": np.round(gross - discount, 2),
                "cost": np.round(quantity * unit_cost, 2),
                "discount": discount,
                "promo": promo_tx[order],
            }
        )

    @staticmethod
    def _merge_repeated_skus(
        order: np.ndarray, sku: np.ndarray, quantity: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Merge repeated products of an order into their first line.

        Returns which lines to keep and their summed quantities.
        """
        key = order.astype(np.int64) * 1_000_000 + sku
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        total = np.bincount(inverse, weights=quantity).astype(int)
        keep = np.zeros(len(order), dtype=bool)
        keep[first] = True
        summed = np.zeros(len(order), dtype=int)
        summed[first] = total
        return keep, summed[keep]

    def _pick_skus(
        self,
        products: pd.DataFrame,
        category: np.ndarray,
        kind: np.ndarray,
        favourite: np.ndarray,
        t: np.ndarray,
    ) -> np.ndarray:
        """Pick a product for each line.

        In the line's category; the favourite brand for brand fans; the value brand
        for low-margin buyers; the current season's collection for clothes and shoes.
        """
        rng = self.rng
        key = products.category + "|" + products.brand
        group_start = {k: int(i) for k, i in zip(key[::-1], products.index[::-1], strict=True)}
        size = key.value_counts().to_dict()
        brands = np.array([list(CATEGORIES[c]["brands"]) for c in category], dtype=object)
        n_brands = np.array([len(b) for b in brands])
        normal = rng.integers(0, 1_000_000, len(category)) % n_brands
        groceries = category == "groceries"
        # only low-margin buyers take the value brands of groceries
        draw = rng.integers(0, 1_000_000, len(category))
        normal = np.where(
            groceries & (kind != "low_margin"),
            _VALUE_BRANDS + draw % (n_brands - _VALUE_BRANDS),
            normal,
        )
        normal = np.where(groceries & (kind == "low_margin"), draw % _VALUE_BRANDS, normal)
        chosen = np.array([b[i] for b, i in zip(brands, normal, strict=True)])
        fan = (kind == "brand_fan") & np.array(
            [f in CATEGORIES[c]["brands"] for f, c in zip(favourite, category, strict=True)]
        )
        chosen = np.where(fan, favourite, chosen)
        group = np.char.add(np.char.add(category.astype(str), "|"), chosen.astype(str))
        first = np.array([group_start[g] for g in group])
        count = np.array([size[g] for g in group])
        offset = rng.integers(0, 1_000_000, len(category)) % count
        seasonal = np.isin(category, [c for c, s in CATEGORIES.items() if s["seasonal"]])
        day = self.t0 + np.floor(t).astype("timedelta64[D]")
        month = (day.astype("datetime64[M]") - day.astype("datetime64[Y]")).astype(int) + 1
        summer = (month >= 3) & (month < 9)
        parity = np.where(summer, 0, 1)  # even SKUs are spring-summer, odd autumn-winter
        offset = np.where(seasonal, offset - offset % 2 + parity, offset)
        offset = np.minimum(offset, count - 1)
        return first + offset

    def _returns(self, lines: pd.DataFrame) -> pd.DataFrame:
        """About 1% of lines come back some days later as a negative line."""
        rng = self.rng
        back = lines[rng.random(len(lines)) < PARAMS["return_share"]].copy()
        back["ordered_at"] = back.ordered_at + pd.to_timedelta(
            rng.integers(1, 30, len(back)), unit="D"
        )
        end = pd.Timestamp(self.end) + pd.Timedelta(days=1)
        back = back[back.ordered_at < end]
        back["amount"] = -back.amount
        back["cost"] = -back.cost
        back["discount"] = 0.0
        back["promo"] = False
        back["order"] = -1 - np.arange(len(back))  # returns are orders of their own
        if back.empty:
            return lines.reset_index(drop=True)
        return pd.concat([lines, back], ignore_index=True)

    def _finish_orders(self, lines: pd.DataFrame, people: dict[str, np.ndarray]) -> pd.DataFrame:
        rng = self.rng
        width = len(str(self.n))
        cid = np.char.add("C", np.char.zfill(np.arange(1, self.n + 1).astype(str), width))
        orders_n = lines.order.to_numpy()
        number = np.where(
            orders_n >= 0,
            np.char.add("O", np.char.zfill((orders_n + 1).astype(str), 7)),
            np.char.add("R", np.char.zfill((-orders_n).astype(str), 6)),
        )
        unique_orders, inverse = np.unique(orders_n, return_inverse=True)
        order_channel = rng.choice(
            np.array(["store", "web", "app"]), len(unique_orders), p=[0.5, 0.35, 0.15]
        )[inverse]
        city = people["city_name"][lines.who.to_numpy()]
        store = np.where(order_channel == "store", np.char.add(city.astype(str), " Central"), "")
        out = pd.DataFrame(
            {
                "customer_id": cid[lines.who.to_numpy()],
                "order_id": number,
                "ordered_at": lines.ordered_at,
                "sku": lines.sku,
                "category": lines.category,
                "brand": lines.brand,
                "quantity": lines.quantity,
                "unit_price": lines.unit_price,
                "amount": lines.amount,
                "cost": lines.cost,
                "discount": lines.discount,
                "promo": lines.promo,
                "channel": order_channel,
                "store": store,
            }
        )
        people["customer_id"] = cid
        return out.sort_values(["ordered_at", "order_id"], kind="stable").reset_index(drop=True)

    # -- customers, marketing, truth ------------------------------------------------

    def _customer_table(self, people: dict[str, np.ndarray], orders: pd.DataFrame) -> pd.DataFrame:
        rng, n = self.rng, self.n
        first_order = orders[orders.amount > 0].groupby("customer_id").ordered_at.min()
        cid = people["customer_id"]
        first = first_order.reindex(cid).to_numpy()
        people["first_order"] = first
        channel = people["channel"].copy()
        order = np.argsort(first, kind="stable")
        rank = np.empty(n, dtype=int)
        rank[order] = np.arange(n)
        channel = np.where((channel == "referral") & (rank == 0), "organic", channel)
        referrer_rank = (rng.random(n) * np.maximum(rank, 1)).astype(int)
        referred_by = np.where(channel == "referral", cid[order][referrer_rank], "")
        people["channel"] = channel
        first_names = rng.choice(np.array(_FIRST), n)
        last_names = rng.choice(np.array(_LAST), n)
        signup = pd.to_datetime(first) - pd.to_timedelta(rng.integers(0, 30, n), unit="D")
        signup = signup.normalize().where(
            signup >= pd.Timestamp(self.start), pd.Timestamp(self.start)
        )
        # postal addresses and call/letter consents from their own stream, so adding them
        # left every other column of a seed as it was
        extra = np.random.default_rng([self.seed, 7])
        street = extra.choice(np.array(_STREETS), n)
        house = extra.integers(1, 120, n)
        address = [
            f"{s} {h}, {c}" for s, h, c in zip(street, house, people["city_name"], strict=True)
        ]
        return pd.DataFrame(
            {
                "customer_id": cid,
                "name": np.char.add(np.char.add(first_names, " "), last_names),
                "email": np.char.add(
                    np.char.add(np.char.lower(first_names.astype(str)), "."),
                    np.char.add(np.char.lower(cid.astype(str)), "@example.com"),
                ),
                "phone": [
                    f"+7 9{a:02d} {b:03d}-{c:02d}-{d:02d}"
                    for a, b, c, d in rng.integers(0, [100, 1000, 100, 100], (n, 4))
                ],
                "city": people["city_name"],
                "latitude": np.round(people["lat"], 5),
                "longitude": np.round(people["lon"], 5),
                "consent_email": rng.random(n) < 0.7,
                "consent_sms": rng.random(n) < 0.5,
                "address": address,
                "consent_phone": extra.random(n) < 0.3,
                "consent_post": extra.random(n) < 0.4,
                "acquisition_channel": channel,
                "referred_by": referred_by,
                "signup_date": pd.DatetimeIndex(signup).date,
            }
        )

    def _marketing(
        self, people: dict[str, np.ndarray], customers: pd.DataFrame, orders: pd.DataFrame
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        rng = self.rng
        months = pd.period_range(self.start, self.end, freq="M")
        first = pd.Series(pd.to_datetime(people["first_order"])).dt.to_period("M")
        new = pd.crosstab(first, customers.acquisition_channel).reindex(months, fill_value=0)
        buyers = orders[orders.amount > 0][["customer_id", "ordered_at"]].copy()
        buyers["month"] = buyers.ordered_at.dt.to_period("M")
        active = buyers.groupby("month").customer_id.nunique().reindex(months, fill_value=0)
        rows: list[tuple[Any, ...]] = []
        leads: list[tuple[Any, ...]] = []
        first_order = pd.Series(people["first_order"], index=people["customer_id"])
        email = pd.Series(customers.email.to_numpy(), index=customers.customer_id.to_numpy())
        lead_no = 0
        for i, month in enumerate(months):
            for channel in ("search", "social"):
                won = int(new[channel].iloc[i]) if channel in new.columns else 0
                spent = round(max(won, 1) * _CAC[channel] * rng.uniform(0.85, 1.15), 2)
                visitors = int(spent / _COST_PER_VISIT[channel] * rng.uniform(0.9, 1.1))
                n_leads = max(won, int(visitors * rng.uniform(0.03, 0.06)))
                rows.append(
                    (month.start_time.date(), channel, spent, visitors, n_leads, "acquisition")
                )
                who = customers.customer_id[
                    (first == month).to_numpy()
                    & (customers.acquisition_channel == channel).to_numpy()
                ].to_numpy()
                days = month.days_in_month
                created = month.start_time + pd.to_timedelta(
                    rng.uniform(0, days * 24 * 60, n_leads), unit="min"
                )
                for k in range(n_leads):
                    lead_no += 1
                    if k < len(who):  # a lead that became this customer, days before
                        bought = pd.Timestamp(first_order[who[k]])
                        came = max(
                            bought - pd.Timedelta(minutes=float(rng.uniform(60, 7 * 24 * 60))),
                            month.start_time,
                        )
                        leads.append(
                            (came.floor("min"), f"L{lead_no:07d}", channel, who[k], email[who[k]])
                        )
                    else:
                        leads.append(
                            (
                                created[k].floor("min"),
                                f"L{lead_no:07d}",
                                channel,
                                None,
                                f"lead{lead_no}@example.com",
                            )
                        )
            rows.append(
                (
                    month.start_time.date(),
                    "email",
                    round(50 + 0.2 * int(active.iloc[i]), 2),
                    None,
                    None,
                    "retention",
                )
            )
            rows.append((month.start_time.date(), "loyalty", 150.0, None, None, "retention"))
        spend = pd.DataFrame(
            rows, columns=["period", "channel", "spend", "visitors", "leads", "purpose"]
        )
        spend["visitors"] = spend.visitors.astype("Int64")
        spend["leads"] = spend.leads.astype("Int64")
        leads_frame = pd.DataFrame(
            leads, columns=["created_at", "lead_id", "channel", "customer_id", "email"]
        )
        leads_frame["created_at"] = leads_frame.created_at.astype("datetime64[us]")
        return spend, leads_frame

    def _truth(self, people: dict[str, np.ndarray], orders: pd.DataFrame) -> pd.DataFrame:
        bought = orders[orders.amount > 0]
        n_orders = bought.groupby("customer_id").order_id.nunique()
        revenue = orders.groupby("customer_id").amount.sum().round(2)
        cid = people["customer_id"]
        day = pd.Timestamp(self.start)

        def as_date(offsets: np.ndarray) -> np.ndarray:
            # whole days in numpy: pandas' float-to-timedelta conversion reads
            # uninitialised memory for NaN entries and may warn of a spurious overflow
            dates = np.full(len(offsets), np.datetime64("NaT"), dtype="datetime64[s]")
            known = np.isfinite(offsets)
            dates[known] = np.datetime64(day.date(), "D") + np.floor(offsets[known]).astype(
                np.int64
            ).astype("timedelta64[D]")
            return dates

        churner = people["type"] == "churner"
        dropped = np.where(churner, people["churn_at"], people["dropped_at"])
        alive = people["alive_at_end"] & ~churner
        return pd.DataFrame(
            {
                "customer_id": cid,
                "type": people["type"],
                "main_category": people["main"],
                "purchase_rate": people["rate"],
                "dropout_p": people["dropout"],
                "mean_spend": np.round(people["mean_spend"], 2),
                "alive_at_end": alive,
                "dropped_at": as_date(np.where(alive, np.nan, dropped)),
                "churn_at": as_date(np.where(churner, people["churn_at"], np.nan)),
                "favourite_brand": people["favourite"],
                "promo_hunter": people["type"] == "promo_hunter",
                "early_full_price": people["type"] == "early_full_price",
                "brand_fan": people["favourite"],
                "low_margin_only": people["type"] == "low_margin",
                "churned_on": as_date(np.where(churner, people["churn_at"], np.nan)),
                "acquisition_channel": people["channel"],
                "n_orders": n_orders.reindex(cid, fill_value=0).to_numpy(),
                "revenue": revenue.reindex(cid, fill_value=0.0).to_numpy(),
            }
        )


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, date_format="%Y-%m-%d %H:%M:%S")


def _season_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    """1 March and 1 September from the season running at ``start`` to ``end``."""
    out = []
    for year in range(start.year - 1, end.year + 1):
        for month in (3, 9):
            day = dt.date(year, month, 1)
            if day <= end:
                out.append(day)
    running = [d for d in out if d <= start]
    return [running[-1]] + [d for d in out if d > start] if running else out


def _season_start(day: np.ndarray) -> np.ndarray:
    """The 1 March or 1 September that starts the season each day falls in."""
    year = day.astype("datetime64[Y]")
    month = (day.astype("datetime64[M]") - year).astype(int) + 1
    march = year.astype("datetime64[M]") + np.timedelta64(2, "M")
    september = year.astype("datetime64[M]") + np.timedelta64(8, "M")
    previous_september = september - np.timedelta64(12, "M")
    start = np.where(month >= 9, september, np.where(month >= 3, march, previous_september))
    return start.astype("datetime64[D]")
