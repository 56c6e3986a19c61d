"""Playbooks: who a campaign is for, what it offers, what it says, and when.

A playbook is a plain TOML file. The built-in ones live in ``campaigns/playbooks`` and
are a starting point: copy one (``repeatly campaign playbook NAME > mine.toml``), edit
it, and pass the file instead of the name.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from repeatly.exceptions import PlaybookError
from repeatly.offers import KINDS, Offer

__all__ = [
    "CHANNELS",
    "LANGUAGES",
    "Message",
    "Playbook",
    "Step",
    "builtin_playbooks",
    "describe_audience",
    "load_playbook",
    "playbook_text",
]

#: The channels a message can go by, and the languages messages are written in.
CHANNELS = ("email", "sms", "call", "letter")
LANGUAGES = ("en", "ru")
SOURCES = ("customers", "leads")


@dataclass(frozen=True, slots=True)
class Message:
    """One message template: its channel, language, subject (e-mail) and body.

    ``parts`` is the number of SMS parts a text message is planned to take at most
    (``None``: not declared); a test renders every built-in text message on the demo
    shop and checks it.
    """

    channel: str
    language: str
    body: str
    subject: str = ""
    parts: int | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One message of a campaign, sent ``delay_days`` after the campaign starts."""

    name: str
    delay_days: int
    messages: Mapping[tuple[str, str], Message]

    def message(self, channel: str, language: str) -> Message:
        """The template for a channel in a language, English when there is none."""
        found = self.messages.get((channel, language)) or self.messages.get((channel, "en"))
        if found is None:
            raise PlaybookError(f'step "{self.name}": no {channel} message')
        return found


@dataclass(frozen=True, slots=True)
class Playbook:
    """A campaign recipe: audience, channels, offer, messages and control group.

    Attributes
    ----------
    name, title, description
        Its short name (the file's), a title and what it is for.
    audience
        Conditions on the segments table, all of which a customer must meet:
        ``column = value`` (equal), ``column = [a, b]`` (one of),
        ``column = {min = x, max = y}`` (between, either end optional) or
        ``column = "*"`` (has any value).
    channels
        The channels to use, in order of preference; each customer gets the first one
        they can be reached by and agreed to, the ones they answered before first.
    offer
        The offer, or an offer of kind ``"none"``.
    steps
        The messages, in order.
    control_share
        Share of the audience kept as a control group that gets nothing.
    stratify_by
        The segments column the control group is drawn within.
    source
        Who the audience is drawn from: ``"customers"`` (their segments) or
        ``"leads"`` (leads who never bought; asking about the shop stands in for
        their consent to e-mail).
    file
        The file it was read from.
    shop
        The shop's name, url, phone, e-mail and address for the messages.
    repeat_days
        A customer gets the same step of this playbook at most once in this many days,
        whatever campaign of it the message is in (``repeat_days``, default 30).
    categories
        Category names as the messages of each language say them
        (``[categories.ru] jewellery = "Украшения"``), over the built-in ones.
    perks
        What the shop offers every customer and wants the messages to mention, by
        language (``[perks] en = ["free delivery from 50"]``); none by default, so a
        message never promises what the shop has not said it does.
    """

    name: str
    title: str
    description: str
    audience: Mapping[str, Any]
    channels: tuple[str, ...]
    offer: Offer
    steps: tuple[Step, ...]
    control_share: float = 0.10
    stratify_by: str = "rfm_segment"
    source: str = "customers"
    file: str = ""
    shop: Mapping[str, str] = field(default_factory=dict)
    repeat_days: int = 30
    categories: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    perks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def describe_audience(audience: Mapping[str, Any]) -> str:
    """The audience's conditions in words: ``status lost; orders 3 or more``."""
    parts = []
    for column, condition in audience.items():
        if condition is True:
            parts.append(column)
        elif condition is False:
            parts.append(f"not {column}")
        elif condition == "*":
            parts.append(f"any {column}")
        elif isinstance(condition, list):
            parts.append(f"{column} {' or '.join(map(str, condition))}")
        elif isinstance(condition, dict):
            low, high = condition.get("min"), condition.get("max")
            parts.append(
                f"{column} {low} to {high}"
                if low is not None and high is not None
                else f"{column} {low} or more"
                if low is not None
                else f"{column} {high} or less"
            )
        else:
            parts.append(f"{column} {condition}")
    return "; ".join(parts) or "everyone"


def parse_audience(conditions: list[str], *, option: str = "audience") -> dict[str, Any]:
    """An audience from ``COLUMN=VALUE[,VALUE...]`` texts (as ``--audience`` takes them).

    ``true``/``false`` give a flag's condition, ``*`` any value, ``MIN..MAX`` a range
    (either end may be left out), and other values a list (``status=lost,at_risk``).

    Examples
    --------
    >>> parse_audience(["status=at_risk", "golden=true", "orders=3.."])
    {'status': ['at_risk'], 'golden': True, 'orders': {'min': 3.0}}
    """
    from repeatly.exceptions import InputError

    audience: dict[str, Any] = {}
    for text in conditions:
        column, sep, value = text.partition("=")
        column, value = column.strip(), value.strip()
        if not sep or not column or not value:
            raise InputError(
                f"{option}: expected COLUMN=VALUE (e.g. status=at_risk), got {text!r}",
                option=option,
            )
        if value.lower() in ("true", "false"):
            audience[column] = value.lower() == "true"
        elif value == "*":
            audience[column] = "*"
        elif ".." in value:
            low, _, high = value.partition("..")
            try:
                bounds = {
                    key: float(number)
                    for key, number in (("min", low), ("max", high))
                    if number.strip()
                }
            except ValueError:
                raise InputError(
                    f"{option}: expected a range of numbers such as 3..10, got {value!r}",
                    option=option,
                ) from None
            if not bounds:
                raise InputError(
                    f"{option}: expected a range with at least one end such as 3.. or ..90, "
                    f"got {value!r}",
                    option=option,
                )
            audience[column] = bounds
        else:
            audience[column] = [v.strip() for v in value.split(",") if v.strip()]
    return audience


def builtin_playbooks() -> list[str]:
    """The names of the built-in playbooks."""
    folder = resources.files("repeatly.campaigns") / "playbooks"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def playbook_text(name_or_path: str | Path) -> tuple[str, str]:
    """A playbook's TOML text and the name of where it came from."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        try:
            return path.read_text(encoding="utf-8"), path.name
        except OSError as exc:
            raise PlaybookError(f"{path}: cannot be read ({exc.strerror})") from None
    name = str(name_or_path)
    if name not in builtin_playbooks():
        raise PlaybookError(
            f"playbook {name!r}: not a file and not a built-in playbook "
            f"({', '.join(builtin_playbooks())})"
        )
    resource = resources.files("repeatly.campaigns") / "playbooks" / f"{name}.toml"
    return resource.read_text(encoding="utf-8"), f"{name}.toml"


def load_playbook(name_or_path: str | Path) -> Playbook:
    """Read a built-in playbook by name, or a playbook file, and check it.

    Raises
    ------
    PlaybookError
        The file is not valid TOML, a setting is missing or wrong, or a template does
        not parse or names a field that does not exist; the message says where.

    Examples
    --------
    >>> from repeatly.campaigns import load_playbook
    >>> book = load_playbook("win_back")
    >>> [step.name for step in book.steps]
    ['thanks', 'why_us', 'whats_new', 'offer']
    """
    from repeatly.campaigns._messages import Templates

    text, source = playbook_text(name_or_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlaybookError(f"{source}: not valid TOML: {exc}") from None
    book = _parse(data, source)
    Templates(book)  # every template parses and names only fields that exist
    return book


def _parse(data: dict[str, Any], source: str) -> Playbook:
    read = _Reader(data, source)
    name = read.text("name", default=Path(source).stem)
    channels = tuple(read.items("channels", default=["email"]))
    for channel in channels:
        if channel not in CHANNELS:
            raise read.error("channels", f"one of {', '.join(CHANNELS)}", repr(channel))
    if not channels:
        raise read.error("channels", "at least one channel", "an empty list")
    people = read.text("source", default="customers")
    if people not in SOURCES:
        raise read.error("source", " or ".join(SOURCES), repr(people))
    share = read.number("control_share", default=0.10)
    if not 0 <= share < 1:
        raise read.error("control_share", "a share from 0 to below 1", str(share))
    repeat = read.number("repeat_days", default=30)
    if repeat != int(repeat) or repeat < 1:
        raise read.error("repeat_days", "a whole number of days, 1 or more", str(repeat))
    steps_data = data.get("steps")
    if not isinstance(steps_data, list) or not steps_data:
        raise read.error("steps", "at least one [[steps]] table", repr(steps_data))
    steps = tuple(
        _step(item, index, channels, source) for index, item in enumerate(steps_data, start=1)
    )
    audience = data.get("audience", {})
    if not isinstance(audience, dict):
        raise read.error("audience", "a table of conditions", repr(audience))
    for column, condition in audience.items():
        _check_condition(column, condition, source)
    shop = data.get("shop", {})
    if not isinstance(shop, dict):
        raise read.error("shop", "a table of the shop's name, url, phone...", repr(shop))
    return Playbook(
        name=name,
        title=read.text("title", default=name),
        description=read.text("description", default=""),
        audience=audience,
        channels=channels,
        offer=_offer(data.get("offer", {}), source),
        steps=steps,
        control_share=share,
        stratify_by=read.text("stratify_by", default="rfm_segment"),
        source=people,
        file=source,
        shop={str(k): str(v) for k, v in shop.items()},
        repeat_days=int(repeat),
        categories=_categories(data.get("categories", {}), source),
        perks=_perks(data.get("perks", {}), source),
    )


def _categories(data: Any, source: str) -> dict[str, dict[str, str]]:
    where = f"{source}, categories"
    if not isinstance(data, dict):
        raise PlaybookError(f"{where}: expected [categories.LANGUAGE] tables, got {data!r}")
    names: dict[str, dict[str, str]] = {}
    for language, table in data.items():
        if language not in LANGUAGES:
            raise PlaybookError(
                f"{where}: expected a language of {', '.join(LANGUAGES)}, got {language!r}"
            )
        if not isinstance(table, dict) or not all(
            isinstance(v, str) and v.strip() for v in table.values()
        ):
            raise PlaybookError(
                f'{where}.{language}: expected category = "name" lines, got {table!r}'
            )
        names[language] = {str(k): v.strip() for k, v in table.items()}
    return names


def _perks(data: Any, source: str) -> dict[str, tuple[str, ...]]:
    where = f"{source}, perks"
    if not isinstance(data, dict):
        raise PlaybookError(f'{where}: expected en = ["..."] and ru = ["..."], got {data!r}')
    perks: dict[str, tuple[str, ...]] = {}
    for language, items in data.items():
        if language not in LANGUAGES:
            raise PlaybookError(
                f"{where}: expected a language of {', '.join(LANGUAGES)}, got {language!r}"
            )
        if not isinstance(items, list) or not all(isinstance(v, str) and v for v in items):
            raise PlaybookError(f"{where}.{language}: expected a list of texts, got {items!r}")
        perks[language] = tuple(items)
    return perks


def _step(item: Any, index: int, channels: tuple[str, ...], source: str) -> Step:
    where = f"{source}, step {index}"
    if not isinstance(item, dict):
        raise PlaybookError(f"{where}: expected a table, got {item!r}")
    read = _Reader(item, where)
    name = read.text("name", default=f"step{index}")
    delay = read.number("delay_days", default=0)
    if delay < 0 or delay != int(delay):
        raise read.error("delay_days", "a whole number of days, 0 or more", str(delay))
    messages: dict[tuple[str, str], Message] = {}
    for channel in channels:
        by_language = item.get(channel)
        if not isinstance(by_language, dict) or "en" not in by_language:
            raise PlaybookError(
                f'{where} ("{name}"): expected a [steps.{channel}.en] '
                f"message, as {channel} is one of the channels"
            )
        for language, content in by_language.items():
            if language not in LANGUAGES:
                raise PlaybookError(
                    f'{where} ("{name}"), {channel}: expected a language '
                    f"of {', '.join(LANGUAGES)}, got {language!r}"
                )
            at = _Reader(
                content if isinstance(content, dict) else {},
                f'{where} ("{name}"), {channel} ({language})',
            )
            body = at.text("body")
            subject = at.text("subject", default="")
            if channel == "email" and not subject:
                raise at.error("subject", "a subject line for the e-mail", "none")
            parts = _parts(at, channel)
            messages[(channel, language)] = Message(channel, language, body, subject, parts)
    return Step(name=name, delay_days=int(delay), messages=messages)


def _parts(read: _Reader, channel: str) -> int | None:
    """A text message's planned SMS parts (``parts = 1``), checked."""
    if "parts" not in read.data:
        return None
    if channel != "sms":
        raise read.error("parts", "no parts (only a text message has SMS parts)", "parts")
    parts = read.number("parts", default=1)
    if parts != int(parts) or not 1 <= parts <= 10:
        raise read.error("parts", "a whole number of SMS parts from 1 to 10", str(parts))
    return int(parts)


def _offer(data: Any, source: str) -> Offer:
    if not isinstance(data, dict):
        raise PlaybookError(f"{source}, offer: expected a table, got {data!r}")
    read = _Reader(data, f"{source}, offer")
    kind = read.text("kind", default="none")
    if kind not in KINDS:
        raise read.error("kind", f"one of {', '.join(KINDS)}", repr(kind))
    value = read.number("value", default=0.0)
    if kind == "percent" and not 0 < value <= 100:
        raise read.error("value", "a percentage above 0 and at most 100", str(value))
    if kind in ("amount", "gift") and value <= 0:
        raise read.error("value", "an amount above 0", str(value))
    valid_days = read.number("valid_days", default=14)
    limit = read.number("usage_limit", default=1)
    if valid_days < 1 or valid_days != int(valid_days):
        raise read.error("valid_days", "a whole number of days, 1 or more", str(valid_days))
    if limit < 1 or limit != int(limit):
        raise read.error("usage_limit", "a whole number, 1 or more", str(limit))
    minimum = read.number("min_order", default=0.0)
    if minimum < 0:
        raise read.error("min_order", "an amount of 0 or more", str(minimum))
    return Offer(
        kind=kind,
        value=float(value),
        valid_days=int(valid_days),
        usage_limit=int(limit),
        min_order=float(minimum),
        categories=tuple(read.items("categories", default=[])),
    )


def _check_condition(column: str, condition: Any, source: str) -> None:
    where = f"{source}, audience.{column}"
    if isinstance(condition, dict):
        unknown = set(condition) - {"min", "max"}
        if unknown or not condition:
            raise PlaybookError(f"{where}: expected {{min = ..., max = ...}}, got {condition!r}")
        for bound in condition.values():
            if not isinstance(bound, int | float) or isinstance(bound, bool):
                raise PlaybookError(f"{where}: expected numbers as bounds, got {bound!r}")
    elif isinstance(condition, list):
        if not condition:
            raise PlaybookError(f"{where}: expected a list of values, got an empty list")
    elif not isinstance(condition, str | int | float | bool):
        raise PlaybookError(f"{where}: expected a value, a list or {{min, max}}, got {condition!r}")


class _Reader:
    """Typed reads of a TOML table, with errors that say where."""

    def __init__(self, data: dict[str, Any], where: str) -> None:
        self.data, self.where = data, where

    def error(self, key: str, expected: str, found: str) -> PlaybookError:
        return PlaybookError(f"{self.where}, {key}: expected {expected}, got {found}")

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if value is None:
            raise self.error(key, "a text", "nothing")
        if not isinstance(value, str):
            raise self.error(key, "a text", repr(value))
        return value

    def number(self, key: str, default: float) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, "a number", repr(value))
        return float(value)

    def items(self, key: str, default: list[str]) -> list[str]:
        value = self.data.get(key, default)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "a list of texts", repr(value))
        return value
