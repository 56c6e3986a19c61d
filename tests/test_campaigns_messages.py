"""The built-in messages on the demo shop: grammar, promises, SMS parts, Russian files.

Every built-in playbook is planned on a generated shop (fixed seed, the shop's own last
day passed in as the as-of date) in English and in Russian, and every message of every
step is rendered for every customer of the plan's audience.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

import repeatly
from repeatly.campaigns import (
    ContactRules,
    Templates,
    answer_unsubscribe,
    builtin_playbooks,
    first_name,
    load_playbook,
    message_context,
    plan_from_analysis,
    playbook_text,
    short_unsubscribe_url,
    sms_parts,
    unsubscribe_link,
    unsubscribe_url,
    write_plan,
)
from repeatly.exceptions import InputError, PlaybookError
from repeatly.store import open_store

SHOP = {"name": "Demo Shop", "url": "https://shop.example"}
CURRENCY = {"en": "EUR", "ru": "₽"}
#: The demo shop's categories, as the data names them.
CATEGORIES = ("groceries", "cosmetics", "clothing", "shoes", "jewellery", "furniture")
#: A count of one written as a digit before its noun: "1 order", "1 заказ", "1 раз".
ONE = re.compile(
    r"(?<![\d.,])1 (order|orders|time|times|purchase|purchases|заказ\w*|покуп\w*|раз\w*)\b"
)


@pytest.fixture(scope="module")
def demo():
    shop = repeatly.datasets.make_shop(1200, seed=3)
    analysis = repeatly.analyze(shop.orders, customers=shop.customers, as_of=shop.end)
    names = dict(zip(shop.customers.customer_id, shop.customers.name, strict=True))
    return analysis, names


def _plan(book, analysis, store, language, **options):
    return plan_from_analysis(
        book,
        analysis,
        store=store,
        language=language,
        shop=SHOP,
        currency=CURRENCY[language],
        rules=ContactRules(require_consent=False),
        **options,
    )


def _rendered(plan, store, templates, channel, language):
    """Every step's message of a channel for every customer of the plan's audience."""
    for row in plan.audience.to_dict(orient="records"):
        row = {**row, "channel": channel}
        context = message_context(
            plan, row, secret=store.secret(), language=language, returns=plan.returns
        )
        for step in plan.playbook.steps:
            yield (
                str(row["customer_id"]),
                step,
                templates.render(step.name, channel, language, context),
            )


def test_every_built_in_sms_declares_its_parts_in_both_languages():
    for name in builtin_playbooks():
        book = load_playbook(name)
        if "sms" not in book.channels:
            continue
        for step in book.steps:
            for language in ("en", "ru"):
                message = step.messages[("sms", language)]
                assert message.parts is not None, (name, step.name, language)
                assert message.parts == 1 or language == "ru", (name, step.name)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_built_in_sms_fits_its_planned_parts_for_every_recipient(demo, language):
    analysis, _names = demo
    checked = 0
    with open_store("sqlite://") as store:
        for name in builtin_playbooks():
            book = load_playbook(name)
            if "sms" not in book.channels:
                continue
            plan = _plan(book, analysis, store, language)
            assert len(plan.audience) > 0, name
            for customer, step, message in _rendered(plan, store, Templates(book), "sms", language):
                planned = step.messages[("sms", language)].parts
                encoding, units, parts = sms_parts(message.body)
                assert encoding == ("ucs2" if language == "ru" else "gsm7"), message.body
                assert parts <= planned, (name, step.name, customer, units, message.body)
                link = message.body.rsplit(" ", 1)[-1]
                assert link.startswith("https://shop.example/u/"), message.body
                assert len(link) <= 40
                checked += 1
            # the short link in the text is one the store signed, for this customer
            assert unsubscribe_link(store, link) == (customer, "sms")
    assert checked > 1000


def test_russian_messages_greet_by_first_name_and_read_naturally(demo):
    analysis, names = demo
    seen_categories: set[str] = set()
    greeted = 0
    with open_store("sqlite://") as store:
        for name in builtin_playbooks():
            book = load_playbook(name)
            if book.source != "customers":
                continue
            plan = _plan(book, analysis, store, "ru")
            templates = Templates(book)
            for channel in book.channels:
                for customer, step, message in _rendered(plan, store, templates, channel, "ru"):
                    text = f"{message.subject}\n{message.body}"
                    where = (name, step.name, channel, customer)
                    assert "(ая)" not in text and "Уважаем" not in text, where
                    assert not ONE.search(text), (where, ONE.search(text))
                    for category in CATEGORIES:  # no category left in English
                        assert not re.search(rf"\b{category}\b", text, re.I), (where, category)
                    seen_categories.update(re.findall(r"разделе? «([^»]+)»", text))
                    if channel != "call" and not message.body.startswith("Demo Shop"):
                        # a letter or e-mail opens with the first name only, or neutrally
                        expected = f"Здравствуйте, {names[customer].split()[0]}!"
                        assert message.body.splitlines()[0] == expected, where
                        greeted += 1
                    assert "faster delivery" not in text and "быстрее доставка" not in text
    assert greeted > 1000
    assert {"Украшения", "Косметика", "Одежда", "Обувь"} <= seen_categories


def test_english_messages_say_counts_in_words_and_never_one_order(demo):
    analysis, _names = demo
    with open_store("sqlite://") as store:
        book = load_playbook("win_back")
        plan = _plan(book, analysis, store, "en")
        bodies = [
            m.body
            for _c, step, m in _rendered(plan, store, Templates(book), "email", "en")
            if step.name == "thanks"
        ]
    assert not any(ONE.search(b) for b in bodies)
    assert any("Thank you for your two orders with us." in b for b in bodies)
    assert any(re.search(r"Your last order was in [A-Z][a-z]+ 20\d\d,", b) for b in bodies)


def test_a_name_written_surname_first_is_greeted_by_the_first_name():
    assert first_name("Попова Анна Сергеевна") == "Анна"
    assert first_name("Sergey Popova") == "Sergey"
    assert first_name("Анна") == "Анна"


def test_perks_and_category_names_come_from_the_playbook(demo, tmp_path):
    analysis, _names = demo
    source, _where = playbook_text("win_back")  # the built-in's text, with settings added
    source = source.replace(
        "ru = []\n\n# Category names",
        'ru = ["бесплатная доставка от 3 000 ₽"]\n\n[categories.ru]\n'
        'jewellery = "Ювелирные изделия"\n\n# Category names',
        1,
    )
    path = tmp_path / "mine.toml"
    path.write_text(source, encoding="utf-8")
    mine, builtin = load_playbook(path), load_playbook("win_back")
    assert mine.perks["ru"] == ("бесплатная доставка от 3 000 ₽",)
    with open_store("sqlite://") as store:
        with_perks = _plan(mine, analysis, store, "ru")
        without = _plan(builtin, analysis, store, "ru")
        said = [
            m.body
            for _c, s, m in _rendered(with_perks, store, Templates(mine), "email", "ru")
            if s.name == "whats_new"
        ]
        plain = [
            m.body
            for _c, s, m in _rendered(without, store, Templates(builtin), "email", "ru")
            if s.name == "whats_new"
        ]
    assert all("бесплатная доставка от 3 000 ₽" in b for b in said)
    assert not any("доставк" in b for b in plain)
    assert any("«Ювелирные изделия»" in b for b in said)
    assert not any("«Украшения»" in b for b in said)


def test_sms_parts_are_checked_when_a_playbook_is_read(tmp_path):
    def book(extra: str, channel: str = "sms"):
        path = tmp_path / "mine.toml"
        subject = 'subject = "Hi"' if channel == "email" else ""
        path.write_text(
            f'channels = ["{channel}"]\n[[steps]]\nname = "hi"\n'
            f'[steps.{channel}.en]\n{subject}\nbody = "Hi"\n{extra}\n',
            encoding="utf-8",
        )
        return path

    assert load_playbook(book("parts = 2")).steps[0].messages[("sms", "en")].parts == 2
    with pytest.raises(PlaybookError, match="parts: expected a whole number of SMS parts"):
        load_playbook(book("parts = 0"))
    with pytest.raises(PlaybookError, match="only a text message has SMS parts"):
        load_playbook(book("parts = 1", channel="email"))


def test_russian_plan_files_give_reasons_and_why_in_russian(demo, tmp_path):
    analysis, _names = demo
    with open_store("sqlite://") as store:
        first = plan_from_analysis("win_back", analysis, store=store, shop=SHOP)
        blocked = str(first.audience.customer_id.iloc[0])
        store.add_do_not_contact([blocked], reason="asked")
        plan = plan_from_analysis(
            "win_back", analysis, store=store, language="ru", shop=SHOP, currency="₽"
        )
        english = plan_from_analysis("win_back", analysis, store=store, language="en", shop=SHOP)
        paths = write_plan(plan, tmp_path / "ru")
    audience = pd.read_csv(paths["audience"])
    excluded = pd.read_csv(paths["excluded"])
    assert len(audience) == len(english.audience) == len(first.audience) - 1
    assert audience.why.str.match(r"^«Потерянные»: \d+ (день|дня|дней) с последней покупки").all()
    assert set(audience.why.str.rsplit("; ", n=1).str[-1]) <= {"e-mail", "SMS", "письмо по почте"}
    allowed = {"SMS", "e", "mail", "RFM"}
    for text in [*audience.why, *excluded.reason]:
        words = set(re.findall(r"[A-Za-z]+", text))
        assert words <= allowed, text
    reasons = dict(zip(excluded.customer_id, excluded.reason, strict=True))
    assert reasons[blocked] == "в списке «не беспокоить»"
    assert "нет согласия на письма" in set(
        part for reason in excluded.reason for part in reason.split("; ")
    )
    # the English plan keeps its English reasons for the same customers
    english_reasons = dict(zip(english.excluded.customer_id, english.excluded.reason, strict=True))
    assert english_reasons[blocked] == "do not contact"


def test_a_short_link_unsubscribes_and_a_changed_one_does_nothing():
    with open_store("sqlite://") as store:
        link = short_unsubscribe_url(
            store.secret(), "https://shop.example/u", "C0042", "sms", language="ru"
        )
        token = link.rsplit("/", 1)[-1]
        assert token.startswith("SC0042.") and len(token) == len("SC0042.") + 8
        seen = answer_unsubscribe(store, "GET", "/u/" + token)
        assert (seen.status, seen.page, seen.language, seen.customer) == (
            200,
            "confirm",
            "ru",
            "C0042",
        )
        changed = "/u/" + token[:-1] + ("A" if token[-1] != "A" else "B")
        assert answer_unsubscribe(store, "GET", changed).status == 400
        other = "/u/" + "SC0043" + token[len("SC0042") :]  # another customer's id
        with pytest.raises(InputError, match="signature does not match"):
            unsubscribe_link(store, other)
        done = answer_unsubscribe(
            store,
            "POST",
            "/u/" + token,
            body=b"List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        assert done.recorded and store.unsubscribed() == {("C0042", "sms")}
        # the long links of earlier messages still work
        long = unsubscribe_url(store.secret(), "https://shop.example/unsubscribe", "C7", "email")
        assert unsubscribe_link(store, long) == ("C7", "email")
        odd = short_unsubscribe_url(store.secret(), "https://s.example/u", "a/b c.d", "letter")
        assert unsubscribe_link(store, odd) == ("a/b c.d", "letter")
