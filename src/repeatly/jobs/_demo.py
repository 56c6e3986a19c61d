"""The demo job: a synthetic shop, analysed and forecast, with a win-back campaign planned."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from repeatly.exceptions import InputError
from repeatly.jobs._analyze import analyze
from repeatly.jobs._options import AnalyzeOptions
from repeatly.prediction import ForecastOptions

if TYPE_CHECKING:
    from repeatly.campaigns import CampaignPlan
    from repeatly.datasets import Shop
    from repeatly.jobs._analysis import Analysis
    from repeatly.jobs._analyze import Progress

__all__ = ["Demo", "demo"]

#: The models of the demo are judged on its last six months.
HOLDOUT_DAYS = 182
DEMO_SHOP = {"name": "Demo Shop", "url": "https://shop.example"}


@dataclass
class Demo:
    """What :func:`demo` made: the shop, its files, the analysis and a campaign plan."""

    shop: Shop
    files: dict[str, Path]
    analysis: Analysis
    plan: CampaignPlan

    def close(self) -> None:
        """Free the analysis's engine tables."""
        self.analysis.close()

    def __enter__(self) -> Demo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def demo(
    data: str | Path,
    *,
    customers: int = 3000,
    seed: int = 0,
    lang: str = "en",
    currency: str | None = None,
    progress: Progress | None = None,
) -> Demo:
    """Make a synthetic shop, write its tables to ``data``, analyse and forecast it.

    The forecast's models are judged on the shop's last six months, and a win-back
    campaign is planned on an empty operational database in memory (nothing is
    recorded). The shop's money is in ``currency``: by default dollars, and roubles
    when the demo speaks Russian.
    """
    if not isinstance(customers, int) or customers < 1:
        raise InputError(f"customers: expected at least 1, got {customers}", option="customers")
    options = AnalyzeOptions(lang=lang)  # type: ignore[arg-type]  # checked before the shop is made
    from repeatly.campaigns import plan_from_analysis
    from repeatly.datasets import make_shop
    from repeatly.store import open_store

    step = progress or (lambda label: None)
    step(f"Generating a shop with {customers:,} customers (seed {seed})")
    shop = make_shop(customers, seed=seed)
    files = shop.write(data)
    holdout_from = shop.end - dt.timedelta(days=HOLDOUT_DAYS)
    options = AnalyzeOptions(
        as_of=shop.end,
        lang=options.lang,
        currency=currency or ("RUB" if options.lang == "ru" else "USD"),
        predict=ForecastOptions(calibration_end=holdout_from),
    )
    analysis = analyze(
        files["orders"],
        customers=files["customers"],
        products=files["products"],
        spend=files["spend"],
        leads=files["leads"],
        options=options,
        progress=step,
    )
    try:
        step("Planning a win-back campaign")
        with open_store("sqlite://") as store:  # a demo records nothing
            plan = plan_from_analysis(
                "win_back", analysis, store=store, language=lang, shop=DEMO_SHOP
            )
    except BaseException:
        analysis.close()
        raise
    return Demo(shop=shop, files=files, analysis=analysis, plan=plan)
