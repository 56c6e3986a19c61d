"""Addresses: checking an e-mail address or phone number, and the form they are compared in.

Opt-outs, the do-not-contact list, bounces and the weekly cap hold for an address as well
as for a customer id, so that customers who share an address (one person recorded
twice, a family's mailbox) are treated as the one recipient they are. An address is
compared in its normalised form (:func:`address_key`): an e-mail address trimmed and in
lower case, a phone number as ``+`` and digits (E.164) when written with its country
code, else as its digits (no country is assumed).
"""

from __future__ import annotations

from repeatly.campaigns._sms import phone_number

__all__ = ["address_key", "address_problem", "email_problem", "phone_problem"]

#: Characters an unquoted address may not hold (they split or end a header's address).
_NOT_IN_ADDRESS = frozenset('<>()[],;:"\\')
#: Characters a written phone number may hold besides digits.
_PHONE_MARKS = frozenset(" +-()./\u00a0")
#: The fewest digits a phone number has (a local number without its area code has 7),
#: and the most (E.164).
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 7, 15
#: Channels whose address is a phone number, and the one whose address is an e-mail.
PHONE_CHANNELS = ("sms", "call")


def email_problem(value: str) -> str | None:
    """What is wrong with an e-mail address, or ``None`` when this client can send to it.

    The address is trimmed first. A non-ASCII address (``иван@почта.рф``) is refused:
    the SMTP client sends only ASCII addresses.

    Examples
    --------
    >>> from repeatly.campaigns._addresses import email_problem
    >>> email_problem(" Ann@Shop.Example "), email_problem("ann@shop")
    (None, 'the domain has no dot')
    """
    text = value.strip()
    if not text:
        return "empty"
    if any(ch.isspace() for ch in text):
        return "contains a space or line break"
    if not text.isascii():
        return "not ASCII (this SMTP client cannot send to it)"
    if not text.isprintable():
        return "contains a control character"
    if text.count("@") != 1:
        return "no @" if "@" not in text else "more than one @"
    local, domain = text.split("@")
    if not local:
        return "nothing before the @"
    if not domain:
        return "nothing after the @"
    if any(ch in _NOT_IN_ADDRESS for ch in text):
        return "contains one of " + "".join(sorted(_NOT_IN_ADDRESS))
    if "." not in domain:
        return "the domain has no dot"
    if "" in domain.split(".") or local.startswith(".") or local.endswith(".") or ".." in local:
        return "a dot at an end or two dots in a row"
    return None


def phone_problem(value: str) -> str | None:
    """What is wrong with a phone number, or ``None`` when it can be texted or called.

    Examples
    --------
    >>> from repeatly.campaigns._addresses import phone_problem
    >>> phone_problem("+7 (999) 123-45-67"), phone_problem("12-34")
    (None, 'too few digits (4 digits, at least 7)')
    """
    text = value.strip()
    if not text:
        return "empty"
    if any(not (ch.isdigit() and ch.isascii()) and ch not in _PHONE_MARKS for ch in text):
        return "contains characters that are not digits"
    if "+" in text[1:]:
        return "a + after the start"
    digits = sum(ch.isdigit() for ch in text)
    if digits < MIN_PHONE_DIGITS:
        return f"too few digits ({digits} digits, at least {MIN_PHONE_DIGITS})"
    if digits > MAX_PHONE_DIGITS:
        return f"too many digits ({digits} digits, at most {MAX_PHONE_DIGITS})"
    return None


def address_problem(channel: str, value: str) -> str | None:
    """What is wrong with a channel's address, as a reason (``None`` when it is good).

    E-mail addresses and phone numbers (SMS and calls) are checked; a postal address
    is taken as it is.
    """
    if channel == "email":
        problem = email_problem(value)
        return None if problem is None else f"e-mail address not valid: {problem}"
    if channel in PHONE_CHANNELS:
        problem = phone_problem(value)
        return None if problem is None else f"phone number not valid: {problem}"
    return None


def address_key(channel: str, value: str | None) -> str | None:
    """A channel's address as opt-outs, the cap and sending compare it.

    An e-mail address trimmed and in lower case; a phone number as ``+`` and digits,
    or only its digits when it was written without its country code; ``None`` for an
    empty or invalid address, and for letters (a postal address is not compared).

    Examples
    --------
    >>> from repeatly.campaigns._addresses import address_key
    >>> address_key("email", " Ann@Shop.Example "), address_key("sms", "+7 (999) 123-45-67")
    ('ann@shop.example', '+79991234567')
    """
    if value is None or channel not in ("email", *PHONE_CHANNELS):
        return None
    if address_problem(channel, value) is not None:
        return None
    return value.strip().lower() if channel == "email" else phone_number(value)
