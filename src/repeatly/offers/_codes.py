"""Coupon codes no one can guess, the same every time for an issuer and a customer.

A code is an HMAC of the issuer (a campaign's name, say) and the customer under the
store's secret key, written in an alphabet without look-alike characters (no 0/O,
1/I/L). There are 31^10, about 8 x 10^14, codes of 10 characters: without the key, a
guess hits one of a million issued codes about once in 800 million tries. With the key,
issuing again gives every customer the code they already have.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["ALPHABET", "CODE_LENGTH", "coupon_code"]

#: 31 characters: the digits 2-9 and the capitals without I, L and O, which are misread.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def coupon_code(secret: bytes, issuer: str, customer_id: str, *, length: int = CODE_LENGTH) -> str:
    """The issuer's code for a customer: ``XXXXX-XXXXX`` from an HMAC-SHA256.

    Examples
    --------
    >>> from repeatly.offers import coupon_code
    >>> code = coupon_code(b"key", "win_back-2024-01-01", "C1")
    >>> len(code), code[5], code == coupon_code(b"key", "win_back-2024-01-01", "C1")
    (11, '-', True)
    """
    digest = hmac.new(secret, f"{issuer}\x1f{customer_id}".encode(), hashlib.sha256)
    number = int.from_bytes(digest.digest(), "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    half = length // 2
    return "".join(chars[:half]) + "-" + "".join(chars[half:])
