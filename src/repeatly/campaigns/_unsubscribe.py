"""Answering unsubscribe links over HTTP: the one-click POST and the page a person sees.

An e-mail carries its unsubscribe link twice: in the text, and in the
``List-Unsubscribe`` header with ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``
(RFC 8058), which lets a mail program offer an "Unsubscribe" button of its own. The
button POSTs ``List-Unsubscribe=One-Click`` to the link; that records the opt-out at
once. Opening the link (GET) records nothing by itself: mail scanners fetch the links
they find, so, as RFC 8058 advises, the page asks for a confirmation, a button that
sends the same POST. A link without its signature, or with one the store's key did not
give, is answered 400 and records nothing.

:func:`answer_unsubscribe` is the whole answer as data (status, headers, page); a web
server only hands the request to it and writes what it returns.

References
----------
J. Levine, T. Herkula, "Signaling One-Click Functionality for List Email Headers",
RFC 8058, 2017.
"""

from __future__ import annotations

import email.parser
import email.policy
import html
import logging
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import parse_qs

from repeatly.campaigns._links import link_parts
from repeatly.campaigns._optout import opt_out, read_link
from repeatly.campaigns._playbooks import LANGUAGES
from repeatly.exceptions import InputError
from repeatly.store import Store

__all__ = ["UnsubscribeAnswer", "answer_unsubscribe"]

log = logging.getLogger(__name__)

#: The headers every page goes with: never cached, never framed, scripts never run,
#: and the form may post only back to this server.
PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
#: The methods answered; any other gets 405.
METHODS = ("GET", "HEAD", "POST")

_CHANNELS = {
    "en": {"email": "e-mails", "sms": "text messages", "call": "calls", "letter": "letters"},
    "ru": {"email": "письма", "sms": "SMS", "call": "звонки", "letter": "письма по почте"},
}
_TEXT = {
    "en": {
        "confirm": ("Unsubscribe", "Stop getting {channel} from us? Press the button to confirm."),
        "done": ("You are unsubscribed", "We will not send you {channel} any more."),
        "not_one_click": (
            "Unsubscribe",
            "Nothing was done yet: press the button to confirm that you want no more "
            "{channel} from us.",
        ),
        "invalid": (
            "This link does not work",
            "The unsubscribe link is incomplete or was changed, so nothing was done. Open "
            "the link from the message exactly as it came, or reply to the message and ask "
            "us to unsubscribe you.",
        ),
        "method": ("Not allowed", "This address only answers unsubscribe links."),
        "button": "Unsubscribe",
    },
    "ru": {
        "confirm": (
            "Отписаться",
            "Больше не получать от нас {channel}? Нажмите кнопку, чтобы подтвердить.",
        ),
        "done": ("Вы отписались", "Мы больше не будем присылать вам {channel}."),
        "not_one_click": (
            "Отписаться",
            "Пока ничего не сделано: нажмите кнопку, чтобы подтвердить, что больше не "
            "хотите получать от нас {channel}.",
        ),
        "invalid": (
            "Ссылка не работает",
            "Ссылка для отписки неполная или изменена, поэтому ничего не сделано. Откройте "
            "ссылку из сообщения целиком или ответьте на сообщение и попросите нас вас "
            "отписать.",
        ),
        "method": ("Недопустимый запрос", "Этот адрес отвечает только на ссылки для отписки."),
        "button": "Отписаться",
    },
}
_PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 34rem; margin: 4rem auto;
       padding: 0 1rem; line-height: 1.5; color: #222; }}
button {{ font-size: 1rem; padding: .6rem 1.4rem; cursor: pointer; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>{text}</p>
{form}</body>
</html>
"""
# No action: the form posts to the link itself, the same POST as a one-click button.
_FORM = """<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">{button}</button>
</form>
"""


@dataclass(frozen=True)
class UnsubscribeAnswer:
    """The answer to one request to an unsubscribe link.

    ``status`` is the HTTP status; ``page`` which page it is (``confirm``: the link is
    good, a button asks to confirm; ``done``: the opt-out is recorded; ``invalid``: the
    link is not one this store signed, 400; ``not_one_click``: a POST without
    ``List-Unsubscribe=One-Click``, 400; ``method``: a method other than GET, HEAD or
    POST, 405). ``html`` is the page (everything in it escaped) and ``headers`` go with
    it. ``recorded`` says whether this request recorded the opt-out of ``customer`` from
    ``channel``.
    """

    status: int
    page: str
    html: str
    language: str = "en"
    customer: str = ""
    channel: str = ""
    recorded: bool = False
    headers: dict[str, str] = field(default_factory=lambda: dict(PAGE_HEADERS))

    def to_dict(self) -> dict[str, Any]:
        """The answer as plain data, without the page (its JSON twin)."""
        return {
            "status": self.status,
            "page": self.page,
            "language": self.language,
            "customer": self.customer,
            "channel": self.channel,
            "recorded": self.recorded,
        }


def answer_unsubscribe(
    store: Store, method: str, target: str, *, body: bytes = b"", content_type: str = ""
) -> UnsubscribeAnswer:
    """Answer a request to an unsubscribe link: confirm, record, or refuse.

    Parameters
    ----------
    store
        The operational database whose key signed the links.
    method
        The HTTP method: ``GET`` and ``HEAD`` show the confirmation page and record
        nothing; ``POST`` with ``List-Unsubscribe=One-Click`` in its body (form-encoded
        or ``multipart/form-data``, RFC 8058) records the opt-out at once.
    target
        The link as requested: a path with its query (``/unsubscribe?c=...&ch=...&s=...``),
        a short link's path (``/u/sC001.k3Jx9_aQ``) or a whole URL. Its language (``lang``,
        or a short token's capital letter for Russian) chooses the page's language.
    body, content_type
        The request's body and its ``Content-Type``.

    Examples
    --------
    >>> from repeatly.campaigns import unsubscribe_url
    >>> from repeatly.store import open_store
    >>> with open_store("sqlite://") as store:
    ...     link = unsubscribe_url(store.secret(), "/unsubscribe", "c1", "email")
    ...     seen = answer_unsubscribe(store, "GET", link)
    ...     done = answer_unsubscribe(
    ...         store, "POST", link, body=b"List-Unsubscribe=One-Click",
    ...         content_type="application/x-www-form-urlencoded",
    ...     )
    ...     (seen.page, seen.recorded), (done.page, done.recorded), store.unsubscribed()
    (('confirm', False), ('done', True), {('c1', 'email')})
    """
    language = link_parts(target)[0].get("lang") or "en"
    language = language if language in LANGUAGES else "en"
    verb = method.upper()
    if verb not in METHODS:
        return _answer(405, "method", language, headers={"Allow": ", ".join(METHODS)})
    try:
        customer, channel = read_link(store, target)
    except InputError:
        return _answer(400, "invalid", language)
    found = partial(_answer, language=language, customer=customer, channel=channel)
    if verb != "POST":
        return found(200, "confirm", form=True)
    if not _one_click(body, content_type):
        return found(400, "not_one_click", form=True)
    opt_out(store, customer, channel)
    log.info("unsubscribed %s from %s", customer, channel)
    return found(200, "done", recorded=True)


def _answer(
    status: int,
    page: str,
    language: str,
    *,
    form: bool = False,
    customer: str = "",
    channel: str = "",
    recorded: bool = False,
    headers: dict[str, str] | None = None,
) -> UnsubscribeAnswer:
    words = _TEXT[language]
    title, text = words[page]
    what = _CHANNELS[language].get(channel, "")
    document = _PAGE.format(
        lang=language,
        title=html.escape(str(title)),
        text=html.escape(str(text).format(channel=what)),
        form=_FORM.format(button=html.escape(str(words["button"]))) if form else "",
    )
    return UnsubscribeAnswer(
        status=status,
        page=page,
        html=document,
        language=language,
        customer=customer,
        channel=channel,
        recorded=recorded,
        headers={**PAGE_HEADERS, **(headers or {})},
    )


def _one_click(body: bytes, content_type: str) -> bool:
    """Whether a POST's body says ``List-Unsubscribe=One-Click`` (RFC 8058, 3.1)."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode(
            "latin-1", "replace"
        )
        parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        if not parsed.is_multipart():
            return False
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            value = part.get_payload(decode=True) or b""
            if name == "List-Unsubscribe" and bytes(value).strip() == b"One-Click":
                return True
        return False
    fields = parse_qs(body.decode("utf-8", "replace"))
    return "One-Click" in fields.get("List-Unsubscribe", [])
