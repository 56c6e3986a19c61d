"""The report opens in headless Chromium: every chart draws, nothing logs to the console.

Needs Debian's ``chromium`` (``apt-get install chromium``); skipped when absent, except
under CI.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile

import pytest

import repeatly
from repeatly.report import write_outputs

from .conftest import server_required

pytestmark = pytest.mark.browser


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    server_required("headless Chromium", "install it: apt-get install chromium")
    raise AssertionError("unreachable")


def _open(path) -> tuple[str, list[str]]:
    """The DOM after scripts ran, and the console messages."""
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run(
            [
                _chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=15000",
                "--dump-dom",
                path.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert run.returncode == 0, run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    return run.stdout, console


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_report_renders_every_chart_without_console_messages(
    tmp_path, hand_orders, hand_spend, hand_customers, lang
):
    result = repeatly.analyze(
        hand_orders,
        spend=hand_spend,
        customers=hand_customers,
        as_of="2024-06-01",
        lang=lang,
        currency="EUR",
    )
    paths = write_outputs(result, tmp_path)
    html = paths["report"].read_text(encoding="utf-8")
    assert "<script src=" not in html  # self-contained: works offline
    n_charts = html.count('class="plotly-graph-div"')
    assert n_charts >= 5

    dom, console = _open(paths["report"])
    assert console == []
    assert len(re.findall(r'class="[^"]*js-plotly-plot', dom)) == n_charts
    title = "Отчёт по клиентской базе" if lang == "ru" else "Customer base report"
    assert title in dom


def test_the_campaign_page_draws_its_chart(tmp_path):
    import datetime as dt

    import pandas as pd

    from repeatly.campaigns import (
        campaign_results,
        plan_campaign,
        record_campaign,
    )
    from repeatly.report import write_results
    from repeatly.store import open_store

    people = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(60)],
            "status": "active",
            "rfm_segment": ["Loyal", "Champions"] * 30,
            "email": "x@example.org",
            "consent_email": True,
            "days_since": 3,
        }
    )
    with open_store("sqlite://") as store:
        plan = plan_campaign(
            "monthly_coupon",
            people,
            store=store,
            as_of=dt.date(2024, 6, 1),
            control_share=0.3,
            name="june",
        )
        record_campaign(plan, store)
        lines = pd.DataFrame(
            {
                "customer_id": [f"c{i}" for i in range(0, 60, 3)],
                "ordered_at": pd.Timestamp("2024-06-05"),
                "amount": 25.0,
            }
        )
        paths = write_results(campaign_results(store, "june", lines), tmp_path, lang="ru")
    dom, console = _open(paths["report"])
    assert console == []
    assert len(re.findall(r'class="[^"]*js-plotly-plot', dom)) == 1
    assert "Результаты кампаний" in dom and "Вся кампания" in dom


def test_a_broken_page_is_caught(tmp_path):
    """The check above can fail: a script error shows up in the console lines."""
    page = tmp_path / "bad.html"
    page.write_text("<html><body><script>undefinedFunction();</script></body></html>")
    _, console = _open(page)
    assert any("Uncaught ReferenceError" in line for line in console)
