"""Unsubscribe that works: links made at send time, and a server that answers them.

E-mail needs the shop's absolute address, for the one-click ``List-Unsubscribe``
(RFC 8058); the links of a message come from the address given to the send that sends
it, whatever was recorded with the campaign. The unsubscribe server runs for real on
127.0.0.1 and is called over HTTP: the one-click POST records the opt-out at once, the
link's page (GET) records nothing until its button posts, and a changed link records
nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import pandas as pd
import pytest
import sqlalchemy as sa

from repeatly.campaigns import (
    SmtpSettings,
    answer_unsubscribe,
    link_base,
    plan_campaign,
    record_campaign,
    send_campaign,
    unsubscribe_url,
    verify,
)
from repeatly.exceptions import InputError
from repeatly.store import open_store, tables

AS_OF = dt.date(2024, 6, 1)
# noon of the start day in this machine's zone: outside the quiet hours wherever it runs
NOON = dt.datetime.combine(AS_OF + dt.timedelta(days=1), dt.time(12)).astimezone()
ONE_CLICK = b"List-Unsubscribe=One-Click"
FORM = "application/x-www-form-urlencoded"


def _audience(n: int = 12) -> pd.DataFrame:
    """``n`` active customers; every fourth agreed to SMS only, the rest to e-mail."""
    sms_only = [i % 4 == 3 for i in range(n)]
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:03d}" for i in range(n)],
            "status": "active",
            "rfm_segment": "Loyal",
            "name": [f"Anna Smith{i}" for i in range(n)],
            "email": [f"user{i}@example.org" for i in range(n)],
            "phone": [f"+7 900 {i:07d}" for i in range(n)],
            "consent_email": [not s for s in sms_only],
            "consent_sms": sms_only,
            "days_since": 10,
        }
    )


def _settings(server) -> SmtpSettings:
    host, port, _recorder = server
    return SmtpSettings(host=host, port=port, sender="news@shop.example")


def _plan(store, shop=None, *, playbook="monthly_coupon", audience=None, name="june"):
    return plan_campaign(
        playbook,
        _audience() if audience is None else audience,
        store=store,
        as_of=AS_OF,
        name=name,
        shop={"name": "Test Shop", **(shop or {})},
    )


def _campaigns(store) -> int:
    with store.engine.connect() as con:
        return con.execute(sa.select(sa.func.count()).select_from(tables.campaigns)).scalar_one()


@pytest.fixture
def server(store_url):
    """(base URL, store) of an unsubscribe server answering on a free port, in a thread."""
    from repeatly.cli._server import make_server

    with open_store(store_url) as store:
        httpd = make_server(store, "127.0.0.1", 0)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{httpd.server_address[1]}", store
        finally:
            httpd.shutdown()
            httpd.server_close()
            thread.join(5)


def _call(url: str, *, method: str = "GET", body: bytes | None = None, content_type=FORM):
    """(status, headers, page) of an HTTP request; error statuses are answers too."""
    headers = {"Content-Type": content_type} if body is not None else {}
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers, answer.read().decode()
    except urllib.error.HTTPError as answer:
        with answer:
            return answer.code, answer.headers, answer.read().decode()


class _Forms(HTMLParser):
    """The forms of a page: (method, action, {name: value} of its inputs)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str | None, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "form":
            self.forms.append((values.get("method", "get"), values.get("action"), {}))
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1][2][values["name"]] = values.get("value") or ""


def _forms(page: str):
    parser = _Forms()
    parser.feed(page)
    return parser.forms


# --- e-mail needs the shop's address; links are made when a message goes -----------------


@pytest.mark.parametrize("shop", [{}, {"url": "shop.example"}, {"url": "/shop"}])
def test_email_without_an_absolute_shop_url_is_refused_before_anything_is_recorded(
    shop, store_url, smtp_server
):
    recorder = smtp_server[2]
    with open_store(store_url) as store:
        plan = _plan(store, shop)
        with pytest.raises(InputError, match=r"pass --shop-url .* or set \[shop\] url"):
            send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        assert _campaigns(store) == 0 and not recorder.received
        # text messages, calls and letters need no address: without SMTP the send goes on
        result = send_campaign(plan, store, smtp=None, now=NOON)
        assert result.created and _campaigns(store) == 1 and result.waiting > 0


def test_link_base_is_the_shops_own_unsubscribe_address_or_its_url():
    assert link_base({"url": " https://shop.example/ "}) == "https://shop.example/unsubscribe"
    assert link_base(
        {"url": "https://a.example", "unsubscribe_url": "https://u.example/x?s=1"}
    ) == ("https://u.example/x?s=1")
    assert link_base({"name": "S"}) == ""
    assert link_base({"url": "http://127.0.0.1:8025"}, absolute=True).startswith("http://")
    for shop in ({"url": "ftp://shop.example"}, {"url": "https://"}, {}):
        with pytest.raises(InputError, match="e-mail needs the shop's web address"):
            link_base(shop, absolute=True)


@pytest.mark.parametrize("recorded_with", [None, "https://old.example"])
def test_a_campaign_recorded_earlier_sends_the_links_of_the_url_given_at_send_time(
    recorded_with, store_url, smtp_server
):
    recorder = smtp_server[2]
    with open_store(store_url) as store:
        key = store.secret()
        before = _plan(store, {"url": recorded_with} if recorded_with else {})
        record_campaign(before, store)
        with store.engine.connect() as con:
            recorded = json.loads(
                con.execute(sa.select(tables.recipients.c.context).limit(1)).scalar_one()
            )
        old = (recorded_with or "") + "/unsubscribe?"
        assert recorded["unsubscribe_url"].startswith(old)  # frozen when it was recorded
        now = _plan(store, {"url": "https://new.example/shop/"})  # the same campaign
        result = send_campaign(now, store, smtp=_settings(smtp_server), now=NOON)
    assert not result.created and result.sent == len(recorder.received) > 0
    for message in recorder.messages():
        link = message["List-Unsubscribe"][1:-1]
        assert link.startswith("https://new.example/shop/unsubscribe?c=")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        query = parse_qs(urlsplit(link).query)
        assert verify(key, query["s"][0], query["c"][0], "email")
        body = message.get_content()
        assert f"Unsubscribe: {link}" in body and "old.example" not in body
        assert "\nhttps://new.example/shop/\n" in body.replace("\r\n", "\n")  # shop.url too


def test_a_russian_message_links_to_a_russian_page(store_url, smtp_server):
    recorder = smtp_server[2]
    with open_store(store_url) as store:
        plan = plan_campaign(
            "monthly_coupon",
            _audience(8),
            store=store,
            as_of=AS_OF,
            language="ru",
            shop={"url": "https://lavka.example"},
        )
        send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        link = recorder.messages()[0]["List-Unsubscribe"][1:-1]
        assert parse_qs(urlsplit(link).query)["lang"] == ["ru"]
        page = answer_unsubscribe(store, "GET", link)
    assert page.status == 200 and page.language == "ru"
    assert '<html lang="ru">' in page.html and "Больше не получать от нас письма?" in page.html


# --- the server ---------------------------------------------------------------------------


def test_one_click_post_records_the_opt_out_at_once(server):
    base, store = server
    link = unsubscribe_url(store.secret(), f"{base}/unsubscribe", "c1", "email")
    status, headers, page = _call(link, method="POST", body=ONE_CLICK)
    assert status == 200 and "You are unsubscribed" in page
    assert "We will not send you e-mails any more." in page
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-store"
    assert store.unsubscribed() == {("c1", "email")}
    again = _call(link, method="POST", body=ONE_CLICK)  # a second click: the same answer
    assert again[0] == 200 and store.unsubscribed() == {("c1", "email")}


def test_one_click_post_as_multipart_form_data_counts_too(server):
    base, store = server
    link = unsubscribe_url(store.secret(), f"{base}/unsubscribe", "c2", "sms")
    boundary = "b0undary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        f"One-Click\r\n--{boundary}--\r\n"
    ).encode()
    status, _headers, _page = _call(
        link, method="POST", body=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert status == 200 and store.unsubscribed() == {("c2", "sms")}


def test_the_links_page_records_nothing_until_its_button_posts(server):
    base, store = server
    link = unsubscribe_url(store.secret(), f"{base}/unsubscribe", "c<3>&", "email")
    status, headers, page = _call(link)  # a mail scanner fetching the link
    assert status == 200 and "Stop getting e-mails from us?" in page
    assert "c<3>" not in page  # the page names no customer, and nothing unescaped
    assert "form-action 'self'" in headers["Content-Security-Policy"]
    assert _call(link, method="HEAD")[0] == 200
    assert store.unsubscribed() == set()
    # a person presses the button: the form posts its fields back to the link itself
    [(method, action, fields)] = _forms(page)
    assert (method, action, fields) == ("post", None, {"List-Unsubscribe": "One-Click"})
    status, _headers, page = _call(link, method="POST", body=urlencode(fields).encode())
    assert status == 200 and "You are unsubscribed" in page
    assert store.unsubscribed() == {("c<3>&", "email")}


def test_a_changed_link_is_refused_with_400_and_records_nothing(server):
    base, store = server
    link = unsubscribe_url(store.secret(), f"{base}/unsubscribe", "c1", "email")
    signature = parse_qs(urlsplit(link).query)["s"][0]
    other_key = unsubscribe_url(b"another database", f"{base}/unsubscribe", "c1", "email")
    changed = [
        link.replace("c=c1", "c=c2"),  # another customer
        link.replace("ch=email", "ch=sms"),  # another channel
        link.replace(signature, signature[::-1]),  # a forged signature
        link.split("&s=")[0],  # no signature
        other_key,  # signed with another key
        f"{base}/unsubscribe",
    ]
    for url in changed:
        for method in ("GET", "POST"):
            status, _headers, page = _call(url, method=method, body=ONE_CLICK)
            assert status == 400, (url, method)
            assert "This link does not work" in page and "<form" not in page
    assert store.unsubscribed() == set()


def test_a_post_without_one_click_records_nothing(server):
    base, store = server
    link = unsubscribe_url(store.secret(), f"{base}/unsubscribe", "c1", "email")
    for body in (b"", b"List-Unsubscribe=Maybe", b"one-click"):
        status, _headers, page = _call(link, method="POST", body=body)
        assert status == 400 and "Nothing was done yet" in page and "<form" in page
    assert _call(link, method="PUT", body=ONE_CLICK)[0] == 405
    assert store.unsubscribed() == set()


def test_the_russian_page_and_an_unknown_language(server):
    base, store = server
    link = unsubscribe_url(store.secret(), f"{base}/unsubscribe", "c1", "sms", language="ru")
    status, _headers, page = _call(link)
    assert status == 200 and "Больше не получать от нас SMS?" in page and "Отписаться" in page
    status, _headers, page = _call(link, method="POST", body=ONE_CLICK)
    assert status == 200 and "Мы больше не будем присылать вам SMS." in page
    odd = answer_unsubscribe(store, "GET", link.replace("lang=ru", "lang=xx"))
    assert odd.language == "en" and "Stop getting text messages" in odd.html


def test_posting_to_the_emails_list_unsubscribe_skips_the_customers_next_step(server, smtp_server):
    base, store = server
    recorder = smtp_server[2]
    lost = _audience(6).assign(status="lost", consent_email=True, consent_sms=False)
    plan = plan_campaign(
        "win_back",
        lost,
        store=store,
        as_of=AS_OF,
        control_share=0,
        shop={"name": "Test Shop", "url": "https://shop.example"},
    )
    first = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
    assert first.sent == 6
    message = next(m for m in recorder.messages() if m["To"] == "user0@example.org")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = re.fullmatch(
        r"<(https://shop\.example/unsubscribe\?[^>]+)>", message["List-Unsubscribe"]
    )
    assert header is not None
    # the shop's HTTPS front hands /unsubscribe to this server as it came: path and query
    parts = urlsplit(header[1])
    status, _headers, _page = _call(
        f"{base}{parts.path}?{parts.query}", method="POST", body=ONE_CLICK
    )
    assert status == 200 and store.unsubscribed() == {("c000", "email")}
    second = send_campaign(
        plan, store, smtp=_settings(smtp_server), now=NOON + dt.timedelta(days=4)
    )
    assert (second.sent, second.skipped) == (5, 1)
    to_user0 = [m["Subject"] for m in recorder.messages() if m["To"] == "user0@example.org"]
    assert to_user0 == [message["Subject"]]


def test_an_unsubscribe_answer_has_a_json_twin():
    with open_store("sqlite://") as store:
        link = unsubscribe_url(store.secret(), "/unsubscribe", "c1", "letter")
        answer = answer_unsubscribe(store, "POST", link, body=ONE_CLICK, content_type=FORM)
    assert answer.to_dict() == {
        "status": 200,
        "page": "done",
        "language": "en",
        "customer": "c1",
        "channel": "letter",
        "recorded": True,
    }
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
