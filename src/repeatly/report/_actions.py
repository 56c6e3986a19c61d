"""The report's first section, "What to do now": the action plan in words and figures."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from repeatly.actions import group_label, playbook_label
from repeatly.report._format import fmt_money, fmt_number
from repeatly.segments import STATUSES

if TYPE_CHECKING:
    from repeatly.actions import ActionPlan, PlannedAction

__all__ = ["actions_context", "offer_words", "words"]

_WORDS: dict[str, dict[str, str]] = {
    "title": {"en": "What to do now", "ru": "Что делать сейчас"},
    "intro": {
        "en": "Groups of customers to contact, the most expected extra profit first. "
        "A customer can be in more than one group.",
        "ru": "Кому написать в первую очередь: сначала группы, которые принесут больше "
        "дополнительной прибыли. Один покупатель может быть в нескольких группах.",
    },
    "statuses": {"en": "Your customers today", "ru": "Ваши покупатели сегодня"},
    "priority": {"en": "#", "ru": "№"},
    "group": {"en": "Who", "ru": "Кто"},
    "customers": {"en": "Customers (reachable)", "ru": "Покупателей (доступны)"},
    "value_predicted": {"en": "Worth (next 12 months)", "ru": "Ценность (12 месяцев)"},
    "value_historical": {"en": "Margin so far", "ru": "Маржа до сих пор"},
    "playbook": {"en": "Campaign and offer", "ru": "Кампания и предложение"},
    "offer_cost": {"en": "Offer cost", "ru": "Стоимость предложения"},
    "profit": {"en": "Expected extra profit", "ru": "Ожидаемая доп. прибыль"},
    "list": {"en": "List", "ru": "Список"},
    "how": {"en": "How to start each campaign", "ru": "Как запустить каждую кампанию"},
    "measured": {
        "en": "measured on your campaign {name}",
        "ru": "измерено на вашей кампании {name}",
    },
    "prior": {
        "en": "The expected response is Repeatly's default assumption for each kind of "
        "campaign, not yet measured on your shop: {shares}. Every campaign keeps a "
        "control group; once one is measured, the plan uses your own figures.",
        "ru": "Ожидаемый отклик — допущение Repeatly для каждого вида кампании, ещё не "
        "измеренное на вашем магазине: {shares}. В каждой кампании есть контрольная "
        "группа; после первого замера план считает по вашим цифрам.",
    },
    "shares": {
        "en": "{group}: {uplift} more buy, {baseline} buy anyway",
        "ru": "{group}: ещё {uplift} купят, {baseline} купят и так",
    },
    "profit_def": {
        "en": "Expected extra profit: the margin of the purchases the campaign adds, less "
        "the offer's cost (the discount also goes to those who would have bought anyway); "
        "a share of each group (the campaign's control group, usually 10%) is held back "
        "and gets nothing, so that the result can be measured.",
        "ru": "Ожидаемая доп. прибыль: маржа покупок, которые добавит кампания, минус "
        "стоимость предложения (скидку получат и те, кто купил бы и так); часть каждой "
        "группы (контрольная группа кампании, обычно 10%) ничего не получает, чтобы "
        "результат можно было измерить.",
    },
    "no_offer": {"en": "no discount", "ru": "без скидки"},
    "left_out": {
        "en": "Left out: {groups} (the data does not tell who they are).",
        "ru": "Не вошли в план: {groups} (по данным нельзя понять, кто это).",
    },
    "uncertain": {
        "en": " (not yet certain: the campaign may have brought nothing)",
        "ru": " (пока без уверенности: кампания могла ничего не принести)",
    },
    "loss": {
        "en": "costs more than it brings at this offer",
        "ru": "с таким предложением обойдётся дороже, чем принесёт",
    },
    "none": {
        "en": "No group calls for action today.",
        "ru": "Сегодня ни одна группа не требует действий.",
    },
    "no_contacts": {
        "en": "No customers file with contacts was given: every customer is counted as "
        "reachable. Add one (--customers) to count only those who agreed to be contacted.",
        "ru": "Файл покупателей с контактами не указан: все покупатели считаются "
        "доступными. Добавьте его (--customers), чтобы считать только давших согласие.",
    },
}

_STATUS_WORDS: dict[str, dict[str, str]] = {
    "new": {"en": "new", "ru": "новые"},
    "active": {"en": "active", "ru": "активные"},
    "due": {"en": "due to come back", "ru": "пора вернуться"},
    "at_risk": {"en": "at risk", "ru": "могут уйти"},
    "lost": {"en": "lost", "ru": "ушли"},
}


def words(key: str, lang: str) -> str:
    """A fixed text of this section in ``lang``."""
    return _WORDS[key][lang]


def actions_context(
    plan: ActionPlan, statuses: dict[str, int], *, lang: str, currency: str
) -> dict[str, Any]:
    """Everything the template's "What to do now" section needs."""
    money = partial(fmt_money, currency=currency, lang=lang)
    predicted = any(a.value_basis == "predicted" for a in plan.actions)
    headers = [
        words("priority", lang),
        words("group", lang),
        words("customers", lang),
        words("value_predicted" if predicted else "value_historical", lang),
        words("playbook", lang),
        words("offer_cost", lang),
        words("profit", lang),
        words("list", lang),
    ]
    rows = "".join(_row(a, lang=lang, money=money) for a in plan.actions)
    head = "".join(
        f'<th class="text">{escape(h)}</th>' if i in (1, 4, 7) else f"<th>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    table = Markup(
        f'<table class="actions"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    )
    priors = [a for a in plan.actions if not a.response.get("measured")]
    shares = "; ".join(
        words("shares", lang).format(
            group=group_label(a.group, lang)[0],
            uplift=_percent(a.response["uplift"], lang),
            baseline=_percent(a.response["baseline"], lang),
        )
        for a in priors
    )
    status_line = " · ".join(
        f"{_STATUS_WORDS[s][lang]} {fmt_number(statuses.get(s, 0), lang=lang)}"
        for s in STATUSES
        if s in statuses
    )
    return {
        "title": words("title", lang),
        "intro": words("intro", lang),
        "statuses_label": words("statuses", lang),
        "statuses": status_line,
        "table": table if plan.actions else None,
        "none": words("none", lang),
        "prior_note": words("prior", lang).format(shares=shares) if priors else "",
        "profit_def": words("profit_def", lang),
        "contacts_note": "" if plan.contacts else words("no_contacts", lang),
        "left_out": words("left_out", lang).format(
            groups=", ".join(group_label(g, lang)[0] for g in plan.left_out)
        )
        if plan.left_out
        else "",
        "how": words("how", lang),
        "commands": [
            (f"{a.priority}. {group_label(a.group, lang)[0]}", a.command) for a in plan.actions
        ],
    }


def _row(action: PlannedAction, *, lang: str, money: Any) -> str:
    name, todo = group_label(action.group, lang)
    playbook = playbook_label(action.playbook, lang)
    reach = fmt_number(action.customers, lang=lang)
    if action.reachable != action.customers:
        reach += f" ({fmt_number(action.reachable, lang=lang)})"
    measured = ""
    if action.response.get("measured"):
        said = words("measured", lang).format(name=action.response["campaign"])
        if not action.response.get("certain", True):
            said += words("uncertain", lang)
        measured = f'<div class="def">{escape(said)}</div>'
    profit = money(action.expected_profit)
    if action.expected_profit < 0:
        todo = f"{todo} ({words('loss', lang)})"
    value = "—" if action.value is None else money(action.value)
    offer = offer_words(action.offer_terms, lang=lang, money=money)
    cost = money(action.offer_cost) if action.offer_cost else "—"
    cells = [
        f"<td>{action.priority}</td>",
        f'<td class="text who"><strong>{escape(name)}</strong><div class="def">{escape(todo)}'
        "</div></td>",
        f"<td>{escape(reach)}</td>",
        f"<td>{escape(value)}</td>",
        f'<td class="text offer">{escape(playbook)}<div class="def">{escape(offer)}</div></td>',
        f"<td>{escape(cost)}</td>",
        f'<td class="profit">{escape(profit)}{measured}</td>',
        f'<td class="text"><a href="{escape(action.list)}">'
        f"{escape(action.list.rsplit('/', 1)[-1])}</a></td>",
    ]
    row = '<tr class="loss">' if action.expected_profit < 0 else "<tr>"
    return row + "".join(cells) + "</tr>"


def offer_words(terms: dict[str, Any], *, lang: str, money: Any) -> str:
    """An offer in words with the report's money: ``20% off``, ``скидка 10 ₽``."""
    kind, value = terms.get("kind", "none"), float(terms.get("value") or 0)
    number = f"{value:g}".replace(".", ",") if lang == "ru" else f"{value:g}"
    said = {
        "en": {
            "percent": f"{number}% off",
            "amount": f"{money(value)} off",
            "gift": f"a gift worth {money(value)}",
        },
        "ru": {
            "percent": f"скидка {number}%",
            "amount": f"скидка {money(value)}",
            "gift": f"подарок на {money(value)}",
        },
    }[lang]
    return said.get(kind, words("no_offer", lang))


def _percent(share: float, lang: str) -> str:
    value = f"{share * 100:.0f}%" if share * 100 == round(share * 100) else f"{share * 100:.1f}%"
    return value.replace(".", ",") if lang == "ru" else value
