"""Codes no one can guess: coupon codes and the signatures of unsubscribe links.

Coupon codes are the same every time for a campaign and a customer.

A code is an HMAC of the campaign and the customer under the store's secret key, written
in an alphabet without look-alike characters (no 0/O, 1/I/L). There are 31^10, about
8 x 10^14, codes of 10 characters: without the key, a guess hits one of a million issued
codes about once in 800 million tries. With the key, planning a campaign again gives
every customer the code they already have.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from repeatly.campaigns._playbooks import Offer

__all__ = ["ALPHABET", "Coupon", "coupon_code", "offer_text", "sign", "verify"]

#: 31 characters: the digits 2-9 and the capitals without I, L and O, which are misread.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


@dataclass(frozen=True, slots=True)
class Coupon:
    """One recipient's coupon: the code and what it is good for."""

    code: str
    customer_id: str
    campaign: str
    kind: str
    value: float
    valid_from: dt.date
    valid_until: dt.date
    usage_limit: int
    min_order: float
    categories: tuple[str, ...]


def coupon_code(
    secret: bytes, campaign: str, customer_id: str, *, length: int = CODE_LENGTH
) -> str:
    """The campaign's code for a customer: ``XXXXX-XXXXX`` from an HMAC-SHA256."""
    digest = hmac.new(secret, f"{campaign}\x1f{customer_id}".encode(), hashlib.sha256)
    number = int.from_bytes(digest.digest(), "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    half = length // 2
    return "".join(chars[:half]) + "-" + "".join(chars[half:])


def sign(secret: bytes, *parts: str) -> str:
    """A URL-safe signature of some values (e.g. a customer and a channel)."""
    message = "\x1f".join(parts).encode()
    digest = hmac.new(secret, b"link\x1f" + message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def verify(secret: bytes, signature: str, *parts: str) -> bool:
    """Whether a signature is the one :func:`sign` gives for these values."""
    return hmac.compare_digest(sign(secret, *parts).encode(), signature.encode())


def offer_text(offer: Offer, language: str = "en", currency: str = "") -> str:
    """What the offer gives, in words: ``20% off``, ``скидка 20%``."""
    from repeatly.campaigns._messages import format_money

    value = format_money(offer.value, language)
    money = f"{value} {currency}".strip()
    if language == "ru":
        return {
            "percent": f"скидка {value}%",
            "amount": f"скидка {money}",
            "gift": f"подарок на {money}",
            "none": "",
        }[offer.kind]
    return {
        "percent": f"{value}% off",
        "amount": f"{money} off",
        "gift": f"a gift worth {money}",
        "none": "",
    }[offer.kind]
