"""How fast a send gives up when the mail server fails, and how fast Ctrl-C stops it.

Usage: python benchmarks/bench_send_faults.py [--messages N]

Targets (the issue on failing servers): a server that is down or hangs stops the send
after a few failures in a row, not after trying every message (it took about 80 minutes
for 3,977 messages); Ctrl-C stops a send within 2 seconds, leaving nothing claimed.

Three cases, each on a fresh SQLite store with a one-step campaign to N customers:

- down: nothing listens on the port (connection refused);
- hanging: a socket takes connections and never greets (the default timeouts: 10 s to
  connect and be greeted);
- Ctrl-C: a send in a process of its own waits for a greeting that never comes; the
  time from SIGINT to its exit, and whether any message is left claimed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from repeatly.campaigns import SmtpSettings, plan_campaign, send_campaign
from repeatly.store import open_store, tables

SHOP = {"name": "Bench Shop", "url": "https://shop.example"}
NOW = dt.datetime(2024, 6, 2, 12).astimezone()

SENDER = textwrap.dedent("""
    import datetime as dt, sys
    import pandas as pd
    from repeatly.campaigns import SmtpSettings, plan_campaign, send_campaign
    from repeatly.store import open_store
    db, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    people = pd.DataFrame({"customer_id": [f"c{i:05d}" for i in range(n)], "status": "active",
                           "rfm_segment": "x", "email": [f"u{i}@example.org" for i in range(n)],
                           "consent_email": True, "days_since": 10})
    with open_store(db) as store:
        plan = plan_campaign("monthly_coupon", people, store=store, as_of=dt.date(2024, 6, 1),
                             control_share=0, shop={"name": "S", "url": "https://s.example"})
        send_campaign(plan, store, now=dt.datetime(2024, 6, 2, 12).astimezone(),
                      smtp=SmtpSettings("127.0.0.1", port, "news@s.example"))
""")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def people(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:05d}" for i in range(n)],
            "status": "active",
            "rfm_segment": "x",
            "email": [f"u{i}@example.org" for i in range(n)],
            "consent_email": True,
            "days_since": 10,
        }
    )


def statuses(store) -> dict[str, int]:
    m = tables.messages.c
    with store.engine.connect() as con:
        rows = con.execute(sa.select(m.status, sa.func.count()).group_by(m.status)).all()
    return {status: int(n) for status, n in rows}


def until_stopped(n: int, *, hangs: bool) -> None:
    port = free_port()
    listener = None
    if hangs:
        listener = socket.socket()
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
    try:
        with open_store("sqlite://") as store:
            plan = plan_campaign(
                "monthly_coupon",
                people(n),
                store=store,
                as_of=NOW.date() - dt.timedelta(days=1),
                shop=SHOP,
            )
            started = time.perf_counter()
            result = send_campaign(
                plan, store, smtp=SmtpSettings("127.0.0.1", port, "news@shop.example"), now=NOW
            )
            took = time.perf_counter() - started
            left = statuses(store)
    finally:
        if listener is not None:
            listener.close()
    case = "hanging" if hangs else "down"
    print(f"{case}: stopped after {took:.1f} s with {n:,} messages due; statuses {left}")
    print(f"  {result.stopped}")


def ctrl_c(n: int, folder: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(120)
    db = f"sqlite:///{folder / 'store.db'}"
    port = str(listener.getsockname()[1])
    sender = subprocess.Popen(
        [sys.executable, "-c", SENDER, db, port, str(n)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        connection, _address = listener.accept()
        time.sleep(0.5)  # well inside its wait for the greeting
        started = time.perf_counter()
        sender.send_signal(signal.SIGINT)
        sender.wait(timeout=60)
        took = time.perf_counter() - started
    finally:
        sender.kill()
        listener.close()
    connection.close()
    with open_store(db) as store:
        left = statuses(store)
    print(f"Ctrl-C: the send exited {took:.2f} s after SIGINT (target 2 s); statuses {left}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=4000)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, {dt.date.today()}")
    until_stopped(args.messages, hangs=False)
    until_stopped(args.messages, hangs=True)
    with tempfile.TemporaryDirectory() as folder:
        ctrl_c(args.messages, Path(folder))


if __name__ == "__main__":
    main()
