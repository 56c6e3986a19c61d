"""The running sends' leases: a send's claims hold while it keeps renewing its lease."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from repeatly.store.tables import senders

__all__ = ["SenderRepository"]


class SenderRepository:
    """The leases of the sends, on one connection."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def start(
        self, claim: str, *, host: str, pid: int, at: dt.datetime, until: dt.datetime
    ) -> None:
        """Record a send's lease: its claims hold until ``until`` unless renewed."""
        self.connection.execute(
            senders.insert().values(
                claim=claim, host=host, pid=pid, started_at=at, lease_until=until
            )
        )

    def renew(self, claim: str, until: dt.datetime) -> bool:
        """Move a lease on; whether the send still had one (it was not taken back)."""
        done = self.connection.execute(
            senders.update().where(senders.c.claim == claim).values(lease_until=until)
        ).rowcount
        return bool(done)

    def end(self, claim: str) -> None:
        """Drop a send's lease: it has ended."""
        self.connection.execute(senders.delete().where(senders.c.claim == claim))

    def leases(self) -> dict[str, tuple[str, int, dt.datetime]]:
        """Every lease: claim -> (host, pid, held until)."""
        rows = self.connection.execute(
            sa.select(senders.c.claim, senders.c.host, senders.c.pid, senders.c.lease_until)
        )
        return {row[0]: (row[1], int(row[2]), _utc(row[3])) for row in rows}


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
