"""Planning campaigns: the audience, the rules, the control group, coupons and previews.

The audiences are checked against the segments they come from, the rules against
random inputs (hypothesis), and the control group against its arithmetic.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import repeatly
from repeatly.campaigns import (
    ContactRules,
    control_group,
    plan_campaign,
    write_plan,
)
from repeatly.exceptions import PlaybookError
from repeatly.store import contact_key, open_store, tables

AS_OF = dt.date(2024, 6, 1)


@pytest.fixture(scope="module")
def shop_segments():
    shop = repeatly.datasets.make_shop(500, seed=4)
    analysis = repeatly.analyze(
        shop.orders, customers=shop.customers, products=shop.products, leads=shop.leads
    )
    return analysis, analysis.segments().to_pandas()


def _sent(store, customer: str, count: int, at: dt.datetime) -> None:
    """Record ``count`` messages sent to a customer at a moment (as a send would)."""
    with store.engine.begin() as con:
        campaign = con.execute(
            sa.select(tables.campaigns.c.id).where(tables.campaigns.c.name == "earlier")
        ).scalar()
        if campaign is None:
            campaign = con.execute(
                tables.campaigns.insert().values(
                    name="earlier",
                    playbook="x",
                    created_at=at,
                    as_of=at.date(),
                    status="sent",
                    seed=0,
                    control_share=0.1,
                    options="{}",
                )
            ).inserted_primary_key[0]
        for i in range(count):
            con.execute(
                tables.messages.insert().values(
                    campaign_id=campaign,
                    customer_id=customer,
                    step=f"s{i}",
                    channel="email",
                    status="sent",
                    attempts=1,
                    message_id=f"<{customer}.{i}@earlier>",
                    due_on=at.date(),
                    sent_at=at,
                )
            )


def test_win_back_reaches_the_lost_customers_and_loses_no_one(shop_segments, tmp_path):
    analysis, segments = shop_segments
    as_of = analysis.as_of
    with open_store(f"sqlite:///{tmp_path / 'r.db'}") as store:
        plan = plan_campaign("win_back", segments, store=store, as_of=as_of)
        again = plan_campaign("win_back", segments, store=store, as_of=as_of)
    lost = set(segments.customer_id[segments.status == "lost"])
    planned = set(plan.audience.customer_id)
    assert planned | set(plan.excluded.customer_id) == lost
    assert not planned & set(plan.excluded.customer_id)
    # the same campaign planned again holds back the same customers, with the same codes
    pd.testing.assert_frame_equal(plan.audience, again.audience)
    # a stratified 10%: each segment the floor or ceiling of its share, the whole rounded
    assert len(plan.control) == math.floor(len(plan.audience) * 0.1 + 0.5)
    for stratum, group in plan.audience.groupby("stratum"):
        held = int((group.group == "control").sum())
        assert math.floor(len(group) * 0.1 + 1e-9) <= held <= math.ceil(len(group) * 0.1), stratum
    treated = plan.treatment
    assert treated.coupon_code.notna().all() and treated.coupon_code.is_unique
    assert plan.control.coupon_code.isna().all()
    assert {c.code for c in plan.coupons} == set(treated.coupon_code)
    for row in treated.itertuples():
        consent = {"email": row.consent_email, "sms": row.consent_sms, "letter": row.consent_post}[
            row.channel
        ]
        field = {"email": row.email, "sms": row.phone, "letter": row.address}[row.channel]
        assert consent is True and field, row.customer_id
    assert plan.summary()["messages"] == 4 * len(treated)


def test_the_plan_files_hold_the_audience_the_coupons_and_previews(shop_segments, tmp_path):
    analysis, segments = shop_segments
    with open_store("sqlite://") as store:
        plan = plan_campaign(
            "win_back",
            segments,
            store=store,
            as_of=analysis.as_of,
            language="ru",
            shop={"name": "Лавка", "url": "https://lavka.example"},
        )
    paths = write_plan(plan, tmp_path / "out")
    audience = pd.read_csv(paths["audience"])
    assert list(audience.columns[:6]) == [
        "customer_id",
        "group",
        "channel",
        "coupon_code",
        "why",
        "stratum",
    ]
    control = audience[audience.group == "control"]
    assert control.channel.isna().all() and control.coupon_code.isna().all()
    assert len(pd.read_csv(paths["coupons"])) == len(plan.treatment)
    text = paths["previews"].read_text(encoding="utf-8")
    first = plan.treatment[plan.treatment.channel == "email"].iloc[0]
    assert f"=== step offer · email · ru · customer {first.customer_id} ===" in text
    assert f"Код {first.coupon_code} действует до" in text
    assert "https://lavka.example/unsubscribe?c=" in text
    assert audience.why.str.startswith("«Потерянные»: ").all()  # the plan is in Russian


@st.composite
def _audiences(draw):
    n = draw(st.integers(1, 30))
    maybe_text = st.one_of(st.none(), st.just(""), st.just(" "), st.just("x"))
    rows = []
    for i in range(n):
        rows.append(
            {
                "customer_id": f"c{i}",
                "status": "lost",
                "rfm_segment": draw(st.sampled_from(["A", "B", "C"])),
                "email": None
                if draw(maybe_text) is None
                else f"p{i}@example.com"
                if draw(st.booleans())
                else draw(maybe_text),
                "phone": f"+7 900 {i:07d}" if draw(st.booleans()) else draw(maybe_text),
                "consent_email": draw(st.one_of(st.none(), st.booleans())),
                "consent_sms": draw(st.one_of(st.none(), st.booleans())),
            }
        )
    frame = pd.DataFrame(rows)
    blocked = draw(
        st.lists(
            st.sampled_from(
                [f"c{i}" for i in range(n)]
                + [f"P{i}@Example.com" for i in range(n)]
                + [f"+7 (900) {i:07d}" for i in range(n)]
            ),
            max_size=6,
        )
    )
    unsubscribed = draw(
        st.lists(
            st.tuples(
                st.sampled_from(frame.customer_id.tolist()), st.sampled_from(["email", "sms"])
            ),
            max_size=6,
        )
    )
    sent = draw(
        st.dictionaries(st.sampled_from(frame.customer_id.tolist()), st.integers(1, 3), max_size=6)
    )
    return frame, blocked, unsubscribed, sent


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_audiences(), st.integers(1, 3), st.floats(0.0, 0.5))
def test_consent_do_not_contact_and_the_cap_hold_for_any_audience(case, cap, share):
    frame, blocked, unsubscribed, sent = case
    now = dt.datetime.combine(AS_OF, dt.time(12), tzinfo=dt.UTC)
    with open_store("sqlite://") as store:
        store.add_do_not_contact(blocked, reason="asked")
        for customer, channel in unsubscribed:
            store.unsubscribe(customer, channel)
        for customer, count in sent.items():
            _sent(store, customer, count, now - dt.timedelta(days=2))
        plan = plan_campaign(
            "win_back",
            frame,
            store=store,
            as_of=AS_OF,
            control_share=share,
            rules=ContactRules(max_per_week=cap),
        )
    keys = {contact_key(v) for v in blocked}
    assert set(plan.audience.customer_id) | set(plan.excluded.customer_id) == set(frame.customer_id)
    for row in plan.audience.itertuples():
        assert contact_key(row.customer_id) not in keys
        assert contact_key(row.email) not in keys and contact_key(row.phone) not in keys
        assert sent.get(row.customer_id, 0) < cap
        if row.group == "treatment":
            assert row.channel in ("email", "sms")
            assert (row.customer_id, row.channel) not in set(unsubscribed)
            consent = row.consent_email if row.channel == "email" else row.consent_sms
            address = row.email if row.channel == "email" else row.phone
            assert consent is True and address.strip()
    assert len(plan.control) == math.floor(len(plan.audience) * share + 0.5 + 1e-9)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from("abcde"), min_size=0, max_size=80),
    st.floats(0.0, 0.95),
    st.integers(0, 2**32 - 1),
    st.randoms(),
)
def test_the_control_group_is_stratified_exact_and_order_free(strata, share, seed, random):
    ids = [f"c{i}" for i in range(len(strata))]
    held = control_group(ids, strata, share=share, seed=seed)
    assert held.sum() == math.floor(len(ids) * share + 0.5 + 1e-9)
    for name in set(strata):
        members = [i for i, s in enumerate(strata) if s == name]
        quota = len(members) * share
        assert math.floor(quota + 1e-9) <= held[members].sum() <= math.ceil(quota - 1e-9)
    order = list(range(len(ids)))
    random.shuffle(order)
    shuffled = control_group(
        [ids[i] for i in order], [strata[i] for i in order], share=share, seed=seed
    )
    assert {ids[i] for i, h in zip(order, shuffled, strict=True) if h} == {
        ids[i] for i in np.flatnonzero(held)
    }


def test_the_control_group_is_random_across_seeds():
    ids = [f"c{i}" for i in range(1000)]
    groups = {
        tuple(np.flatnonzero(control_group(ids, ["a"] * 1000, share=0.1, seed=s))) for s in range(5)
    }
    assert len(groups) == 5


def test_the_channel_a_customer_answered_before_comes_first(store_url):
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "status": ["lost", "lost"],
            "rfm_segment": ["A", "A"],
            "email": ["a@x.org", "b@x.org"],
            "phone": ["+7 900 000-00-01", "+7 900 000-00-02"],
            "consent_email": [True, True],
            "consent_sms": [True, True],
        }
    )
    with open_store(store_url) as store:
        store.record_response("b", kind="order", channel="sms")
        plan = plan_campaign("win_back", frame, store=store, as_of=AS_OF, control_share=0)
    assert dict(zip(plan.audience.customer_id, plan.audience.channel, strict=True)) == {
        "a": "email",
        "b": "sms",
    }
    assert plan.audience.why.tolist()[1].endswith("; sms")


def test_the_store_keeps_its_key_and_its_lists(store_url):
    with open_store(store_url) as store:
        key = store.secret()
        assert (
            store.add_do_not_contact(
                ["Anna@Example.com", "+7 (900) 123-45-67", "c9"], reason="asked"
            )
            == 3
        )
        assert store.add_do_not_contact(["anna@example.com"], reason="again") == 0
        store.unsubscribe("c1", "sms")
        store.unsubscribe("c1", "sms")
    with open_store(store_url) as store:  # opened again: migrations are not re-run
        assert store.secret() == key
        assert store.blocked() == {"anna@example.com", "+79001234567", "c9"}
        assert store.unsubscribed() == {("c1", "sms")}


def test_lead_follow_up_plans_for_leads_who_never_bought(shop_segments):
    analysis, _segments = shop_segments
    from repeatly.segments import leads_never_bought

    leads = leads_never_bought(analysis.inputs["leads"].table, analysis.orders).to_pandas()
    as_of = analysis.as_of
    recent = leads[
        (pd.Timestamp(as_of) - pd.to_datetime(leads.created_at).dt.normalize()).dt.days <= 90
    ]
    with open_store("sqlite://") as store:
        plan = plan_campaign("lead_follow_up", None, store=store, as_of=as_of, leads=leads)
    people = recent.customer_id.fillna(recent.get("lead_id")).fillna(recent.email)
    assert set(plan.audience.customer_id) | set(plan.excluded.customer_id) == set(
        people.astype(str)
    )
    assert (plan.treatment.channel == "email").all()


def test_an_audience_column_that_does_not_exist_is_named(shop_segments, tmp_path):
    _analysis, segments = shop_segments
    book = tmp_path / "vip.toml"
    book.write_text(
        '[audience]\nvip = true\n[[steps]]\nname = "hi"\n[steps.email.en]\n'
        'subject = "Hi"\nbody = "Hello"\n',
        encoding="utf-8",
    )
    with open_store("sqlite://") as store, pytest.raises(PlaybookError) as info:
        plan_campaign(book, segments, store=store, as_of=AS_OF)
    assert str(info.value).startswith(
        "vip.toml, audience.vip: no such column in the segments; they are address, brand_fan, "
    )
