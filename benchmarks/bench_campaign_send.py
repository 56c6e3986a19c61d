"""E-mail to a local SMTP server (target: 200 messages a second or more).

Usage: python benchmarks/bench_campaign_send.py [--messages N] [--db URL]

Starts an SMTP server (aiosmtpd) in a process of its own on localhost, plans a one-step
campaign for N customers who all agreed to e-mail (no control group), records it in a
fresh SQLite store (or the database at --db), and sends it. Prints the time to record
the campaign, the time to send, and messages a second, and checks the server got
every message once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pandas as pd

from repeatly.campaigns import SmtpSettings, plan_campaign, record_campaign, send_campaign
from repeatly.store import open_store

SERVER = textwrap.dedent("""
    import sys, time
    from aiosmtpd.controller import Controller
    class Count:
        def __init__(self):
            self.ids = set()
            self.n = 0
        async def handle_DATA(self, server, session, envelope):
            self.n += 1
            for line in envelope.content.split(b"\\r\\n"):
                if line.lower().startswith(b"message-id:"):
                    self.ids.add(line)
                    break
            return "250 OK"
    count = Count()
    controller = Controller(count, hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    print("ready", flush=True)
    sys.stdin.readline()
    print(count.n, len(count.ids), flush=True)
    controller.stop()
""")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    n = args.messages
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:07d}" for i in range(n)],
            "status": "active",
            "rfm_segment": "Loyal",
            "name": [f"Anna Smith{i}" for i in range(n)],
            "email": [f"c{i}@example.com" for i in range(n)],
            "consent_email": True,
            "days_since": 10,
        }
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    server.stdout.readline()
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, {dt.date.today()}")
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'ops.db'}"
        with open_store(url) as store:
            plan = plan_campaign(
                "monthly_coupon",
                frame,
                store=store,
                as_of=dt.date(2026, 11, 1),
                control_share=0,
                shop={"name": "Shop", "url": "https://shop.example"},
            )
            t0 = time.perf_counter()
            record_campaign(plan, store)
            t1 = time.perf_counter()
            result = send_campaign(
                plan,
                store,
                now=dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC),
                smtp=SmtpSettings("127.0.0.1", port, "news@shop.example"),
            )
            t2 = time.perf_counter()
    server.stdin.write("\n")
    server.stdin.flush()
    received, distinct = (int(v) for v in server.stdout.readline().split())
    server.wait(timeout=30)
    print(f"database: {url.split('://')[0]}; recorded {n:,} recipients in {t1 - t0:.1f} s")
    print(
        f"sent {result.sent:,} e-mails in {t2 - t1:.1f} s: "
        f"{result.sent / (t2 - t1):,.0f} messages a second (target: 200 or more)"
    )
    print(f"the server received {received:,} messages, {distinct:,} distinct Message-IDs")


if __name__ == "__main__":
    main()
