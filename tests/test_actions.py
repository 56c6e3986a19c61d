"""The action plan: groups counted from the one customer state, priced by hand, in order."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys

import ibis
import pandas as pd
import pytest

import repeatly
from repeatly.actions import GROUPS, ActionGroup, action_plan
from repeatly.campaigns import CampaignResults, parse_audience, plan_from_analysis
from repeatly.datasets import make_shop
from repeatly.exceptions import InputError
from repeatly.report import write_outputs
from repeatly.segments import STATUSES, write_segments
from repeatly.store import open_store

AS_OF = dt.date(2024, 6, 30)


def _state() -> ibis.Table:
    """Six customers whose groups, reach and money are worked out by hand below."""
    return ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["a", "b", "c", "d", "e", "f"],
                "status": ["lost", "lost", "lost", "due", "due", "active"],
                "golden": [False, False, True, False, True, True],
                "rfm_segment": ["Lost", "Lost", "At risk", "Loyal", "Champions", "Champions"],
                "margin": [30.0, 10.0, 200.0, 40.0, 160.0, 400.0],
                "revenue": [100.0, 50.0, 500.0, 100.0, 400.0, 1000.0],
                "orders": [2, 1, 4, 2, 4, 8],
                "email": ["a@x.io", None, "c@x.io", "d@x.io", "e@x.io", "f@x.io"],
                "consent_email": [True, False, True, True, False, True],
                "phone": [None, None, None, None, None, None],
                "consent_sms": [False] * 6,
            }
        )
    )


def test_each_group_is_priced_by_hand_and_the_plan_is_ordered_by_profit():
    groups = (
        ActionGroup("lost", "win_back", {"status": ["lost"]}, uplift=0.10, baseline=0.05),
        ActionGroup("due", "cycle_reminder", {"status": ["due"]}, uplift=0.20, baseline=0.30),
        ActionGroup("golden", "golden_care", {"golden": True}, uplift=0.5, baseline=0.5),
    )
    plan = action_plan(_state(), as_of=AS_OF, groups=groups, control_share=0.0)
    lost = plan.group("lost")
    # lost: a, b, c; reachable a and c (b has no e-mail): margin 230 over 6 orders,
    # revenue 600 over 6 orders; win_back gives 20% off
    assert (lost.customers, lost.reachable) == (3, 2)
    per_order, aov = 230 / 6, 600 / 6
    buyers = 2 * 0.10
    cost = 2 * (0.05 + 0.10) * 0.20 * aov
    assert lost.offer_cost == pytest.approx(round(cost, 2))
    assert lost.expected_profit == pytest.approx(round(buyers * per_order - cost, 2))
    assert lost.value == pytest.approx(240.0)  # historical margin of all three
    assert lost.value_basis == "historical"
    # due: d and e, only d reachable; a reminder costs nothing
    due = plan.group("due")
    assert (due.customers, due.reachable, due.offer_cost) == (2, 1, 0.0)
    assert due.expected_profit == pytest.approx(round(1 * 0.20 * 40 / 2, 2))
    # golden: c, e, f; c and f reachable: a gift of 25 to everyone who buys
    golden = plan.group("golden")
    assert (golden.customers, golden.reachable) == (3, 2)
    assert golden.offer_cost == pytest.approx(2 * (0.5 + 0.5) * 25)
    assert golden.expected_profit == pytest.approx(round(2 * 0.5 * 600 / 12 - 50, 2))
    profits = [a.expected_profit for a in plan.actions]
    assert profits == sorted(profits, reverse=True)
    assert [a.priority for a in plan.actions] == [1, 2, 3]
    assert lost.command.split()[:4] == ["repeatly", "campaign", "plan", "win_back"]
    assert "--audience status=due" in due.command  # the playbook's audience is another
    assert "--audience" not in lost.command  # win_back's own audience is the lost


def test_the_control_group_gets_nothing_and_costs_nothing():
    groups = (ActionGroup("lost", "win_back", {"status": ["lost"]}, uplift=0.1, baseline=0.05),)
    full = action_plan(_state(), as_of=AS_OF, groups=groups, control_share=0.0).group("lost")
    held = action_plan(_state(), as_of=AS_OF, groups=groups, control_share=0.5).group("lost")
    assert held.offer_cost == pytest.approx(full.offer_cost / 2, abs=0.01)
    assert held.expected_profit == pytest.approx(full.expected_profit / 2, abs=0.01)


def test_a_measured_campaign_of_the_same_playbook_and_group_replaces_the_prior():
    row = {
        "segment": "all",
        "treatment": 100,
        "control": 20,
        "uplift": 0.12,
        "response_rate_control": 0.04,
        "incremental_profit": 350.0,
        "incremental_profit_low": 100.0,
        "incremental_profit_high": 600.0,
        "offer_cost": 90.0,
    }
    measured = CampaignResults(
        campaign="win_back-2024-01-10",
        window=(dt.date(2024, 1, 10), dt.date(2024, 2, 8)),
        table=pd.DataFrame([row]),
        options={"playbook": "win_back", "audience": {"status": ["lost"]}},
    )
    other = CampaignResults(
        campaign="win_back-at-risk",
        window=(dt.date(2024, 3, 1), dt.date(2024, 3, 30)),
        table=pd.DataFrame([{**row, "incremental_profit": -1000.0}]),
        options={"playbook": "win_back", "audience": {"status": ["at_risk"]}},
    )
    plan = action_plan(_state(), as_of=AS_OF, measured=[measured, other], control_share=0.0)
    lost = plan.group("lost")
    assert lost.response["measured"] is True
    assert "win_back-2024-01-10" in lost.response["source"]
    assert lost.expected_profit == pytest.approx(2 * 350.0 / 100)
    assert lost.offer_cost == pytest.approx(2 * 90.0 / 100)
    assert lost.response["certain"] is True  # its interval is above zero
    due = plan.group("due")
    assert due.response["measured"] is False  # nothing measured on the due
    unsure = CampaignResults(
        campaign=measured.campaign,
        window=measured.window,
        table=pd.DataFrame([{**row, "incremental_profit_low": -50.0}]),
        options=measured.options,
    )
    again = action_plan(_state(), as_of=AS_OF, measured=[unsure], control_share=0.0)
    assert again.group("lost").response["certain"] is False


def test_groups_without_customers_are_left_out_and_leads_need_a_leads_table():
    plan = action_plan(_state(), as_of=AS_OF)
    names = {a.group for a in plan.actions}
    assert "at_risk" not in names and "new" not in names and "leads" not in names
    assert {"lost", "due", "golden", "referral"} <= names


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["status=at_risk,due"], {"status": ["at_risk", "due"]}),
        (["golden=TRUE", "orders=3.."], {"golden": True, "orders": {"min": 3.0}}),
        (["days_since=..90", "brand_fan=*"], {"days_since": {"max": 90.0}, "brand_fan": "*"}),
    ],
)
def test_audience_conditions_are_read_from_text(texts, expected):
    assert parse_audience(texts) == expected


@pytest.mark.parametrize("text", ["status", "=lost", "orders=a..b", "status=", "orders=.."])
def test_a_wrong_audience_condition_is_refused_naming_the_option(text):
    with pytest.raises(InputError, match=r"^audience: expected") as raised:
        parse_audience([text])
    assert raised.value.option == "audience"  # the command line names it --audience


def test_every_built_in_group_names_a_built_in_playbook_and_a_known_audience_column():
    shop = make_shop(300, seed=4)
    with repeatly.analyze(shop.orders, customers=shop.customers, as_of=shop.end) as result:
        columns = set(result.state.columns)
    for group in GROUPS:
        assert set(group.audience) <= columns, group.name


@pytest.fixture(scope="module")
def shop_analysis(tmp_path_factory):
    root = tmp_path_factory.mktemp("plan")
    shop = make_shop(800, seed=12)
    files = shop.write(root / "data")
    analysis = repeatly.analyze(
        files["orders"],
        customers=files["customers"],
        products=files["products"],
        leads=files["leads"],
        as_of=shop.end,
        predict=True,
    )
    yield analysis, root
    analysis.close()


def test_every_count_of_a_status_is_the_same_number_everywhere(shop_analysis):
    analysis, root = shop_analysis
    out = root / "report"
    write_outputs(analysis, out)
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))["statuses"]
    assert set(metrics) == set(STATUSES) and sum(metrics.values()) == analysis.metrics.customers
    # the report's status table
    table = analysis.tables.segments.status.set_index("status").customers
    assert {s: int(table.get(s, 0)) for s in STATUSES} == metrics
    html = (out / "report.html").read_text(encoding="utf-8")
    for status, label in (("lost", "lost"), ("at_risk", "at risk"), ("new", "new")):
        assert re.search(rf"{label} {metrics[status]:,}\b", html), status
    words = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    # the Prediction section's lost are the same lost
    assert re.search(rf"Lost {metrics['lost']:,} \S+ of customers, the same lost", words)
    # segments.csv
    write_segments(analysis.segments(), root / "segments")
    frame = pd.read_csv(root / "segments" / "segments.csv")
    assert frame.status.value_counts().to_dict() == {k: v for k, v in metrics.items() if v}
    # actions.json
    actions = {a["group"]: a for a in json.loads((out / "actions.json").read_text("utf-8"))}
    for status in ("lost", "at_risk", "due", "new"):
        if metrics[status]:
            assert actions[status]["customers"] == metrics[status], status
            listed = pd.read_csv(out / actions[status]["list"])
            assert len(listed) == metrics[status]
    required = {"group", "customers", "value", "playbook", "offer", "offer_cost"}
    required |= {"expected_profit", "list", "command"}
    assert all(required <= set(a) for a in actions.values())
    # a campaign's audience plus its exclusions, with the playbook's audience and with
    # the plan's --audience
    with open_store("sqlite://") as store:
        lost = plan_from_analysis("win_back", analysis, store=store)
        assert len(lost.audience) + len(lost.excluded) == metrics["lost"]
        from repeatly.jobs import PlanOptions

        options = PlanOptions(playbook="win_back", audience=parse_audience(["status=at_risk"]))
        at_risk = plan_from_analysis(options.playbook, analysis, store=store)
        assert len(at_risk.audience) + len(at_risk.excluded) == metrics["at_risk"]


def test_the_plan_finds_the_planted_groups(shop_analysis):
    analysis, _root = shop_analysis
    plan = analysis.action_plan()
    names = [a.group for a in plan.actions]
    assert {"lost", "golden", "promo_hunter", "brand_fan", "low_margin_only", "leads"} <= set(names)
    state = analysis.state.to_pandas().set_index("customer_id")
    assert plan.group("promo_hunter").customers == int(state.promo_hunter.sum())
    # the leads are counted as the lead campaign picks them: one a person, its audience
    with open_store("sqlite://") as store:
        follow_up = plan_from_analysis("lead_follow_up", analysis, store=store)
    leads = plan.group("leads")
    assert leads.customers == len(follow_up.audience) + len(follow_up.excluded)
    assert leads.reachable == len(follow_up.audience)
    assert plan.group("lost").value_basis == "predicted"
    assert plan.group("lost").value == pytest.approx(
        round(state.clv[state.status == "lost"].fillna(0).sum(), 2)
    )


def test_the_actions_command_prints_the_plan_and_writes_its_files(tmp_path):
    files = make_shop(300, seed=5).write(tmp_path / "data")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "repeatly",
            "actions",
            str(files["orders"]),
            "--customers",
            str(files["customers"]),
            "--lang",
            "ru",
            "--currency",
            "RUB",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "160"},
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "Что делать сейчас" in run.stdout
    assert "repeatly campaign plan win_back" in run.stdout
    written = pd.read_csv(tmp_path / "out" / "actions.csv")
    assert list(written.priority) == list(range(1, len(written) + 1))
    assert written.expected_profit.is_monotonic_decreasing


def test_the_call_workbook_has_a_sheet_per_action_in_the_plans_order(shop_analysis, tmp_path):
    from openpyxl import load_workbook

    from repeatly.actions import write_actions

    analysis, _root = shop_analysis
    plan = action_plan(
        analysis.state,
        as_of=analysis.as_of,
        language="ru",
        leads=analysis.leads_never_bought(),
    )
    assert plan.group("lost").title == "Ушедшие покупатели"
    written = write_actions(plan, analysis.state, tmp_path, language="ru")
    book = load_workbook(written["actions_xlsx"])
    overview = book[book.sheetnames[0]]
    rows = list(overview.iter_rows(min_row=2, values_only=True))
    customer_actions = [a for a in plan.actions if a.group != "leads"]  # leads: a list only
    assert [row[2] for row in rows[: len(customer_actions)]] == [
        a.customers for a in customer_actions
    ]
    assert rows[0][1] == book.sheetnames[1]
    # each customer on exactly one action sheet: the first of the plan's order they are in
    seen: list[str] = []
    for name in book.sheetnames[1 : len(customer_actions) + 1]:
        sheet = book[name]
        assert sheet.freeze_panes == "A2" and sheet["A1"].value == "Клиент"
        seen += [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(seen) == len(set(seen))
    on_first = sum(row[3] for row in rows[: len(customer_actions)])
    assert len(seen) == on_first
