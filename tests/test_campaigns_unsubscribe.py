"""Unsubscribe that works: links made at send time.

E-mail needs the shop's absolute address, for the one-click ``List-Unsubscribe``
(RFC 8058); the links of a message come from the address given to the send that sends
it, whatever was recorded with the campaign.
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import sqlalchemy as sa

from repeatly.campaigns import (
    SmtpSettings,
    link_base,
    plan_campaign,
    record_campaign,
    send_campaign,
    verify,
)
from repeatly.exceptions import InputError
from repeatly.store import open_store, tables

AS_OF = dt.date(2024, 6, 1)
# noon of the start day in this machine's zone: outside the quiet hours wherever it runs
NOON = dt.datetime.combine(AS_OF + dt.timedelta(days=1), dt.time(12)).astimezone()


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
