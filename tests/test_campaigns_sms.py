"""Text messages: SMS parts by hand, and a real local HTTP gateway receiving them."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from repeatly.campaigns import SmsGateway, send_campaign, sms_parts
from repeatly.exceptions import InputError
from repeatly.store import open_store

from .test_campaigns_send import NOON, _plan


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x" * 160, ("gsm7", 160, 1)),
        ("x" * 161, ("gsm7", 161, 2)),
        ("x" * 306, ("gsm7", 306, 2)),  # 2 x 153
        ("x" * 307, ("gsm7", 307, 3)),
        ("€" * 80, ("gsm7", 160, 1)),  # the extension table takes two units a character
        ("€" * 81, ("gsm7", 162, 2)),
        ("Ж" * 70, ("ucs2", 70, 1)),
        ("Ж" * 71, ("ucs2", 71, 2)),
        ("Ж" * 134, ("ucs2", 134, 2)),  # 2 x 67
        ("Ж" * 135, ("ucs2", 135, 3)),
        ("Hi 😀", ("ucs2", 5, 1)),  # an emoji is two UTF-16 units
        ("Café à 5€ {ok}", ("gsm7", 17, 1)),
    ],
)
def test_sms_parts_by_hand(text, expected):
    assert sms_parts(text) == expected


class Gateway:
    """A local HTTP endpoint that records each request and answers as told."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[int] = []  # statuses to answer first, then 200

    def __enter__(self):
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                recorder.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = recorder.answers.pop(0) if recorder.answers else 201
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b'{"status": "queued"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_the_webhook_gets_one_request_per_text_message():
    with Gateway() as gateway, open_store("sqlite://") as store:
        plan = _plan(store)
        result = send_campaign(
            plan,
            store,
            smtp=None,
            now=NOON,
            sms=SmsGateway(f"{gateway.url}/sms", sender="TestShop"),
        )
    texted = plan.treatment[plan.treatment.channel == "sms"].set_index("customer_id")
    assert result.sent == len(texted) == len(gateway.requests) > 0
    assert result.waiting == (plan.treatment.channel == "email").sum()  # no --smtp
    parts = 0
    for request in gateway.requests:
        data = json.loads(request["body"])
        customer = texted.index[texted.phone.str.replace(" ", "") == data["to"]][0]
        assert request["path"] == "/sms" and data["from"] == "TestShop"
        assert data["to"].startswith("+7900") and len(data["to"]) == 12
        assert f"code {texted.loc[customer, 'coupon_code']}" in data["text"]
        assert request["headers"]["Idempotency-Key"] == data["message_id"]
        assert (data["encoding"], data["parts"]) == (
            sms_parts(data["text"])[0],
            sms_parts(data["text"])[2],
        )
        parts += data["parts"]
    assert result.sms_parts == parts
    assert len({r["headers"]["Idempotency-Key"] for r in gateway.requests}) == len(texted)


def test_twilio_format_retries_and_refusals():
    with Gateway() as gateway, open_store("sqlite://") as store:
        plan = _plan(store)
        texted = plan.treatment[plan.treatment.channel == "sms"]
        gateway.answers = [503, 400]  # the first is put off for a later run, the second refused
        sms = SmsGateway(
            gateway.url, kind="twilio", sender="+15550001111", account="AC123", token="secret"
        )
        result = send_campaign(plan, store, smtp=None, now=NOON, sms=sms)
        later = send_campaign(plan, store, smtp=None, now=NOON + dt.timedelta(minutes=6), sms=sms)
    assert (result.sent, result.failed, result.pending) == (len(texted) - 2, 1, 1)
    assert result.errors[0].endswith('refused: 400 {"status": "queued"}')
    assert later.sent == 1
    assert len(gateway.requests) == len(texted) + 1
    first = gateway.requests[0]
    assert first["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert (
        first["headers"]["Authorization"] == "Basic " + base64.b64encode(b"AC123:secret").decode()
    )
    form = parse_qs(first["body"].decode())
    assert form["From"] == ["+15550001111"] and form["To"][0].startswith("+7900")
    assert "Test Shop" in form["Body"][0]
    assert gateway.requests[-1]["body"] == first["body"]  # the retry is the same message


def test_a_gateway_needs_a_web_address_and_twilio_its_account():
    with pytest.raises(InputError, match="expected http:// or https://"):
        SmsGateway("ftp://x")
    with pytest.raises(InputError, match="account SID and auth token"):
        SmsGateway("https://api.example", kind="twilio")
