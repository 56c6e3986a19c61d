"""Message templates: checked before anything is sent, rendered in a sandbox.

Templates are Jinja2 run in its sandbox (no access to Python internals), with a fixed
set of fields. A template that names a field that does not exist is an error when the
playbook is checked, not a blank in a customer's message: every field a template names
is looked up in :data:`FIELDS`, in every branch, before the first message is rendered.
A template cannot include, extend or import another file.

Rendering has limits, per message: :data:`MAX_LOOPS` loop iterations in all (and no
``range`` longer), :data:`MAX_CHARS` characters of text, :data:`MAX_SECONDS` seconds.
Any error while rendering (a limit, a sandbox violation, a filter misused, a division
by zero) is a :class:`~repeatly.exceptions.PlaybookError` naming the playbook file,
step, channel, language and line: the template is wrong, not the recipient.
:meth:`Templates.checker` renders a message once for every distinct combination of the
values its logic reads, so a plan reaches every branch its recipients reach.
"""

from __future__ import annotations

import datetime as dt
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2 import (
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    meta,
    nodes,
    pass_context,
)
from jinja2.runtime import LoopContext
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from repeatly.campaigns._playbooks import Message, Playbook
from repeatly.campaigns._words import in_month, number_words, plural, quoted
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
    "offer": (
        "code",
        "text",
        "kind",
        "value",
        "deadline",
        "valid_days",
        "min_order",
        "categories",
        "usage_limit",
        "minimum",
    ),
    "shop": ("name", "url", "phone", "email", "address"),
    "brand": None,
    "category": None,
    "new_products": None,
    "perks": None,
    "returns": None,
    "unsubscribe_url": None,
    "language": None,
}

#: Loop iterations a message may take in all (every loop, nested or not, counts).
MAX_LOOPS = 10_000
#: Characters of text a message may have (subject and body together), and any value
#: a template makes (a string, a list) may have.
MAX_CHARS = 100_000
#: Seconds a message may take to render (by the monotonic clock).
MAX_SECONDS = 1.0
#: Seconds a plan spends at most checking templates on its recipients (a plan of
#: hundreds of thousands); the recipients left are checked by the send, message by
#: message.
CHECK_SECONDS = 5.0

_clock = time.monotonic  # never the wall clock; tests replace it

_MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
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


def format_date(value: dt.date | None, language: str = "en", *, year: bool = True) -> str:
    """A date as people write it: ``5 December 2026``, ``5 декабря 2026``.

    Without ``year``, the day and month only (``5 December``), for a date in the next
    few months, where a text message has no room to spare.
    """
    if value is None:
        return ""
    months = _MONTHS.get(language, _MONTHS["en"])
    day = f"{value.day} {months[value.month - 1]}"
    return f"{day} {value.year}" if year else day


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


def format_count(
    value: float | None,
    *forms: str,
    words: bool = False,
    language: str = "en",
    gender: str = "m",
) -> str:
    """A number with its noun: ``count(3, "order", "orders")`` is ``3 orders``.

    Two forms follow English (one, other); three follow Russian (one, few, many:
    ``count(22, "заказ", "заказа", "заказов")`` is ``22 заказа``). With ``words``, one
    to nine are spelled out in the message's language (``two orders``; in Russian one
    and two agree with the noun's ``gender``, ``m``, ``f`` or ``n``: ``две покупки``).
    """
    if value is None:
        return ""
    n = int(value)
    form = plural(n, forms)
    return f"{number_words(n, language, gender) if words else n} {form}"


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
        A template does not parse, names a field that does not exist, or includes,
        extends or imports another file; the message says which playbook, step,
        channel, language and line, and the fields there are.
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
        self.env.filters["count"] = _count_filter
        self.env.filters["capitalize"] = _capitalize  # the rest as it is: "15 EUR off"
        self.env.filters["in_month"] = _in_month_filter
        self.env.filters["quoted"] = _quoted_filter
        self.env.filters[_COUNTED] = _counted
        self.env.globals["range"] = _range
        self._compiled: dict[tuple[str, str, str, str], Any] = {}
        self._logic: dict[tuple[str, str, str], list[tuple[str, str | None]]] = {}
        for step in playbook.steps:
            for (channel, language), message in step.messages.items():
                logic: set[tuple[str, str | None]] = set()
                for part, text in _parts(message):
                    where = _where(playbook, step.name, message, part)
                    self._compiled[(step.name, channel, language, part)] = self._compile(
                        text, where, logic
                    )
                self._logic[(step.name, channel, language)] = sorted(
                    logic, key=lambda use: (use[0], use[1] or "")
                )

    def _compile(self, text: str, where: str, logic: set[tuple[str, str | None]]) -> Any:
        try:
            tree = self.env.parse(text)
        except TemplateSyntaxError as exc:
            raise PlaybookError(f"{where}, line {exc.lineno}: {exc.message}") from None
        for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
            tag = _TAGS[type(node)]
            raise PlaybookError(
                f"{where}, line {node.lineno}: templates cannot include other files "
                f"({{% {tag} %}}); write the text in the template itself"
            )
        for name, attribute, line in _field_uses(tree):
            _check_field(name, attribute, f"{where}, line {line}")
        logic.update(_logic_uses(tree))
        for loop in tree.find_all(nodes.For):  # every loop counts its iterations
            loop.iter = nodes.Filter(loop.iter, _COUNTED, [], [], None, None, lineno=loop.lineno)
        return self.env.from_string(tree)

    def _message(self, step: str, channel: str, language: str) -> Message:
        found = next((s for s in self.playbook.steps if s.name == step), None)
        if found is None:
            names = ", ".join(s.name for s in self.playbook.steps)
            raise PlaybookError(
                f'{self.playbook.file}: no step "{step}" (the campaign has it); the steps '
                f"are {names}"
            )
        return found.message(channel, language)

    def render(
        self, step: str, channel: str, language: str, context: Mapping[str, Any]
    ) -> Rendered:
        """Render one message for one recipient, within the limits.

        Raises
        ------
        PlaybookError
            The template failed for this recipient: a limit, a sandbox violation, a
            filter misused, any error; the message says where and what.
        """
        message = self._message(step, channel, language)
        budget = _Budget(loops=MAX_LOOPS, chars=MAX_CHARS, deadline=_clock() + MAX_SECONDS)
        token = _BUDGET.set(budget)
        parts = {}
        try:
            for part, _text in _parts(message):
                template = self._compiled[(step, channel, message.language, part)]
                where = _where(self.playbook, step, message, part)
                try:
                    chunks = []
                    for chunk in template.generate(**{**context, "language": message.language}):
                        budget.write(len(chunk))
                        chunks.append(chunk)
                except _TooLong as exc:
                    raise PlaybookError(f"{where}: {exc}") from None
                except Exception as exc:  # the template's fault, whatever it is
                    raise PlaybookError(f"{where}{_line(exc)}: {_describe(exc)}") from None
                parts[part] = "".join(chunks).strip()
        finally:
            _BUDGET.reset(token)
        return Rendered(subject=parts.get("subject", ""), body=parts["body"])

    def checker(self, channel: str, language: str) -> Callable[[str, Mapping[str, Any]], int]:
        """A check of every step's message of a channel, recipient by recipient.

        The function it returns takes a recipient (customer id, fields) and renders each
        step's message for them when no earlier recipient had the same values of what
        the message's logic reads (``if`` tests, loops, filters, arithmetic; not the
        fields it only writes out). Called on every recipient, it renders every branch
        any of them reaches, with every value that goes into a filter or a sum, once.
        It returns how many messages it rendered.

        Raises
        ------
        PlaybookError
            A message fails for the recipient; the error says where and for whom.
        """
        messages = []
        for step in self.playbook.steps:
            message = self._message(step.name, channel, language)
            messages.append((step.name, self._logic[(step.name, channel, message.language)]))
        seen: dict[str, set[str]] = {step: set() for step, _fields in messages}

        def check(customer: str, context: Mapping[str, Any]) -> int:
            renders = 0
            for step, fields in messages:
                key = repr(tuple(_value(context, name, attribute) for name, attribute in fields))
                if key in seen[step]:
                    continue
                seen[step].add(key)
                try:
                    self.render(step, channel, language, context)
                except PlaybookError as exc:
                    raise PlaybookError(f"{exc} (for customer {customer})") from None
                renders += 1
            return renders

        return check


#: The filter every loop's iterable goes through, counting iterations.
_COUNTED = "_counted_loop"
_TAGS = {nodes.Extends: "extends", nodes.Include: "include", nodes.Import: "import"}
_TAGS[nodes.FromImport] = "from ... import"


class _TooLong(Exception):
    """A message's text went past :data:`MAX_CHARS`."""


@dataclass(slots=True)
class _Budget:
    """What one message may still use: loop iterations, characters, time."""

    loops: int
    chars: int
    deadline: float

    def loop(self) -> None:
        self.loops -= 1
        if self.loops < 0:
            raise SecurityError(f"templates cannot loop more than {MAX_LOOPS:,} times")
        self.tick()

    def tick(self) -> None:
        if _clock() > self.deadline:
            raise SecurityError(f"templates cannot take more than {MAX_SECONDS:g} s a message")

    def write(self, count: int) -> None:
        self.chars -= count
        if self.chars < 0:
            raise _TooLong(f"templates cannot write more than {MAX_CHARS:,} characters")


_BUDGET: ContextVar[_Budget | None] = ContextVar("repeatly_template_budget", default=None)


def _counted(iterable: Any) -> Any:
    """Iterate, counting each item against the message's loops."""
    budget = _BUDGET.get()
    if budget is None:
        return iterable
    return _count(iterable, budget)


def _count(iterable: Any, budget: _Budget) -> Iterator[Any]:
    for item in iterable:
        budget.loop()
        yield item


def _range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_LOOPS:
        raise SecurityError(
            f"templates cannot loop more than {MAX_LOOPS:,} times (a range of {len(numbers):,})"
        )
    return numbers


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox with limits.

    No ``**`` or huge ``*`` products (``'x' * 10**10``), no value longer than
    :data:`MAX_CHARS` made by a call, recursive loops counted like the others, and the
    message's time checked at every call, attribute and operator.
    """

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _tick()
        if operator == "**":
            raise SecurityError("templates cannot raise to a power")
        sizes = [len(v) for v in (left, right) if isinstance(v, str | list | tuple)]
        counts = [v for v in (left, right) if isinstance(v, int)]
        if sizes and counts and sizes[0] * max(counts[0], 0) > 10_000:
            raise SecurityError("templates cannot repeat text more than 10,000 characters")
        return super().call_binop(context, operator, left, right)

    def getattr(self, obj: Any, attribute: str) -> Any:
        _tick()
        return super().getattr(obj, attribute)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _tick()
        budget = _BUDGET.get()
        if isinstance(__obj, LoopContext) and args and budget is not None:
            args = (_count(args[0], budget), *args[1:])  # a recursive loop's next level
        value = super().call(__context, __obj, *args, **kwargs)
        if isinstance(value, str | list | tuple | dict) and len(value) > MAX_CHARS:
            raise SecurityError(
                f"templates cannot make values longer than {MAX_CHARS:,} characters or items"
            )
        return value


def _tick() -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.tick()


def _line(exc: BaseException) -> str:
    """``, line N`` of the template where an error was raised, when it is known."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<template>"]
    return f", line {frames[-1].lineno}" if frames else ""


def _describe(exc: Exception) -> str:
    if isinstance(exc, SecurityError | TemplateError):
        return str(exc)
    return f"{exc} ({type(exc).__name__})"


@pass_context
def _money_filter(context: Any, value: float | None) -> str:
    return format_money(value, context.get("language", "en"))


@pass_context
def _date_filter(context: Any, value: dt.date | None, year: bool = True) -> str:
    return format_date(value, context.get("language", "en"), year=year)


@pass_context
def _count_filter(
    context: Any, value: float | None, *forms: str, words: bool = False, gender: str = "m"
) -> str:
    language = context.get("language", "en")
    return format_count(value, *forms, words=words, language=language, gender=gender)


def _capitalize(value: str | None) -> str:
    text = "" if value is None else str(value)
    return text[:1].upper() + text[1:]


@pass_context
def _in_month_filter(context: Any, value: dt.date | None) -> str:
    return in_month(value, context.get("language", "en"))


@pass_context
def _quoted_filter(context: Any, value: str | None) -> str:
    return quoted(value or "", context.get("language", "en"))


def _parts(message: Message) -> Iterator[tuple[str, str]]:
    if message.subject:
        yield "subject", message.subject
    yield "body", message.body


def _where(playbook: Playbook, step: str, message: Message, part: str) -> str:
    return f'{playbook.file}, step "{step}", {message.channel} ({message.language}) {part}'


def _field_uses(tree: nodes.Template) -> Iterator[tuple[str, str | None, int]]:
    """Every top-level name the template reads, with the field it takes of it."""
    for target, attribute, line in _uses(tree):
        yield target.name, attribute, line


def _uses(tree: nodes.Template) -> Iterator[tuple[nodes.Name, str | None, int]]:
    """Every read of a field: the name read, the field taken of it (if any), the line."""
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
                yield target, key, node.lineno
    for name_node in tree.find_all(nodes.Name):
        if name_node.name in free and id(name_node) not in seen and name_node.ctx == "load":
            yield name_node, None, name_node.lineno


def _logic_uses(tree: nodes.Template) -> set[tuple[str, str | None]]:
    """The fields a template's logic reads: every use but a plain ``{{ field }}``.

    A field only written out (alone, or joined with ``or``, ``and``, ``~``) cannot
    change what else the template does, nor fail: any value of it renders.
    """
    plain: set[int] = set()
    for output in tree.find_all(nodes.Output):
        for node in output.nodes:
            if _plain(node):
                plain.add(id(node))
                plain.update(id(name) for name in node.find_all(nodes.Name))
    return {
        (target.name, attribute)
        for target, attribute, _line in _uses(tree)
        if id(target) not in plain
    }


def _plain(node: nodes.Node) -> bool:
    """Whether an output expression only writes values out, which cannot fail."""
    if isinstance(node, nodes.Const | nodes.TemplateData | nodes.Name):
        return True
    if isinstance(node, nodes.Getattr | nodes.Getitem):  # a declared field of a group
        target = node.node
        key = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
        fields = FIELDS.get(target.name) if isinstance(target, nodes.Name) else None
        return fields is not None and key in fields
    if isinstance(node, nodes.Or | nodes.And):
        return _plain(node.left) and _plain(node.right)
    if isinstance(node, nodes.Concat):
        return all(_plain(n) for n in node.nodes)
    return False


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


def _value(context: Mapping[str, Any], name: str, attribute: str | None) -> Any:
    value = context.get(name)
    if attribute is not None and isinstance(value, Mapping):
        return value.get(attribute)
    return value
