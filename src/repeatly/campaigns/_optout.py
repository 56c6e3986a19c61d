"""Opt-outs: signed unsubscribe links, and do-not-contact lists from files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from repeatly._safe import restore_text
from repeatly.campaigns._addresses import address_key
from repeatly.campaigns._links import link_parts, verify, verify_short
from repeatly.campaigns._playbooks import CHANNELS
from repeatly.exceptions import InputError
from repeatly.store import Store

__all__ = ["add_do_not_contact_file", "unsubscribe_link"]

#: Columns of a do-not-contact file that hold values to block, in this order.
BLOCK_COLUMNS = ("customer_id", "email", "phone", "value")


def unsubscribe_link(store: Store, link: str) -> tuple[str, str]:
    """Record the opt-out an unsubscribe link (or its query string) asks for.

    The link must carry the customer, the channel and the signature the store's key gave
    them (``?c=...&ch=...&s=...``, or a short link's token, ``/u/sC001.k3Jx9_aQ``); a link
    that was changed or made up is refused and records nothing. The customer's addresses
    for the channel (their e-mail address, or phone number for SMS and calls, as
    recorded with their messages) are opted out
    of it too, so no other customer id with the same address gets its messages.
    Returns (customer, channel).
    """
    customer, channel = read_link(store, link)
    opt_out(store, customer, channel)
    return customer, channel


def opt_out(store: Store, customer: str, channel: str) -> None:
    """Record a customer's opt-out of a channel, and of their addresses for it."""
    store.unsubscribe(customer, channel, addresses=recorded_addresses(store, customer, channel))


def read_link(store: Store, link: str) -> tuple[str, str]:
    """The (customer, channel) of a signed unsubscribe link, checked; nothing is recorded.

    Raises :class:`~repeatly.exceptions.InputError` for a link without its customer,
    channel or signature, or whose signature is not the one the store's key gives.
    """
    values, short = link_parts(link)
    customer, channel, signature = values.get("c"), values.get("ch"), values.get("s")
    if not (customer and channel and signature) or channel not in CHANNELS:
        raise InputError(
            f"{link!r}: expected an unsubscribe link with c=, ch= and s=, or a short one "
            "(.../u/TOKEN)"
        )
    check = verify_short if short else verify
    if not check(store.secret(), signature, customer, channel):
        raise InputError(
            f"{link!r}: the signature does not match; the link was changed "
            "or is not from this database"
        )
    return customer, channel


def recorded_addresses(store: Store, customer: str, channel: str) -> list[str]:
    """A customer's normalised addresses for a channel, from their recorded messages."""
    field = "email" if channel == "email" else "phone"
    with store.connect() as db:
        contexts = db.campaigns.contexts_of(customer)
    keys = (address_key(channel, json.loads(c).get("customer", {}).get(field)) for c in contexts)
    return sorted({key for key in keys if key is not None})


def add_do_not_contact_file(store: Store, path: str | Path, *, reason: str) -> tuple[int, int]:
    """Add a file's customers, e-mail addresses and phone numbers to do-not-contact.

    A CSV or Excel file with a ``customer_id``, ``email``, ``phone`` or ``value`` column
    (every such column is read), or a text file with one value a line. Returns (values
    read, values new to the list). A value Repeatly wrote with a leading ``'`` (a
    phone such as ``'+7 ...`` in one of its CSVs, see :mod:`repeatly._safe`) is read
    without it.
    """
    source = Path(path)
    try:
        if source.suffix.lower() in (".csv", ".xlsx", ".xls"):
            frame = (
                pd.read_csv(source, dtype=str)
                if source.suffix.lower() == ".csv"
                else pd.read_excel(source, dtype=str)
            )
            columns = [c for c in frame.columns if str(c).strip().lower() in BLOCK_COLUMNS]
            if not columns:
                raise InputError(
                    f"{source.name}: expected a column named "
                    f"{', '.join(BLOCK_COLUMNS)}; found " + ", ".join(map(str, frame.columns))
                )
            values = [v for c in columns for v in frame[c].dropna().astype(str)]
        else:
            values = [line for line in source.read_text(encoding="utf-8").splitlines()]
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{source.name}: cannot be read ({exc})") from None
    values = [restore_text(v.strip()) for v in values if v and v.strip()]
    return len(values), store.add_do_not_contact(values, reason=reason)
