"""Signed links: an unsubscribe link carries its customer, channel and a signature.

The long link (e-mails) is the shop's address (``[shop] url`` + ``/unsubscribe``, or an
``unsubscribe_url`` of its own) with a query: the customer (``c``), the channel
(``ch``), the signature (``s``) and, for a message not in English, its language
(``lang``, unsigned: it only chooses the language of the page that answers).

The short link (text messages, letters) is ``[shop] url`` + ``/u/`` + a token (or a
``short_url`` of its own + ``/`` + the token), about 40 characters in all:
``https://shop.example/u/sC001.k3Jx9_aQ``. The token is one letter for the channel
(``e``, ``s``, ``c``, ``l``; a capital for a message in Russian), the customer id
(percent-encoded where it has characters a path cannot hold), a dot, and 8 characters
of signature (48 bits of an HMAC under the store's key: guessing one takes billions of
requests to the shop's server). Both kinds are read by :func:`link_parts`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from repeatly.exceptions import InputError

__all__ = [
    "link_base",
    "link_parts",
    "short_base",
    "short_unsubscribe_url",
    "sign",
    "unsubscribe_url",
    "verify",
]

#: The letter a short link's token starts with, for each channel (a capital: Russian).
SHORT_CHANNELS = {"email": "e", "sms": "s", "call": "c", "letter": "l"}
#: Characters of signature in a short link (6 bytes, base64).
SHORT_SIGNATURE = 8


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


def short_sign(secret: bytes, customer: str, channel: str) -> str:
    """The short signature of a customer and a channel (:data:`SHORT_SIGNATURE` characters)."""
    message = f"{customer}\x1f{channel}".encode()
    digest = hmac.new(secret, b"short\x1f" + message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:6]).decode()


def verify_short(secret: bytes, signature: str, customer: str, channel: str) -> bool:
    """Whether a short link's signature is the one :func:`short_sign` gives."""
    expected = short_sign(secret, customer, channel).encode()
    return hmac.compare_digest(expected, signature.encode())


def short_base(shop: Mapping[str, str]) -> str:
    """The address short links of a shop start with ("" when it has none).

    The shop's ``short_url`` when it has one, else its ``url`` followed by ``/u``.

    Examples
    --------
    >>> short_base({"url": "https://shop.example/"}), short_base({"name": "My Shop"})
    ('https://shop.example/u', '')
    """
    base = (shop.get("short_url") or "").strip().rstrip("/")
    if not base and (shop.get("url") or "").strip():
        base = shop["url"].strip().rstrip("/") + "/u"
    return base


def short_unsubscribe_url(
    secret: bytes, base: str, customer: str, channel: str, *, language: str = "en"
) -> str:
    """The short signed unsubscribe link of a customer and a channel, under ``base``.

    Examples
    --------
    >>> link = short_unsubscribe_url(b"key", "https://shop.example/u", "C001", "sms")
    >>> link.startswith("https://shop.example/u/sC001."), len(link)
    (True, 37)
    """
    letter = SHORT_CHANNELS[channel]
    if language == "ru":
        letter = letter.upper()
    token = f"{letter}{quote(customer, safe='')}.{short_sign(secret, customer, channel)}"
    return f"{base.rstrip('/')}/{token}"


def link_parts(link: str) -> tuple[dict[str, str], bool]:
    """What an unsubscribe link holds: ``c``, ``ch``, ``s`` and ``lang``, and if it is short.

    A long link's query, or a short link's token (the last part of its path); the
    values are not checked here. A link that is neither gives no values.
    """
    parts = urlsplit(link)
    whole = "?" in link or "://" in link or link.startswith("/")
    query = parts.query if whole else link  # a whole link, or only its query
    values = {k: v[0] for k, v in parse_qs(query).items() if v}
    if values.get("c") or not parts.path:
        return values, False
    token = parts.path.rstrip("/").rsplit("/", 1)[-1]
    head, dot, signature = token.rpartition(".")
    if not dot or len(head) < 2 or head[0].lower() not in SHORT_CHANNELS.values():
        return {}, False
    channel = next(c for c, letter in SHORT_CHANNELS.items() if letter == head[0].lower())
    found = {"c": unquote(head[1:]), "ch": channel, "s": signature}
    found["lang"] = "ru" if head[0].isupper() else "en"
    return found, True
