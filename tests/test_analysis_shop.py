"""The whole job on a synthetic shop, scored against figures computed independently
from the planted tables with pandas."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

import repeatly
from repeatly.datasets import make_shop
from repeatly.report import render_report, write_outputs

REQUIRED = {"as_of", "customers", "orders", "revenue", "repeat_share", "first_order_value"}
WITH_SPEND = {
    "cost_per_visitor",
    "cost_per_lead",
    "cac",
    "cac_paid",
    "cost_to_return",
    "profit_per_customer",
    "ltv_to_cac",
    "ltv_to_cac_paid",
    "payback_months",
}


@pytest.fixture(scope="module")
def shop():
    return make_shop(1500, seed=11)


@pytest.fixture(scope="module")
def result(shop, tmp_path_factory):
    files = shop.write(tmp_path_factory.mktemp("shop"))
    return repeatly.analyze(
        files["orders"],
        customers=files["customers"],
        spend=files["spend"],
        leads=files["leads"],
        products=files["products"],
        as_of=shop.end,
        currency="EUR",
    )


def test_headline_figures_equal_a_pandas_computation(shop, result):
    o = shop.orders
    m = result.metrics
    purchases = (
        o[o.amount > 0]
        .groupby(["customer_id", "order_id"])
        .agg(at=("ordered_at", "min"), value=("amount", "sum"))
        .reset_index()
    )
    per_customer = purchases.groupby("customer_id").order_id.nunique()
    assert m["customers"] == shop.truth.shape[0] == 1500
    assert m["orders"] == shop.truth.n_orders.sum() == len(purchases)
    assert m["revenue"] == pytest.approx(o.amount.sum(), abs=0.01)
    assert m["repeat_share"] == pytest.approx((per_customer >= 2).mean())
    first = purchases.sort_values("at").groupby("customer_id").first()
    # returns are orders of their own here, so the first order's value is its lines' sum
    assert m["first_order_value"] == pytest.approx(first.value.mean())
    assert m["as_of"] == shop.end.isoformat()
    spend = shop.spend
    acquisition = spend[spend.purpose == "acquisition"]
    assert m["cost_per_visitor"] == pytest.approx(
        acquisition.spend.sum() / acquisition.visitors.sum()
    )
    assert m["cost_per_lead"] == pytest.approx(acquisition.spend.sum() / acquisition.leads.sum())


def test_cac_per_channel_recovers_the_planted_cost(shop, result):
    planted = shop.params["cac"]
    by_channel = result.tables.economics_by_channel.set_index("group")
    for channel, cac in planted.items():
        # spend was drawn as new customers x CAC x U(0.85, 1.15) each month
        assert by_channel.loc[channel, "cac"] == pytest.approx(cac, rel=0.06)


def test_paid_cac_counts_only_customers_of_the_channels_with_spend(shop, result):
    spend = shop.spend
    acquisition = spend[spend.purpose == "acquisition"]
    paid_channels = set(acquisition[acquisition.spend > 0].channel)
    assert paid_channels == set(shop.params["cac"])  # search and social
    paid = shop.customers[shop.customers.acquisition_channel.isin(paid_channels)]
    m = result.metrics
    assert m["cac_paid"] == pytest.approx(acquisition.spend.sum() / len(paid))
    assert m["cac"] == pytest.approx(acquisition.spend.sum() / m["customers"])
    # organic, referral and e-mail customers cost nothing to win, so the all-channel
    # figure is lower; the paid one sits among the planted costs of the paid channels
    low, high = min(shop.params["cac"].values()), max(shop.params["cac"].values())
    assert m["cac"] < low * 0.85 and low * 0.85 <= m["cac_paid"] <= high * 1.15
    assert m["ltv_to_cac_paid"] < m["ltv_to_cac"]


def test_outputs_are_written(result, tmp_path):
    paths = write_outputs(result, tmp_path)
    metrics = json.loads(paths["metrics"].read_text())
    assert set(metrics) >= REQUIRED | WITH_SPEND
    customers = pd.read_csv(paths["customers"])
    assert len(customers) == metrics["customers"]
    assert customers.customer_id.is_unique
    html = paths["report"].read_text()
    assert "€" in html and "Columns used" in html and "Data quality" in html


def test_russian_report(shop):
    result = repeatly.analyze(
        shop.orders, spend=shop.spend, as_of=shop.end, lang="ru", currency="RUB"
    )
    html = render_report(result)
    assert "Отчёт по клиентской базе" in html and "Качество данных" in html


def test_demo_command_writes_data_truth_and_report(tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "repeatly",
            "demo",
            "--customers",
            "300",
            "--seed",
            "4",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    for name in ("orders", "customers", "products", "spend", "leads", "truth"):
        assert (tmp_path / "data" / f"{name}.csv").exists()
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["customers"] == 300
    assert (tmp_path / "report.html").stat().st_size > 100_000
    assert 'id="prediction"' in (tmp_path / "report.html").read_text(encoding="utf-8")
    audience = pd.read_csv(tmp_path / "campaign" / "audience.csv")
    truth = pd.read_csv(tmp_path / "data" / "customers.csv")
    assert set(audience.group) == {"treatment", "control"}
    assert set(audience.customer_id) <= set(truth.customer_id)
    assert "Demo Shop" in (tmp_path / "campaign" / "previews.txt").read_text(encoding="utf-8")


def test_catalogue_fills_what_the_orders_lack(shop):
    bare = shop.orders.drop(columns=["category", "brand", "cost", "unit_price"])
    full = repeatly.analyze(shop.orders, as_of=shop.end)
    filled = repeatly.analyze(bare, products=shop.products, as_of=shop.end)
    assert filled.metrics["margin_basis"] == "cost"
    assert filled.metrics["margin"] == pytest.approx(full.metrics["margin"], abs=0.01)
    cycles = filled.tables.category_gaps.set_index("category").median_days
    assert cycles.to_dict() == full.tables.category_gaps.set_index("category").median_days.to_dict()


def test_leads_file_gives_lead_counts_and_conversion(shop):
    spend = shop.spend.drop(columns=["leads"])
    result = repeatly.analyze(shop.orders, spend=spend, leads=shop.leads, as_of=shop.end)
    acquisition = shop.spend[shop.spend.purpose == "acquisition"]
    # the shop's leads table holds exactly the leads its spend table counts
    assert result.metrics["cost_per_lead"] == pytest.approx(
        acquisition.spend.sum() / acquisition.leads.sum()
    )
    assert result.metrics["leads"] == len(shop.leads)
    assert result.metrics["lead_conversion"] == pytest.approx(shop.leads.customer_id.notna().mean())


def test_raw_headers_and_per_input_mapping(shop):
    orders = shop.orders.rename(
        columns={"customer_id": "Клиент", "ordered_at": "Дата", "amount": "Сумма"}
    )
    spend = shop.spend.rename(columns={"spend": "Cost"})
    result = repeatly.analyze(orders, spend=spend, mapping={"spend.spend": "Cost"}, as_of=shop.end)
    assert result.metrics["customers"] == 1500
    assert result.inputs["orders"].mapping["customer_id"] == "Клиент"
    assert result.inputs["spend"].mapping["spend"] == "Cost"
    with pytest.raises(repeatly.exceptions.InputError, match="no leads input"):
        repeatly.analyze(orders, mapping={"leads.channel": "x"})


def test_segment_tables_of_the_report_add_up(result):
    t = result.tables.segments
    customers = result.metrics["customers"]
    assert t.rfm_segments.customers.sum() == customers
    assert t.rfm_grid.customers.sum() == customers
    assert t.status.customers.sum() == customers
    golden = t.golden.iloc[0]
    assert golden.golden_margin >= 0.5 * golden.margin
    assert t.movement.customers.sum() == customers  # 24 months of history
    html = render_report(result)
    assert 'id="segments"' in html and "golden customers" in html
