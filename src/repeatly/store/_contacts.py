"""Who may not be contacted: the do-not-contact list and opt-outs by channel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa

from repeatly.store.tables import do_not_contact, unsubscribed_addresses, unsubscribes

__all__ = ["ContactRepository", "contact_key"]


def contact_key(value: str | None) -> str | None:
    """An e-mail address, phone number or id as the do-not-contact list compares it.

    E-mail addresses in lower case, phone numbers by their digits (with a leading ``+``
    kept), anything else as written; ``None`` for an empty value.

    Examples
    --------
    >>> from repeatly.store import contact_key
    >>> contact_key(" Ann@Shop.Example "), contact_key("+7 (999) 123-45-67")
    ('ann@shop.example', '+79991234567')
    """
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    if "@" in text:
        return text.lower()
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 7 and all(ch.isdigit() or ch in " +-().\u00a0" for ch in text):
        return ("+" if text.startswith("+") else "") + digits  # a phone number
    return text


class ContactRepository:
    """The do-not-contact list and the opt-outs, on one connection."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def add_do_not_contact(self, values: Iterable[str], *, reason: str, at: dt.datetime) -> int:
        """Add values (normalised by :func:`contact_key`); how many were new."""
        keys = {key for key in map(contact_key, values) if key is not None}
        known = set(self.connection.execute(sa.select(do_not_contact.c.value)).scalars())
        new = sorted(keys - known)
        if new:
            self.connection.execute(
                do_not_contact.insert(),
                [{"value": v, "reason": reason, "added_at": at} for v in new],
            )
        return len(new)

    def blocked(self) -> set[str]:
        """The do-not-contact values, normalised."""
        return set(self.connection.execute(sa.select(do_not_contact.c.value)).scalars())

    def unsubscribe(
        self, customer_id: str, channel: str, *, at: dt.datetime, addresses: Iterable[str] = ()
    ) -> bool:
        """Record an opt-out of a channel, for the customer and their addresses.

        ``addresses`` are normalised already (``repeatly.campaigns`` knows how); each is
        opted out of the channel too, whichever customer it is recorded for. Returns
        whether the customer's opt-out was new.
        """
        exists = self.connection.execute(
            sa.select(unsubscribes.c.customer_id).where(
                unsubscribes.c.customer_id == customer_id, unsubscribes.c.channel == channel
            )
        ).first()
        known = set(
            self.connection.execute(
                sa.select(unsubscribed_addresses.c.address).where(
                    unsubscribed_addresses.c.channel == channel
                )
            ).scalars()
        )
        new = sorted(set(addresses) - known)
        if new:
            self.connection.execute(
                unsubscribed_addresses.insert(),
                [
                    {"address": a, "channel": channel, "customer_id": customer_id, "at": at}
                    for a in new
                ],
            )
        if exists is not None:
            return False
        self.connection.execute(
            unsubscribes.insert().values(customer_id=customer_id, channel=channel, at=at)
        )
        return True

    def unsubscribed(self) -> set[tuple[str, str]]:
        """The (customer, channel) pairs that opted out."""
        rows = self.connection.execute(
            sa.select(unsubscribes.c.customer_id, unsubscribes.c.channel)
        )
        return {(row[0], row[1]) for row in rows}

    def unsubscribed_addresses(self) -> set[tuple[str, str]]:
        """The (normalised address, channel) pairs that opted out."""
        rows = self.connection.execute(
            sa.select(unsubscribed_addresses.c.address, unsubscribed_addresses.c.channel)
        )
        return {(row[0], row[1]) for row in rows}
