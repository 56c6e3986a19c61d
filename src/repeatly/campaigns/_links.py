"""Signed links: an unsubscribe link carries its customer, channel and a signature.

The link's address is the shop's (``[shop] url`` + ``/unsubscribe``, or an
``unsubscribe_url`` of its own); the query holds the customer (``c``), the channel
(``ch``), the signature (``s``) and, for a message not in English, its language
(``lang``, unsigned: it only chooses the language of the page that answers).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

from repeatly.exceptions import InputError

__all__ = ["link_base", "sign", "unsubscribe_url", "verify"]


def sign(secret: bytes, *parts: str) -> str:
    """A URL-safe signature of some values (e.g. a customer and a channel)."""
    message = "\x1f".join(parts).encode()
    digest = hmac.new(secret, b"link\x1f" + message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def verify(secret: bytes, signature: str, *parts: str) -> bool:
    """Whether a signature is the one :func:`sign` gives for these values."""
    return hmac.compare_digest(sign(secret, *parts).encode(), signature.encode())


def link_base(shop: Mapping[str, str], *, absolute: bool = False) -> str:
    """The address unsubscribe links of a shop start with ("" when it has none).

    The shop's ``unsubscribe_url`` when it has one, else its ``url`` followed by
    ``/unsubscribe``. With ``absolute``, anything but an absolute http(s) address is
    refused: an e-mail's one-click unsubscribe (RFC 8058) needs one.

    Examples
    --------
    >>> link_base({"url": "https://myshop.example/"})
    'https://myshop.example/unsubscribe'
    >>> link_base({"name": "My Shop"})
    ''
    """
    base = (shop.get("unsubscribe_url") or "").strip()
    if not base and (shop.get("url") or "").strip():
        base = shop["url"].strip().rstrip("/") + "/unsubscribe"
    if absolute:
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InputError(
                "shop url: e-mail needs the shop's web address for its unsubscribe link "
                "(List-Unsubscribe, one click); pass --shop-url https://... or set "
                f"[shop] url in the playbook (got {repr(base) if base else 'none'})"
            )
    return base


def unsubscribe_url(
    secret: bytes, base: str, customer: str, channel: str, *, language: str = "en"
) -> str:
    """The signed unsubscribe link of a customer and a channel, under ``base``.

    Examples
    --------
    >>> link = unsubscribe_url(b"key", "https://myshop.example/unsubscribe", "c1", "email")
    >>> link.startswith("https://myshop.example/unsubscribe?c=c1&ch=email&s=")
    True
    """
    query = {"c": customer, "ch": channel, "s": sign(secret, customer, channel)}
    if language != "en":
        query["lang"] = language
    return base + ("&" if "?" in base else "?") + urlencode(query)
