r"""Text messages: how many SMS parts a text takes, and an HTTP gateway to send them.

A text in the GSM 03.38 alphabet goes 160 characters to a message, or 153 a part when
it needs several (the rest of each part holds the header that joins them); characters
of the extension table (``^ { } \ [ ~ ] | €`` and form feed) take two. A text with any
other character (Cyrillic, emoji) goes as UCS-2: 70 UTF-16 units, or 67 a part.

The gateway adapter posts each message to an HTTP endpoint, as a generic JSON webhook
or in the format of Twilio's Messages API. Every request carries the message's fixed
id as an ``Idempotency-Key`` header, so a gateway that honours it delivers a message
sent again after an interrupted run only once.
"""

from __future__ import annotations

import base64
import json
import math
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from repeatly.exceptions import InputError

__all__ = ["GSM7_BASIC", "GSM7_EXTENSION", "SmsGateway", "sms_parts"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
GATEWAY_KINDS = ("webhook", "twilio")


def sms_parts(text: str) -> tuple[str, int, int]:
    """The encoding, the length in its units, and the number of SMS parts of a text.

    Examples
    --------
    >>> from repeatly.campaigns import sms_parts
    >>> sms_parts("x" * 160), sms_parts("x" * 161), sms_parts("Привет")
    (('gsm7', 160, 1), ('gsm7', 161, 2), ('ucs2', 6, 1))
    """
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        single, part, encoding = 160, 153, "gsm7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "ucs2"
    parts = 1 if units <= single else math.ceil(units / part)
    return encoding, units, parts


@dataclass(frozen=True, slots=True)
class SmsGateway:
    """Where and how to send text messages.

    ``kind`` is ``"webhook"`` (a JSON POST of ``to, from, text, message_id, parts,
    encoding`` to ``url``) or ``"twilio"`` (a form POST of ``To, From, Body`` to
    ``url``/2010-04-01/Accounts/``account``/Messages.json with the account and
    ``token`` as basic authentication; ``url`` is the API's base address).
    """

    url: str
    kind: str = "webhook"
    sender: str = ""
    account: str = ""
    token: str = ""
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.kind not in GATEWAY_KINDS:
            raise InputError(
                f"SMS gateway: expected {' or '.join(GATEWAY_KINDS)}, got {self.kind!r}"
            )
        if not self.url.startswith(("http://", "https://")):
            raise InputError(f"SMS gateway URL {self.url!r}: expected http:// or https://")
        if self.kind == "twilio" and not (self.account and self.token):
            raise InputError("SMS gateway twilio: expected the account SID and auth token")

    def request(self, to: str, text: str, message_id: str) -> urllib.request.Request:
        """The HTTP request that sends one message."""
        encoding, _units, parts = sms_parts(text)
        headers = {"Idempotency-Key": message_id.strip("<>")}
        if self.kind == "twilio":
            url = (
                f"{self.url.rstrip('/')}/2010-04-01/Accounts/"
                f"{urllib.parse.quote(self.account)}/Messages.json"
            )
            data = urllib.parse.urlencode({"To": to, "From": self.sender, "Body": text})
            login = base64.b64encode(f"{self.account}:{self.token}".encode()).decode()
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Authorization": f"Basic {login}",
                }
            )
            return urllib.request.Request(url, data.encode(), headers, method="POST")
        body = json.dumps(
            {
                "to": to,
                "from": self.sender,
                "text": text,
                "message_id": message_id.strip("<>"),
                "parts": parts,
                "encoding": encoding,
            },
            ensure_ascii=False,
        )
        headers["Content-Type"] = "application/json; charset=utf-8"
        return urllib.request.Request(self.url, body.encode(), headers, method="POST")

    def send(self, to: str, text: str, message_id: str) -> tuple[int, str]:
        """Post one message; the HTTP status and the start of the answer.

        Raises ``OSError`` when the gateway cannot be reached.
        """
        try:
            with urllib.request.urlopen(
                self.request(to, text, message_id), timeout=self.timeout
            ) as answer:
                return answer.status, answer.read(300).decode(errors="replace")
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode(errors="replace")
            exc.close()
            return exc.code, detail


def phone_number(value: str) -> str:
    """A phone number as gateways take it: ``+`` and digits."""
    text = value.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    return ("+" if text.startswith("+") else "") + digits
