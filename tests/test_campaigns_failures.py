"""Sending when mail servers fail: each failure told apart, nothing lost, nothing sent twice.

Every fault is played by a real SMTP server on localhost (see ``SmtpRecorder`` in
conftest): it refuses the sender, the recipient or the relay, drops the connection
before or after keeping a message, or is not there at all, or never answers.
"""

from __future__ import annotations

import datetime as dt
import signal
import socket
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa

from repeatly.campaigns import (
    ContactRules,
    SmtpSettings,
    campaign_status,
    plan_campaign,
    send_campaign,
)
from repeatly.exceptions import InputError
from repeatly.store import open_store, tables

from .test_campaigns_send import AS_OF, NOON, _audience, _plan, _settings

SHOP = {"name": "Test Shop", "url": "https://shop.example"}


def _win_back(store, n: int = 12):
    """A four-step series (days 0, 4, 8 and 12 after the start) to ``n`` customers."""
    lost = _audience(n).assign(status="lost", consent_email=True, consent_sms=False)
    return plan_campaign("win_back", lost, store=store, as_of=AS_OF, control_share=0, shop=SHOP)


def _statuses(store) -> dict[tuple[str, str], tuple[str, str | None]]:
    m = tables.messages.c
    with store.engine.connect() as con:
        rows = con.execute(sa.select(m.customer_id, m.step, m.status, m.error)).all()
    return {(c, step): (status, error) for c, step, status, error in rows}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_refused_sender_stops_the_send_and_a_fixed_rerun_sends_step_one(smtp_server):
    recorder = smtp_server[2]
    recorder.refuse_sender = "530 5.7.0 Authentication required"
    with open_store("sqlite://") as store:
        plan = _win_back(store)
        stopped = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        after_stop = _statuses(store)
        recorder.refuse_sender = None  # the login is fixed
        fixed = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        step_two = send_campaign(
            plan, store, smtp=_settings(smtp_server), now=NOON + dt.timedelta(days=4)
        )
    assert "530 5.7.0 Authentication required" in stopped.stopped
    assert "check --sender" in stopped.stopped and not stopped.ok
    assert (stopped.sent, stopped.failed, stopped.pending) == (0, 0, 0)
    # nothing consumed: every message is still pending, none failed or held
    assert {status for status, _error in after_stop.values()} == {"pending"}
    subjects = [m["Subject"] for m in recorder.messages()]
    assert fixed.sent == 12 and fixed.ok and not fixed.stopped
    assert subjects[:12] == ["Thank you, " + name.split()[0] for name in _audience(12).name]
    assert step_two.sent == 12  # step 2 after step 1, on its own day


def test_relaying_refused_at_rcpt_stops_the_send_but_no_such_user_bounces(smtp_server):
    recorder = smtp_server[2]
    with open_store("sqlite://") as store:
        plan = _win_back(store)
        recorder.rcpt_answers = {"user0@example.org": "550 5.1.1 <user0@example.org>: no such user"}
        recorder.rcpt_answers["user1@example.org"] = "554 5.7.1 Relay access denied"
        result = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        status = _statuses(store)
    assert result.bounced == 1 and result.sent == 0
    assert "554 5.7.1 Relay access denied" in result.stopped
    assert status[("c000", "thanks")][0] == "bounced"
    assert {s for (c, _step), (s, _e) in status.items() if c != "c000"} == {"pending"}


@pytest.mark.parametrize("hangs", [False, True], ids=["down", "hanging"])
def test_a_server_down_or_hanging_stops_the_send_after_a_few_failures(hangs):
    port = _free_port()
    listener = None
    if hangs:  # takes connections and never says a word
        listener = socket.socket()
        listener.bind(("127.0.0.1", port))
        listener.listen(16)
    settings = SmtpSettings(
        "127.0.0.1", port, "news@shop.example", connect_timeout=0.3, timeout=0.3
    )
    try:
        with open_store("sqlite://") as store:
            plan = _win_back(store)
            result = send_campaign(plan, store, smtp=settings, now=NOON)
            status = _statuses(store)
    finally:
        if listener is not None:
            listener.close()
    assert result.stopped.startswith("email: 3 failures in a row")
    assert f"cannot reach the SMTP server at 127.0.0.1:{port}" in result.stopped
    assert (result.sent, result.failed, result.pending, result.unknown) == (0, 0, 0, 0)
    assert {s for s, _e in status.values()} == {"pending"}  # nothing claimed, nothing lost


def test_connections_dropped_around_the_data_lose_nothing_and_send_nothing_twice(smtp_server):
    recorder = smtp_server[2]
    # user2: dropped before the server kept the message; user5: kept, then dropped
    recorder.drop = {"user2@example.org": "before", "user5@example.org": "after"}
    with open_store("sqlite://") as store:
        plan = _win_back(store)
        first = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        between = _statuses(store)
        second = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        third = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        status = _statuses(store)
    assert (first.sent, first.unknown, first.failed) == (10, 2, 0) and first.ok
    assert between[("c002", "thanks")][0] == between[("c005", "thanks")][0] == "unknown"
    assert (second.released, second.sent, third.sent) == (2, 2, 0)
    assert status[("c002", "thanks")][0] == status[("c005", "thanks")][0] == "sent"
    taken = [m["To"] for m in recorder.messages()]
    assert taken.count("user2@example.org") == 1  # its first copy never arrived
    assert taken.count("user5@example.org") == 2  # twice, with one Message-ID
    delivered = recorder.mailbox()
    assert sorted(m["To"] for m in delivered) == sorted(f"user{i}@example.org" for i in range(12))


def test_a_bounced_address_gets_no_later_step_and_no_other_campaign(smtp_server):
    recorder = smtp_server[2]
    recorder.refuse.add("user3@example.org")
    with open_store("sqlite://") as store:
        plan = _win_back(store)
        other = plan_campaign(  # planned before the bounce, with the address in it
            "monthly_coupon",
            _audience(12).assign(consent_email=True, consent_sms=False),
            store=store,
            as_of=AS_OF,
            control_share=0,
            shop=SHOP,
        )
        first = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        recorder.refuse.clear()  # the server would take it now: we must not write again
        second = send_campaign(
            plan, store, smtp=_settings(smtp_server), now=NOON + dt.timedelta(days=4)
        )
        third = send_campaign(
            other, store, smtp=_settings(smtp_server), now=NOON + dt.timedelta(days=12)
        )
        with store.engine.connect() as con:
            reasons = dict(
                con.execute(
                    sa.select(tables.do_not_contact.c.value, tables.do_not_contact.c.reason)
                ).all()
            )
    assert (first.bounced, first.sent) == (1, 11)
    assert (second.sent, second.skipped) == (11, 1)
    assert "user3@example.org" in set(other.audience.email)
    assert (third.sent, third.skipped) == (11, 1)
    assert reasons == {"user3@example.org": "bounced: 550 5.1.1 No such user"}
    assert "user3@example.org" not in [m["To"] for m in recorder.messages()]


@pytest.mark.parametrize("policy", ["sent", "hold"])
def test_the_unknown_policy_counts_or_holds_a_lost_answer(policy, smtp_server):
    recorder = smtp_server[2]
    recorder.drop = {"user4@example.org": "after"}
    with open_store("sqlite://") as store:
        plan = _win_back(store)
        first = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        again = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON, unknown=policy)
        status = _statuses(store)
    assert first.unknown == 1 and again.sent == 0 and again.released == 0
    assert status[("c004", "thanks")][0] == ("sent" if policy == "sent" else "unknown")
    assert [m["To"] for m in recorder.messages()].count("user4@example.org") == 1
    with open_store("sqlite://") as store, pytest.raises(InputError, match="unknown: expected"):
        send_campaign(_win_back(store), store, smtp=None, unknown="maybe")  # type: ignore[arg-type]


SENDER = textwrap.dedent("""
    import datetime as dt, sys
    import pandas as pd
    from repeatly.campaigns import ContactRules, SmtpSettings, plan_campaign, send_campaign
    from repeatly.store import open_store
    db, port = sys.argv[1], int(sys.argv[2])
    people = pd.DataFrame({
        "customer_id": [f"c{i:03d}" for i in range(12)], "status": "lost",
        "rfm_segment": "x", "name": "Ann Lee", "consent_email": True, "days_since": 10,
        "email": [f"user{i}@example.org" for i in range(12)]})
    with open_store(db) as store:
        plan = plan_campaign("win_back", people, store=store, as_of=dt.date(2024, 6, 1),
                             control_share=0, shop={"name": "S", "url": "https://s.example"})
        send_campaign(plan, store, now=dt.datetime(2024, 6, 2, 12).astimezone(),
                      smtp=SmtpSettings("127.0.0.1", port, "news@s.example",
                                        connect_timeout=120, timeout=120))
""")


def test_ctrl_c_during_a_send_stops_it_and_leaves_nothing_claimed(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(120)
    db = f"sqlite:///{tmp_path / 'store.db'}"
    port = str(listener.getsockname()[1])
    sender = subprocess.Popen(
        [sys.executable, "-c", SENDER, db, port], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        connection, _address = listener.accept()  # it waits for a greeting that never comes
        sender.send_signal(signal.SIGINT)
        _out, err = sender.communicate(timeout=60)  # a bound; 120 s is the sender's wait
    finally:
        sender.kill()
        listener.close()
    connection.close()
    assert sender.returncode != 0 and b"KeyboardInterrupt" in err
    with open_store(db) as store:
        status = _statuses(store)
    assert len(status) == 48 and {s for s, _e in status.values()} == {"pending"}


def test_a_temporary_refusal_waits_longer_each_time_then_fails(smtp_server):
    recorder = smtp_server[2]
    recorder.greylist.add("user0@example.org")
    with open_store("sqlite://") as store:
        plan = _plan(store, _audience(4))
        moment, waits = NOON, []
        always = ContactRules(quiet_start=dt.time(0), quiet_end=dt.time(0))  # no quiet hours
        for _ in range(9):
            result = send_campaign(
                plan, store, smtp=_settings(smtp_server), now=moment, rules=always
            )
            with store.engine.connect() as con:
                retry_at, status = con.execute(
                    sa.select(tables.messages.c.retry_at, tables.messages.c.status).where(
                        tables.messages.c.customer_id == "c000"
                    )
                ).one()
            if status != "pending":
                break
            retry_at = retry_at if retry_at.tzinfo else retry_at.replace(tzinfo=dt.UTC)
            waits.append(retry_at - moment)
            early = send_campaign(  # a run before the retry time leaves it alone
                plan,
                store,
                smtp=_settings(smtp_server),
                now=retry_at - dt.timedelta(seconds=1),
                rules=always,
            )
            assert early.sent == early.pending == 0
            moment = retry_at
    minutes = [w.total_seconds() / 60 for w in waits]
    assert minutes == [5, 15, 45, 135, 405, 720, 720]  # x3 each time, at most 12 hours
    assert status == "failed" and result.failed == 1


def test_the_status_shows_what_is_pending_when_and_why(smtp_server):
    recorder = smtp_server[2]
    recorder.greylist.add("user1@example.org")
    recorder.refuse.add("user2@example.org")
    with open_store("sqlite://") as store:
        plan = _win_back(store, 4)
        send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        found = campaign_status(store, plan.name)
        with pytest.raises(InputError, match="'other': not in the database; it has win_back"):
            campaign_status(store, "other")
    # four customers, four steps each: step 1 sent to two, put off for one, bounced for one
    assert found.by_channel == {
        "email": {
            "sent": 2,
            "pending": 13,
            "sending": 0,
            "unknown": 0,
            "bounced": 1,
            "skipped": 0,
            "failed": 0,
        }
    }
    assert found.next_retry == NOON.astimezone(dt.UTC) + dt.timedelta(minutes=5)
    problems = {(p["customer_id"], p["status"]): p["error"] for p in found.problems}
    assert problems[("c001", "pending")].startswith("refused: 450 4.2.0 Greylisted")
    assert problems[("c002", "bounced")] == "refused: 550 5.1.1 No such user"
    assert found.to_dict()["next_retry"] == found.next_retry.isoformat()
