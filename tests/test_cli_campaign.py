"""`repeatly campaign` as a user runs it: playbooks, plans, and mistakes stopped early."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pandas as pd
import pytest

from repeatly.campaigns import builtin_playbooks, load_playbook
from repeatly.datasets import make_shop


def _run(*args: str, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "repeatly", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def shop_files(tmp_path_factory):
    shop = make_shop(400, seed=5)
    return shop, shop.write(tmp_path_factory.mktemp("shop"))


def _first_day(shop) -> str:
    """The day a campaign planned on the shop starts (the day after its last order).

    Sending takes it as ``--now``, which the CLI reads as noon of that day in the machine's
    own time zone: outside the quiet hours whatever the clock and the zone.
    """
    return (shop.orders.ordered_at.max().date() + dt.timedelta(days=1)).isoformat()


def test_playbooks_are_listed_and_printed_for_editing(tmp_path):
    run = _run("campaign", "playbooks")
    assert run.returncode == 0, run.stderr
    listed = [line.split()[0] for line in run.stdout.splitlines() if not line.startswith(" ")]
    assert listed == builtin_playbooks()
    run = _run("campaign", "playbook", "golden_care")
    assert run.returncode == 0, run.stderr
    copy = tmp_path / "mine.toml"
    copy.write_text(run.stdout, encoding="utf-8")
    assert load_playbook(copy).steps == load_playbook("golden_care").steps


def test_plan_writes_the_audience_and_plans_the_same_again(shop_files, tmp_path):
    _shop, files = shop_files
    db = f"sqlite:///{tmp_path / 'ops.db'}"
    args = [
        "campaign",
        "plan",
        "win_back",
        str(files["orders"]),
        "--customers",
        str(files["customers"]),
        "--db",
        db,
        "--shop-name",
        "Demo Shop",
        "--shop-url",
        "https://demo.example",
    ]
    run = _run(*args, "--out", str(tmp_path / "a"))
    assert run.returncode == 0, run.stderr
    audience = pd.read_csv(tmp_path / "a" / "audience.csv")
    plan = json.loads((tmp_path / "a" / "plan.json").read_text(encoding="utf-8"))
    assert plan["treatment"] == (audience.group == "treatment").sum()
    assert plan["control"] == (audience.group == "control").sum() > 0
    assert f"{plan['treatment']:,} to contact" in run.stdout
    customers = pd.read_csv(files["customers"]).set_index("customer_id")
    treated = audience[audience.group == "treatment"]
    consent = {"email": "consent_email", "sms": "consent_sms", "letter": "consent_post"}
    for row in treated.itertuples():
        assert bool(customers.loc[row.customer_id, consent[row.channel]]), row.customer_id
    assert "Demo Shop" in (tmp_path / "a" / "previews.txt").read_text(encoding="utf-8")
    again = _run(*args, "--out", str(tmp_path / "b"))
    assert again.returncode == 0, again.stderr
    pd.testing.assert_frame_equal(audience, pd.read_csv(tmp_path / "b" / "audience.csv"))


def test_a_broken_template_stops_before_anything_is_read_or_written(shop_files, tmp_path):
    _shop, files = shop_files
    book = tmp_path / "mine.toml"
    book.write_text(
        '[audience]\nstatus = ["lost"]\n[[steps]]\nname = "hi"\n'
        '[steps.email.en]\nsubject = "Hi {{ customer.frist_name }}"\n'
        'body = "Hello"\n',
        encoding="utf-8",
    )
    run = _run(
        "campaign",
        "plan",
        str(book),
        str(files["orders"]),
        "--db",
        f"sqlite:///{tmp_path / 'ops.db'}",
        "--out",
        str(tmp_path / "out"),
    )
    assert run.returncode == 2
    assert (
        'mine.toml, step "hi", email (en) subject, line 1: unknown field "customer.frist_name"'
    ) in run.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "ops.db").exists()
    run = _run("campaign", "plan", "no_such_book", str(files["orders"]))
    assert run.returncode == 2 and "not a file and not a built-in playbook" in run.stderr


def test_plan_refuses_a_template_that_includes_a_file(shop_files, tmp_path):
    _shop, files = shop_files
    book = tmp_path / "mine.toml"
    book.write_text(
        '[[steps]]\nname = "hi"\n[steps.email.en]\nsubject = "Hi"\n'
        "body = \"Hello\\n{% include '/etc/passwd' %}\"\n",
        encoding="utf-8",
    )
    out, db = tmp_path / "out", f"sqlite:///{tmp_path / 'ops.db'}"
    run = _run("campaign", "plan", str(book), str(files["orders"]), "--db", db, "--out", str(out))
    assert run.returncode == 2, run.stderr
    assert (
        'mine.toml, step "hi", email (en) body, line 2: templates cannot include other files '
        "({% include %}); write the text in the template itself"
    ) in run.stderr
    assert "root:" not in run.stdout + run.stderr and not out.exists()


def test_send_asks_first_then_sends_each_email_once(shop_files, tmp_path, smtp_server):
    shop, files = shop_files
    _host, port, recorder = smtp_server
    db = tmp_path / "ops.db"
    args = [
        "campaign",
        "send",
        "win_back",
        str(files["orders"]),
        "--customers",
        str(files["customers"]),
        "--db",
        f"sqlite:///{db}",
        "--smtp",
        f"127.0.0.1:{port}",
        "--sender",
        "news@demo.example",
        "--shop-url",
        "https://demo.example",
        "--now",
        _first_day(shop),
    ]
    refused = _run(*args)  # no terminal to ask on, and no --yes
    assert refused.returncode == 2 and "pass --yes" in refused.stderr
    assert not recorder.received
    run = _run(*args, "--yes")
    assert run.returncode == 0, run.stderr
    sent = len(recorder.received)
    assert sent > 0 and f"recorded and sent {sent:,} e-mails" in run.stdout
    again = _run(*args, "--yes")
    assert again.returncode == 0, again.stderr
    assert "sent 0 e-mails" in again.stdout and len(recorder.received) == sent


def test_results_compare_the_treatment_with_the_control_group(tmp_path):
    from repeatly.campaigns import plan_campaign, record_campaign
    from repeatly.store import open_store

    audience = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(40)],
            "status": "active",
            "rfm_segment": "Loyal",
            "email": "x@example.org",
            "consent_email": True,
            "days_since": 3,
        }
    )
    db = f"sqlite:///{tmp_path / 'ops.db'}"
    with open_store(db) as store:
        plan = plan_campaign(
            "monthly_coupon",
            audience,
            store=store,
            as_of=dt.date(2024, 6, 1),
            control_share=0.25,
            name="june",
        )
        record_campaign(plan, store)
    groups = plan.audience.set_index("customer_id").group
    buyers = [c for c in groups.index if int(c[1:]) % 2 == 0]  # every other customer
    orders = tmp_path / "orders.csv"
    pd.DataFrame({"customer_id": buyers, "ordered_at": "2024-06-10", "amount": 20.0}).to_csv(
        orders, index=False
    )
    run = _run("campaign", "results", "june", str(orders), "--db", db, "--out", str(tmp_path / "r"))
    assert run.returncode == 0, run.stderr
    row = pd.read_csv(tmp_path / "r" / "results.csv").set_index("segment").loc["all"]
    t = groups[groups == "treatment"].index
    c = groups[groups == "control"].index
    rate_t = sum(x in buyers for x in t) / len(t)
    rate_c = sum(x in buyers for x in c) / len(c)
    assert (row.treatment, row.control) == (30, 10)
    assert row.uplift == pytest.approx(rate_t - rate_c, abs=5e-5)  # the file has 4 places
    assert row.offer_cost == pytest.approx(0.05 * 20.0 * sum(x in buyers for x in t))
    assert "window 2024-06-02 to 2024-07-01" in run.stdout
    missing = _run("campaign", "results", "july", str(orders), "--db", db)
    assert missing.returncode == 2 and "'july': not in the database; it has june" in missing.stderr


def test_calls_go_out_as_a_sheet_and_come_back(shop_files, tmp_path):
    shop, files = shop_files
    db = f"sqlite:///{tmp_path / 'ops.db'}"
    run = _run(
        "campaign",
        "send",
        "golden_care",
        str(files["orders"]),
        "--customers",
        str(files["customers"]),
        "--db",
        db,
        "--name",
        "vip",
        "--yes",
        "--now",
        _first_day(shop),
        "--out",
        str(tmp_path / "out"),
    )
    assert run.returncode == 0, run.stderr
    sheet = pd.read_excel(tmp_path / "out" / "calls-vip.xlsx", dtype=str, keep_default_na=False)
    assert f"given out: {len(sheet):,} calls" in run.stdout and len(sheet) > 0
    sheet["result"] = "interested"
    sheet.to_excel(tmp_path / "done.xlsx", index=False)
    back = _run("campaign", "import-calls", "vip", str(tmp_path / "done.xlsx"), "--db", db)
    assert back.returncode == 0, back.stderr
    assert f"{len(sheet):,} recorded (0 already were); {len(sheet):,} count" in back.stdout


def test_do_not_contact_lists_are_read_from_files(tmp_path):
    from repeatly.store import open_store

    db = f"sqlite:///{tmp_path / 'ops.db'}"
    (tmp_path / "dnc.csv").write_text(
        "name,email,phone\nA,Anna@Example.org,+7 (900) 123-45-67\nB,,+7 900 765 43 21\n",
        encoding="utf-8",
    )
    run = _run("campaign", "do-not-contact", str(tmp_path / "dnc.csv"), "--db", db)
    assert run.returncode == 0, run.stderr
    assert "3 values read, 3 new" in run.stdout
    with open_store(db) as store:
        assert store.blocked() == {"anna@example.org", "+79001234567", "+79007654321"}
    (tmp_path / "bad.csv").write_text("who\nx\n", encoding="utf-8")
    run = _run("campaign", "do-not-contact", str(tmp_path / "bad.csv"), "--db", db)
    assert run.returncode == 2 and "expected a column named customer_id" in run.stderr


def test_a_stopped_send_exits_3_says_what_to_fix_and_status_shows_it(
    shop_files, tmp_path, smtp_server
):
    shop, files = shop_files
    _host, port, recorder = smtp_server
    db = f"sqlite:///{tmp_path / 'ops.db'}"
    args = [
        "campaign",
        "send",
        "win_back",
        str(files["orders"]),
        "--customers",
        str(files["customers"]),
        "--db",
        db,
        "--smtp",
        f"127.0.0.1:{port}",
        "--sender",
        "news@demo.example",
        "--shop-url",
        "https://demo.example",
        "--now",
        _first_day(shop),
        "--name",
        "back",
        "--yes",
    ]
    recorder.refuse_sender = "550 5.7.1 [sender] not allowed"  # brackets are not markup
    stopped = _run(*args)
    assert stopped.returncode == 3, stopped.stderr
    said = " ".join(stopped.stderr.split())  # as printed, folded at the terminal's width
    assert "stopped: email: the SMTP server refused the sender 'news@demo.example'" in said
    assert "(550 5.7.1 [sender] not allowed); check --sender" in said
    assert "nothing was lost" in said and not recorder.received
    pending = _run("campaign", "status", "back", "--db", db, "--json")
    assert pending.returncode == 0, pending.stderr
    totals = json.loads(pending.stdout)["totals"]
    assert totals["sent"] == totals["failed"] == totals["sending"] == 0 and totals["pending"] > 0
    recorder.refuse_sender = None
    recorder.refuse.add(recorder_first := "nobody@nowhere.example")  # not one of them
    assert recorder_first not in shop.customers.email.to_list()
    fixed = _run(*args)
    assert fixed.returncode == 0, fixed.stderr
    sent = len(recorder.received)
    assert sent > 0 and f"sent {sent:,} e-mails" in fixed.stdout
    shown = _run("campaign", "status", "back", "--db", db)
    assert shown.returncode == 0, shown.stderr
    assert f"email   sent {sent:,}, pending" in shown.stdout
    missing = _run("campaign", "status", "nope", "--db", db)
    assert missing.returncode == 2 and "'nope': not in the database; it has back" in (
        missing.stderr
    )


def test_sending_email_without_a_shop_url_is_refused_before_anything_is_read(
    shop_files, tmp_path, smtp_server
):
    shop, files = shop_files
    _host, port, recorder = smtp_server
    db = tmp_path / "ops.db"
    run = _run(
        "campaign",
        "send",
        "win_back",
        str(files["orders"]),
        "--customers",
        str(files["customers"]),
        "--db",
        f"sqlite:///{db}",
        "--smtp",
        f"127.0.0.1:{port}",
        "--sender",
        "news@demo.example",
        "--now",
        _first_day(shop),
        "--yes",
    )
    assert run.returncode == 2
    assert "e-mail needs the shop's web address" in run.stderr
    assert "pass --shop-url https://... or set [shop] url in the playbook" in run.stderr
    assert not db.exists() and not recorder.received  # nothing recorded, nothing sent


def test_the_unsubscribe_server_answers_links_and_stops_on_ctrl_c(tmp_path):
    import signal
    import urllib.error
    import urllib.request

    from repeatly.campaigns import unsubscribe_url
    from repeatly.store import open_store

    db = f"sqlite:///{tmp_path / 'ops.db'}"
    with open_store(db) as store:
        key = store.secret()
    server = subprocess.Popen(
        [sys.executable, "-m", "repeatly", "unsubscribe-server", "--db", db, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()  # type: ignore[union-attr]
        base = line.split(" on ")[1].split()[0].rstrip("/")
        assert base.startswith("http://127.0.0.1:"), line
        link = unsubscribe_url(key, f"{base}/unsubscribe", "c7", "email")

        def post(url: str) -> int:
            request = urllib.request.Request(url, data=b"List-Unsubscribe=One-Click")
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:
                    return answer.status
            except urllib.error.HTTPError as answer:
                answer.close()
                return answer.code

        assert post(link.replace("c=c7", "c=c8")) == 400
        assert post(link) == 200
    finally:
        server.send_signal(signal.SIGINT)
        _out, errors = server.communicate(timeout=30)
    assert server.returncode == 0, errors
    assert "stopped" in errors and "POST /unsubscribe 400" in errors
    assert "c=c7" not in errors  # the log leaves the customer and signature out
    with open_store(db) as store:
        assert store.unsubscribed() == {("c7", "email")}
