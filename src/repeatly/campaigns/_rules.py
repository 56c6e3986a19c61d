"""Contact rules: consent per channel, do-not-contact, a frequency cap, quiet hours.

They hold for every campaign: a customer is only contacted by a channel they agreed to
and can be reached by, never when on the do-not-contact list or opted out of that
channel, and never more than ``max_per_week`` times in seven days across campaigns.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

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
    audience: pd.DataFrame, channel: str, *, rules: ContactRules, unsubscribed: set[tuple[str, str]]
) -> tuple[np.ndarray, np.ndarray]:
    """Who can be contacted by a channel, and for the others why not.

    Returns a boolean array and an array of reasons (empty where reachable).
    """
    n = len(audience)
    reason = np.full(n, "", dtype=object)
    address = audience.get(ADDRESS_FIELD[channel])
    has = (
        np.zeros(n, dtype=bool)
        if address is None
        else address.fillna("").astype(str).str.strip().ne("").to_numpy()
    )
    reason[~has] = f"no {ADDRESS_FIELD[channel]}"
    ok = has.copy()
    if rules.require_consent:
        consent = audience.get(CONSENT_FIELD[channel])
        agreed = (
            np.zeros(n, dtype=bool) if consent is None else consent.eq(True).to_numpy(dtype=bool)
        )
        reason[ok & ~agreed] = f"no {channel} consent"
        ok &= agreed
    if unsubscribed:
        out = np.array(
            [(c, channel) in unsubscribed for c in audience.customer_id.astype(str)], dtype=bool
        )
        reason[ok & out] = f"unsubscribed from {channel}"
        ok &= ~out
    return ok, reason


def over_cap(
    customer_ids: pd.Series, sent: Mapping[str, int] | Counter[str], *, rules: ContactRules
) -> np.ndarray:
    """Who already had ``max_per_week`` messages in the last seven days."""
    counts = customer_ids.astype(str).map(lambda c: sent.get(c, 0)).to_numpy()
    return counts >= rules.max_per_week
