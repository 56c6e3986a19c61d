"""Shared fixtures: small hand-made inputs whose figures are worked out by hand."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd
import pytest

AS_OF = dt.date(2024, 6, 1)


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


@pytest.fixture
def hand_orders() -> pd.DataFrame:
    """Four customers; every figure the tests expect is worked out in their comments."""
    rows = [
        # customer, order, time, amount, cost, category, discount, promo
        ("a", "A1", "2024-01-01 10:00", 10.0, 4.0, "x", 0.0, False),
        ("a", "A1", "2024-01-01 10:00", 5.0, 2.0, "y", 0.0, False),
        ("a", "A2", "2024-02-15 09:30", 20.0, 8.0, "x", 0.0, False),
        ("a", "A3", "2024-05-20 18:00", 30.0, 10.0, "x", 10.0, True),
        ("b", "B1", "2024-01-10 12:00", 100.0, 60.0, "x", 0.0, False),
        ("b", "B1", "2024-04-10 12:00", -30.0, -18.0, "x", 0.0, False),  # partial refund
        ("c", "C1", "2024-03-01 08:00", 7.5, 3.0, "y", 0.0, False),
        ("d", "D1", "2024-03-05 11:00", 50.0, 20.0, "z", 0.0, False),
        ("d", "D2", "2024-03-20 11:00", 50.0, 20.0, "z", 0.0, False),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "customer_id",
            "order_id",
            "ordered_at",
            "amount",
            "cost",
            "category",
            "discount",
            "promo",
        ],
    )
    frame["ordered_at"] = frame["ordered_at"].map(_ts).astype("datetime64[us]")
    return frame


@pytest.fixture
def hand_spend() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": [dt.date(2024, 1, 1), dt.date(2024, 3, 1), dt.date(2024, 4, 1)],
            "channel": ["ads", "ads", "email"],
            "spend": [100.0, 60.0, 10.0],
            "visitors": [1000.0, 300.0, None],
            "leads": [20.0, 10.0, None],
            "purpose": ["acquisition", "acquisition", "retention"],
        }
    )


@pytest.fixture
def hand_customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "acquisition_channel": ["ads", "ads", "organic", "ads"],
        }
    )


@pytest.fixture(autouse=True)
def _fresh_settings():
    """Each test reads the settings anew (a test may change the environment)."""
    from repeatly.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def server_required(what: str, start_hint: str) -> None:
    """Skip when a needed server is missing, except under CI where it must be there."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is not available under CI: {start_hint}")
    pytest.skip(f"{what} is not available: {start_hint}")


POSTGRES_URL = os.environ.get(
    "REPEATLY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """An empty operational database: a SQLite file, and a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'repeatly.db'}"
        return
    import uuid

    psycopg = pytest.importorskip("psycopg")
    try:
        conn = psycopg.connect(POSTGRES_URL, connect_timeout=3, autocommit=True)
    except psycopg.OperationalError as exc:
        server_required(f"PostgreSQL at {POSTGRES_URL}", f"start it ({exc})")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    conn.execute(f"DROP SCHEMA {schema} CASCADE")
    conn.close()


class SmtpRecorder:
    """A real SMTP server on localhost (aiosmtpd) that keeps what it receives.

    ``hold(n, at)`` makes the server stop answering at the ``n``-th message, either at
    its RCPT command (``"rcpt"``: before the message data was sent) or after its data
    (``"data"``: the message is in, the answer not yet given), until ``release()``.
    """

    def __init__(self) -> None:
        import threading

        self.received: list[tuple[str, list[str], bytes]] = []
        self.lock = threading.Lock()
        self.held = threading.Event()
        self.go = threading.Event()
        self._hold: tuple[int, str] | None = None
        self._rcpts = 0
        self.refuse: set[str] = set()  # addresses answered with 550
        self.greylist: set[str] = set()  # addresses answered with 450 (try later)
        self.reject_data: dict[str, str] = {}  # address: the answer to its message
        self.refuse_sender: str | None = None  # the answer to every MAIL FROM
        self.rcpt_answers: dict[str, str] = {}  # address: the answer to its RCPT TO
        # address: "before" (drop the connection without keeping its message) or "after"
        # (keep it, then drop the connection before answering)
        self.drop: dict[str, str] = {}

    def hold(self, n: int, at: str) -> None:
        self._hold = (n, at)

    def release(self) -> None:
        self.go.set()

    async def _wait_if(self, count: int, at: str) -> None:
        import asyncio

        if self._hold == (count, at):
            self.held.set()
            while not self.go.is_set():
                await asyncio.sleep(0.01)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_sender is not None:
            return self.refuse_sender
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        self._rcpts += 1
        await self._wait_if(self._rcpts, "rcpt")
        if address in self.rcpt_answers:
            return self.rcpt_answers[address]
        if address in self.refuse:
            return "550 5.1.1 No such user"
        if address in self.greylist:
            return "450 4.2.0 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for address in envelope.rcpt_tos:
            if address in self.reject_data:  # refused after the final dot: not delivered
                return self.reject_data[address]
        drop = next((self.drop.pop(a) for a in envelope.rcpt_tos if a in self.drop), None)
        if drop == "before":  # the connection drops before the message is kept
            server.transport.close()
            return "421 closing"
        with self.lock:
            self.received.append(
                (
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    bytes(envelope.original_content or envelope.content),
                )
            )
            count = len(self.received)
        if drop == "after":  # kept, then the connection drops before the answer
            server.transport.close()
            return "421 closing"
        await self._wait_if(count, "data")
        return "250 Message accepted"

    def messages(self):
        """Every message the server took, as it came (a message sent twice is here twice)."""
        import email
        import email.policy

        return [
            email.message_from_bytes(raw, policy=email.policy.default)
            for _sender, _to, raw in self.received
        ]

    def mailbox(self):
        """The messages as a receiving server keeps them: a Message-ID it has is dropped."""
        seen, kept = set(), []
        for message in self.messages():
            if message["Message-ID"] not in seen:
                seen.add(message["Message-ID"])
                kept.append(message)
        return kept


@pytest.fixture
def smtp_server():
    """(host, port, recorder) of a running local SMTP server."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    recorder = SmtpRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield "127.0.0.1", port, recorder
    recorder.release()
    controller.stop()
