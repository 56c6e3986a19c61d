"""Message templates: checked before anything is sent, rendered in a sandbox.

Templates are Jinja2 run in its sandbox (no access to Python internals), with a fixed
set of fields. A template that names a field that does not exist is an error when the
playbook is checked, not a blank in a customer's message: every field a template names
is looked up in :data:`FIELDS`, in every branch, before the first message is rendered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import (
    StrictUndefined,
    TemplateSyntaxError,
    UndefinedError,
    meta,
    nodes,
    pass_context,
)
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from repeatly.campaigns._playbooks import Message, Playbook
from repeatly.exceptions import PlaybookError
from repeatly.offers import Offer

__all__ = [
    "FIELDS",
    "Rendered",
    "Templates",
    "format_count",
    "format_date",
    "format_money",
    "offer_text",
]

#: What a template can use: a group and its fields, or a plain value (``None``).
FIELDS: dict[str, tuple[str, ...] | None] = {
    "customer": ("id", "name", "first_name", "email", "phone", "city", "address"),
    "segment": ("rfm", "status", "golden", "days_since", "orders", "revenue"),
    "last_purchase": ("date", "days_ago", "category"),
    "offer": ("code", "text", "kind", "value", "deadline", "valid_days", "min_order", "categories"),
    "shop": ("name", "url", "phone", "email", "address"),
    "brand": None,
    "category": None,
    "new_products": None,
    "returns": None,
    "unsubscribe_url": None,
    "language": None,
}

_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "ru": (
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ),
}


def format_date(value: dt.date | None, language: str = "en") -> str:
    """A date as people write it: ``5 Dec 2026``, ``5 декабря 2026``."""
    if value is None:
        return ""
    months = _MONTHS.get(language, _MONTHS["en"])
    return f"{value.day} {months[value.month - 1]} {value.year}"


def format_money(value: float | None, language: str = "en") -> str:
    """An amount with two decimals and grouped thousands: ``1,234.50``, ``1 234,50``."""
    if value is None:
        return ""
    text = f"{value:,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    if language == "ru":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def offer_text(offer: Offer, language: str = "en", currency: str = "") -> str:
    """What the offer gives, in words: ``20% off``, ``скидка 20%``."""
    value = format_money(offer.value, language)
    money = f"{value} {currency}".strip()
    if language == "ru":
        return {
            "percent": f"скидка {value}%",
            "amount": f"скидка {money}",
            "gift": f"подарок на {money}",
            "none": "",
        }[offer.kind]
    return {
        "percent": f"{value}% off",
        "amount": f"{money} off",
        "gift": f"a gift worth {money}",
        "none": "",
    }[offer.kind]


def format_count(value: float | None, *forms: str) -> str:
    """A number with its noun: ``count(3, "order", "orders")`` is ``3 orders``.

    Two forms follow English (one, other); three follow Russian (one, few, many:
    ``count(22, "заказ", "заказа", "заказов")`` is ``22 заказа``).
    """
    if value is None:
        return ""
    n = int(value)
    if len(forms) == 2:
        return f"{n} {forms[0] if n == 1 else forms[1]}"
    if len(forms) == 3:
        last, tens = n % 10, n % 100
        form = (
            forms[0]
            if last == 1 and tens != 11
            else forms[1]
            if 2 <= last <= 4 and not 12 <= tens <= 14
            else forms[2]
        )
        return f"{n} {form}"
    raise ValueError("count: expected two forms (English) or three (Russian)")


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready to go: subject (e-mail only) and body."""

    subject: str
    body: str


class Templates:
    """A playbook's templates, checked and compiled once.

    Raises
    ------
    PlaybookError
        A template does not parse, or names a field that does not exist; the message
        says which playbook, step, channel, language and line, and the fields there are.
    """

    def __init__(self, playbook: Playbook) -> None:
        self.playbook = playbook
        self.env = _Sandbox(
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            finalize=lambda v: "" if v is None else v,
        )
        self.env.filters["money"] = _money_filter
        self.env.filters["date"] = _date_filter
        self.env.filters["count"] = format_count
        self._compiled: dict[tuple[str, str, str, str], Any] = {}
        for step in playbook.steps:
            for (channel, language), message in step.messages.items():
                for part, text in _parts(message):
                    where = _where(playbook, step.name, message, part)
                    self._compiled[(step.name, channel, language, part)] = self._compile(
                        text, where
                    )

    def _compile(self, text: str, where: str) -> Any:
        try:
            tree = self.env.parse(text)
        except TemplateSyntaxError as exc:
            raise PlaybookError(f"{where}, line {exc.lineno}: {exc.message}") from None
        for name, attribute, line in _field_uses(tree):
            _check_field(name, attribute, f"{where}, line {line}")
        return self.env.from_string(tree)

    def render(
        self, step: str, channel: str, language: str, context: Mapping[str, Any]
    ) -> Rendered:
        """Render one message for one recipient."""
        found = next(s for s in self.playbook.steps if s.name == step)
        message = found.message(channel, language)
        parts = {}
        for part, _text in _parts(message):
            template = self._compiled[(step, channel, message.language, part)]
            where = _where(self.playbook, step, message, part)
            try:
                parts[part] = template.render(**{**context, "language": message.language}).strip()
            except (UndefinedError, SecurityError) as exc:
                raise PlaybookError(f"{where}: {exc}") from None
        return Rendered(subject=parts.get("subject", ""), body=parts["body"])


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, and no ``**`` or huge ``*`` products (``'x' * 10**10``)."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("templates cannot raise to a power")
        sizes = [len(v) for v in (left, right) if isinstance(v, str | list | tuple)]
        counts = [v for v in (left, right) if isinstance(v, int)]
        if sizes and counts and sizes[0] * max(counts[0], 0) > 10_000:
            raise SecurityError("templates cannot repeat text more than 10,000 characters")
        return super().call_binop(context, operator, left, right)


@pass_context
def _money_filter(context: Any, value: float | None) -> str:
    return format_money(value, context.get("language", "en"))


@pass_context
def _date_filter(context: Any, value: dt.date | None) -> str:
    return format_date(value, context.get("language", "en"))


def _parts(message: Message) -> Iterator[tuple[str, str]]:
    if message.subject:
        yield "subject", message.subject
    yield "body", message.body


def _where(playbook: Playbook, step: str, message: Message, part: str) -> str:
    return f'{playbook.file}, step "{step}", {message.channel} ({message.language}) {part}'


def _field_uses(tree: nodes.Template) -> Iterator[tuple[str, str | None, int]]:
    """Every top-level name the template reads, with the field it takes of it."""
    free = meta.find_undeclared_variables(tree)
    seen: set[int] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, nodes.Getattr | nodes.Getitem)
        target = node.node
        if isinstance(target, nodes.Name) and target.name in free:
            key = (
                node.attr
                if isinstance(node, nodes.Getattr)
                else (node.arg.value if isinstance(node.arg, nodes.Const) else None)
            )
            if isinstance(key, str):
                seen.add(id(target))
                yield target.name, key, node.lineno
    for name_node in tree.find_all(nodes.Name):
        if name_node.name in free and id(name_node) not in seen and name_node.ctx == "load":
            yield name_node.name, None, name_node.lineno


def _check_field(name: str, attribute: str | None, where: str) -> None:
    if name not in FIELDS:
        raise PlaybookError(
            f'{where}: unknown field "{name}"; the fields are ' + ", ".join(sorted(FIELDS))
        )
    fields = FIELDS[name]
    if attribute is None or fields is None:
        return
    if attribute not in fields:
        raise PlaybookError(
            f'{where}: unknown field "{name}.{attribute}"; {name} has ' + ", ".join(fields)
        )
