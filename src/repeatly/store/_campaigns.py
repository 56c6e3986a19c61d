"""Recorded campaigns and their recipients."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from repeatly.store._rows import insert_in_chunks
from repeatly.store.tables import campaigns, recipients

__all__ = ["CampaignRecord", "CampaignRepository"]


@dataclass(frozen=True, slots=True)
class CampaignRecord:
    """A recorded campaign: its id, name, playbook, and the options it was planned with."""

    id: int
    name: str
    playbook: str
    created_at: dt.datetime
    as_of: dt.date
    options: dict[str, Any]

    @property
    def start(self) -> dt.date:
        """The day its first message was due."""
        return dt.date.fromisoformat(self.options["start"])


class CampaignRepository:
    """Campaigns and their recipients (control group included), on one connection."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def find(self, name: str) -> CampaignRecord | None:
        """The campaign of that name, or ``None``."""
        row = self.connection.execute(
            sa.select(
                campaigns.c.id,
                campaigns.c.name,
                campaigns.c.playbook,
                campaigns.c.created_at,
                campaigns.c.as_of,
                campaigns.c.options,
            ).where(campaigns.c.name == name)
        ).first()
        if row is None:
            return None
        return CampaignRecord(
            id=int(row.id),
            name=row.name,
            playbook=row.playbook,
            created_at=row.created_at,
            as_of=row.as_of,
            options=json.loads(row.options),
        )

    def of_playbook(self, playbook: str) -> list[str]:
        """The names of the campaigns of a playbook, the latest recorded first."""
        query = (
            sa.select(campaigns.c.name)
            .where(campaigns.c.playbook == playbook)
            .order_by(campaigns.c.id.desc())
        )
        return list(self.connection.execute(query).scalars())

    def names(self) -> list[str]:
        """Every recorded campaign's name, alphabetically."""
        query = sa.select(campaigns.c.name).order_by(campaigns.c.name)
        return list(self.connection.execute(query).scalars())

    def starts(self) -> dict[str, dt.date]:
        """The recorded campaigns and the day each started, oldest first."""
        rows = self.connection.execute(
            sa.select(campaigns.c.name, campaigns.c.options).order_by(campaigns.c.id)
        ).all()
        return {name: dt.date.fromisoformat(json.loads(options)["start"]) for name, options in rows}

    def add(
        self,
        *,
        name: str,
        playbook: str,
        created_at: dt.datetime,
        as_of: dt.date,
        seed: int,
        control_share: float,
        options: Mapping[str, Any],
    ) -> int:
        """Record a campaign; its id."""
        inserted = self.connection.execute(
            campaigns.insert().values(
                name=name,
                playbook=playbook,
                created_at=created_at,
                as_of=as_of,
                status="recorded",
                seed=seed,
                control_share=control_share,
                options=json.dumps(dict(options), default=str),
            )
        ).inserted_primary_key
        assert inserted is not None
        return int(inserted[0])

    def add_recipients(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Record recipients.

        Each row gives ``campaign_id, customer_id, grp, stratum, channel, coupon_code,
        why, context``.
        """
        insert_in_chunks(self.connection, recipients, rows)

    def recipients(self, campaign_id: int) -> list[tuple[str, str, str]]:
        """Every recipient's (customer, group, stratum)."""
        rows = self.connection.execute(
            sa.select(recipients.c.customer_id, recipients.c.grp, recipients.c.stratum).where(
                recipients.c.campaign_id == campaign_id
            )
        )
        return [(row[0], row[1], row[2]) for row in rows]

    def contexts(self, campaign_id: int) -> list[tuple[str, str, str]]:
        """The treatment group's (customer, channel, recorded message fields as JSON)."""
        rows = self.connection.execute(
            sa.select(recipients.c.customer_id, recipients.c.channel, recipients.c.context)
            .where(
                recipients.c.campaign_id == campaign_id,
                recipients.c.grp == "treatment",
                recipients.c.context.is_not(None),
            )
            .order_by(recipients.c.customer_id)
        )
        return [(row[0], row[1], row[2]) for row in rows]

    def contexts_of(self, customer_id: str) -> list[str]:
        """A customer's recorded message fields (JSON), one per campaign, oldest first."""
        rows = self.connection.execute(
            sa.select(recipients.c.context)
            .where(recipients.c.customer_id == customer_id, recipients.c.context.is_not(None))
            .order_by(recipients.c.campaign_id)
        )
        return list(rows.scalars())
