"""Sending when mail servers fail: each failure told apart, nothing lost, nothing sent twice.

Every fault is played by a real SMTP server on localhost (see ``SmtpRecorder`` in
conftest): it refuses the sender, the recipient or the relay, drops the connection
before or after keeping a message, or is not there at all, or never answers.
"""

from __future__ import annotations

import datetime as dt
import json
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
        with store.engine.connect() as con:
            attempts_after_stop = con.execute(sa.select(tables.messages.c.attempts)).scalars()
            attempts_after_stop = list(attempts_after_stop)
        recorder.refuse_sender = None  # the login is fixed
        fixed = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        step_two = send_campaign(
            plan, store, smtp=_settings(smtp_server), now=NOON + dt.timedelta(days=4)
        )
    assert {a for a in attempts_after_stop} == {0}  # nothing of them was consumed
    assert "530 5.7.0 Authentication required" in stopped.stopped
    assert "check --sender" in stopped.stopped and not stopped.ok
    assert (stopped.sent, stopped.failed, stopped.pending) == (0, 0, 0)
    # nothing consumed: every message is still pending, none failed or held
    assert {status for status, _error in after_stop.values()} == {"pending"}
    subjects = [m["Subject"] for m in recorder.messages()]
    assert fixed.sent == 12 and fixed.ok and not fixed.stopped
    assert subjects[:12] == ["We miss you, " + name.split()[0] for name in _audience(12).name]
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


def _hold_claims(store, claim: str, *, host: str, pid: int, lease_until: dt.datetime) -> int:
    """Make every pending message look claimed by a send with this lease; how many."""
    m = tables.messages.c
    with store.engine.begin() as con:
        held = con.execute(
            tables.messages.update()
            .where(m.status == "pending")
            .values(status="sending", claim=claim, claimed_at=lease_until - dt.timedelta(days=1))
        ).rowcount
        con.execute(
            tables.senders.insert().values(
                claim=claim, host=host, pid=pid, started_at=lease_until, lease_until=lease_until
            )
        )
    return held


def test_a_claim_whose_pid_lives_on_in_another_process_is_taken_back_after_its_lease(
    smtp_server,
):
    recorder = smtp_server[2]
    # a send that ran as this machine's PID 1 (as in a container) died; PID 1 lives on
    claim = f"{socket.gethostname()}:1:deadbeef"
    now = dt.datetime.now(dt.UTC)  # leases run on the machine's clock
    with open_store("sqlite://") as store:
        plan = _win_back(store, 4)
        from repeatly.campaigns import record_campaign

        record_campaign(plan, store)
        held = _hold_claims(
            store, claim, host=socket.gethostname(), pid=1, lease_until=now + dt.timedelta(hours=1)
        )
        waiting = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        with store.engine.begin() as con:  # the lease runs out: it stopped renewing it
            con.execute(tables.senders.update().values(lease_until=now - dt.timedelta(seconds=1)))
        taken = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        with store.engine.connect() as con:
            leases = con.execute(sa.select(tables.senders.c.claim)).scalars().all()
    assert held == 16 and waiting.sent == 0 and waiting.released == 0
    assert taken.released == 16 and taken.sent == 4
    assert leases == []  # the run-out lease is gone, and the send's own ended with it
    assert len(recorder.messages()) == 4


def test_a_send_renews_its_lease_and_ends_it(smtp_server, monkeypatch, tmp_path):
    from repeatly.campaigns import _claims

    monkeypatch.setattr(_claims, "RENEW_EVERY", 0.0)  # renew at every chance
    seen: list[dt.datetime] = []
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        plan = _win_back(store, 4)

        def progress(done: int, total: int) -> None:
            import time

            time.sleep(0.5)  # the lease thread renews meanwhile
            with store.engine.connect() as con:
                seen.extend(con.execute(sa.select(tables.senders.c.lease_until)).scalars())

        result = send_campaign(
            plan, store, smtp=_settings(smtp_server), now=NOON, progress=progress
        )
        with store.engine.connect() as con:
            left = con.execute(sa.select(tables.senders.c.claim)).scalars().all()
    assert result.sent == 4 and len(seen) == 4
    assert seen == sorted(seen) and seen[0] < seen[-1]  # moved on while the send ran
    assert left == []


def test_a_later_step_waits_while_an_earlier_one_is_put_off(smtp_server):
    recorder = smtp_server[2]
    with open_store("sqlite://") as store:
        plan = _win_back(store, 4)
        recorder.greylist.add("user0@example.org")
        send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        recorder.greylist.clear()
        day4 = NOON + dt.timedelta(days=4)
        m = tables.messages.c
        with store.engine.begin() as con:  # the server keeps putting step 1 off till after it
            con.execute(
                tables.messages.update()
                .where(m.customer_id == "c000", m.step == "thanks")
                .values(retry_at=day4.astimezone(dt.UTC) + dt.timedelta(hours=1))
            )
        result = send_campaign(plan, store, smtp=_settings(smtp_server), now=day4)
        status = _statuses(store)
    assert result.sent == 3  # step 2 for the three others
    assert status[("c000", "thanks")][0] == "pending"
    assert status[("c000", "why_us")][0] == "pending"  # not before step 1


SENDS_AT_ONCE = textwrap.dedent("""
    import datetime as dt, json, sys
    import pandas as pd
    from repeatly.campaigns import SmtpSettings, plan_campaign, send_campaign
    from repeatly.store import open_store
    db, port = sys.argv[1], int(sys.argv[2])
    people = pd.DataFrame({
        "customer_id": [f"c{i:03d}" for i in range(60)], "status": "lost",
        "rfm_segment": "x", "name": "Ann Lee", "consent_email": True, "days_since": 10,
        "email": [f"user{i}@example.org" for i in range(60)]})
    with open_store(db) as store:
        plan = plan_campaign("win_back", people, store=store, as_of=dt.date(2024, 6, 1),
                             control_share=0, shop={"name": "S", "url": "https://s.example"})
        result = send_campaign(plan, store, now=dt.datetime(2024, 6, 2, 12).astimezone(),
                               smtp=SmtpSettings("127.0.0.1", port, "news@s.example"))
    print(json.dumps(result.to_dict()))
""")


def test_two_first_sends_on_a_fresh_database_both_finish_without_duplicates(smtp_server, store_url):
    _host, port, recorder = smtp_server
    command = [sys.executable, "-c", SENDS_AT_ONCE, store_url, str(port)]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (_out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err.decode()
    results = [json.loads(out) for out, _err in outputs]
    received = [m["To"] for m in recorder.messages()]
    assert sorted(received) == sorted(f"user{i}@example.org" for i in range(60))
    assert sum(r["sent"] for r in results) == 60
    assert sorted(r["created"] for r in results) == [False, True]


def test_a_newer_export_continues_the_campaign_and_sends_nothing_twice(smtp_server):
    recorder = smtp_server[2]
    with open_store("sqlite://") as store:
        first = _win_back(store, 10)
        sent = send_campaign(first, store, smtp=_settings(smtp_server), now=NOON)
        # a day later, an export with two more lapsed customers
        later = _audience(12).assign(status="lost", consent_email=True, consent_sms=False)
        again = plan_campaign(
            "win_back", later, store=store, as_of=AS_OF + dt.timedelta(days=1), shop=SHOP
        )
        rerun = send_campaign(again, store, smtp=_settings(smtp_server), now=NOON)
        next_day = send_campaign(
            again, store, smtp=_settings(smtp_server), now=NOON + dt.timedelta(days=1)
        )
        names = store.campaign_starts()
        fresh = plan_campaign(
            "win_back", later, store=store, as_of=AS_OF, control_share=0, shop=SHOP, new=True
        )
        forced = send_campaign(
            fresh, store, smtp=_settings(smtp_server), now=NOON + dt.timedelta(days=1)
        )
        m, c = tables.messages.c, tables.campaigns.c
        with store.engine.connect() as con:
            in_fresh = con.execute(
                sa.select(m.status, m.error)
                .join(tables.campaigns, c.id == m.campaign_id)
                .where(c.name == fresh.name, m.customer_id == "c000", m.step == "thanks")
            ).one()
    assert first.name.startswith("win_back-") and again.name == first.name
    assert (sent.sent, sent.created) == (10, True)
    # the same day, nothing new; the next day, the step 1 of the newcomers in treatment
    assert (rerun.created, rerun.joined, rerun.sent) == (False, 2, 0)
    newcomers = [c for c in again.treatment.customer_id if c in ("c010", "c011")]
    assert next_day.sent == len(newcomers) and next_day.joined == 0
    assert list(names) == [first.name]
    # a new campaign on purpose: the repeat window keeps the same step from anyone who got it
    assert fresh.name == f"{first.name}-2" and forced.created
    assert forced.sent == 12 - 10 - len(newcomers) and forced.skipped == 10 + len(newcomers)
    received = [m["To"] for m in recorder.messages()]
    assert len(received) == len(set(received)) == 12  # each address got "thanks" once
    assert tuple(in_fresh) == (
        "skipped",
        "got this step of the playbook on 2024-06-02 (repeat window 30 days)",
    )


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"starttls": True}, "TLS with 127.0.0.1:{port} failed"),
        ({"username": "shop", "password": "secret"}, "refused the login 'shop'"),
    ],
    ids=["no-tls", "no-login"],
)
def test_a_failed_tls_upgrade_or_login_stops_the_send(smtp_server, options, said):
    host, port, recorder = smtp_server  # offers neither STARTTLS nor AUTH
    settings = SmtpSettings(host, port, "news@shop.example", **options)
    with open_store("sqlite://") as store:
        plan = _win_back(store, 4)
        result = send_campaign(plan, store, smtp=settings, now=NOON)
        status = _statuses(store)
    assert said.format(port=port) in result.stopped and not result.ok
    assert {s for s, _e in status.values()} == {"pending"} and not recorder.received


def test_the_repeat_window_holds_for_an_address_under_another_customer_id(smtp_server):
    recorder = smtp_server[2]
    with open_store("sqlite://") as store:
        first = _win_back(store, 3)
        send_campaign(first, store, smtp=_settings(smtp_server), now=NOON)
        # the next export has Anna under a new id (she registered again), same mailbox
        again = _audience(3).assign(status="lost", consent_email=True, consent_sms=False)
        again.loc[0, ["customer_id", "email"]] = ["n000", " USER0@example.org "]
        other = plan_campaign(
            "win_back", again, store=store, as_of=AS_OF, control_share=0, shop=SHOP, new=True
        )
        result = send_campaign(
            other, store, smtp=_settings(smtp_server), now=NOON + dt.timedelta(days=1)
        )
        status = _statuses(store)
    assert result.sent == 0 and result.skipped == 3
    assert status[("n000", "thanks")] == (
        "skipped",
        "got this step of the playbook on 2024-06-02 (repeat window 30 days)",
    )
    assert [m["To"] for m in recorder.messages()].count("user0@example.org") == 1


def test_messages_put_off_are_not_counted_as_due_before_their_retry_time(smtp_server):
    recorder = smtp_server[2]
    recorder.greylist.add("user1@example.org")
    with open_store("sqlite://") as store:
        plan = _win_back(store, 4)
        send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        with store.connect() as db:
            campaign = db.campaigns.find(plan.name)
            assert campaign is not None
            day, noon = NOON.date(), NOON.astimezone(dt.UTC)  # the store's times are UTC
            soon = db.messages.due_counts(campaign.id, day, ready=noon)
            later = db.messages.due_counts(campaign.id, day, ready=noon + dt.timedelta(minutes=5))
    # step 1 of user1 was put off for 5 minutes; the others went
    assert (soon, later) == ({}, {"email": 1})
