"""Where a recorded campaign stands: its messages by outcome, and what went wrong."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from repeatly.exceptions import InputError
from repeatly.store import CampaignRecord, Repositories, Store

__all__ = ["OUTCOMES", "CampaignStatus", "campaign_status", "recorded"]

#: The states of a message, in the order they are shown: sent; pending (not yet due,
#: put off by the cap or a server for now); sending (held by a run); unknown (handed
#: over, no answer yet); bounced (the address refused); skipped (suppressed: do not
#: contact, unsubscribed, bounced before); failed (refused for good).
OUTCOMES = ("sent", "pending", "sending", "unknown", "bounced", "skipped", "failed")


@dataclass(frozen=True)
class CampaignStatus:
    """A recorded campaign's messages by outcome, from the operational database.

    ``by_channel`` counts messages per channel and outcome; ``totals`` per outcome;
    ``next_retry`` is the earliest time a message put off by a server may go again;
    ``problems`` are the first messages not sent that carry a remark (customer, step,
    channel, status, error, retry time).
    """

    campaign: str
    playbook: str
    created_at: dt.datetime
    by_channel: dict[str, dict[str, int]]
    totals: dict[str, int]
    next_retry: dt.datetime | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (times in ISO 8601)."""
        return {
            "campaign": self.campaign,
            "playbook": self.playbook,
            "created_at": _iso(self.created_at),
            "by_channel": self.by_channel,
            "totals": self.totals,
            "next_retry": _iso(self.next_retry),
            "problems": [{**p, "retry_at": _iso(p.get("retry_at"))} for p in self.problems],
        }


def campaign_status(store: Store, name: str, *, problems: int = 10) -> CampaignStatus:
    """Where the campaign ``name`` stands: counts by channel and outcome, and its problems.

    Raises
    ------
    InputError
        No campaign of that name is recorded (the message lists those that are).
    """
    with store.connect() as db:
        found = recorded(db, name)
        counts = db.messages.status_counts(found.id)
        listed = db.messages.problems(found.id, limit=problems)
        next_retry = db.messages.next_retry(found.id)
    by_channel: dict[str, dict[str, int]] = {}
    totals = dict.fromkeys(OUTCOMES, 0)
    for (channel, status), n in sorted(counts.items()):
        by_channel.setdefault(channel, dict.fromkeys(OUTCOMES, 0))[status] = n
        totals[status] = totals.get(status, 0) + n
    return CampaignStatus(
        campaign=found.name,
        playbook=found.playbook,
        created_at=_utc(found.created_at),
        by_channel=by_channel,
        totals=totals,
        next_retry=_utc(next_retry),
        problems=[{**p, "retry_at": _utc(p["retry_at"])} for p in listed],
    )


def recorded(db: Repositories, name: str) -> CampaignRecord:
    """The recorded campaign of that name; an error naming those there are if none."""
    found = db.campaigns.find(name)
    if found is None:
        raise InputError(
            f"campaign {name!r}: not in the database; it has "
            + (", ".join(db.campaigns.names()) or "no campaigns")
        )
    return found


def _utc(moment: dt.datetime | None) -> Any:
    """A stored moment as UTC (SQLite gives it back without its zone)."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
