"""Addresses, not only ids: customers who share an address are one recipient.

Opt-outs, the cap and sending hold for the normalised address (an e-mail address
trimmed and in lower case, a phone number by its digits); addresses that cannot be
sent to are left out when planning, and checked again before anything goes.
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import sqlalchemy as sa

from repeatly.campaigns import (
    ContactRules,
    message_context,
    plan_campaign,
    record_campaign,
    send_campaign,
    unsubscribe_link,
)
from repeatly.campaigns._addresses import address_key, email_problem, phone_problem
from repeatly.store import open_store, tables

from .test_campaigns_send import AS_OF, NOON, _settings

SHOP = {"name": "Test Shop", "url": "https://shop.example"}


def _people(emails: list[str], *, status: str = "active") -> pd.DataFrame:
    """One customer per e-mail address (``p0``, ``p1``, ...), agreed to e-mail only."""
    return pd.DataFrame(
        {
            "customer_id": [f"p{i}" for i in range(len(emails))],
            "status": status,
            "rfm_segment": "Loyal",
            "name": [f"Ann Smith{i}" for i in range(len(emails))],
            "email": emails,
            "phone": [f"+7 900 {i:07d}" for i in range(len(emails))],
            "consent_email": True,
            "consent_sms": False,
            "days_since": 10,
        }
    )


def _messages(store) -> dict[tuple[str, str], tuple[str, str | None, str | None]]:
    """(customer, step): (status, error, sent_to) of every recorded message."""
    m = tables.messages.c
    with store.engine.connect() as con:
        rows = con.execute(sa.select(m.customer_id, m.step, m.status, m.error, m.sent_to)).all()
    return {(c, step): (status, error, to) for c, step, status, error, to in rows}


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("ann.example.org", "no @"),
        ("ann smith@example.org", "contains a space or line break"),
        ("ann@example.org\r\nBcc: all@example.org", "contains a space or line break"),
        ("ann@example.org\n", None),  # trimmed: the line break is at the end
        ("ann@@example.org", "more than one @"),
        ("ann@shop@example.org", "more than one @"),
        ("@example.org", "nothing before the @"),
        ("ann@", "nothing after the @"),
        ("ann@localhost", "the domain has no dot"),
        ("ann@example..org", "a dot at an end or two dots in a row"),
        ("<ann@example.org>", 'contains one of "(),:;<>[\\]'),
        ("иван@почта.рф", "not ASCII (this SMTP client cannot send to it)"),
        ("ann@exämple.org", "not ASCII (this SMTP client cannot send to it)"),
        (" Ann.Smith+shop@Example.ORG ", None),
    ],
)
def test_email_addresses_are_checked_for_what_breaks_a_send(address, problem):
    assert email_problem(address) == problem


def test_phone_numbers_are_checked_and_addresses_normalised():
    assert phone_problem("+7 (916) 123-45-67") is None
    assert phone_problem("123-45-67") is None  # a local number: its digits
    assert phone_problem("12-34") == "too few digits (4 digits, at least 7)"
    assert phone_problem("+7 916 123 45 67 890 123") == "too many digits (17 digits, at most 15)"
    assert phone_problem("call after 6pm") == "contains characters that are not digits"
    assert phone_problem("7+9161234567") == "a + after the start"
    assert address_key("email", "  Ann@Example.ORG ") == "ann@example.org"
    assert address_key("sms", "+7 (916) 123-45-67") == "+79161234567"
    assert address_key("call", "8 916 123-45-67") == "89161234567"  # no country assumed
    assert address_key("email", "ann@localhost") is None
    assert address_key("letter", "Station Road 1, Kazan") is None


def test_three_ids_with_one_address_get_one_message_and_one_unsubscribe_stops_all(
    smtp_server,
):
    recorder = smtp_server[2]
    # p0, p1 and p2 are one mailbox written three ways; p3 is someone else
    people = _people(
        ["ann@example.org", " ANN@example.org", "Ann@Example.Org ", "bob@example.org"],
        status="lost",
    )
    with open_store("sqlite://") as store:
        plan = plan_campaign(
            "win_back", people, store=store, as_of=AS_OF, control_share=0, shop=SHOP
        )
        first = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        second = send_campaign(
            plan, store, smtp=_settings(smtp_server), now=NOON + dt.timedelta(days=4)
        )
        statuses = _messages(store)
        # Ann follows the unsubscribe link of the message she got (p0's)
        to_ann = [m for m in recorder.messages() if m["To"].lower() == "ann@example.org"]
        link = to_ann[-1]["List-Unsubscribe"][1:-1]
        assert parse_qs(urlsplit(link).query)["c"] == ["p0"]
        assert unsubscribe_link(store, link) == ("p0", "email")
        third = send_campaign(
            plan, store, smtp=_settings(smtp_server), now=NOON + dt.timedelta(days=8)
        )
        later = plan_campaign(  # a month on: the cap is no reason any more
            "win_back", people, store=store, as_of=AS_OF + dt.timedelta(days=30), control_share=0
        )
        assert store.unsubscribed() == {("p0", "email")}
        assert store.unsubscribed_addresses() == {("ann@example.org", "email")}
    received = [m["To"] for m in recorder.messages()]
    # one message a step to Ann (to p0, the first id), one to Bob; none after the opt-out
    assert received == ["ann@example.org", "bob@example.org"] * 2 + ["bob@example.org"]
    assert (first.sent, first.skipped, second.sent, second.skipped) == (2, 2, 2, 2)
    assert (third.sent, third.skipped) == (1, 3)
    for customer in ("p1", "p2"):
        for step in ("thanks", "why_us"):
            assert statuses[customer, step][:2] == ("skipped", "same address as customer p0")
    assert statuses["p0", "thanks"] == ("sent", None, "ann@example.org")
    reasons = dict(zip(later.excluded.customer_id, later.excluded.reason, strict=True))
    assert reasons == {
        f"p{i}": "unsubscribed from email; no sms consent; no address" for i in range(3)
    }
    assert list(later.audience.customer_id) == ["p3"]


def test_an_unsubscribe_link_of_an_id_that_got_nothing_opts_its_address_out(smtp_server):
    recorder = smtp_server[2]
    people = _people(["ann@example.org", "Ann@Example.org"])
    with open_store("sqlite://") as store:
        plan = plan_campaign(
            "monthly_coupon", people, store=store, as_of=AS_OF, control_share=0, shop=SHOP
        )
        record_campaign(plan, store)
        row = plan.audience.set_index("customer_id").loc["p1"].to_dict()
        link = message_context(
            plan, {**row, "customer_id": "p1"}, secret=store.secret(), language="en"
        )["unsubscribe_url"]
        unsubscribe_link(store, link)  # p1's link, from the recorded campaign's fields
        result = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        assert store.unsubscribed_addresses() == {("ann@example.org", "email")}
    assert (result.sent, result.skipped) == (0, 2) and recorder.messages() == []


def _other_campaign_sent(store, customer: str, sent_to: str | None, at: dt.datetime) -> None:
    """Another campaign's message to ``customer`` at ``sent_to``, sent at ``at``."""
    with store.engine.begin() as con:
        con.execute(
            tables.campaigns.insert().values(
                id=99,
                name="other",
                playbook="x",
                created_at=at,
                as_of=AS_OF,
                status="sent",
                seed=0,
                control_share=0.1,
                options="{}",
            )
        )
        con.execute(
            tables.messages.insert().values(
                campaign_id=99,
                customer_id=customer,
                step="s",
                channel="email",
                status="sent",
                attempts=1,
                message_id="<other@x>",
                due_on=AS_OF,
                sent_at=at.astimezone(dt.UTC),
                sent_to=sent_to,
            )
        )


def test_the_cap_counts_what_an_address_got_across_customer_ids(smtp_server):
    recorder = smtp_server[2]
    people = _people(["ann@example.org", "bob@example.org"])
    one = ContactRules(max_per_week=1)
    with open_store("sqlite://") as store:
        plan = plan_campaign(
            "monthly_coupon",
            people,
            store=store,
            as_of=AS_OF,
            control_share=0,
            rules=one,
            shop=SHOP,
        )
        # after planning, another campaign wrote to Ann under another id, "x9"
        _other_campaign_sent(store, "x9", "ann@example.org", NOON - dt.timedelta(days=1))
        result = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON, rules=one)
        week_later = send_campaign(
            plan, store, smtp=_settings(smtp_server), now=NOON + dt.timedelta(days=7), rules=one
        )
        # planned after both: the address had its one message of the week (p0's)
        replanned = plan_campaign(
            "monthly_coupon",
            _people(["ANN@example.org", "carl@example.org"]).assign(customer_id=["q0", "q1"]),
            store=store,
            as_of=AS_OF + dt.timedelta(days=7),
            control_share=0,
            rules=one,
        )
        statuses = _messages(store)
    assert (result.sent, result.postponed, week_later.sent) == (1, 1, 1)
    assert [m["To"] for m in recorder.messages()] == ["bob@example.org", "ann@example.org"]
    assert statuses["p0", "coupon"] == ("sent", None, "ann@example.org")
    reasons = dict(zip(replanned.excluded.customer_id, replanned.excluded.reason, strict=True))
    assert reasons == {"q0": "frequency cap: 1 message in the last 7 days"}


def test_bad_addresses_are_left_out_with_their_reason_and_never_reach_the_server(smtp_server):
    recorder = smtp_server[2]
    bad = {
        "p0": ("ann.example.org", "no @"),
        "p1": ("ann@example.org\r\nBcc: all@example.org", "contains a space or line break"),
        "p2": ("ann@@example.org", "more than one @"),
        "p3": ("@example.org", "nothing before the @"),
        "p4": ("ann@localhost", "the domain has no dot"),
        "p5": ("иван@почта.рф", "not ASCII (this SMTP client cannot send to it)"),
    }
    people = _people([email for email, _ in bad.values()] + ["bob@example.org", "cleo@x.org"])
    people.loc[7, ["phone", "consent_email", "consent_sms"]] = ["12-34", False, True]
    with open_store("sqlite://") as store:
        plan = plan_campaign(
            "monthly_coupon", people, store=store, as_of=AS_OF, control_share=0, shop=SHOP
        )
        result = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
    reasons = dict(zip(plan.excluded.customer_id, plan.excluded.reason, strict=True))
    assert reasons == {
        **{c: f"e-mail address not valid: {why}; no sms consent" for c, (_, why) in bad.items()},
        "p7": "no email consent; phone number not valid: too few digits (4 digits, at least 7)",
    }
    assert list(plan.audience.customer_id) == ["p6"]
    assert result.sent == 1 and [m["To"] for m in recorder.messages()] == ["bob@example.org"]


def test_an_address_recorded_bad_fails_when_sending_and_is_never_handed_over(smtp_server):
    recorder = smtp_server[2]
    people = _people(["ann@example.org", "bob@example.org"])
    with open_store("sqlite://") as store:
        plan = plan_campaign(
            "monthly_coupon", people, store=store, as_of=AS_OF, control_share=0, shop=SHOP
        )
        campaign_id, _ = record_campaign(plan, store)
        r = tables.recipients.c
        with store.engine.begin() as con:  # as a campaign recorded before addresses were checked
            context = json.loads(
                con.execute(sa.select(r.context).where(r.customer_id == "p0")).scalar_one()
            )
            context["customer"]["email"] = "ann@example.org\r\nBcc: all@example.org"
            con.execute(
                tables.recipients.update()
                .where(r.campaign_id == campaign_id, r.customer_id == "p0")
                .values(context=json.dumps(context))
            )
        result = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        statuses = _messages(store)
    error = "e-mail address not valid: contains a space or line break"
    assert statuses["p0", "coupon"] == ("failed", error, None)
    assert (result.sent, result.failed) == (1, 1) and result.errors == [f"p0: {error}"]
    assert [m["To"] for m in recorder.messages()] == ["bob@example.org"]
    assert recorder._rcpts == 1  # p0's address was never even given to the server
