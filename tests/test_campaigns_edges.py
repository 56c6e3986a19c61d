"""Campaign edge cases: lost answers, bad addresses, refusals, opt-out keys, the sandbox."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from repeatly.campaigns import (
    SmtpSettings,
    Templates,
    campaign_results,
    load_playbook,
    message_context,
    plan_campaign,
    record_campaign,
    send_campaign,
    unsubscribe_link,
)
from repeatly.exceptions import InputError, PlaybookError
from repeatly.store import contact_key, open_store, tables

from .test_campaigns_send import AS_OF, NOON, _audience, _plan, _settings


def _statuses(store) -> dict[str, tuple[str, str | None]]:
    with store.engine.connect() as con:
        rows = con.execute(
            sa.select(
                tables.messages.c.customer_id, tables.messages.c.status, tables.messages.c.error
            )
        ).all()
    return {c: (s, e) for c, s, e in rows}


def test_a_message_whose_answer_is_lost_goes_once_more_with_its_message_id(smtp_server):
    host, port, recorder = smtp_server
    recorder.hold(3, "data")  # the third message is in, its answer never comes in time
    with open_store("sqlite://") as store:
        plan = _plan(store)
        settings = SmtpSettings(host, port, "news@shop.example", timeout=1.0)
        result = send_campaign(plan, store, smtp=settings, now=NOON)
        recorder.release()
        third = recorder.messages()[2]
        lost = _statuses(store)
        again = send_campaign(plan, store, smtp=settings, now=NOON + dt.timedelta(days=1))
        status = _statuses(store)
        once_more = send_campaign(plan, store, smtp=settings, now=NOON + dt.timedelta(days=2))
    emailed = plan.treatment[plan.treatment.channel == "email"]
    customer = emailed.customer_id[emailed.email == third["To"]].iloc[0]
    # never counted as sent: unknown, then sent once more the next run
    assert (result.sent, result.unknown) == (len(emailed) - 1, 1)
    assert lost[customer][0] == "unknown"
    assert lost[customer][1].startswith("no answer after the message was handed over")
    assert (again.released, again.sent, once_more.sent) == (1, 1, 0)
    assert status[customer][0] == "sent"
    received = recorder.messages()
    assert len(received) == len(emailed) + 1
    assert [m["Message-ID"] for m in received].count(third["Message-ID"]) == 2
    assert len(recorder.mailbox()) == len(emailed)  # the receiver drops the second


def test_a_bad_address_is_left_out_when_planning_and_a_greylisted_one_waits(smtp_server):
    recorder = smtp_server[2]
    people = _audience(12)
    people.loc[0, "email"] = "иван@почта.рф"  # not ASCII: this SMTP client cannot send to it
    with open_store("sqlite://") as store:
        plan = _plan(store, people)
        emailed = plan.treatment[plan.treatment.channel == "email"]
        later = emailed.email.iloc[-1]
        recorder.greylist.add(later)
        first = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON, retries=1)
        recorder.greylist.clear()
        waited = _statuses(store)
        soon = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        second = send_campaign(
            plan, store, smtp=_settings(smtp_server), now=NOON + dt.timedelta(minutes=6)
        )
        status = _statuses(store)
    # c000 agreed to e-mail only: planning leaves it out, with the reason
    reasons = dict(zip(plan.excluded.customer_id, plan.excluded.reason, strict=True))
    assert reasons["c000"] == (
        "e-mail address not valid: not ASCII (this SMTP client cannot send to it); no sms consent"
    )
    assert "c000" not in set(plan.audience.customer_id) and "c000" not in status
    assert not any(s == "sending" for s, _e in status.values())
    # the greylisted one is pending, not failed, and waits 5 minutes before its next try
    assert (first.sent, first.failed, first.pending) == (len(emailed) - 1, 0, 1)
    greylisted = emailed.customer_id[emailed.email == later].iloc[0]
    assert waited[greylisted][0] == "pending" and "450" in waited[greylisted][1]
    assert soon.sent == 0
    assert second.sent == 1  # the greylisted one
    received = [m["To"] for m in recorder.messages()]
    assert received.count(later) == 1 and len(received) == len(emailed)
    assert "иван@почта.рф" not in received


def test_phone_numbers_match_by_digits_and_links_survive_odd_ids():
    assert contact_key("8 (916) 123-45-67") == contact_key("89161234567") == "89161234567"
    assert contact_key("+7 916 123 45 67") == "+79161234567"
    assert contact_key("C0001234567") == "C0001234567"  # an id, not a phone
    people = pd.DataFrame(
        {
            "customer_id": ["ann+shop@example.org", "A&B 1"],
            "status": "active",
            "rfm_segment": "x",
            "email": ["a@example.org", "b@example.org"],
            "consent_email": True,
            "days_since": 3,
        }
    )
    with open_store("sqlite://") as store:
        plan = plan_campaign(
            "monthly_coupon",
            people,
            store=store,
            as_of=AS_OF,
            control_share=0,
            shop={"unsubscribe_url": "https://s.example/u?shop=1"},
        )
        for row in plan.audience.itertuples():
            link = message_context(plan, row._asdict(), secret=store.secret(), language="en")[
                "unsubscribe_url"
            ]
            assert link.startswith("https://s.example/u?shop=1&c=")
            assert unsubscribe_link(store, link) == (row.customer_id, "email")


def test_templates_cannot_blow_up_memory(tmp_path):
    for expression in ("'x' * 100000", "2 ** 1000"):
        book = tmp_path / "big.toml"
        book.write_text(
            f'[[steps]]\nname = "s"\n[steps.email.en]\nsubject = "Hi"\n'
            f'body = "{{{{ {expression} }}}}"\n',
            encoding="utf-8",
        )
        with pytest.raises(PlaybookError, match="templates cannot"):
            Templates(load_playbook(book)).render("s", "email", "en", {})


def test_results_wait_for_the_window_and_say_when_it_is_not_over():
    with open_store("sqlite://") as store:
        plan = plan_campaign("monthly_coupon", _audience(20), store=store, as_of=AS_OF, name="june")
        record_campaign(plan, store)
        before = pd.DataFrame(
            {"customer_id": ["c000"], "amount": [5.0], "ordered_at": [pd.Timestamp("2024-05-30")]}
        )
        with pytest.raises(
            InputError, match="window starts on 2024-06-02, but the orders end on 2024-05-30"
        ):
            campaign_results(store, "june", before)
        inside = before.assign(ordered_at=pd.Timestamp("2024-06-10"))
        result = campaign_results(store, "june", inside)
    assert result.options["complete"] is False and result.options["orders_until"] == "2024-06-10"


def test_a_message_refused_after_the_dot_is_failed_or_tried_again(smtp_server):
    recorder = smtp_server[2]
    with open_store("sqlite://") as store:
        plan = _plan(store)
        emailed = plan.treatment[plan.treatment.channel == "email"]
        refused, later = emailed.email.iloc[0], emailed.email.iloc[1]
        recorder.reject_data = {
            refused: "554 5.7.1 Message rejected",
            later: "451 4.3.0 Try again later",
        }
        first = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON, retries=2)
        recorder.reject_data = {refused: "554 5.7.1 Message rejected"}
        second = send_campaign(
            plan, store, smtp=_settings(smtp_server), now=NOON + dt.timedelta(minutes=6)
        )
        status = _statuses(store)
    by_email = dict(zip(emailed.email, emailed.customer_id, strict=True))
    assert status[by_email[refused]][0] == "failed"
    assert status[by_email[later]][0] == "sent"
    assert (first.sent, first.failed, first.pending) == (len(emailed) - 2, 1, 1)
    assert second.sent == 1
    received = [m["To"] for m in recorder.messages()]
    assert refused not in received and received.count(later) == 1
