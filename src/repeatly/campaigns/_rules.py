"""Contact rules: consent per channel, do-not-contact, a frequency cap, quiet hours.

They hold for every campaign: a customer is only contacted by a channel they agreed to
and can be reached by, never when on the do-not-contact list or opted out of that
channel, and never more than ``max_per_week`` times in seven days across campaigns.
Opt-outs and the cap hold for the customer's address as well as for their id: an address
two customer ids share is opted out, and counted, once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Set
from dataclasses import dataclass

import numpy as np
import pandas as pd

from repeatly.campaigns._addresses import address_key, address_problem
from repeatly.exceptions import InputError

__all__ = ["ADDRESS_FIELD", "CONSENT_FIELD", "ContactRules", "reachable"]

#: The customer field each channel needs, and the consent field it asks for.
ADDRESS_FIELD = {"email": "email", "sms": "phone", "call": "phone", "letter": "address"}
CONSENT_FIELD = {
    "email": "consent_email",
    "sms": "consent_sms",
    "call": "consent_phone",
    "letter": "consent_post",
}


@dataclass(frozen=True, slots=True)
class ContactRules:
    """The rules every campaign keeps.

    Parameters
    ----------
    max_per_week
        At most this many messages to one customer in any seven days, all campaigns
        together.
    quiet_start, quiet_end
        No e-mail, SMS or call between these times (local time of the sender); letters
        are not sent at a time of day.
    require_consent
        Contact only by channels the customer agreed to (``consent_email`` and the
        like). Without a consent column, nobody agreed to that channel.
    """

    max_per_week: int = 2
    quiet_start: dt.time = dt.time(21, 0)
    quiet_end: dt.time = dt.time(9, 0)
    require_consent: bool = True

    def __post_init__(self) -> None:
        if self.max_per_week < 1:
            raise InputError(f"max_per_week: expected 1 or more, got {self.max_per_week}")

    def quiet(self, moment: dt.time) -> bool:
        """Whether a time of day is within the quiet hours."""
        start, end = self.quiet_start, self.quiet_end
        if start == end:
            return False
        if start < end:
            return start <= moment < end
        return moment >= start or moment < end


def reachable(
    audience: pd.DataFrame,
    channel: str,
    *,
    rules: ContactRules,
    unsubscribed: Set[tuple[str, str]],
    opted_out: Set[tuple[str, str]] = frozenset(),
) -> tuple[np.ndarray, np.ndarray]:
    """Who can be contacted by a channel, and for the others why not.

    A customer needs the channel's address, their consent (with ``require_consent``),
    a valid address (an e-mail address this client can send to, a phone number with
    enough digits), and no opt-out from the channel: neither by their id
    (``unsubscribed``, (customer, channel) pairs) nor of their address (``opted_out``,
    (normalised address, channel) pairs). Returns a boolean array and an array of
    reasons (empty where reachable).
    """
    n = len(audience)
    reason = np.full(n, "", dtype=object)
    address = audience.get(ADDRESS_FIELD[channel])
    values = (
        pd.Series("", index=audience.index)
        if address is None
        else address.fillna("").astype(str).str.strip()
    )
    has = values.ne("").to_numpy()
    reason[~has] = f"no {ADDRESS_FIELD[channel]}"
    ok = has.copy()
    if rules.require_consent:
        consent = audience.get(CONSENT_FIELD[channel])
        agreed = (
            np.zeros(n, dtype=bool) if consent is None else consent.eq(True).to_numpy(dtype=bool)
        )
        reason[ok & ~agreed] = f"no {channel} consent"
        ok &= agreed
    problems = np.array(
        [address_problem(channel, v) if v else None for v in values], dtype=object
    ).reshape(n)
    bad = ok & np.array([p is not None for p in problems], dtype=bool).reshape(n)
    reason[bad] = problems[bad]
    ok &= ~bad
    if unsubscribed or opted_out:
        out = np.array(
            [
                (c, channel) in unsubscribed or (address_key(channel, v), channel) in opted_out
                for c, v in zip(audience.customer_id.astype(str), values, strict=True)
            ],
            dtype=bool,
        ).reshape(n)
        reason[ok & out] = f"unsubscribed from {channel}"
        ok &= ~out
    return ok, reason


class SentRecently:
    """Messages sent lately, counted for a customer id and the addresses it has.

    A message counts once for a customer whether it went to their id or to an address
    of theirs that another customer id shares.
    """

    def __init__(self, sent: Iterable[tuple[str, str, str | None]] = ()) -> None:
        self._customers: defaultdict[str, set[str]] = defaultdict(set)
        self._addresses: defaultdict[str, set[str]] = defaultdict(set)
        for message, customer, address in sent:
            self.add(message, customer, address)

    def add(self, message: str, customer: str, address: str | None) -> None:
        """Count a message (by its id) sent to a customer at an address."""
        self._customers[customer].add(message)
        if address:
            self._addresses[address].add(message)

    def count(self, customer: str, addresses: Iterable[str | None] = ()) -> int:
        """Messages sent to the customer id or to any of these addresses."""
        found = set(self._customers.get(customer, ()))
        for address in addresses:
            if address:
                found |= self._addresses.get(address, set())
        return len(found)


def over_cap(audience: pd.DataFrame, sent: SentRecently, *, rules: ContactRules) -> np.ndarray:
    """Who already had ``max_per_week`` messages in the last seven days.

    Counted for the customer's id, e-mail address and phone number together.
    """
    emails = audience.get("email", pd.Series(None, index=audience.index, dtype=object))
    phones = audience.get("phone", pd.Series(None, index=audience.index, dtype=object))
    counts = [
        sent.count(
            customer,
            (address_key("email", _text(email)), address_key("sms", _text(phone))),
        )
        for customer, email, phone in zip(
            audience.customer_id.astype(str), emails, phones, strict=True
        )
    ]
    return np.array(counts, dtype=int).reshape(len(audience)) >= rules.max_per_week


def _text(value: object) -> str | None:
    missing = value is None or value is pd.NA or (isinstance(value, float) and value != value)
    return None if missing else str(value)
