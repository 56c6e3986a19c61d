"""The operational database: migrations, upgrades from the last release, units of work."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from repeatly.campaigns import (
    campaign_results,
    plan_campaign,
    send_campaign,
)
from repeatly.datasets import make_shop
from repeatly.offers import Offer, issue_coupons, save_coupons
from repeatly.store import migrate, open_store, tables

PREVIOUS = Path(__file__).parent / "data" / "store-0002.sqlite"  # see data/README.md
NOON = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.UTC)


def _count(store, table, *where) -> int:
    with store.engine.connect() as con:
        return con.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar()


def _version(store) -> str:
    with store.engine.connect() as con:
        return con.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def test_the_last_releases_store_upgrades_with_its_campaigns_intact(tmp_path, smtp_server):
    path = tmp_path / "repeatly.db"
    shutil.copyfile(PREVIOUS, path)
    with open_store(f"sqlite:///{path}") as store:
        assert _version(store) == "0004"
        starts = store.campaign_starts()
        assert starts == {
            "win_back-2024-01-01": dt.date(2024, 1, 1),
            "thank_you-2024-01-01": dt.date(2024, 1, 1),
        }
        # every row the last release wrote is still there (counts in data/README.md)
        assert _count(store, tables.recipients) == 92 + 13
        assert _count(store, tables.messages) == 332 + 12
        assert _count(store, tables.messages, tables.messages.c.status == "sent") == 59
        assert _count(store, tables.coupons) == 83
        assert store.blocked() == {"blocked@example.com", "+79991234567"}
        assert store.unsubscribed() == {("C006", "sms")}
        # its opt-out holds for C006's phone (in their recorded fields) too, for SMS only
        assert store.unsubscribed_addresses() == {("+79028847428", "sms")}
        # the coupons came from their campaign and were issued when it was recorded
        with store.engine.connect() as con:
            rows = con.execute(
                sa.select(
                    tables.coupons.c.source,
                    tables.coupons.c.issued_at,
                    tables.campaigns.c.created_at,
                ).join(tables.campaigns, tables.campaigns.c.id == tables.coupons.c.campaign_id)
            ).all()
        assert {source for source, _, _ in rows} == {"campaign"}
        assert all(issued == created for _, issued, created in rows)

        # planned again from the same shop, the campaign is found, not recorded twice,
        # and the e-mails the last release sent are not sent again
        shop = make_shop(300, seed=5)
        host, port, recorder = smtp_server
        import repeatly
        from repeatly.campaigns import (
            SmtpSettings,
            plan_from_analysis,
        )

        analysis = repeatly.analyze(shop.orders, customers=shop.customers, as_of=shop.end)
        plan = plan_from_analysis(
            "win_back", analysis, store=store, shop={"url": "https://shop.example"}
        )
        assert plan.name == "win_back-2024-01-01"
        sent = send_campaign(
            plan, store, smtp=SmtpSettings(host, port, "news@shop.example"), now=NOON
        )
        assert not sent.created and sent.sent == 0 and recorder.received == []
        # and it can be measured: three treated customers buy in its window
        with store.engine.connect() as con:
            treated = (
                con.execute(
                    sa.select(tables.recipients.c.customer_id)
                    .where(tables.recipients.c.grp == "treatment")
                    .join(tables.campaigns)
                    .where(tables.campaigns.c.name == plan.name)
                    .order_by(tables.recipients.c.customer_id)
                    .limit(3)
                )
                .scalars()
                .all()
            )
        later = pd.DataFrame(
            {"customer_id": treated, "ordered_at": pd.Timestamp("2024-01-10"), "amount": 50.0}
        )
        lines = pd.concat([shop.orders[["customer_id", "ordered_at", "amount"]], later])
        measured = campaign_results(store, plan.name, lines, window_days=30).overall
        assert measured["treatment"] + measured["control"] == 92
        assert measured["responders_treatment"] == 3 and measured["responders_control"] == 0


def test_the_model_tables_match_what_the_migrations_build(store_url):
    with open_store(store_url) as store, store.engine.connect() as con:
        context = MigrationContext.configure(con)
        assert compare_metadata(context, tables.metadata) == []


def test_a_revision_0002_store_on_any_engine_gets_its_coupons_sources(store_url):
    engine = sa.create_engine(store_url.replace("postgresql://", "postgresql+psycopg://"))
    migrate(engine, "0002")
    created = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)
    with engine.begin() as con:  # as the release of revision 0002 recorded a campaign
        con.execute(
            sa.text(
                "INSERT INTO campaigns (id, name, playbook, created_at, as_of, status, seed, "
                "control_share, options) VALUES (7, 'spring', 'win_back', :at, '2025-02-28', "
                "'recorded', 1, 0.1, '{\"start\": \"2025-03-01\"}')"
            ),
            {"at": created},
        )
        con.execute(
            sa.text(
                "INSERT INTO coupons (code, campaign_id, customer_id, kind, value, valid_from, "
                "valid_until, usage_limit, uses, min_order, categories) VALUES ('AAAAA-BBBBB', "
                "7, 'c1', 'percent', 15, '2025-03-01', '2025-03-14', 1, 0, 0, '[]')"
            )
        )
    engine.dispose()
    with open_store(store_url) as store, store.connect() as db:
        coupon = db.coupons.get("AAAAA-BBBBB")
        assert _version(store) == "0004"
    assert coupon is not None
    assert (coupon.source, coupon.campaign_id, coupon.value) == ("campaign", 7, Decimal("15.00"))
    assert coupon.issued_at is not None
    issued = (
        coupon.issued_at if coupon.issued_at.tzinfo else coupon.issued_at.replace(tzinfo=dt.UTC)
    )
    assert issued == created


def test_coupons_need_no_campaign_and_keep_exact_money(store_url):
    offer = Offer(kind="amount", value=12.5, valid_days=30, min_order=40.1)
    issued = issue_coupons(
        offer, ["c1", "c2"], secret=b"k" * 32, issuer="checkout", valid_from=dt.date(2026, 5, 1)
    )
    with open_store(store_url) as store:
        with store.begin() as db:
            assert save_coupons(db, issued, issued_at=NOON, source="checkout") == 2
        with store.connect() as db:
            got = db.coupons.get(issued[0].code)
    assert got is not None
    assert (got.campaign_id, got.source, got.customer_id) == (None, "checkout", "c1")
    assert (got.value, got.min_order) == (Decimal("12.50"), Decimal("40.10"))
    assert (got.valid_from, got.valid_until) == (dt.date(2026, 5, 1), dt.date(2026, 5, 30))
    assert (got.usage_limit, got.uses, got.categories) == (1, 0, ())


def test_a_unit_of_work_that_fails_writes_nothing(store_url):
    with open_store(store_url) as store:
        with pytest.raises(RuntimeError, match="midway"), store.begin() as db:
            db.contacts.add_do_not_contact(["a@x.example"], reason="asked", at=NOON)
            db.contacts.unsubscribe("c1", "email", at=NOON)
            raise RuntimeError("midway")
        assert store.blocked() == set()
        assert store.unsubscribed() == set()


def test_opening_a_store_that_cannot_be_reached_says_which(tmp_path):
    from repeatly.exceptions import StoreError

    missing = tmp_path / "no-such-folder" / "r.db"
    with pytest.raises(StoreError, match="cannot be opened"):
        open_store(f"sqlite:///{missing}")


def test_plan_campaign_keeps_the_offer_terms_on_its_coupons():
    people = [
        {
            "customer_id": f"c{i}",
            "status": "lost",
            "rfm_segment": "Lost",
            "email": "x@y.example",
            "consent_email": True,
        }
        for i in range(20)
    ]
    with open_store("sqlite://") as store:
        plan = plan_campaign(
            "win_back", pd.DataFrame(people), store=store, as_of=dt.date(2026, 1, 31), seed=3
        )
    book = plan.playbook
    last_step = max(step.delay_days for step in book.steps)
    assert plan.coupons and all(
        c.valid_until
        == dt.date(2026, 2, 1) + dt.timedelta(days=last_step + book.offer.valid_days - 1)
        and (c.kind, c.value) == (book.offer.kind, book.offer.value)
        for c in plan.coupons
    )
    assert sorted(c.customer_id for c in plan.coupons) == sorted(plan.treatment.customer_id)
