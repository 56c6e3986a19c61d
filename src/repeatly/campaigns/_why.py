"""Why a customer is in a campaign, and why one cannot be contacted, in the plan's language.

``audience.csv``'s ``why`` and ``excluded.csv``'s ``reason`` are read by the shop's
people, so they follow the plan's language (``--lang``): statuses, RFM segment names,
channels and every exclusion reason.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from repeatly.campaigns._words import plural, translate_category

__all__ = ["RFM_NAMES", "STATUS_NAMES", "channel_name", "reason_text", "why"]

#: Customer statuses as the plan's files name them.
STATUS_NAMES = {
    "en": {
        "new": "new",
        "active": "active",
        "due": "due to come back",
        "at_risk": "at risk",
        "lost": "lost",
        "lead": "lead",
    },
    "ru": {
        "new": "Новые",
        "active": "Активные",
        "due": "Пора вернуться",
        "at_risk": "Под угрозой",
        "lost": "Потерянные",
        "lead": "Заявки",
    },
}
#: RFM segment names in Russian (English ones are the segments' own).
RFM_NAMES = {
    "Champions": "Чемпионы",
    "Loyal": "Лояльные",
    "Can't lose them": "Нельзя потерять",
    "At risk": "Под угрозой",
    "New": "Новые",
    "Promising": "Перспективные",
    "Potential loyalists": "Потенциально лояльные",
    "Need attention": "Требуют внимания",
    "About to sleep": "Засыпающие",
    "Hibernating": "Спящие",
    "Lost": "Потерянные",
    "lead": "Заявки",
}
_CHANNELS = {
    "en": {"email": "email", "sms": "sms", "call": "call", "letter": "letter"},
    "ru": {"email": "e-mail", "sms": "SMS", "call": "звонок", "letter": "письмо по почте"},
}
_CONSENT_RU = {
    "email": "на письма",
    "sms": "на SMS",
    "call": "на звонки",
    "letter": "на письма по почте",
}
_UNSUBSCRIBED_RU = {
    "email": "от писем",
    "sms": "от SMS",
    "call": "от звонков",
    "letter": "от писем по почте",
}
_FIELD_RU = {"email": "e-mail", "phone": "телефона", "address": "почтового адреса"}
_DAYS_RU = ("день", "дня", "дней")


def channel_name(channel: str, language: str) -> str:
    """A channel as the plan's files name it: ``sms``, ``SMS``."""
    return _CHANNELS.get(language, _CHANNELS["en"]).get(channel, channel)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, str):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _days(row: Mapping[str, Any], language: str) -> str:
    days = _number(row.get("days_since"))
    if language == "ru":
        return "? дней" if days is None else f"{int(days)} {plural(int(days), _DAYS_RU)}"
    return "unknown days" if days is None else f"{int(days)} {plural(int(days), ('day', 'days'))}"


def _status(row: Mapping[str, Any], language: str) -> str:
    status = str(row.get("status"))
    name = STATUS_NAMES.get(language, STATUS_NAMES["en"]).get(status, status)
    cycle = _number(row.get("cycle_days"))
    if language == "ru":
        text = f"«{name}»: {_days(row, language)} с последней покупки"
        return text + (f" (цикл {cycle:.0f} {plural(round(cycle), _DAYS_RU)})" if cycle else "")
    text = f"{name}: {_days(row, language)} since the last purchase"
    return text + (f" (cycle {cycle:.0f} days)" if cycle else "")


def _rfm(row: Mapping[str, Any], language: str) -> str:
    name = str(row.get("rfm_segment"))
    return f"RFM: {RFM_NAMES.get(name, name) if language == 'ru' else name}"


_EN: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "golden": lambda r: (
        "golden customer"
        + (f" (rank {int(r['golden_rank'])})" if _number(r.get("golden_rank")) else "")
    ),
    "promo_hunter": lambda r: (
        "buys on promotion"
        + (f" ({r['promo_share']:.0%} of purchases)" if _number(r.get("promo_share")) else "")
    ),
    "early_full_price": lambda r: "buys early in the season at full price",
    "brand_fan": lambda r: f"fan of {r['brand_fan']}",
    "low_margin_only": lambda r: "buys only low-margin goods",
    "one_category": lambda r: f"buys only {r.get('top_category') or 'one category'}",
    "days_since": lambda r: f"{_days(r, 'en')} since the last purchase",
    "orders": lambda r: f"{int(r['orders'])} orders" if _number(r.get("orders")) else "orders",
    "cycles_overdue": lambda r: (
        f"at {r['cycles_overdue']:.0%} of the purchase cycle"
        if _number(r.get("cycles_overdue")) is not None
        else "purchase cycle unknown"
    ),
}
_RU: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "golden": lambda r: (
        "золотой клиент"
        + (f" (место {int(r['golden_rank'])})" if _number(r.get("golden_rank")) else "")
    ),
    "promo_hunter": lambda r: (
        "покупает по акциям"
        + (
            f" ({r['promo_share'] * 100:.0f}% покупок)"
            if _number(r.get("promo_share")) is not None
            else ""
        )
    ),
    "early_full_price": lambda r: "покупает в начале сезона по полной цене",
    "brand_fan": lambda r: f"поклонник бренда {r['brand_fan']}",
    "low_margin_only": lambda r: "покупает только товары с низкой наценкой",
    "one_category": lambda r: (
        f"покупает только «{translate_category(str(r['top_category']), 'ru')}»"
        if r.get("top_category")
        else "покупает только в одной категории"
    ),
    "days_since": lambda r: (
        f"{_days(r, 'ru')} с " + ("обращения" if r.get("status") == "lead" else "последней покупки")
    ),
    "orders": lambda r: (
        f"{int(r['orders'])} {plural(int(r['orders']), ('заказ', 'заказа', 'заказов'))}"
        if _number(r.get("orders")) is not None
        else "заказы"
    ),
    "cycles_overdue": lambda r: (
        f"{r['cycles_overdue'] * 100:.0f}% цикла покупок"
        if _number(r.get("cycles_overdue")) is not None
        else "цикл покупок неизвестен"
    ),
}


def why(row: Mapping[str, Any], audience: Mapping[str, Any], language: str = "en") -> str:
    """Why a customer meets a playbook's audience, condition by condition, and the channel.

    Examples
    --------
    >>> row = {"status": "lost", "days_since": 412, "channel": "sms"}
    >>> why(row, {"status": ["lost"]})
    'lost: 412 days since the last purchase; sms'
    >>> why(row, {"status": ["lost"]}, "ru")
    '«Потерянные»: 412 дней с последней покупки; SMS'
    """
    table = _RU if language == "ru" else _EN
    parts = []
    for column in audience:
        if column == "status":
            parts.append(_status(row, language))
        elif column == "rfm_segment":
            parts.append(_rfm(row, language))
        elif column in table:
            parts.append(table[column](row))
        else:
            parts.append(f"{column}: {row.get(column)}")
    text = "; ".join(parts) or ("все" if language == "ru" else "everyone")
    channel = row.get("channel")
    return f"{text}; {channel_name(str(channel), language)}" if channel else text


# English reasons, as the contact rules give them, and their Russian.
_PROBLEMS_RU = {
    "empty": "пусто",
    "contains a space or line break": "есть пробел или перенос строки",
    "not ASCII (this SMTP client cannot send to it)": "не латиница (SMTP-клиент не отправит)",
    "contains a control character": "есть управляющий символ",
    "no @": "нет @",
    "more than one @": "больше одного @",
    "nothing before the @": "ничего до @",
    "nothing after the @": "ничего после @",
    "the domain has no dot": "в домене нет точки",
    "a dot at an end or two dots in a row": "точка в начале, в конце или две точки подряд",
    "contains characters that are not digits": "есть символы, кроме цифр",
    "a + after the start": "+ не в начале",
}
_PATTERNS_RU: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"do not contact"), lambda m: "в списке «не беспокоить»"),
    (
        re.compile(r"frequency cap: (\d+) messages? in the last 7 days"),
        lambda m: (
            f"лимит частоты: {m[1]} "
            f"{plural(int(m[1]), ('сообщение', 'сообщения', 'сообщений'))} за 7 дней"
        ),
    ),
    (re.compile(r"no (email|phone|address)"), lambda m: f"нет {_FIELD_RU[m[1]]}"),
    (
        re.compile(r"no (email|sms|call|letter) consent"),
        lambda m: f"нет согласия {_CONSENT_RU[m[1]]}",
    ),
    (
        re.compile(r"unsubscribed from (email|sms|call|letter)"),
        lambda m: f"отписка {_UNSUBSCRIBED_RU[m[1]]}",
    ),
    (re.compile(r"e-mail address not valid: (.+)"), lambda m: f"неверный e-mail: {_problem(m[1])}"),
    (
        re.compile(r"phone number not valid: (.+)"),
        lambda m: f"неверный номер телефона: {_problem(m[1])}",
    ),
)


def _problem(text: str) -> str:
    if text in _PROBLEMS_RU:
        return _PROBLEMS_RU[text]
    if found := re.fullmatch(r"contains one of (.+)", text):
        return f"есть один из символов {found[1]}"
    if found := re.fullmatch(
        r"too (few|many) digits \((\d+) digits, at (least|most) (\d+)\)", text
    ):
        many = found[1] == "many"
        return (
            f"слишком {'много' if many else 'мало'} цифр ({found[2]}, "
            f"{'не больше' if many else 'не меньше'} {found[4]})"
        )
    return text


def reason_text(reason: str, language: str) -> str:
    """A reason a customer cannot be contacted, in a language (each ``; `` part).

    Examples
    --------
    >>> reason_text("no sms consent; unsubscribed from email", "ru")
    'нет согласия на SMS; отписка от писем'
    """
    if language != "ru" or not reason:
        return reason
    parts = []
    for part in reason.split("; "):
        for pattern, say in _PATTERNS_RU:
            if found := pattern.fullmatch(part):
                parts.append(say(found))
                break
        else:
            parts.append(part)
    return "; ".join(parts)
