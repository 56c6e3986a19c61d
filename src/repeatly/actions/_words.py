"""The action plan's groups and playbooks in words, in English and Russian."""

from __future__ import annotations

__all__ = ["GROUP_SCRIPTS", "GROUP_WORDS", "PLAYBOOK_WORDS", "group_label", "playbook_label"]

#: What to say on the phone to the groups that are not among the segments' own lists.
GROUP_SCRIPTS: dict[str, dict[str, str]] = {
    "new": {
        "en": "Thank you for your first order with us. Did everything arrive as you "
        "expected? If there is anything we can help with, I am here; and we would be glad "
        "to see you again.",
        "ru": "Спасибо за первый заказ у нас! Всё ли пришло так, как вы ожидали? Если "
        "нужна помощь, я на связи, и мы будем рады видеть вас снова.",
    },
    "referral": {
        "en": "You have been with us for a while, and we are grateful. If a friend of "
        "yours might like our shop, we would be glad to welcome them: may I tell you how "
        "to invite them?",
        "ru": "Вы давно с нами, и мы за это благодарны. Если кому-то из ваших друзей "
        "может понравиться наш магазин, мы будем рады им: рассказать, как их пригласить?",
    },
}

#: Each group's name and what to do, in each language.
GROUP_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "lost": {
        "en": ("Lost customers", "Win them back with a generous offer"),
        "ru": ("Ушедшие покупатели", "Вернуть щедрым предложением"),
    },
    "at_risk": {
        "en": ("At risk of leaving", "Keep them before they go"),
        "ru": ("Могут уйти", "Удержать, пока не ушли"),
    },
    "due": {
        "en": ("Due for their next purchase", "Remind them it is time"),
        "ru": ("Пора за следующей покупкой", "Напомнить, что пора"),
    },
    "new": {
        "en": ("New customers", "Thank them and turn one purchase into two"),
        "ru": ("Новые покупатели", "Поблагодарить и привести за второй покупкой"),
    },
    "golden": {
        "en": ("Golden customers", "Keep them close: personal care, early access"),
        "ru": ("Золотые покупатели", "Беречь: личное внимание, ранний доступ"),
    },
    "promo_hunter": {
        "en": ("Sale lovers", "Invite them to the end-of-season sale"),
        "ru": ("Любители распродаж", "Пригласить на распродажу в конце сезона"),
    },
    "brand_fan": {
        "en": ("Brand fans", "Tell them about new arrivals of their brand"),
        "ru": ("Поклонники брендов", "Рассказать о новинках любимого бренда"),
    },
    "low_margin_only": {
        "en": ("Buy only low-margin goods", "Steer them to higher-margin categories"),
        "ru": ("Берут только малодоходное", "Предложить более доходные категории"),
    },
    "referral": {
        "en": ("Happy regulars", "Ask them to recommend you to a friend"),
        "ru": ("Довольные постоянные покупатели", "Попросить рекомендовать вас друзьям"),
    },
    "leads": {
        "en": ("Leads who never bought", "Follow them up with a first-order offer"),
        "ru": ("Заявки без покупки", "Напомнить о себе со скидкой на первый заказ"),
    },
}

#: Each built-in playbook's name, in each language.
PLAYBOOK_WORDS: dict[str, dict[str, str]] = {
    "win_back": {"en": "Win-back series", "ru": "Серия «Возвращение»"},
    "cycle_reminder": {"en": "Purchase reminder", "ru": "Напоминание о покупке"},
    "thank_you": {"en": "Thank-you and survey", "ru": "Благодарность и опрос"},
    "golden_care": {"en": "VIP care", "ru": "Забота о лучших покупателях"},
    "end_of_season": {"en": "End-of-season sale", "ru": "Распродажа в конце сезона"},
    "new_arrivals": {"en": "New arrivals", "ru": "Новинки"},
    "cross_sell": {"en": "Cross-sell", "ru": "Другие категории"},
    "referral": {"en": "Referral invitation", "ru": "Приглашение друга"},
    "lead_follow_up": {"en": "Lead follow-up", "ru": "Работа с заявками"},
}


def group_label(name: str, lang: str) -> tuple[str, str]:
    """A group's name and its action in ``lang`` (the identifier for unknown groups)."""
    return GROUP_WORDS.get(name, {}).get(lang, (name, ""))


def playbook_label(name: str, lang: str) -> str:
    """A built-in playbook's name in ``lang`` (the identifier for others)."""
    return PLAYBOOK_WORDS.get(name, {}).get(lang, name)
