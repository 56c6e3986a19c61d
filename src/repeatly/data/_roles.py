"""Which input column plays which role: detection from headers, and user overrides.

Headers are compared after normalisation (lower case, ``ё`` as ``е``, every run of
non-letters and non-digits as one space). A header that equals a known name wins over
one that merely contains it, and a column is never given two roles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from repeatly.data._schema import TABLES, TableSpec
from repeatly.exceptions import MappingError

__all__ = ["SYNONYMS", "detect_roles", "normalize_header", "parse_mapping", "resolve_mapping"]

#: Names each role is known by, in English and Russian, most specific first.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "customer id",
        "customer_id",
        "customerid",
        "client id",
        "clientid",
        "customer number",
        "customer no",
        "customer code",
        "customer",
        "client",
        "buyer",
        "user id",
        "member id",
        "card number",
        "loyalty card",
        "contact id",
        "account id",
        "id клиента",
        "код клиента",
        "номер клиента",
        "клиент",
        "покупатель",
        "номер карты",
        "карта",
        "контрагент",
    ),
    "ordered_at": (
        "order date",
        "ordered at",
        "order time",
        "order datetime",
        "purchase date",
        "transaction date",
        "sale date",
        "invoice date",
        "created at",
        "date time",
        "datetime",
        "timestamp",
        "date",
        "дата заказа",
        "дата покупки",
        "дата продажи",
        "дата чека",
        "дата и время",
        "дата",
        "время",
    ),
    "amount": (
        "amount",
        "total",
        "line total",
        "order total",
        "total amount",
        "sales",
        "sale amount",
        "revenue",
        "net amount",
        "paid",
        "value",
        "sum",
        "price paid",
        "сумма",
        "сумма продажи",
        "сумма со скидкой",
        "итого",
        "выручка",
        "стоимость",
        "оплачено",
    ),
    "order_id": (
        "order id",
        "order_id",
        "orderid",
        "order number",
        "order no",
        "order",
        "invoice",
        "invoice number",
        "invoice no",
        "receipt",
        "receipt number",
        "transaction id",
        "номер заказа",
        "заказ",
        "номер чека",
        "чек",
        "номер документа",
        "документ",
    ),
    "sku": (
        "sku",
        "product id",
        "product code",
        "item id",
        "item code",
        "article",
        "barcode",
        "артикул",
        "код товара",
        "штрихкод",
        "sku id",
    ),
    "category": (
        "category",
        "product category",
        "department",
        "group",
        "product group",
        "категория",
        "группа",
        "группа товаров",
        "раздел",
    ),
    "brand": ("brand", "manufacturer", "vendor", "make", "бренд", "марка", "производитель"),
    "quantity": ("quantity", "qty", "units", "count", "pieces", "количество", "кол во", "шт"),
    "unit_price": (
        "unit price",
        "price",
        "list price",
        "price per unit",
        "цена",
        "цена за единицу",
        "цена без скидки",
    ),
    "cost": (
        "cost",
        "unit cost",
        "cost of goods",
        "cogs",
        "purchase price",
        "себестоимость",
        "закупочная цена",
        "закупка",
    ),
    "margin": (
        "margin",
        "gross margin",
        "profit",
        "gross profit",
        "маржа",
        "наценка",
        "валовая прибыль",
        "прибыль",
    ),
    "discount": ("discount", "discount amount", "rebate", "скидка", "сумма скидки"),
    "promo": (
        "promo",
        "promotion",
        "on promo",
        "promo flag",
        "promotional",
        "coupon used",
        "акция",
        "промо",
        "по акции",
    ),
    "channel": ("channel", "sales channel", "source", "канал", "канал продаж", "источник"),
    "store": (
        "store",
        "shop",
        "outlet",
        "branch",
        "point of sale",
        "pos",
        "location",
        "магазин",
        "точка",
        "торговая точка",
        "филиал",
    ),
    # customers
    "name": (
        "name",
        "customer name",
        "full name",
        "client name",
        "имя",
        "фио",
        "имя клиента",
        "наименование",
    ),
    "email": ("email", "e mail", "mail", "email address", "почта", "эл почта", "электронная почта"),
    "phone": (
        "phone",
        "phone number",
        "mobile",
        "telephone",
        "tel",
        "телефон",
        "мобильный",
        "номер телефона",
    ),
    "address": ("address", "street", "postal address", "адрес"),
    "city": ("city", "town", "город", "населенный пункт"),
    "latitude": ("latitude", "lat", "широта"),
    "longitude": ("longitude", "lon", "lng", "long", "долгота"),
    "consent_email": (
        "consent email",
        "email consent",
        "email opt in",
        "accepts email",
        "согласие email",
        "согласие на email",
        "согласие на рассылку",
    ),
    "consent_sms": (
        "consent sms",
        "sms consent",
        "sms opt in",
        "accepts sms",
        "согласие sms",
        "согласие на sms",
        "согласие на смс",
    ),
    "consent_phone": ("consent phone", "phone consent", "accepts calls", "согласие на звонки"),
    "consent_post": ("consent post", "post consent", "accepts mail", "согласие на письма"),
    "acquisition_channel": (
        "acquisition channel",
        "acquired via",
        "first channel",
        "канал привлечения",
        "откуда узнал",
    ),
    "referred_by": (
        "referred by",
        "referrer",
        "referral",
        "invited by",
        "кто пригласил",
        "реферер",
        "пригласил",
    ),
    "signup_date": (
        "signup date",
        "sign up date",
        "registered",
        "registration date",
        "created",
        "дата регистрации",
        "регистрация",
    ),
    # products
    "price": ("price", "list price", "retail price", "цена", "розничная цена"),
    "collection": ("collection", "season", "коллекция", "сезон"),
    "launch_date": ("launch date", "launched", "release date", "дата запуска", "дата выхода"),
    # spend
    "period": ("period", "month", "date", "week", "период", "месяц", "дата", "неделя"),
    "spend": (
        "spend",
        "cost",
        "ad spend",
        "budget",
        "spent",
        "amount",
        "расход",
        "расходы",
        "затраты",
        "бюджет",
        "сумма",
    ),
    "visitors": (
        "visitors",
        "visits",
        "sessions",
        "clicks",
        "traffic",
        "посетители",
        "визиты",
        "сессии",
        "клики",
        "переходы",
    ),
    "leads": ("leads", "signups", "enquiries", "inquiries", "лиды", "заявки", "обращения"),
    "purpose": ("purpose", "goal", "type", "цель", "назначение", "тип"),
    # leads
    "created_at": (
        "created at",
        "lead date",
        "date",
        "created",
        "timestamp",
        "дата",
        "дата заявки",
        "дата обращения",
    ),
    "lead_id": ("lead id", "lead", "id", "id лида", "номер заявки", "заявка"),
}


def normalize_header(header: str) -> str:
    """Header as compared with the known names: lower case, single spaces, no punctuation.

    Examples
    --------
    >>> normalize_header("  Customer_ID ")
    'customer id'
    >>> normalize_header("Кол-во, шт.")
    'кол во шт'
    >>> normalize_header("InvoiceDate")
    'invoice date'
    """
    text = re.sub(r"(?<=[a-zа-яё])(?=[A-ZА-ЯЁ])", " ", str(header))  # CamelCase
    text = text.lower().replace("ё", "е")
    return re.sub(r"[^\w]+|_+", " ", text).strip()


def detect_roles(columns: Sequence[str], spec: TableSpec | str) -> dict[str, str]:
    """Guess which column plays each role of ``spec`` from the headers.

    Parameters
    ----------
    columns
        Headers as they appear in the input.
    spec
        The canonical table (or its name).

    Returns
    -------
    dict
        Role name to column name, for the roles that were found.

    Examples
    --------
    >>> detect_roles(["Клиент", "Дата", "Сумма"], "orders")
    {'customer_id': 'Клиент', 'ordered_at': 'Дата', 'amount': 'Сумма'}
    """
    spec = TABLES[spec] if isinstance(spec, str) else spec
    normalized = {col: normalize_header(col) for col in columns}
    canonical = {normalize_header(r.name): r.name for r in spec.roles}
    taken: set[str] = set()
    found: dict[str, str] = {}

    def claim(role: str, column: str) -> None:
        found[role] = column
        taken.add(column)

    # 1. a header that is the canonical role name itself
    for col, norm in normalized.items():
        role = canonical.get(norm)
        if role is not None and role not in found and col not in taken:
            claim(role, col)
    # 2. a header equal to a known name; 3. a header containing a known name as words
    for exact in (True, False):
        for role in spec.names:
            if role in found:
                continue
            for name in SYNONYMS.get(role, ()):
                hit = _match(name, normalized, taken, exact=exact)
                if hit is not None:
                    claim(role, hit)
                    break
    return {r: found[r] for r in spec.names if r in found}


def _match(name: str, normalized: Mapping[str, str], taken: set[str], *, exact: bool) -> str | None:
    pattern = re.compile(rf"(^| ){re.escape(name)}( |$)")
    for col, norm in normalized.items():
        if col in taken:
            continue
        if (norm == name) if exact else bool(pattern.search(norm)):
            return col
    return None


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    """Parse ``ROLE=COLUMN`` strings as given on the command line.

    Examples
    --------
    >>> parse_mapping(["amount=Total incl VAT", 'customer_id="Card no"'])
    {'amount': 'Total incl VAT', 'customer_id': 'Card no'}
    """
    mapping: dict[str, str] = {}
    for pair in pairs:
        role, sep, column = pair.partition("=")
        role, column = role.strip(), column.strip().strip("\"'")
        if not sep or not role or not column:
            raise MappingError(f'--map {pair!r}: expected ROLE=COLUMN, e.g. amount="Total"')
        mapping[role] = column
    return mapping


def resolve_mapping(
    columns: Sequence[str],
    spec: TableSpec,
    overrides: Mapping[str, str] | None,
    *,
    source: str,
) -> dict[str, str]:
    """Roles to columns: the user's overrides, then detection for the rest.

    Raises
    ------
    MappingError
        An override names an unknown role or a missing column, or a required role
        has no column.
    """
    overrides = dict(overrides or {})
    chosen: dict[str, str] = {}
    for role, column in overrides.items():
        if role not in spec.names:
            raise MappingError(
                f'{source}: --map {role}=...: "{role}" is not a role of the {spec.name} table;'
                f" roles are: {', '.join(spec.names)}"
            )
        chosen[role] = _find_column(column, columns, source=source, role=role)
    rest = [c for c in columns if c not in chosen.values()]
    detected = detect_roles(rest, spec)
    for role, column in detected.items():
        chosen.setdefault(role, column)
    missing = [r for r in spec.required if r not in chosen]
    if missing:
        lines = [
            f'{source}: no column found for the required role "{r}" ({spec.role(r).description})'
            for r in missing
        ]
        shown = ", ".join(f'"{c}"' for c in columns)
        example = missing[0]
        raise MappingError(
            "\n".join(lines)
            + f"\n  columns in the file: {shown}"
            + f'\n  name it with --map {example}="<column>"'
        )
    return {r: chosen[r] for r in spec.names if r in chosen}


def _find_column(wanted: str, columns: Sequence[str], *, source: str, role: str) -> str:
    if wanted in columns:
        return wanted
    folded = [c for c in columns if normalize_header(c) == normalize_header(wanted)]
    if len(folded) == 1:
        return folded[0]
    shown = ", ".join(f'"{c}"' for c in columns)
    raise MappingError(
        f'{source}: --map {role}="{wanted}": there is no column "{wanted}"; columns are: {shown}'
    )
