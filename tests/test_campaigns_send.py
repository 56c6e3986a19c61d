"""Sending campaigns to a real SMTP server: the right messages, each exactly once.

A local aiosmtpd server receives the e-mails. A send killed midway (SIGKILL, at a
moment the server chooses) and started again must deliver every message once.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import sqlalchemy as sa

from repeatly.campaigns import (
    ContactRules,
    SmtpSettings,
    plan_campaign,
    send_campaign,
    verify,
)
from repeatly.store import open_store, tables

AS_OF = dt.date(2024, 6, 1)
START = dt.date(2024, 6, 2)
# Quiet hours and send days are the sender's local time (this machine's time zone), so
# the moments sent at are local wall times: noon on START is noon wherever the tests run.
NOON = dt.datetime.combine(START, dt.time(12)).astimezone()
FIRST = ["Anna", "Ivan", "Maria", "Oleg", "Elena"]


def _audience(n: int = 40) -> pd.DataFrame:
    """``n`` active customers; every fourth agreed to SMS only, the rest to e-mail."""
    sms_only = [i % 4 == 3 for i in range(n)]
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:03d}" for i in range(n)],
            "status": "active",
            "rfm_segment": ["Loyal" if i % 2 else "Champions" for i in range(n)],
            "name": [f"{FIRST[i % 5]} Smith{i}" for i in range(n)],
            "email": [f"user{i}@example.org" for i in range(n)],
            "phone": [f"+7 900 {i:07d}" for i in range(n)],
            "consent_email": [not s for s in sms_only],
            "consent_sms": sms_only,
            "days_since": 10,
        }
    )


def _plan(store, audience=None):
    return plan_campaign(
        "monthly_coupon",
        _audience() if audience is None else audience,
        store=store,
        as_of=AS_OF,
        shop={"name": "Test Shop", "url": "https://shop.example"},
    )


def _settings(server) -> SmtpSettings:
    host, port, _recorder = server
    return SmtpSettings(host=host, port=port, sender="news@shop.example")


def test_each_treated_customer_gets_their_own_email_once(store_url, smtp_server):
    recorder = smtp_server[2]
    with open_store(store_url) as store:
        plan = _plan(store)
        result = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        again = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        key = store.secret()
    treated = plan.treatment.set_index("customer_id")
    by_email = treated[treated.channel == "email"]
    assert result.sent == len(by_email) > 0 and result.created
    assert result.waiting == (treated.channel == "sms").sum()
    assert (again.sent, again.created) == (0, False)
    received = recorder.messages()
    assert sorted(m["To"] for m in received) == sorted(by_email.email)
    assert not {m["To"] for m in received} & set(plan.control.email)
    for message in received:
        customer = by_email.index[by_email.email == message["To"]][0]
        row = by_email.loc[customer]
        assert message["From"] == "news@shop.example"
        assert message["Subject"] == "Your coupon for this month: 5% off"
        body = message.get_content()
        assert body.startswith(f"Hello {row['name'].split()[0]},")
        assert f"with the code {row['coupon_code']}, until 1 July 2024." in body
        link = message["List-Unsubscribe"]
        assert link.startswith("<https://shop.example/unsubscribe?") and link.endswith(">")
        query = parse_qs(urlsplit(link[1:-1]).query)
        assert query["c"] == [customer] and query["ch"] == ["email"]
        assert verify(key, query["s"][0], customer, "email")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert len({m["Message-ID"] for m in received}) == len(received)


def test_do_not_contact_and_the_cap_are_checked_again_when_sending(smtp_server):
    recorder = smtp_server[2]
    with open_store("sqlite://") as store:
        plan = _plan(store)
        emailed = plan.treatment[plan.treatment.channel == "email"]
        blocked, capped = emailed.iloc[0], emailed.iloc[1]
        store.add_do_not_contact([blocked.email.upper()], reason="asked after planning")
        with store.engine.begin() as con:  # another campaign reached `capped` yesterday
            con.execute(
                tables.campaigns.insert().values(
                    id=99,
                    name="other",
                    playbook="x",
                    created_at=NOON,
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
                    customer_id=capped.customer_id,
                    step="s",
                    channel="email",
                    status="sent",
                    attempts=1,
                    message_id="<other@x>",
                    due_on=AS_OF,
                    sent_at=(NOON - dt.timedelta(days=1)).astimezone(dt.UTC),  # as stored
                )
            )
        result = send_campaign(
            plan, store, smtp=_settings(smtp_server), now=NOON, rules=ContactRules(max_per_week=1)
        )
        later = send_campaign(
            plan,
            store,
            smtp=_settings(smtp_server),
            now=NOON + dt.timedelta(days=7),
            rules=ContactRules(max_per_week=1),
        )
    to = [m["To"] for m in recorder.messages()]
    assert (result.skipped, result.postponed) == (1, 1)
    assert blocked.email not in to
    assert to.count(capped.email) == 1 and to[-1] == capped.email  # a week later
    assert later.sent == 1


def test_nothing_goes_in_the_quiet_hours_and_refusals_are_recorded(smtp_server):
    recorder = smtp_server[2]
    with open_store("sqlite://") as store:
        plan = _plan(store)
        late = dt.datetime.combine(START, dt.time(22, 30)).astimezone()
        quiet = send_campaign(plan, store, smtp=_settings(smtp_server), now=late)
        assert quiet.quiet and quiet.sent == 0 and not recorder.received
        emailed = plan.treatment[plan.treatment.channel == "email"]
        recorder.refuse.add(emailed.email.iloc[0])
        result = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        with store.engine.connect() as con:
            status = dict(
                con.execute(
                    sa.select(tables.messages.c.customer_id, tables.messages.c.status)
                ).all()
            )
            blocked = store.blocked()
    # "550 no such user" at RCPT: the address bounced, and no later message goes to it
    assert (result.bounced, result.failed, result.sent) == (1, 0, len(emailed) - 1)
    assert result.errors[0].startswith(f"{emailed.customer_id.iloc[0]}: refused: 550")
    assert status[emailed.customer_id.iloc[0]] == "bounced"
    assert emailed.email.iloc[0].lower() in blocked


@pytest.fixture
def machine_zone(monkeypatch):
    """Set this process's local time zone (``TZ``, then ``tzset``) for one test."""

    def use(zone: str) -> None:
        monkeypatch.setenv("TZ", zone)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    "zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kathmandu", "Europe/Moscow", "UTC"]
)
def test_the_moment_given_decides_the_quiet_hours_in_any_time_zone(zone, machine_zone, smtp_server):
    machine_zone(zone)  # the moment passed decides, in local time, not the clock
    recorder = smtp_server[2]
    with open_store("sqlite://") as store:
        plan = _plan(store)
        waited = [
            send_campaign(
                plan,
                store,
                smtp=_settings(smtp_server),
                now=dt.datetime.combine(START, at).astimezone(),
            )
            for at in (dt.time(3, 20), dt.time(8, 50), dt.time(21, 0))
        ]
        assert all(w.quiet and w.sent == 0 for w in waited) and not recorder.received
        sent = send_campaign(
            plan,
            store,
            smtp=_settings(smtp_server),
            now=dt.datetime.combine(START, dt.time(15)).astimezone(),
        )
    emailed = plan.treatment[plan.treatment.channel == "email"]
    assert not sent.quiet and sent.sent == len(emailed) == len(recorder.received) > 0


SENDER = textwrap.dedent("""
    import datetime as dt, json, sys
    import pandas as pd
    from repeatly.campaigns import SmtpSettings, plan_campaign, send_campaign
    from repeatly.store import open_store
    db, port, audience = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open_store(db) as store:
        plan = plan_campaign("monthly_coupon", pd.read_json(audience), store=store,
                             as_of=dt.date(2024, 6, 1),
                             shop={"name": "Test Shop", "url": "https://shop.example"})
        result = send_campaign(plan, store, now=dt.datetime(2024, 6, 2, 12).astimezone(),
                               smtp=SmtpSettings("127.0.0.1", port, "news@shop.example"))
    print(json.dumps(result.to_dict()))
""")


@pytest.mark.slow
@pytest.mark.parametrize("at", ["rcpt", "data"])
def test_a_send_killed_midway_and_resumed_delivers_each_message_once(
    at, smtp_server, store_url, tmp_path
):
    _host, port, recorder = smtp_server
    audience = tmp_path / "audience.json"
    _audience(300).to_json(audience)
    db = store_url
    command = [sys.executable, "-c", SENDER, db, str(port), str(audience)]
    recorder.hold(57, at)  # the 57th message: before its data, or in but unanswered
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if not recorder.held.wait(120):
        first.kill()
        pytest.fail(f"the send never reached the held message: {first.communicate()[1]!r}")
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=30)  # reaped: its claims can be released
    recorder.release()
    got_before = len(recorder.received)
    assert got_before == (56 if at == "rcpt" else 57)
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    with open_store(db) as store:
        plan = _plan(store, _audience(300))
    emailed = plan.treatment[plan.treatment.channel == "email"]
    delivered = recorder.mailbox()  # as a receiving server keeps them: one per Message-ID
    ids = [m["Message-ID"] for m in delivered]
    assert len(ids) == len(set(ids)) == len(emailed)  # each once, no one missed
    assert sorted(m["To"] for m in delivered) == sorted(emailed.email)
    # killed while the server held its answer, the 57th message's outcome is unknown: it
    # goes once more, with its own Message-ID; killed before its data, it simply goes
    again = 1 if at == "data" else 0
    assert len(recorder.received) == len(emailed) + again
    assert summary["sent"] == len(emailed) - got_before + again
    assert summary["released"] > 0 and not summary["created"]


def test_a_series_sent_late_keeps_its_steps_four_days_apart(smtp_server):
    recorder = smtp_server[2]
    lost = _audience(12).assign(status="lost", consent_email=True, consent_sms=False)
    late = NOON + dt.timedelta(days=30)  # all four steps of win_back are overdue
    with open_store("sqlite://") as store:
        plan = plan_campaign(
            "win_back",
            lost,
            store=store,
            as_of=AS_OF,
            control_share=0,
            shop={"name": "Test Shop", "url": "https://shop.example"},
        )
        runs = [
            send_campaign(
                plan, store, smtp=_settings(smtp_server), now=late + dt.timedelta(days=d)
            ).sent
            for d in (0, 0, 3, 4, 8, 12, 16)
        ]
        with store.engine.connect() as con:  # the coupon given late is valid 14 days on
            until = set(con.execute(sa.select(tables.coupons.c.valid_until)).scalars())
    assert runs == [12, 0, 0, 12, 12, 12, 0]
    subjects = [m["Subject"] for m in recorder.messages() if m["To"] == "user0@example.org"]
    assert subjects == [
        "We miss you, Anna",
        "What could we do better?",
        "What is new at Test Shop",
        "20% off for you, until 27 July 2024",
    ]
    assert until == {dt.date(2024, 7, 27)}


def test_the_unsubscribe_link_in_an_email_opts_its_customer_out(smtp_server):
    from repeatly.campaigns import unsubscribe_link
    from repeatly.exceptions import InputError

    recorder = smtp_server[2]
    with open_store("sqlite://") as store:
        plan = _plan(store)
        send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        message = recorder.messages()[0]
        link = message["List-Unsubscribe"][1:-1]
        customer = parse_qs(urlsplit(link).query)["c"][0]
        forged = link.replace(f"c={customer}", "c=c999")
        with pytest.raises(InputError, match="the signature does not match"):
            unsubscribe_link(store, forged)
        assert store.unsubscribed() == set()
        assert unsubscribe_link(store, link) == (customer, "email")
        assert store.unsubscribed() == {(customer, "email")}
        again = plan_campaign(
            "monthly_coupon", _audience(), store=store, as_of=AS_OF, name="next-month"
        )
    assert customer in set(again.excluded.customer_id)
