"""E-mail over SMTP: the settings, one connection for many messages, and what answers mean.

Every answer is one of four kinds (:class:`Refused`): ``temporary`` (try again later:
4xx, greylisting), ``bounce`` (the recipient's address is refused for good: 5xx at
RCPT), ``failed`` (this message is refused for good: 5xx after its data) and
``sender`` (the server will take no message from us as we are set up: a refused
login, sender or relay, a failed TLS upgrade); :class:`Lost` is a connection that
failed or timed out before the message was handed over.
"""

from __future__ import annotations

import email.policy
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any, Literal

from repeatly.exceptions import InputError

if TYPE_CHECKING:
    import datetime as dt

__all__ = ["Connection", "Lost", "Refused", "SmtpSettings", "build_email", "kind_of_answer"]

#: CRLF line ends; headers kept whole (a List-Unsubscribe URL must not be encoded)
_WIRE = email.policy.SMTP.clone(max_line_length=998)

Kind = Literal["temporary", "bounce", "failed", "sender"]


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to send e-mail.

    ``host:port`` of the SMTP server, the ``sender`` address, optional login,
    ``starttls`` (upgrade a plain connection) or ``ssl`` (connect with TLS).
    ``connect_timeout`` bounds reaching the server and its greeting, ``timeout``
    every later answer (seconds).
    """

    host: str
    port: int = 25
    sender: str = ""
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False
    timeout: float = 30.0
    connect_timeout: float = 10.0

    @classmethod
    def parse(cls, address: str, **options: Any) -> SmtpSettings:
        """Settings from ``HOST:PORT`` (port 25 when left out)."""
        host, _, port = address.rpartition(":") if ":" in address else (address, "", "25")
        if not host or not port.isdigit():
            raise InputError(f"--smtp {address!r}: expected HOST:PORT, e.g. localhost:1025")
        return cls(host=host, port=int(port), **options)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


class Refused(Exception):
    """The server answered no; ``kind`` says to whom and for how long."""

    def __init__(self, message: str, *, kind: Kind) -> None:
        super().__init__(message)
        self.kind: Kind = kind


class Lost(Exception):
    """The connection failed or timed out before the message was handed over."""


def kind_of_answer(code: int, answer: str, *, stage: str) -> Kind | Literal["sent", "lost"]:
    """What a server's answer at a stage (``mail``, ``rcpt``, ``data``, ``end``) means.

    421 is the server closing the connection (``lost``, at any stage). At RCPT a 5xx
    is the recipient's address, unless it is about the sender: a login required (530,
    535) or relaying refused, which no other recipient would change.
    """
    if code == 421:
        return "lost"
    if 200 <= code < 400:
        return "sent"
    text = answer.lower()
    if 400 <= code < 500:
        return "lost" if stage == "mail" else "temporary"
    if stage == "mail":
        return "sender"
    if stage == "rcpt":
        about_sender = code in (530, 535) or "relay" in text or "authenticat" in text
        return "sender" if about_sender else "bounce"
    return "failed"


class Connection:
    """One SMTP connection for many messages, split so a message can be held open."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.client: smtplib.SMTP | None = None

    def close(self) -> None:
        """Say goodbye to the server, or just drop the connection when it is gone."""
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None

    def _open(self) -> smtplib.SMTP:
        if self.client is not None:
            return self.client
        s = self.settings
        factory = smtplib.SMTP_SSL if s.ssl else smtplib.SMTP
        client = factory(timeout=s.connect_timeout)
        try:
            code, answer = client.connect(s.host, s.port)
        except ssl.SSLError as exc:
            client.close()
            raise Refused(
                f"TLS with {s.where} failed ({exc}); check --smtp", kind="sender"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            client.close()
            raise Lost(f"cannot reach the SMTP server at {s.where} ({_reason(exc)})") from None
        if code != 220:
            client.close()
            if kind_of_answer(code, answer.decode(errors="replace"), stage="mail") == "lost":
                raise Lost(f"the SMTP server at {s.where} is not taking mail now ({code})")
            raise Refused(f"the SMTP server at {s.where} refused us: {code}", kind="sender")
        if client.sock is not None:
            client.sock.settimeout(s.timeout)
            # the final dot goes in a write of its own: without this, Nagle's algorithm
            # and the server's delayed acknowledgement hold it back ~40 ms a message
            client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            client.ehlo()
            if s.starttls:
                client.starttls()
                client.ehlo()
            if s.username:
                _login(client, s)
        except (smtplib.SMTPNotSupportedError, ssl.SSLError) as exc:
            client.close()
            raise Refused(
                f"TLS with {s.where} failed ({exc}); check --starttls", kind="sender"
            ) from None
        except smtplib.SMTPServerDisconnected as exc:
            client.close()
            raise Lost(f"the SMTP server at {s.where} closed the connection ({exc})") from None
        except (smtplib.SMTPException, OSError) as exc:
            client.close()
            raise Lost(f"the SMTP server at {s.where} failed ({_reason(exc)})") from None
        self.client = client
        return client

    def begin(self, sender: str, to: str, message: EmailMessage) -> None:
        """Open the transaction and write the message, all but the final dot.

        Raises :class:`Refused` when the server says no, :class:`Lost` when the
        connection fails; nothing of the message has then been delivered.
        """
        client = self._open()
        try:
            for stage, command in (
                ("mail", lambda: client.mail(sender)),
                ("rcpt", lambda: client.rcpt(to)),
                ("data", lambda: client.docmd("DATA")),
            ):
                code, raw = command()
                answer = raw.decode(errors="replace")
                kind = kind_of_answer(code, answer, stage=stage)
                if stage == "data" and code != 354 and kind == "sent":
                    kind = "failed"
                if kind == "sent":
                    continue
                if kind == "lost":
                    self.reset()
                    raise Lost(f"the SMTP server at {self.settings.where} said {code} {answer}")
                try:
                    client.rset()  # end the refused transaction; the connection goes on
                except (smtplib.SMTPException, OSError):
                    self.reset()
                raise Refused(_refusal(kind, stage, code, answer, sender), kind=kind)
            # lines end in CRLF; a line starting with a dot gets a second one (RFC 5321 4.5.2)
            data = re.sub(rb"(?m)^\.", b"..", message.as_bytes(policy=_WIRE))
            if not data.endswith(b"\r\n"):
                data += b"\r\n"
            client.send(data)
        except (smtplib.SMTPException, OSError) as exc:
            self.reset()
            raise Lost(f"the connection to {self.settings.where} failed ({_reason(exc)})") from None

    def end(self) -> tuple[int, str]:
        """Write the final dot and read the server's answer (errors are the caller's)."""
        assert self.client is not None
        self.client.send(b".\r\n")
        code, answer = self.client.getreply()
        return code, answer.decode(errors="replace")

    def reset(self) -> None:
        """Drop a connection that failed; the next message opens a new one."""
        if self.client is not None:
            self.client.close()
            self.client = None


def _login(client: smtplib.SMTP, s: SmtpSettings) -> None:
    try:
        client.login(s.username or "", s.password or "")
    except (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError) as exc:
        client.close()
        why = (
            _answer(exc)
            if isinstance(exc, smtplib.SMTPAuthenticationError)
            else "the server offers no login"
        )
        raise Refused(
            f"the SMTP server refused the login {s.username!r} ({why}); "
            "check --smtp-user and REPEATLY_SMTP_PASSWORD",
            kind="sender",
        ) from None


def _refusal(kind: Kind, stage: str, code: int, answer: str, sender: str) -> str:
    said = f"{code} {answer}".strip()
    if kind != "sender":
        return said
    if stage == "mail":
        return (
            f"the SMTP server refused the sender {sender!r} ({said}); check --sender and the login"
        )
    return (
        f"the SMTP server refuses to send for us ({said}); check --smtp-user, "
        "REPEATLY_SMTP_PASSWORD and that the server relays mail from this sender"
    )


def _answer(exc: smtplib.SMTPResponseException) -> str:
    detail = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
    return f"{exc.smtp_code} {detail}".strip()


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def build_email(
    subject: str,
    body: str,
    *,
    to: str,
    sender: str,
    message_id: str,
    unsubscribe: str,
    now: dt.datetime,
) -> EmailMessage:
    """The message as it goes out: headers, the one-click unsubscribe, the text."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now if now.tzinfo else now.astimezone())
    message["Message-ID"] = message_id
    if unsubscribe.startswith(("http://", "https://")):
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(body)
    return message
