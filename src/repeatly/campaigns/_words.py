"""Words for people: numbers, months, names, categories and statuses in English and Russian.

Messages and the plan's files speak the shop's language. Counts take the noun form the
number asks for (English: one, other; Russian: one, few, many), small counts can be
spelled out (``two orders``, ``две покупки``), months can be named with their
preposition (``in March 2024``, ``в марте 2024 года``), a person is greeted by their
first name only, and category names go through a dictionary the shop can edit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

__all__ = [
    "CATEGORY_NAMES",
    "DEFAULT_SHOP_NAME",
    "first_name",
    "in_month",
    "number_words",
    "plural",
    "quoted",
    "translate_category",
]

_WORDS_EN = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_WORDS_RU = ("один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять")
_GENDERED_RU = {"f": ("одна", "две"), "n": ("одно", "два"), "m": ("один", "два")}

_MONTHS_IN = {
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
        "январе",
        "феврале",
        "марте",
        "апреле",
        "мае",
        "июне",
        "июле",
        "августе",
        "сентябре",
        "октябре",
        "ноябре",
        "декабре",
    ),
}

#: Category names as messages say them, by language: the built-in default for the demo
#: shop's categories. A playbook's ``[categories.ru]`` (or ``.en``) table adds to it and
#: overrides it; a category in neither is written as the data names it.
CATEGORY_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "groceries": "groceries",
        "cosmetics": "cosmetics",
        "clothing": "clothing",
        "shoes": "shoes",
        "jewellery": "jewellery",
        "furniture": "furniture",
    },
    "ru": {
        "groceries": "Продукты",
        "cosmetics": "Косметика",
        "clothing": "Одежда",
        "shoes": "Обувь",
        "jewellery": "Украшения",
        "furniture": "Мебель",
    },
}

#: The shop's name in the messages when neither the playbook nor the plan gives one.
DEFAULT_SHOP_NAME = {"en": "our shop", "ru": "Ваш магазин"}

#: Endings of a Russian patronymic: a name written ``Surname First Patronymic``.
_PATRONYMIC = ("вич", "вна", "чна", "ьич", "оглы", "кызы", "vich", "vna", "ichna")


def plural(n: int, forms: tuple[str, ...]) -> str:
    """The form of a noun a count asks for: two forms (English), three (Russian).

    Examples
    --------
    >>> plural(1, ("order", "orders")), plural(22, ("заказ", "заказа", "заказов"))
    ('order', 'заказа')
    """
    if len(forms) == 2:
        return forms[0] if n == 1 else forms[1]
    if len(forms) == 3:
        last, tens = abs(n) % 10, abs(n) % 100
        if last == 1 and tens != 11:
            return forms[0]
        if 2 <= last <= 4 and not 12 <= tens <= 14:
            return forms[1]
        return forms[2]
    raise ValueError("count: expected two forms (English) or three (Russian)")


def number_words(n: int, language: str = "en", gender: str = "m") -> str:
    """A count from one to nine in words, a larger one in digits.

    Russian numerals one and two agree with the noun's gender: ``m``, ``f`` or ``n``.

    Examples
    --------
    >>> number_words(2), number_words(2, "ru", "f"), number_words(12, "ru")
    ('two', 'две', '12')
    """
    if not 1 <= n <= 9:
        return str(n)
    if language == "ru":
        if n <= 2:
            return _GENDERED_RU.get(gender, _GENDERED_RU["m"])[n - 1]
        return _WORDS_RU[n - 1]
    return _WORDS_EN[n - 1]


def in_month(value: dt.date | None, language: str = "en") -> str:
    """The month of a date, with its preposition: ``in March 2024``, ``в марте 2024 года``."""
    if value is None:
        return ""
    months = _MONTHS_IN.get(language, _MONTHS_IN["en"])
    if language == "ru":
        return f"в {months[value.month - 1]} {value.year} года"
    return f"in {months[value.month - 1]} {value.year}"


def quoted(name: str, language: str = "en") -> str:
    """A name in the quotes its language sets it in: ``«Ромашка»`` in Russian.

    A name that already has quotes is left as it is, and so is the stand-in name used
    when the shop gave none; English names are not quoted.
    """
    text = name.strip()
    if language != "ru" or not text or text in DEFAULT_SHOP_NAME.values():
        return text
    if any(q in text for q in '«»"“”„'):
        return text
    return f"«{text}»"


def first_name(name: str) -> str:
    """The first name of a full name, without guessing anything else.

    ``Sergey Popova`` gives ``Sergey``. A Russian name written surname first with a
    patronymic (``Попова Анна Сергеевна``, as accounting systems write it) gives the
    middle word. One word is taken as the first name.

    Examples
    --------
    >>> first_name("Sergey Popova"), first_name("Попова Анна Сергеевна"), first_name("")
    ('Sergey', 'Анна', '')
    """
    words = name.split()
    if not words:
        return ""
    if len(words) == 3 and words[2].lower().endswith(_PATRONYMIC):
        return words[1]
    return words[0]


def translate_category(
    category: str, language: str, names: Mapping[str, Mapping[str, str]] | None = None
) -> str:
    """A category as the messages of a language name it (as the data names it if unknown).

    ``names`` are the shop's own (a playbook's ``[categories]``), looked up first;
    then :data:`CATEGORY_NAMES`. Case does not matter.

    Examples
    --------
    >>> translate_category("jewellery", "ru"), translate_category("Jewellery", "ru")
    ('Украшения', 'Украшения')
    >>> translate_category("jewellery", "ru", {"ru": {"jewellery": "Ювелирка"}})
    'Ювелирка'
    """
    text = category.strip()
    key = text.casefold()
    for table in ((names or {}).get(language, {}), CATEGORY_NAMES.get(language, {})):
        for name, shown in table.items():
            if name.strip().casefold() == key:
                return shown
    return text
