"""Campaign messages: one row each, claimed by a sending run, settled once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from repeatly.store._rows import insert_in_chunks
from repeatly.store.tables import campaigns, messages, recipients

__all__ = ["MessageRepository"]

#: The columns of a claimed message, as :meth:`MessageRepository.claim` returns it.
_CLAIMED = (
    messages.c.customer_id,
    messages.c.step,
    messages.c.message_id,
    messages.c.campaign_id,
    messages.c.claim,
    messages.c.attempts,
    recipients.c.context,
)
_WITH_RECIPIENT = sa.and_(
    recipients.c.campaign_id == messages.c.campaign_id,
    recipients.c.customer_id == messages.c.customer_id,
)
_ORDER = (messages.c.customer_id, messages.c.due_on, messages.c.step)


class MessageRepository:
    """The messages of campaigns, on one connection."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def add(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Record messages.

        Each row gives ``campaign_id, customer_id, step, channel, status, attempts,
        due_on, message_id``.
        """
        insert_in_chunks(self.connection, messages, rows)

    def due_counts(
        self, campaign_id: int, day: dt.date, *, ready: dt.datetime | None = None
    ) -> dict[str, int]:
        """Pending messages due on or before ``day``, by channel.

        With ``ready`` (a moment in UTC, as the store keeps them), not those a server
        put off until after it (their ``retry_at``).
        """
        rows = self.connection.execute(
            sa.select(messages.c.channel, sa.func.count())
            .where(
                messages.c.campaign_id == campaign_id,
                messages.c.status == "pending",
                messages.c.due_on <= day,
                sa.true()
                if ready is None
                else sa.or_(messages.c.retry_at.is_(None), messages.c.retry_at <= ready),
            )
            .group_by(messages.c.channel)
        )
        return {str(channel): int(n) for channel, n in rows}

    def sent_counts(self, campaign_id: int, channels: Iterable[str]) -> dict[str, int]:
        """Messages of these channels sent (or given out), by channel."""
        rows = self.connection.execute(
            sa.select(messages.c.channel, sa.func.count())
            .where(
                messages.c.campaign_id == campaign_id,
                messages.c.status == "sent",
                messages.c.channel.in_(tuple(channels)),
            )
            .group_by(messages.c.channel)
        )
        return {str(channel): int(n) for channel, n in rows}

    def sent_steps(self, playbook: str, since: dt.datetime) -> dict[tuple[str, str], dt.datetime]:
        """When each customer, and each address, last got each step of a playbook.

        Keys are (customer id, step) and (normalised address sent to, step), over the
        messages of the playbook's campaigns sent after ``since``.
        """
        rows = self.connection.execute(
            sa.select(
                messages.c.customer_id,
                messages.c.sent_to,
                messages.c.step,
                sa.func.max(messages.c.sent_at),
            )
            .join(campaigns, campaigns.c.id == messages.c.campaign_id)
            .where(
                campaigns.c.playbook == playbook,
                messages.c.status == "sent",
                messages.c.sent_at > since,
            )
            .group_by(messages.c.customer_id, messages.c.sent_to, messages.c.step)
        )
        last: dict[tuple[str, str], dt.datetime] = {}
        for customer, address, step, at in rows:
            for who in (customer, address):
                if who and ((who, step) not in last or at > last[who, step]):
                    last[who, step] = at
        return last

    def sent_messages_since(self, since: dt.datetime) -> list[tuple[str, str, str | None]]:
        """Messages sent after a moment, all campaigns: (message id, customer, sent to).

        ``sent_to`` is the normalised address, empty for messages of earlier releases
        and for letters.
        """
        rows = self.connection.execute(
            sa.select(messages.c.message_id, messages.c.customer_id, messages.c.sent_to).where(
                messages.c.status == "sent", messages.c.sent_at > since
            )
        )
        return [(row[0], row[1], row[2]) for row in rows]

    def claim(
        self,
        campaign_id: int,
        claim: str,
        *,
        day: dt.date,
        channel: str,
        limit: int,
        at: dt.datetime,
        ready: dt.datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Claim up to ``limit`` due pending messages of a channel; return them.

        Messages this claim already put back (over the cap, a temporary failure) are
        not taken again, nor those put off until after ``ready`` (their ``retry_at``),
        nor a step whose recipient has an earlier step not yet settled (pending, being
        sent or of unknown outcome).
        On PostgreSQL rows another run is claiming are skipped, not waited for. Each
        message comes with its recipient's ``context``.
        """
        key = (messages.c.campaign_id, messages.c.customer_id, messages.c.step)
        earlier = messages.alias("earlier")
        open_before = (  # an earlier step of theirs not settled yet: this one waits for it
            sa.exists()
            .where(
                earlier.c.campaign_id == messages.c.campaign_id,
                earlier.c.customer_id == messages.c.customer_id,
                earlier.c.due_on < messages.c.due_on,
                earlier.c.status.in_(("pending", "sending", "unknown")),
            )
            .correlate(messages)
        )
        pending = (
            sa.select(*key)
            .where(
                messages.c.campaign_id == campaign_id,
                messages.c.channel == channel,
                messages.c.status == "pending",
                messages.c.due_on <= day,
                sa.or_(messages.c.claim.is_(None), messages.c.claim != claim),
                sa.or_(messages.c.retry_at.is_(None), messages.c.retry_at <= (ready or at)),
                ~open_before,
            )
            .order_by(*_ORDER)
            .limit(limit)
        )
        if self.connection.dialect.name == "postgresql":
            pending = pending.with_for_update(skip_locked=True)
        picked = self.connection.execute(pending).all()
        if not picked:
            return []
        for _campaign, customer, step in picked:
            self.connection.execute(
                messages.update()
                .where(*_the_message(campaign_id, customer, step), messages.c.status == "pending")
                .values(
                    status="sending", claim=claim, claimed_at=at, attempts=messages.c.attempts + 1
                )
            )
        rows = self.connection.execute(
            sa.select(*_CLAIMED)
            .join(recipients, _WITH_RECIPIENT)
            .where(
                messages.c.campaign_id == campaign_id,
                messages.c.claim == claim,
                messages.c.status == "sending",
            )
            .order_by(*_ORDER)
        ).mappings()
        return [dict(row) for row in rows]

    def settle(
        self,
        row: Mapping[str, Any],
        status: str,
        *,
        sent_at: dt.datetime | None = None,
        error: str | None = None,
        retry_at: dt.datetime | None = None,
        was: str = "sending",
        sent_to: str | None = None,
    ) -> bool:
        """Settle a claimed message, if its claim still holds; whether it did.

        ``was`` is the status the message must still have (``unknown`` for one handed
        over whose answer is being read); ``retry_at`` puts a pending one off until
        then; ``sent_to`` is the normalised address it was handed over to. The claim
        stays on the row, so the run that settled it does not take it again.
        """
        done = self.connection.execute(
            messages.update()
            .where(
                *_this_message(row),
                messages.c.status == was,
                messages.c.claim == row["claim"],  # still this run's: not taken over
            )
            .values(status=status, sent_at=sent_at, error=error, retry_at=retry_at, sent_to=sent_to)
        ).rowcount
        return bool(done)

    def lost_answer(self, row: Mapping[str, Any], error: str) -> None:
        """A message handed over whose answer never came: ``unknown``, counted."""
        self.connection.execute(
            messages.update()
            .where(*_this_message(row), messages.c.claim == row["claim"])
            .values(status="unknown", error=error, unsure=messages.c.unsure + 1)
        )

    def unknown(self, campaign_id: int) -> list[tuple[str, str, str | None, dt.datetime, int]]:
        """Messages whose outcome is unknown: (customer, step, claim, claimed at, unsure)."""
        rows = self.connection.execute(
            sa.select(
                messages.c.customer_id,
                messages.c.step,
                messages.c.claim,
                messages.c.claimed_at,
                messages.c.unsure,
            ).where(messages.c.campaign_id == campaign_id, messages.c.status == "unknown")
        )
        return [(row[0], row[1], row[2], row[3], int(row[4])) for row in rows]

    def resolve_unknown(
        self, campaign_id: int, customer_id: str, step: str, status: str, *, unsure: int
    ) -> None:
        """Settle an unknown outcome by policy: ``pending`` (send again) or ``sent``."""
        self.connection.execute(
            messages.update()
            .where(*_the_message(campaign_id, customer_id, step), messages.c.status == "unknown")
            .values(status=status, claim=None, unsure=max(unsure, 1))
        )

    def release_claim(self, claim: str) -> int:
        """Put back every message a run claimed and has not settled; how many.

        The attempt their claim counted is taken back too: a send that stopped (the
        server refused the sender, Ctrl-C) consumed nothing of them.
        """
        return int(
            self.connection.execute(
                messages.update()
                .where(messages.c.claim == claim, messages.c.status == "sending")
                .values(
                    status="pending",
                    claim=None,
                    attempts=sa.case((messages.c.attempts > 0, messages.c.attempts - 1), else_=0),
                )
            ).rowcount
        )

    def status_counts(self, campaign_id: int) -> dict[tuple[str, str], int]:
        """Messages of a campaign by (channel, status)."""
        rows = self.connection.execute(
            sa.select(messages.c.channel, messages.c.status, sa.func.count())
            .where(messages.c.campaign_id == campaign_id)
            .group_by(messages.c.channel, messages.c.status)
        )
        return {(str(ch), str(st)): int(n) for ch, st, n in rows}

    def next_retry(self, campaign_id: int) -> dt.datetime | None:
        """The earliest time a message a server put off may be tried again."""
        return self.connection.execute(
            sa.select(sa.func.min(messages.c.retry_at)).where(
                messages.c.campaign_id == campaign_id,
                messages.c.status == "pending",
                messages.c.retry_at.is_not(None),
            )
        ).scalar()

    def problems(self, campaign_id: int, limit: int = 10) -> list[dict[str, Any]]:
        """The messages not sent that carry a remark, with it: the first ``limit``."""
        rows = self.connection.execute(
            sa.select(
                messages.c.customer_id,
                messages.c.step,
                messages.c.channel,
                messages.c.status,
                messages.c.error,
                messages.c.retry_at,
            )
            .where(
                messages.c.campaign_id == campaign_id,
                messages.c.status != "sent",
                messages.c.error.is_not(None),
            )
            .order_by(*_ORDER)
            .limit(limit)
        ).mappings()
        return [dict(row) for row in rows]

    def postpone_steps(self, row: Mapping[str, Any], due: Mapping[str, dt.date]) -> None:
        """Move a recipient's later steps (pending or claimed) to at least these days."""
        for step, day in due.items():
            self.connection.execute(
                messages.update()
                .where(
                    messages.c.campaign_id == row["campaign_id"],
                    messages.c.customer_id == row["customer_id"],
                    messages.c.step == step,
                    messages.c.status.in_(("pending", "sending")),
                    messages.c.due_on < day,
                )
                .values(due_on=day)
            )

    def held(self, campaign_id: int) -> list[tuple[str, str, str | None, dt.datetime]]:
        """Messages being sent: (customer, step, claim, claimed at)."""
        rows = self.connection.execute(
            sa.select(
                messages.c.customer_id, messages.c.step, messages.c.claim, messages.c.claimed_at
            ).where(messages.c.campaign_id == campaign_id, messages.c.status == "sending")
        )
        return [(row[0], row[1], row[2], row[3]) for row in rows]

    def release(self, campaign_id: int, customer_id: str, step: str) -> None:
        """Put a message being sent back to pending, claimed by no one."""
        self.connection.execute(
            messages.update()
            .where(*_the_message(campaign_id, customer_id, step), messages.c.status == "sending")
            .values(status="pending", claim=None)
        )

    def given_out(self, campaign_id: int, channel: str) -> list[dict[str, Any]]:
        """The messages of a channel sent (given out), with each recipient's ``context``."""
        query = (
            sa.select(
                messages.c.customer_id,
                messages.c.step,
                messages.c.message_id,
                messages.c.sent_at,
                recipients.c.context,
            )
            .join(recipients, _WITH_RECIPIENT)
            .where(
                messages.c.campaign_id == campaign_id,
                messages.c.channel == channel,
                messages.c.status == "sent",
            )
            .order_by(*_ORDER)
        )
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def customers_by_message_id(self, campaign_id: int, channel: str) -> dict[str, str]:
        """A channel's message ids and the customer each is for."""
        rows = self.connection.execute(
            sa.select(messages.c.message_id, messages.c.customer_id).where(
                messages.c.campaign_id == campaign_id, messages.c.channel == channel
            )
        )
        return {row[0]: row[1] for row in rows}


def _this_message(row: Mapping[str, Any]) -> tuple[sa.ColumnElement[bool], ...]:
    return _the_message(row["campaign_id"], row["customer_id"], row["step"])


def _the_message(
    campaign_id: int, customer_id: str, step: str
) -> tuple[sa.ColumnElement[bool], ...]:
    return (
        messages.c.campaign_id == campaign_id,
        messages.c.customer_id == customer_id,
        messages.c.step == step,
    )
