"""Signed links: an unsubscribe link carries its customer, channel and a signature."""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = ["sign", "verify"]


def sign(secret: bytes, *parts: str) -> str:
    """A URL-safe signature of some values (e.g. a customer and a channel)."""
    message = "\x1f".join(parts).encode()
    digest = hmac.new(secret, b"link\x1f" + message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def verify(secret: bytes, signature: str, *parts: str) -> bool:
    """Whether a signature is the one :func:`sign` gives for these values."""
    return hmac.compare_digest(sign(secret, *parts).encode(), signature.encode())
