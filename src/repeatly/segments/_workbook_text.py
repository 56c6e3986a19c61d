"""The words of the contact workbook in English and Russian: headers, actions, scripts."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["ACTION_TEXTS", "CUT", "HEADERS", "SHEETS", "VALUES", "ActionText", "header"]


class ActionText(NamedTuple):
    """How the workbook names an action and what an operator says and offers."""

    label: str  # the sheet's name and the name in "Also in"
    what: str  # what to do
    offer: str
    script: str  # what the operator says on the phone


#: Column headers by the column's code name (the name in the CSV files).
HEADERS: dict[str, dict[str, str]] = {
    "en": {
        "customer_id": "Customer",
        "name": "Name",
        "phone": "Phone",
        "consent_phone": "Phone consent",
        "email": "Email",
        "consent_email": "Email consent",
        "consent_sms": "SMS consent",
        "city": "City",
        "last_purchase": "Last purchase",
        "days_since": "Days since",
        "orders": "Orders",
        "revenue": "Revenue",
        "margin": "Margin",
        "clv": "Predicted value",
        "top_category": "Main category",
        "golden_rank": "Rank by margin",
        "cycle_days": "Usual gap, days",
        "cycles_overdue": "Gaps since",
        "lost_on": "Lost on",
        "p_alive": "Chance still a customer",
        "lost_by": "Lost by",
        "promo_share": "Bought on promotion",
        "late_share": "Late in season",
        "early_share": "Early at full price",
        "purchases": "Purchases",
        "brand_fan": "Brand",
        "top_brand_share": "Brand's share",
        "new_products": "New products",
        "last_brand_purchase": "Last brand purchase",
        "categories": "Categories",
        "status": "Status",
        "priority": "Priority",
        "value_at_stake": "Value at stake",
        "sheet": "Action sheet",
        "previous_purchases": "Purchases the period before",
        "offer": "Offer",
        "also_in": "Also in",
        "number": "#",
        "group": "In the group",
        "on_sheet": "On this sheet",
        "what": "What to do",
        "script": "Call script",
        "note": "Note",
    },
    "ru": {
        "customer_id": "Клиент",
        "name": "Имя",
        "phone": "Телефон",
        "consent_phone": "Согласие на звонки",
        "email": "Эл. почта",
        "consent_email": "Согласие на письма",
        "consent_sms": "Согласие на SMS",
        "city": "Город",
        "last_purchase": "Последняя покупка",
        "days_since": "Дней с покупки",
        "orders": "Заказов",
        "revenue": "Выручка",
        "margin": "Маржа",
        "clv": "Прогноз ценности",
        "top_category": "Основная категория",
        "golden_rank": "Место по марже",
        "cycle_days": "Обычный перерыв, дней",
        "cycles_overdue": "Перерывов прошло",
        "lost_on": "Потерян с",
        "p_alive": "Вероятность, что ещё клиент",
        "lost_by": "Почему потерян",
        "promo_share": "Покупки по акции",
        "late_share": "В конце сезона",
        "early_share": "В начале сезона без скидки",
        "purchases": "Покупок",
        "brand_fan": "Бренд",
        "top_brand_share": "Доля бренда",
        "new_products": "Новинок",
        "last_brand_purchase": "Последняя покупка бренда",
        "categories": "Категорий",
        "status": "Статус",
        "priority": "Очередь",
        "value_at_stake": "Ценность клиента",
        "sheet": "Лист действия",
        "previous_purchases": "Покупок в прошлом периоде",
        "offer": "Предложение",
        "also_in": "Также в",
        "number": "№",
        "group": "В группе",
        "on_sheet": "На этом листе",
        "what": "Что сделать",
        "script": "Сценарий звонка",
        "note": "Примечание",
    },
}

#: Words shown in cells: yes/no, statuses, why a customer is lost.
VALUES: dict[str, dict[object, str]] = {
    "en": {
        True: "yes",
        False: "no",
        "new": "new",
        "active": "active",
        "due": "due to buy",
        "at_risk": "at risk",
        "lost": "lost",
        "cycle": "long past their usual gap",
        "model": "forecast",
    },
    "ru": {
        True: "да",
        False: "нет",
        "new": "новый",
        "active": "активен",
        "due": "пора за покупкой",
        "at_risk": "под угрозой ухода",
        "lost": "потерян",
        "cycle": "давно прошёл обычный перерыв",
        "model": "по прогнозу",
    },
}

#: The names of the sheets that are not actions, and what each is for.
SHEETS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "actions": ("Actions", ""),
        "priority": (
            "Priority",
            "Everyone, in the order to call: the easiest to bring back first, "
            "the most valuable first within",
        ),
        "lapsed_year": ("Lapsed this year", "Bought last year, not in the last 365 days"),
        "lapsed_season": (
            "Lapsed this season",
            "Bought the season before, not in the last 182 days",
        ),
    },
    "ru": {
        "actions": ("Действия", ""),
        "priority": (
            "Очередь звонков",
            "Все клиенты в порядке звонков: сначала те, кого легче вернуть, "
            "среди них — самые ценные",
        ),
        "lapsed_year": (
            "Ушли в этом году",
            "Покупали в прошлом году, но не за последние 365 дней",
        ),
        "lapsed_season": (
            "Ушли в этом сезоне",
            "Покупали в прошлом сезоне, но не за последние 182 дня",
        ),
    },
}

#: The note on a list cut to the rows a sheet holds.
CUT = {
    "en": "Shows the first {rows}; the file {file} holds all {total}",
    "ru": "Показаны первые {rows}; все {total} — в файле {file}",
}

_HELLO = {
    "en": "Hello, [name]! This is [your name] from [shop]. ",
    "ru": "Здравствуйте, [имя]! Это [ваше имя], магазин «[магазин]». ",
}

#: Each built-in action's name, task, offer and call script (:data:`ACTIONS`).
ACTION_TEXTS: dict[str, dict[str, ActionText]] = {
    "en": {
        "golden": ActionText(
            "Golden customers",
            "VIP care: thank them personally, keep them close",
            "Early access and a personal gift",
            "You have been with us a long time, and we wanted to thank you personally. "
            "You will see our new collection before anyone else, and there is a gift "
            "for you with your next order. May I tell you more?",
        ),
        "due": ActionText(
            "Due to buy",
            "Remind them: it is about time for their next purchase",
            "A reminder of what they usually buy",
            "Around this time you usually come back to us for [main category]. "
            "Shall I tell you what we have now, or put something aside for you?",
        ),
        "at_risk": ActionText(
            "At risk",
            "Win them before they leave",
            "A reminder with a small gift",
            "We have not seen you for a while and wanted to check that all is well. "
            "Was everything right with your last order? To thank you for being with us, "
            "there is a small gift for you with your next purchase.",
        ),
        "lost": ActionText(
            "Lost",
            "Win back",
            "A comeback discount",
            "It has been a long time since your last order, and we would be glad to see "
            "you again. May I ask why you stopped buying from us? There is a discount "
            "for you on your next order: shall I send it to you?",
        ),
        "promo_hunter": ActionText(
            "Promo hunters",
            "Invite them to the end-of-season sale",
            "A sale preview",
            "Our end-of-season sale starts soon, and I can show you what will be in it "
            "before it opens. Shall I send you the list?",
        ),
        "early_full_price": ActionText(
            "Early buyers",
            "Give early access to the new collection",
            "Early access, no discount",
            "Our new collection arrives soon, and you can see and order it before anyone "
            "else. Shall I send you the link when it opens?",
        ),
        "brand_fan": ActionText(
            "Brand fans",
            "Tell them about new arrivals of their brand",
            "New arrivals of the brand",
            "New arrivals from [brand] are in. Shall I tell you about them, or put "
            "something aside for you?",
        ),
        "low_margin_only": ActionText(
            "Low-margin buyers",
            "Steer them to higher-margin categories",
            "A coupon for a higher-margin category",
            "Thank you for your orders. We would like to introduce you to [category], "
            "and there is a coupon for your first purchase in it. Shall I send it to you?",
        ),
        "one_category": ActionText(
            "One category",
            "Cross-sell a second category",
            "A bundle with a second category",
            "You often buy [main category] from us. It goes well with [second category], "
            "and there is a bundle of the two for you. May I tell you about it?",
        ),
    },
    "ru": {
        "golden": ActionText(
            "Золотые клиенты",
            "Особое внимание: лично поблагодарить, поддерживать связь",
            "Ранний доступ и личный подарок",
            "Вы давно с нами, и мы хотели лично поблагодарить вас. Новую коллекцию вы "
            "увидите раньше всех, а к следующему заказу для вас подарок. Рассказать "
            "подробнее?",
        ),
        "due": ActionText(
            "Пора за покупкой",
            "Напомнить: подошло время следующей покупки",
            "Напоминание о том, что клиент обычно покупает",
            "Обычно примерно в это время вы снова покупаете у нас товары из категории "
            "«[основная категория]». Рассказать, что есть сейчас, или отложить что-то "
            "для вас?",
        ),
        "at_risk": ActionText(
            "Под угрозой ухода",
            "Удержать, пока не ушли",
            "Напоминание с небольшим подарком",
            "Давно вас не видели и хотели узнать, всё ли в порядке. Всё ли понравилось в "
            "последнем заказе? В благодарность за то, что вы с нами, к следующей покупке "
            "для вас небольшой подарок.",
        ),
        "lost": ActionText(
            "Потерянные",
            "Вернуть",
            "Скидка на возвращение",
            "Вы давно ничего у нас не заказывали, и мы будем рады видеть вас снова. "
            "Подскажите, почему вы перестали у нас покупать? Для вас есть скидка на "
            "следующий заказ — прислать её?",
        ),
        "promo_hunter": ActionText(
            "Охотники за скидками",
            "Пригласить на распродажу в конце сезона",
            "Ранний просмотр распродажи",
            "Скоро распродажа в конце сезона, и я могу заранее показать, что в неё "
            "войдёт. Прислать вам список?",
        ),
        "early_full_price": ActionText(
            "Ранние покупатели",
            "Открыть ранний доступ к новой коллекции",
            "Ранний доступ, без скидки",
            "Скоро новая коллекция, и вы сможете увидеть и заказать её раньше всех. "
            "Прислать вам ссылку, когда она откроется?",
        ),
        "brand_fan": ActionText(
            "Поклонники брендов",
            "Рассказать о новинках любимого бренда",
            "Новинки бренда",
            "У нас новинки бренда «[бренд]». Рассказать о них или отложить что-то для вас?",
        ),
        "low_margin_only": ActionText(
            "Покупки с низкой маржой",
            "Предложить категории с большей маржой",
            "Купон на категорию с большей маржой",
            "Спасибо за ваши заказы! Хотим познакомить вас с категорией «[категория]»: на "
            "первую покупку в ней для вас есть купон. Прислать его?",
        ),
        "one_category": ActionText(
            "Одна категория",
            "Предложить вторую категорию",
            "Комплект со второй категорией",
            "Вы часто покупаете у нас товары из категории «[основная категория]». К ним "
            "хорошо подходит «[вторая категория]», и для вас есть комплект из двух. "
            "Рассказать подробнее?",
        ),
    },
}
ACTION_TEXTS = {
    lang: {name: text._replace(script=_HELLO[lang] + text.script) for name, text in texts.items()}
    for lang, texts in ACTION_TEXTS.items()
}


def header(name: str, lang: str) -> str:
    """The human header of a column, or its code name when there is none."""
    return HEADERS[lang].get(name, name)
