"""How each channel hands a message over: e-mail over SMTP, SMS to a gateway, calls, letters.

A transport does everything short of delivering (``prepare``), then delivers
(``deliver``) and says what the answer means (``kind``); the send settles the message
in the store around those two halves (see :mod:`repeatly.campaigns._send`). A transport
counts the failures in a row and stops the send at ``STOP_AFTER``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from repeatly.campaigns._sms import SmsGateway, phone_number, sms_parts
from repeatly.campaigns._smtp import Connection, Lost, SmtpSettings, build_email, kind_of_answer

__all__ = [
    "STOP_AFTER",
    "EmailTransport",
    "OfflineTransport",
    "SmsTransport",
    "Stop",
    "Transport",
]

#: Failures in a row (no answer, connection lost, server closing) that stop a send.
STOP_AFTER = 3


class Stop(Exception):
    """Nothing more can be sent this run: the sender, the server or a template is wrong."""


class Transport:
    """How one channel hands over a message, in two halves around the commit.

    ``prepare`` does everything short of delivering; ``deliver`` delivers and returns
    (code, answer). With ``commit_first`` the message is marked ``unknown`` between the
    two (SMTP: a message whose final dot never came is dropped); without, it is marked
    after a successful ``deliver`` (an HTTP gateway that honours the idempotency key
    delivers a message posted again once). ``kind`` says what an answer means.
    ``failures`` counts the failures in a row, which stop the send at ``STOP_AFTER``.
    """

    channel = ""
    commit_first = True
    failures = 0

    def address(self, context: Mapping[str, Any]) -> str:
        raise NotImplementedError

    def prepare(
        self, to: str, rendered: Any, message_id: str, now: dt.datetime, row: dict[str, Any]
    ) -> None:
        raise NotImplementedError

    def deliver(self) -> tuple[int, str]:
        raise NotImplementedError

    def kind(self, code: int, answer: str) -> str:
        """``sent``, ``temporary``, ``bounce``, ``failed``, ``sender`` or ``lost``."""
        raise NotImplementedError

    def failed_in_a_row(self, error: str) -> None:
        """Count a failure; stop the send when there were too many in a row."""
        self.failures += 1
        if self.failures >= STOP_AFTER:
            raise Stop(f"{self.failures} failures in a row, the last: {error}")

    def reset(self) -> None:
        """Forget a connection that failed."""

    def close(self) -> None:
        """Close what the transport holds open."""


class EmailTransport(Transport):
    channel = "email"
    commit_first = True

    def __init__(self, smtp: SmtpSettings) -> None:
        self.smtp = smtp
        self.connection = Connection(smtp)

    def address(self, context: Mapping[str, Any]) -> str:
        return str(context["customer"]["email"])

    def prepare(
        self, to: str, rendered: Any, message_id: str, now: dt.datetime, row: dict[str, Any]
    ) -> None:
        message = build_email(
            rendered.subject,
            rendered.body,
            to=to,
            sender=self.smtp.sender,
            message_id=message_id,
            unsubscribe=row["unsubscribe_url"],
            now=now,
        )
        self.connection.begin(self.smtp.sender, to, message)

    def deliver(self) -> tuple[int, str]:
        return self.connection.end()

    def kind(self, code: int, answer: str) -> str:
        return kind_of_answer(code, answer, stage="end")

    def reset(self) -> None:
        self.connection.reset()

    def close(self) -> None:
        self.connection.close()


class SmsTransport(Transport):
    channel = "sms"
    commit_first = False

    def __init__(self, gateway: SmsGateway) -> None:
        self.gateway = gateway
        self.pending: tuple[str, str, str] = ("", "", "")

    def address(self, context: Mapping[str, Any]) -> str:
        return phone_number(str(context["customer"]["phone"]))

    def prepare(
        self, to: str, rendered: Any, message_id: str, now: dt.datetime, row: dict[str, Any]
    ) -> None:
        self.pending = (to, rendered.body, message_id)
        row["parts"] = sms_parts(rendered.body)[2]

    def deliver(self) -> tuple[int, str]:
        try:
            return self.gateway.send(*self.pending)
        except OSError as exc:  # the gateway could not be reached: nothing was posted
            raise Lost(f"cannot reach the SMS gateway ({exc})") from None

    def kind(self, code: int, answer: str) -> str:
        if 200 <= code < 300:
            return "sent"
        if code in (401, 403):
            return "sender"
        return "temporary" if code == 429 or code >= 500 else "failed"


class OfflineTransport(Transport):
    """Calls and letters: given out by marking them sent; the files follow."""

    commit_first = False

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def address(self, context: Mapping[str, Any]) -> str:
        field = "phone" if self.channel == "call" else "address"
        return str(context["customer"][field])

    def prepare(
        self, to: str, rendered: Any, message_id: str, now: dt.datetime, row: dict[str, Any]
    ) -> None:
        """Nothing to hand over: the file is written from the database."""

    def deliver(self) -> tuple[int, str]:
        return 200, ""

    def kind(self, code: int, answer: str) -> str:
        return "sent"
