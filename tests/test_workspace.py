"""Workspaces: every job has its own engine tables, and gives them back when it ends."""

from __future__ import annotations

import gc

import ibis
import pandas as pd
import pytest

import repeatly
from repeatly.connection import default_connection
from repeatly.datasets import make_shop
from repeatly.exceptions import DataValidationError, RepeatlyError
from repeatly.workspace import Workspace


@pytest.fixture(scope="module")
def two_shops(tmp_path_factory):
    root = tmp_path_factory.mktemp("shops")
    small, large = make_shop(150, seed=1), make_shop(260, seed=2)
    return (small, small.write(root / "a")), (large, large.write(root / "b"))


def _tables(con) -> set[str]:
    return set(con.list_tables())


def test_two_analyses_in_one_process_keep_apart_and_leave_no_tables(two_shops):
    (shop_a, files_a), (shop_b, files_b) = two_shops
    shared = repeatly.connection.shared_connection()
    shared_before = _tables(shared)
    with (
        repeatly.analyze(files_a["orders"], customers=files_a["customers"]) as a,
        repeatly.analyze(files_b["orders"], spend=files_b["spend"]) as b,
    ):
        assert a.workspace.con is not b.workspace.con
        assert not set(a.workspace.tables) & _tables(b.workspace.con)
        # each answers from its own data, asked in turn
        assert a.metrics["customers"] == shop_a.orders.customer_id.nunique()
        assert b.metrics["customers"] == shop_b.orders.customer_id.nunique()
        assert len(a.customers()) == a.metrics["customers"]
        assert len(b.customers()) == b.metrics["customers"]
        assert set(a.customers().customer_id) == set(shop_a.orders.customer_id)
        assert "cac" in b.metrics and "cac" not in a.metrics
        held = a.workspace.tables + b.workspace.tables
        assert len(held) >= 2 * 8  # orders, summary, gaps, segments ... for each
    for result in (a, b):
        assert result.workspace.closed and result.workspace.tables == []
        with pytest.raises(Exception, match=r"[Cc]onnection"):  # its engine is gone
            result.customers()
    assert _tables(shared) == shared_before  # nothing landed in the process-wide engine


def test_an_analysis_on_a_borrowed_engine_drops_what_it_made(two_shops):
    (shop, files), _ = two_shops
    con = default_connection()
    con.create_table("users_own", ibis.memtable({"x": [1]}))
    before = _tables(con)
    with repeatly.analyze(files["orders"], customers=files["customers"], con=con) as result:
        made = _tables(con) - before
        assert made  # inputs and intermediate tables live in the borrowed engine
        assert result.metrics["customers"] == shop.orders.customer_id.nunique()
    with repeatly.analyze(shop.orders, spend=shop.spend, con=con) as from_frames:
        assert from_frames.metrics["customers"] == shop.orders.customer_id.nunique()
    assert _tables(con) == before  # the user's own table stays; the jobs' are gone
    assert con.table("users_own").count().execute() == 1  # and the engine is still open


def test_a_failed_analysis_leaves_nothing_in_the_engine(tmp_path, two_shops):
    (_, files), _ = two_shops
    bad = tmp_path / "spend.csv"
    bad.write_text("period,channel,spend\n2023-01-01,ads,12O\n", encoding="utf-8")
    con = default_connection()
    before = _tables(con)
    with pytest.raises(DataValidationError, match=r'spend\.csv, row 2, column "spend"'):
        repeatly.analyze(files["orders"], spend=bad, con=con)  # the orders loaded first
    assert _tables(con) == before


def test_a_workspace_is_released_when_no_one_closes_it():
    workspace = Workspace()
    con = workspace.con
    workspace.store(ibis.memtable(pd.DataFrame({"x": [1, 2]})), "kept")
    del workspace
    gc.collect()
    with pytest.raises(Exception, match=r"[Cc]onnection"):
        con.raw_sql("SELECT 1")


def test_a_closed_workspace_stores_nothing_more():
    with Workspace() as workspace:
        table = workspace.store(ibis.memtable({"x": [1, 2, 3]}), "numbers")
        assert int(table.x.sum().execute()) == 6
        workspace.drop(table)
        assert workspace.tables == []
    with pytest.raises(RepeatlyError, match="workspace is closed"):
        workspace.store(ibis.memtable({"x": [1]}), "late")


def test_every_result_has_a_json_form(two_shops, tmp_path):
    import json

    from repeatly.campaigns import plan_from_analysis
    from repeatly.jobs import segment
    from repeatly.store import open_store

    (shop, files), _ = two_shops
    with repeatly.analyze(files["orders"], customers=files["customers"], predict=True) as result:
        analysed = json.loads(json.dumps(result.to_dict(), allow_nan=False))
        with open_store("sqlite://") as store:
            plan = plan_from_analysis("win_back", result, store=store)
        planned = json.loads(json.dumps(plan.to_dict(), allow_nan=False))
    assert analysed["metrics"]["customers"] == shop.orders.customer_id.nunique()
    assert analysed["forecast"]["model"] in ("bgnbd", "mbgnbd", "pnbd")
    assert {len(rows) for rows in analysed["tables"]["cohorts"][:1]} == {
        len(result.tables.cohorts.columns)
    }
    assert planned["treatment"] == sum(r["group"] == "treatment" for r in planned["recipients"])
    with segment(files["orders"], customers=files["customers"]) as found:
        counted = json.loads(json.dumps(found.to_dict(), allow_nan=False))
        assert sum(counted["by_status"].values()) == counted["customers"]
        assert counted["lists"] == found.counts()
