"""Playbooks and message templates: every built-in renders; mistakes are caught early.

Expected texts are written out by hand next to the input they come from.
"""

from __future__ import annotations

import datetime as dt

import pytest

from repeatly.campaigns import (
    CHANNELS,
    FIELDS,
    LANGUAGES,
    Templates,
    builtin_playbooks,
    format_count,
    format_date,
    format_money,
    load_playbook,
    offer_text,
    sign,
    verify,
)
from repeatly.exceptions import PlaybookError
from repeatly.offers import coupon_code

ALL_FIELDS = {
    "customer": {
        "id": "C1",
        "name": "Anna Petrova",
        "first_name": "Anna",
        "email": "anna@example.com",
        "phone": "+7 900 000-00-00",
        "city": "Moscow",
        "address": "Garden Lane 5, Moscow",
    },
    "segment": {
        "rfm": "Champions",
        "status": "lost",
        "golden": True,
        "days_since": 400,
        "orders": 12.0,
        "revenue": 1234.5,
    },
    "last_purchase": {"date": dt.date(2024, 3, 5), "days_ago": 400, "category": "shoes"},
    "offer": {
        "code": "ABCDE-FGHJK",
        "text": "20% off",
        "kind": "percent",
        "value": 20.0,
        "deadline": dt.date(2025, 1, 14),
        "valid_days": 14,
        "min_order": 50.0,
        "categories": "shoes",
        "usage_limit": 1,
        "minimum": "50 EUR",
    },
    "shop": {
        "name": "Shoe Box",
        "url": "https://shoebox.example",
        "phone": "+7 495 1",
        "email": "hi@shoebox.example",
        "address": "Main St 1",
    },
    "brand": "Acme",
    "category": "shoes",
    "new_products": 3.0,
    "perks": ["free delivery from 50 EUR"],
    "returns": 1,
    "unsubscribe_url": "https://shoebox.example/unsubscribe?c=C1",
    "language": "en",
}


def test_the_sample_context_has_every_field():
    for name, fields in FIELDS.items():
        assert name in ALL_FIELDS
        if fields is not None:
            assert set(ALL_FIELDS[name]) == set(fields), name


@pytest.mark.parametrize("name", builtin_playbooks())
def test_every_builtin_playbook_renders_in_every_channel_and_language(name):
    book = load_playbook(name)
    templates = Templates(book)
    assert book.steps and set(book.channels) <= set(CHANNELS)
    for channel in book.channels:
        for language in LANGUAGES:
            texts = []
            for step in book.steps:
                message = templates.render(step.name, channel, language, ALL_FIELDS)
                assert message.body and "{{" not in message.body and "{%" not in message.body
                assert (channel == "email") == bool(message.subject)
                if channel in ("email", "sms"):
                    assert ALL_FIELDS["unsubscribe_url"] in message.body
                texts.append(message.subject + message.body)
            # the coupon is given in the campaign's last message
            assert ("ABCDE-FGHJK" in texts[-1]) == book.offer.has_coupon, (name, channel)


def test_thirteen_builtin_playbooks_cover_the_issue():
    assert builtin_playbooks() == [
        "cross_sell",
        "cycle_reminder",
        "early_access",
        "end_of_season",
        "golden_care",
        "holiday_bonus",
        "lead_follow_up",
        "monthly_coupon",
        "new_arrivals",
        "referral",
        "thank_you",
        "upsell",
        "win_back",
    ]
    assert [s.name for s in load_playbook("win_back").steps] == [
        "thanks",
        "why_us",
        "whats_new",
        "offer",
    ]


def test_win_back_thanks_or_apologises():
    templates = Templates(load_playbook("win_back"))
    sorry = templates.render("thanks", "email", "en", ALL_FIELDS)
    thanks = templates.render("thanks", "email", "en", {**ALL_FIELDS, "returns": 0})
    assert sorry.subject == "We are sorry, Anna"
    assert thanks.subject == "We miss you, Anna"
    assert "Thank you for your 12 orders with us." in thanks.body
    assert "Your last order was in March 2024, and we would like to see you again." in thanks.body
    assert "sent part of an order back" in sorry.body
    ru = templates.render(
        "offer",
        "sms",
        "ru",
        {
            **ALL_FIELDS,
            "offer": {**ALL_FIELDS["offer"], "text": "скидка 20%", "minimum": "50 ₽"},
        },
    )
    assert ru.body.startswith(
        "Shoe Box: для вас скидка 20% на заказ от 50 ₽ по коду ABCDE-FGHJK до 14 января."
    )


def _book(tmp_path, body: str, *, extra: str = "", channels: str = '["email"]'):
    path = tmp_path / "mine.toml"
    path.write_text(
        f"""
channels = {channels}
{extra}
[[steps]]
name = "hello"
[steps.email.en]
subject = "Hi"
body = '''{body}'''
""",
        encoding="utf-8",
    )
    return path


def test_a_field_that_does_not_exist_is_an_error_even_in_a_branch_not_taken(tmp_path):
    path = _book(tmp_path, "Hello\n{% if segment.golden %}{{ customer.nmae }}{% endif %}")
    with pytest.raises(PlaybookError) as info:
        Templates(load_playbook(path))
    assert str(info.value) == (
        'mine.toml, step "hello", email (en) body, line 2: unknown field "customer.nmae"; '
        "customer has id, name, first_name, email, phone, city, address"
    )


def test_an_unknown_top_level_field_and_a_syntax_error_are_located(tmp_path):
    with pytest.raises(PlaybookError, match=r'line 1: unknown field "discount"; the fields'):
        Templates(load_playbook(_book(tmp_path, "{{ discount }}")))
    with pytest.raises(PlaybookError, match=r"body, line 3: "):
        Templates(load_playbook(_book(tmp_path, "a\nb\n{% if x %}")))


def test_templates_run_in_a_sandbox(tmp_path):
    templates = Templates(
        load_playbook(_book(tmp_path, "{{ customer.name.__class__.__mro__[1].__subclasses__() }}"))
    )
    with pytest.raises(PlaybookError):
        templates.render("hello", "email", "en", ALL_FIELDS)


@pytest.mark.parametrize(
    ("extra", "channels", "message"),
    [
        ("", '["fax"]', "mine.toml, channels: expected one of email, sms, call, letter, got 'fax'"),
        (
            "",
            '["email", "sms"]',
            'mine.toml, step 1 ("hello"): expected a [steps.sms.en] '
            "message, as sms is one of the channels",
        ),
        (
            '[offer]\nkind = "percent"\nvalue = 120',
            '["email"]',
            "mine.toml, offer, value: expected a percentage above 0 and at most 100, got 120.0",
        ),
        (
            "control_share = 1.5",
            '["email"]',
            "mine.toml, control_share: expected a share from 0 to below 1, got 1.5",
        ),
        (
            "[audience]\nstatus = []",
            '["email"]',
            "mine.toml, audience.status: expected a list of values, got an empty list",
        ),
    ],
)
def test_playbook_mistakes_name_the_file_and_setting(tmp_path, extra, channels, message):
    with pytest.raises(PlaybookError) as info:
        load_playbook(_book(tmp_path, "Hi", extra=extra, channels=channels))
    assert str(info.value) == message


def test_not_toml_and_unknown_names_are_errors(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("channels = [", encoding="utf-8")
    with pytest.raises(PlaybookError, match=r"^bad.toml: not valid TOML"):
        load_playbook(path)
    with pytest.raises(PlaybookError, match=r"not a file and not a built-in playbook"):
        load_playbook("win-back-please")


def test_counts_take_the_right_form_of_the_noun():
    assert [format_count(n, "order", "orders") for n in (0, 1, 2, 21)] == [
        "0 orders",
        "1 order",
        "2 orders",
        "21 orders",
    ]
    assert [
        format_count(n, "заказ", "заказа", "заказов")
        for n in (1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111)
    ] == [
        "1 заказ",
        "2 заказа",
        "4 заказа",
        "5 заказов",
        "11 заказов",
        "12 заказов",
        "14 заказов",
        "21 заказ",
        "22 заказа",
        "25 заказов",
        "101 заказ",
        "111 заказов",
    ]
    templates = Templates(load_playbook("win_back"))
    one = templates.render(
        "thanks",
        "email",
        "en",
        {**ALL_FIELDS, "returns": 0, "segment": {**ALL_FIELDS["segment"], "orders": 1.0}},
    )
    assert "Thank you for choosing us for your order." in one.body
    two = templates.render(
        "thanks",
        "email",
        "ru",
        {**ALL_FIELDS, "returns": 0, "segment": {**ALL_FIELDS["segment"], "orders": 2.0}},
    )
    assert "Спасибо, что сделали у нас два заказа." in two.body
    assert format_count(
        2, "покупка", "покупки", "покупок", words=True, language="ru", gender="f"
    ) == ("две покупки")
    assert format_count(12, "order", "orders", words=True) == "12 orders"


def test_money_dates_and_offers_read_as_people_write_them():
    assert format_money(1234.5) == "1,234.50"
    assert format_money(1234.5, "ru") == "1\u00a0234,50"
    assert format_money(15.0) == "15"
    assert format_date(dt.date(2026, 12, 5)) == "5 December 2026"
    assert format_date(dt.date(2026, 12, 5), year=False) == "5 December"
    assert format_date(dt.date(2026, 12, 5), "ru") == "5 декабря 2026"
    book = load_playbook("holiday_bonus")
    assert offer_text(book.offer, "en", "EUR") == "15 EUR off"
    assert offer_text(load_playbook("win_back").offer, "ru") == "скидка 20%"


def test_coupon_codes_are_stable_per_key_and_differ_otherwise():
    key = bytes(range(32))
    code = coupon_code(key, "win_back-2026-11-23", "C1")
    assert code == coupon_code(key, "win_back-2026-11-23", "C1")
    assert len(code) == 11 and code[5] == "-"
    assert set(code.replace("-", "")) <= set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
    others = {coupon_code(key, "win_back-2026-11-23", f"C{i}") for i in range(2, 20_002)}
    assert len(others) == 20_000 and code not in others
    assert coupon_code(key, "other", "C1") != code
    assert coupon_code(bytes(32), "win_back-2026-11-23", "C1") != code


def test_link_signatures_verify_only_their_own_values():
    key = b"k" * 32
    signature = sign(key, "C1", "email")
    assert verify(key, signature, "C1", "email")
    assert not verify(key, signature, "C2", "email")
    assert not verify(key, signature, "C1", "sms")
    assert not verify(b"x" * 32, signature, "C1", "email")
