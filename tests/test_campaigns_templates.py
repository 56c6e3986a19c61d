"""Templates that fail: at plan time in every branch the recipients reach, at send time
without failing the recipient, within limits of loops, text and time, and never reading
another file.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

from repeatly.campaigns import _messages, load_playbook, plan_campaign, send_campaign
from repeatly.campaigns._messages import Templates
from repeatly.exceptions import PlaybookError
from repeatly.store import open_store, tables

from .test_campaigns_send import AS_OF, NOON, _audience, _settings

SHOP = {"name": "Test Shop", "url": "https://shop.example"}
# Templates for the second step of a two-step playbook; "{{ 1/0 }}" only for Oslo.
FAILS_IN_OSLO = '{% if customer.city == "Oslo" %}\n{{ 1/0 }}\n{% endif %}Bye {{ customer.name }}'
FIXED = '{% if customer.city == "Oslo" %}\nHei! {% endif %}Bye {{ customer.name }}'


def _book(path, body: str, *, first: str = "Hello {{ customer.first_name }}"):
    """A two-step e-mail playbook for active customers; the second step's body is ``body``."""
    path.write_text(
        'channels = ["email"]\n[audience]\nstatus = ["active"]\n'
        f'[[steps]]\nname = "hello"\ndelay_days = 0\n[steps.email.en]\nsubject = "Hi"\n'
        f"body = '''{first}'''\n"
        f'[[steps]]\nname = "bye"\ndelay_days = 3\n[steps.email.en]\nsubject = "Bye"\n'
        f"body = '''{body}'''\n",
        encoding="utf-8",
    )
    return path


def _one_step(path, body: str):
    path.write_text(
        f'[[steps]]\nname = "s"\n[steps.email.en]\nsubject = "Hi"\nbody = """{body}"""\n',
        encoding="utf-8",
    )
    return path


def _with_cities(cities):
    """``_audience(40)`` e-mailable (every one), in ``cities`` in turn."""
    audience = _audience(40).assign(consent_email=True, consent_sms=False)
    return audience.assign(city=[cities[i % len(cities)] for i in range(len(audience))])


def _statuses(store, step: str) -> dict[str, str]:
    with store.engine.connect() as con:
        rows = con.execute(
            sa.select(tables.messages.c.customer_id, tables.messages.c.status).where(
                tables.messages.c.step == step
            )
        )
        return {str(c): str(s) for c, s in rows}


def test_plan_renders_every_branch_its_recipients_reach(tmp_path):
    book = _book(tmp_path / "bye.toml", FAILS_IN_OSLO)
    in_oslo = _with_cities(["Rome"] * 39 + ["Oslo"])  # only c039, far past the previews
    with open_store("sqlite://") as store:
        with pytest.raises(PlaybookError) as caught:
            plan_campaign(book, in_oslo, store=store, as_of=AS_OF, shop=SHOP, control_share=0)
        # nobody in Oslo: the branch is never taken, so nothing is wrong
        rome = _with_cities(["Rome"])
        plan = plan_campaign(book, rome, store=store, as_of=AS_OF, shop=SHOP, control_share=0)
    assert str(caught.value).endswith(
        'bye.toml, step "bye", email (en) body, line 2: division by zero (ZeroDivisionError)'
        " (for customer c039)"
    )
    assert len(plan.treatment) == 40


def test_a_sandbox_violation_or_a_misused_filter_in_a_branch_stops_the_plan(tmp_path):
    cases = {
        "{% if segment.days_since > 100 %}{{ customer.name.__class__ }}{% endif %}": (
            "line 1: access to attribute '__class__' of 'str' object is unsafe."
        ),
        "{% if customer.city %}\n\n{{ customer.city | money }}{% endif %}": (
            "line 3: Unknown format code 'f' for object of type 'str' (ValueError)"
        ),
    }
    audience = _with_cities([""] * 39 + ["Oslo"]).assign(days_since=[10] * 39 + [200])
    for body, error in cases.items():
        book = _one_step(tmp_path / "b.toml", body)
        with open_store("sqlite://") as store, pytest.raises(PlaybookError) as caught:
            plan_campaign(book, audience, store=store, as_of=AS_OF, shop=SHOP, control_share=0)
        assert f'b.toml, step "s", email (en) body, {error} (for customer c039)' in str(
            caught.value
        )


def test_the_check_renders_once_for_each_combination_the_logic_reads(tmp_path):
    book = load_playbook(
        _one_step(
            tmp_path / "b.toml",
            '{% if customer.city == "Oslo" %}Hei{% endif %} {{ customer.name or "x" }}'
            " {{ segment.orders | count('order', 'orders') }}",
        )
    )
    check = Templates(book).checker("email", "en")
    people = [
        {"customer": {"name": f"N{i}", "city": city}, "segment": {"orders": orders}}
        for i, (city, orders) in enumerate(itertools.product(["Oslo", "Rome", ""], [1, 2] * 5))
    ]
    renders = [check(f"c{i}", context) for i, context in enumerate(people)]
    # 30 people, 3 cities x 2 order counts; the name is only written out
    assert sum(renders) == 6 and renders[:2] == [1, 1] and renders[2:4] == [0, 0]


def test_a_template_failing_at_send_stops_the_send_and_goes_once_fixed(tmp_path, smtp_server):
    recorder = smtp_server[2]
    book = _book(tmp_path / "bye.toml", FIXED)
    recorded = _with_cities(["Rome"] * 20 + ["Oslo"] * 20)
    with open_store("sqlite://") as store:
        plan = plan_campaign(book, recorded, store=store, as_of=AS_OF, shop=SHOP, name="june")
        first = send_campaign(plan, store, smtp=_settings(smtp_server), now=NOON)
        treated = set(plan.treatment.customer_id)
        assert first.sent == len(treated) == 36 and first.ok
        # the template breaks; planned again on new inputs where no one is in Oslo, the
        # plan cannot see it, but the campaign sends to the recorded recipients
        _book(book, FAILS_IN_OSLO)
        later = NOON + dt.timedelta(days=3)
        moved = recorded.assign(city="Rome")
        replanned = plan_campaign(book, moved, store=store, as_of=AS_OF, shop=SHOP, name="june")
        stopped = send_campaign(replanned, store, smtp=_settings(smtp_server), now=later)
        bye = _statuses(store, "bye")
        oslo = sorted(c for c in treated if int(c[1:]) >= 20)
        assert stopped.stopped.startswith("email: ") and not stopped.ok
        assert stopped.failed == 0 and stopped.sent == len(treated) - len(oslo)
        assert (
            f'bye.toml, step "bye", email (en) body, line 2: division by zero '
            f"(ZeroDivisionError) (for customer {oslo[0]}); the message is left pending"
        ) in stopped.stopped
        assert {c: s for c, s in bye.items() if c in oslo} == dict.fromkeys(oslo, "pending")
        # fixed, planned again from the file: the messages left go, once
        _book(book, FIXED)
        fixed = plan_campaign(book, moved, store=store, as_of=AS_OF, shop=SHOP, name="june")
        resumed = send_campaign(fixed, store, smtp=_settings(smtp_server), now=later)
        assert resumed.ok and resumed.sent == len(oslo)
        assert set(_statuses(store, "bye").values()) == {"sent"}
    byes = [m for m in recorder.messages() if m["Subject"] == "Bye"]
    assert sorted(m["To"] for m in byes) == sorted(f"user{int(c[1:])}@example.org" for c in treated)
    hei = sorted(m["To"] for m in byes if m.get_content().startswith("Hei!"))
    assert hei == sorted(f"user{int(c[1:])}@example.org" for c in oslo)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
            "body, line 1: templates cannot loop more than 10,000 times",
        ),
        (
            "{% for i in range(1000000) %}{% for j in range(1000000) %}{% endfor %}{% endfor %}",
            "body, line 1: templates cannot loop more than 10,000 times (a range of 1,000,000)",
        ),
        (
            "{% for i in range(100) recursive %}{% if loop.depth < 4 %}"
            "{{ loop(range(100)) }}{% endif %}{% endfor %}",
            "body, line 1: templates cannot loop more than 10,000 times",
        ),
        (
            "{% for i in range(2000) %}{{ 'x' * 100 }}{% endfor %}",
            "body: templates cannot write more than 100,000 characters",
        ),
        (
            "{{ ('x' * 10000).replace('x', 'yy') }}{{ ('x' * 10000).replace('x', 'y' * 11) }}",
            "body, line 1: templates cannot make values longer than 100,000 characters or items",
        ),
        ("{% for i in customer %}{% endfor %}", None),
    ],
)
def test_runaway_templates_are_stopped_with_a_clear_error(tmp_path, body, error):
    templates = Templates(load_playbook(_one_step(tmp_path / "b.toml", body)))
    context = {"customer": {"name": "Ann"}}
    if error is None:
        assert templates.render("s", "email", "en", context).body == ""
        return
    with pytest.raises(PlaybookError) as caught:
        templates.render("s", "email", "en", context)
    assert f'b.toml, step "s", email (en) {error}' in str(caught.value)


def test_loops_within_the_limits_render_as_jinja_does(tmp_path):
    body = (
        "{% for i in range(3) %}{{ i }}/{{ loop.length }}{% if not loop.last %},{% endif %}"
        "{% endfor %} {% for c in customer.name if c != 'n' %}{{ c }}{% else %}-{% endfor %}"
        "{% for i in range(5000) %}{% endfor %}{% for i in range(4990) %}{% endfor %}"
    )
    templates = Templates(load_playbook(_one_step(tmp_path / "b.toml", body)))
    assert templates.render("s", "email", "en", {"customer": {"name": "Ann"}}).body == (
        "0/3,1/3,2/3 A"
    )
    # 9,996 iterations in all, under the limit of 10,000; the limit is per message:
    # rendering it again starts afresh
    assert templates.render("s", "email", "en", {"customer": {"name": ""}}).body == (
        "0/3,1/3,2/3 -"
    )


def test_a_message_that_takes_too_long_is_stopped(tmp_path, monkeypatch):
    ticks = itertools.count(0, 0.1)  # a clock a tenth of a second later at each look
    monkeypatch.setattr(_messages, "_clock", lambda: next(ticks))
    body = "{% for i in range(3) %}{{ i }}{% endfor %}\n{% for i in range(10) %}{% endfor %}"
    templates = Templates(load_playbook(_one_step(tmp_path / "b.toml", body)))
    with pytest.raises(PlaybookError) as caught:
        templates.render("s", "email", "en", {})
    assert str(caught.value).endswith("body, line 2: templates cannot take more than 1 s a message")


@pytest.mark.parametrize(
    ("tag", "shown"),
    [
        ('{% include "footer.txt" %}', "{% include %}"),
        ('{% extends "base.txt" %}', "{% extends %}"),
        ('{% import "macros.txt" as m %}', "{% import %}"),
        ('{% from "macros.txt" import signature %}', "{% from ... import %}"),
    ],
)
def test_templates_cannot_include_other_files(tmp_path, tag, shown):
    (tmp_path / "footer.txt").write_text("secret", encoding="utf-8")
    with pytest.raises(PlaybookError) as caught:
        load_playbook(_one_step(tmp_path / "b.toml", f"Hello\\n\\n{tag}"))
    assert str(caught.value).endswith(
        f'b.toml, step "s", email (en) body, line 3: templates cannot include other files '
        f"({shown}); write the text in the template itself"
    )
