"""Who holds a message being sent: claims, the leases that keep them, and taking them back.

A send claims a batch of messages (their ``claim`` names the machine, the process and the
run) and keeps a lease in the store that a thread of its own renews while the send runs.
Another send takes the claims of one that is over back: when its lease has run out (on
any machine, whatever process now has its PID), or, on the same machine, as soon as its
process is gone. A message such a send handed over without an answer is settled by the
``unknown`` policy.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Mapping
from typing import Literal

from repeatly.store import Store

__all__ = ["ACTIVE", "LEASE", "RENEW_EVERY", "Lease", "UnknownPolicy", "release_abandoned"]

#: A send's claims hold this long unless it renews its lease (it does while it runs).
LEASE = dt.timedelta(seconds=60)
RENEW_EVERY = 15.0  # seconds between renewals of a lease
UnknownPolicy = Literal["retry", "sent", "hold"]

ACTIVE: set[str] = set()  # the claims of the sends running in this process


class Lease:
    """A send's lease in the store, renewed by a thread of its own while the send runs.

    Another send takes this one's claims back once the lease has run out (``LEASE``
    after the last renewal), on any machine and whatever process now has its PID.
    """

    def __init__(self, store: Store, claim: str) -> None:
        self.store, self.claim = store, claim
        self._stop = threading.Event()
        now = _clock()
        with store.begin() as db:
            db.senders.start(
                claim, host=socket.gethostname(), pid=os.getpid(), at=now, until=now + LEASE
            )
        self._thread = threading.Thread(target=self._renew, name="repeatly-lease", daemon=True)
        url = store.engine.url
        if url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:"):
            self._thread.start()  # (a database in this process's memory: no one else sees it)

    def _renew(self) -> None:
        due = time.monotonic() + RENEW_EVERY
        while not self._stop.is_set():
            time.sleep(0.2)  # short sleeps: a wait with a deadline misbehaves on moved clocks
            if time.monotonic() < due:
                continue
            due = time.monotonic() + RENEW_EVERY
            try:
                with self.store.begin() as db:
                    db.senders.renew(self.claim, _clock() + LEASE)
            except Exception:  # the database is busy or gone: the send's own writes will say
                continue

    def end(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


def _clock() -> dt.datetime:
    """The machine's clock, for leases (not the moment a send is dated)."""
    return dt.datetime.now(dt.UTC)


def release_abandoned(store: Store, campaign_id: int, unknown: UnknownPolicy) -> int:
    """Put back the messages of sends that are over; how many there were.

    A send is over when its lease has run out (it stopped renewing it), or, on this
    machine, when its process no longer runs (or is this one, and the send has ended).
    A message such a send handed over without an answer is settled by the ``unknown``
    policy: sent again once, counted as sent, or left.
    """
    now = _clock()
    released = 0
    with store.begin() as db:
        leases = db.senders.leases()
        for customer, step, claim, claimed_at in db.messages.held(campaign_id):
            if _gone(claim, claimed_at, leases, now):
                db.messages.release(campaign_id, customer, step)
                released += 1
        for customer, step, claim, claimed_at, unsure in db.messages.unknown(campaign_id):
            if unknown == "hold" or not _gone(claim, claimed_at, leases, now):
                continue
            if unknown == "sent":
                db.messages.resolve_unknown(campaign_id, customer, step, "sent", unsure=unsure)
            elif unsure <= 1:  # sent once more, with the same Message-ID
                db.messages.resolve_unknown(campaign_id, customer, step, "pending", unsure=unsure)
                released += 1
        for claim, (_host, _pid, until) in leases.items():
            if until < now and claim not in ACTIVE:
                db.senders.end(claim)  # a lease run out holds nothing any more
    return released


def _gone(
    claim: str | None,
    claimed_at: dt.datetime | None,
    leases: Mapping[str, tuple[str, int, dt.datetime]],
    now: dt.datetime,
) -> bool:
    """Whether the send that holds a claim is over."""
    if claim is None:
        return True
    if claim in ACTIVE:
        return False
    lease = leases.get(claim)
    if lease is not None and lease[2] < now:
        return True  # it stopped renewing its lease: dead, or cut off
    host, _, rest = claim.partition(":")
    pid = rest.partition(":")[0]
    if host == socket.gethostname() and pid.isdigit():
        return int(pid) == os.getpid() or not _running(int(pid))
    if lease is not None:
        return False
    # a claim without a lease (a send of an earlier release): held for a lease from its claim
    at = (
        claimed_at if claimed_at is None or claimed_at.tzinfo else claimed_at.replace(tzinfo=dt.UTC)
    )
    return at is None or now - at > LEASE


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (killed, not yet reaped by its parent) is gone too
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True
