"""The report's words in English and Russian."""

from __future__ import annotations

import re

__all__ = [
    "CONSOLE",
    "DETAILS",
    "INPUTS",
    "NOTES",
    "PLURALS_RU",
    "RFM_SEGMENTS",
    "ROLES",
    "STEPS",
    "TEXT",
    "UNITS",
    "UNIT_SPAN_RU",
    "console_text",
    "count_words",
    "detail_word",
    "input_name",
    "plural",
    "role_name",
    "segment_description",
    "segment_name",
    "step_label",
    "text",
    "unit_word",
]

TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "Customer base report", "ru": "Отчёт по клиентской базе"},
    "as_of": {"en": "As of", "ru": "На дату"},
    "period": {"en": "Orders from", "ru": "Заказы с"},
    "to": {"en": "to", "ru": "по"},
    "headline": {"en": "Headline figures", "ru": "Главные показатели"},
    "acquisition": {"en": "What a customer costs", "ru": "Сколько стоит клиент"},
    "trends": {"en": "Trends", "ru": "Динамика"},
    "economics_month": {
        "en": "Unit economics by acquisition month",
        "ru": "Юнит-экономика по месяцу привлечения",
    },
    "economics_channel": {
        "en": "Unit economics by acquisition channel",
        "ru": "Юнит-экономика по каналу привлечения",
    },
    "cohorts": {"en": "Cohort retention", "ru": "Удержание когорт"},
    "cohorts_note": {
        "en": "Share of each month's new customers who bought again N months later.",
        "ru": "Доля новых клиентов каждого месяца, купивших снова спустя столько месяцев, "
        "сколько указано по горизонтали.",
    },
    "cohort_value": {
        "en": "Cumulative revenue per acquired customer",
        "ru": "Накопленная выручка на привлечённого клиента",
    },
    "cycles": {"en": "Purchase cycles", "ru": "Циклы покупок"},
    "cycles_note": {
        "en": "Days between a customer's consecutive purchase days.",
        "ru": "Дни между соседними днями покупок клиента.",
    },
    "category_cycles": {"en": "Return cycle by category", "ru": "Цикл возврата по категориям"},
    "what_if": {"en": "What the levers are worth", "ru": "Сколько стоят рычаги"},
    "what_if_note": {
        "en": "Margin over {years} years from today's active customers and the new customers "
        "won at today's rate, if each lever moves by {lever} alone, and all together. "
        "Each lever acts on its own quantity: bigger orders raise every order, first ones "
        "included; more repeat purchases raise only the orders of customers who already "
        "bought; less churn keeps more customers each year, which adds up over the years; "
        "referrals bring more new customers, each worth a first order and, if they come "
        "back, repeat purchases.",
        "ru": "Маржа за {years} г. от нынешних активных клиентов и новых, которые приходят "
        "в нынешнем темпе, если каждый рычаг сдвинуть на {lever} отдельно и все вместе. "
        "Каждый рычаг действует на своё: крупнее чек — на все заказы, включая первые; "
        "больше повторных покупок — только на заказы тех, кто уже покупал; меньше "
        "оттока — больше клиентов остаётся каждый год, и это копится; рекомендации "
        "приводят больше новых клиентов, каждый из которых даёт первый заказ, а если "
        "вернётся — и повторные.",
    },
    "lever_moves": {"en": "What changes", "ru": "Что меняется"},
    "q_order_value": {"en": "average order", "ru": "средний чек"},
    "q_orders_per_year": {
        "en": "purchases a year per active customer",
        "ru": "покупок в год на активного клиента",
    },
    "q_retention": {"en": "customers kept a year", "ru": "остаются на следующий год"},
    "q_new_customers": {"en": "new customers a year", "ru": "новых клиентов в год"},
    "more_columns": {
        "en": "More columns: first order, repeat purchases, revenue, margin, spend",
        "ru": "Другие колонки: первый заказ, повторные покупки, выручка, маржа, расходы",
    },
    "economics_legend_paid": {
        "en": "CAC, all: acquisition spend / all new customers, organic ones included. "
        "CAC, paid: acquisition spend / new customers from channels with spend. "
        "LTV : CAC: margin per customer / CAC; above 3 is healthy. Payback: months of a "
        "customer's margin it takes to cover the CAC.",
        "ru": "CAC, все: расходы на привлечение / все новые клиенты, включая "
        "пришедших бесплатно. CAC, платные: расходы на привлечение / новые клиенты из "
        "каналов с расходами. LTV : CAC: маржа на клиента / CAC; выше 3 — хорошо. "
        "Окупаемость: за сколько месяцев маржа клиента покрывает CAC.",
    },
    "economics_legend": {
        "en": "CAC: the channel's acquisition spend / its new customers (empty for a "
        "channel without spend). LTV : CAC: margin per customer / CAC; above 3 is "
        "healthy. Payback: months of a customer's margin it takes to cover the CAC.",
        "ru": "CAC: расходы канала на привлечение / его новые клиенты (пусто для канала "
        "без расходов). LTV : CAC: маржа на клиента / CAC; выше 3 — хорошо. "
        "Окупаемость: за сколько месяцев маржа клиента покрывает CAC.",
    },
    "col_new_customers": {"en": "New customers", "ru": "Новые клиенты"},
    "col_cac": {"en": "CAC, all", "ru": "CAC, все"},
    "col_cac_channel": {"en": "CAC", "ru": "CAC"},
    "col_ltv_to_cac_channel": {"en": "LTV : CAC", "ru": "LTV : CAC"},
    "col_cac_paid": {"en": "CAC, paid", "ru": "CAC, платные"},
    "col_ltv_to_cac": {"en": "LTV : CAC, all", "ru": "LTV : CAC, все"},
    "col_ltv_to_cac_paid": {"en": "LTV : CAC, paid", "ru": "LTV : CAC, платные"},
    "col_payback": {"en": "Payback, mo.", "ru": "Окупаемость, мес."},
    "col_first_order": {"en": "First order", "ru": "Первый заказ"},
    "col_back_90": {"en": "Back in 90 d", "ru": "Вернулись за 90 дн."},
    "col_came_back": {"en": "Came back", "ru": "Вернулись"},
    "col_revenue_pc": {"en": "Revenue / customer", "ru": "Выручка / клиент"},
    "col_margin_pc": {"en": "Margin / customer", "ru": "Маржа / клиент"},
    "col_acquisition_spend": {"en": "Acquisition spend", "ru": "Расходы на привлечение"},
    "col_cost_per_lead": {"en": "Cost per lead", "ru": "Цена лида"},
    "segments": {"en": "Segments", "ru": "Сегменты"},
    "segments_note": {
        "en": "RFM segments, status by each customer's own purchase cycle, and the golden "
        "customers. The command repeatly segments writes the contact lists.",
        "ru": "RFM-сегменты, статус по собственному циклу покупок клиента и золотые "
        "клиенты. Списки для связи пишет команда repeatly segments.",
    },
    "segment": {"en": "Segment", "ru": "Сегмент"},
    "customers_col": {"en": "Customers", "ru": "Клиенты"},
    "share_col": {"en": "Share", "ru": "Доля"},
    "revenue_col": {"en": "Revenue", "ru": "Выручка"},
    "margin_col": {"en": "Margin", "ru": "Маржа"},
    "margin_share_col": {"en": "Share of margin", "ru": "Доля маржи"},
    "nav_actions": {"en": "What to do", "ru": "Что делать"},
    "status_col": {"en": "Status", "ru": "Статус"},
    "status_new": {"en": "New (one purchase, recent)", "ru": "Новые (одна покупка, недавно)"},
    "status_active": {"en": "Active", "ru": "Активные"},
    "status_due": {"en": "Due to come back", "ru": "Пора вернуться"},
    "status_at_risk": {"en": "At risk", "ru": "Под угрозой"},
    "status_lost": {"en": "Lost", "ru": "Потерянные"},
    "golden_line": {
        "en": "{n} golden customers ({share} of customers) bring {margin} of the margin.",
        "ru": "{n} золотых клиентов ({share} клиентов) приносят {margin} маржи.",
    },
    "rfm_grid": {
        "en": "Customers by recency and frequency score",
        "ru": "Клиенты по давности и частоте",
    },
    "frequency_axis": {
        "en": "Frequency score (5 = most purchases)",
        "ru": "Частота (5 — больше всего покупок)",
    },
    "recency_axis": {
        "en": "Recency score (5 = most recent)",
        "ru": "Давность (5 — самые недавние)",
    },
    "pareto": {
        "en": "Share of margin from the top customers",
        "ru": "Доля маржи от лучших клиентов",
    },
    "top_customers_axis": {"en": "Top customers, %", "ru": "Лучшие клиенты, %"},
    "margin_share_axis": {"en": "Share of margin, %", "ru": "Доля маржи, %"},
    "golden_by_month": {
        "en": "Golden customers month by month",
        "ru": "Золотые клиенты по месяцам",
    },
    "golden_margin_series": {"en": "their share of margin", "ru": "их доля маржи"},
    "golden_customers_series": {"en": "their share of buyers", "ru": "их доля покупателей"},
    "lost_chart": {
        "en": "Customers lost per month, by their purchase cycle",
        "ru": "Потеряно клиентов по месяцам, по их циклу покупок",
    },
    "became_lost": {"en": "became lost", "ru": "потеряны"},
    "movement": {
        "en": "Movement between segments over the last year",
        "ru": "Переходы между сегментами за последний год",
    },
    "from_axis": {"en": "A year ago", "ru": "Год назад"},
    "to_axis": {"en": "Now", "ru": "Сейчас"},
    "quality": {"en": "Data quality", "ru": "Качество данных"},
    "quality_note": {
        "en": "Nothing here stops the analysis; large counts are worth a look at the export.",
        "ru": "Ничто здесь не мешает анализу, но большие числа стоит проверить в выгрузке.",
    },
    "q_rows": {"en": "Order lines read", "ru": "Прочитано строк заказов"},
    "q_skipped_rows": {"en": "Lines skipped as unreadable", "ru": "Пропущено нечитаемых строк"},
    "q_unparseable_values": {"en": "Unreadable values in them", "ru": "Нечитаемых значений в них"},
    "q_duplicate_rows": {"en": "Exact duplicate lines", "ru": "Полных дублей строк"},
    "q_missing_order_ids": {"en": "Lines without an order id", "ru": "Строк без номера заказа"},
    "q_future_dates": {
        "en": "Lines dated in the future (left out)",
        "ru": "Строк с датой в будущем (не учтены)",
    },
    "q_zero_amounts": {"en": "Lines of zero amount", "ru": "Строк с нулевой суммой"},
    "q_negative_amounts": {
        "en": "Returns (negative amounts)",
        "ru": "Возвратов (отрицательных сумм)",
    },
    "q_negative_quantities": {
        "en": "Lines of a negative quantity",
        "ru": "Строк с отрицательным количеством",
    },
    "q_outliers": {
        "en": "Unusually large lines (above {threshold})",
        "ru": "Необычно крупных строк (больше {threshold})",
    },
    "problems": {"en": "Examples of skipped lines", "ru": "Примеры пропущенных строк"},
    "read_as": {"en": "Read as", "ru": "Как прочитано"},
    "file_format": {"en": "file", "ru": "файл"},
    "mapping": {"en": "Columns used", "ru": "Использованные колонки"},
    "input": {"en": "Input", "ru": "Вход"},
    "role": {"en": "Role", "ru": "Роль"},
    "column": {"en": "Column in the file", "ru": "Колонка в файле"},
    "rows": {"en": "rows", "ru": "строк"},
    "skipped": {"en": "skipped", "ru": "пропущено"},
    "meaning": {"en": "Meaning", "ru": "Смысл"},
    "check": {"en": "Check", "ru": "Проверка"},
    "count": {"en": "Count", "ru": "Количество"},
    "month": {"en": "Month", "ru": "Месяц"},
    "channel": {"en": "Channel", "ru": "Канал"},
    "category": {"en": "Category", "ru": "Категория"},
    "median": {"en": "Median", "ru": "Медиана"},
    "middle_half": {"en": "Middle half", "ru": "Средняя половина"},
    "repeats": {"en": "Repeat purchases", "ru": "Повторные покупки"},
    "lever": {"en": "Lever", "ru": "Рычаг"},
    "margin_over": {"en": "Margin over {years} years", "ru": "Маржа за {years} г."},
    "gain": {"en": "Gain", "ru": "Прирост"},
    "baseline": {"en": "Today", "ru": "Сейчас"},
    "combined": {"en": "All levers together", "ru": "Все рычаги вместе"},
    "upsell": {"en": "Bigger orders (upsell)", "ru": "Крупнее чек (допродажи)"},
    "repeat": {"en": "More repeat purchases", "ru": "Больше повторных покупок"},
    "churn": {"en": "Less churn", "ru": "Меньше оттока"},
    "referrals": {
        "en": "More new customers through referrals",
        "ru": "Больше новых клиентов по рекомендациям",
    },
    "no_spend": {
        "en": "No marketing spend given: pass --spend to see what a customer costs.",
        "ru": "Расходы на маркетинг не заданы: укажите --spend, чтобы увидеть цену клиента.",
    },
    "margin_revenue": {
        "en": "No cost data: margin is taken as revenue. Pass --margin-rate or a cost column.",
        "ru": "Нет себестоимости: маржа принята равной выручке. Укажите --margin-rate "
        "или колонку себестоимости.",
    },
    "revenue_chart": {"en": "Revenue by month", "ru": "Выручка по месяцам"},
    "customers_chart": {"en": "Customers by month", "ru": "Клиенты по месяцам"},
    "new": {"en": "New", "ru": "Новые"},
    "returning": {"en": "Returning", "ru": "Вернувшиеся"},
    "months_since": {"en": "Months since first purchase", "ru": "Месяцев с первой покупки"},
    "cohort": {"en": "Cohort", "ru": "Когорта"},
    "days_between": {"en": "Days between purchases", "ru": "Дней между покупками"},
    "share": {"en": "Share of repeat purchases", "ru": "Доля повторных покупок"},
    "generated": {"en": "Made by Repeatly", "ru": "Сделано в Repeatly"},
    "none_found": {"en": "No problems found.", "ru": "Проблем не найдено."},
    # the navigation bar
    "nav_headline": {"en": "Headline", "ru": "Главное"},
    "nav_acquisition": {"en": "Customer cost", "ru": "Цена клиента"},
    "nav_trends": {"en": "Trends", "ru": "Динамика"},
    "nav_economics": {"en": "Unit economics", "ru": "Юнит-экономика"},
    "nav_cohorts": {"en": "Cohorts", "ru": "Когорты"},
    "nav_cycles": {"en": "Cycles", "ru": "Циклы"},
    "nav_segments": {"en": "Segments", "ru": "Сегменты"},
    "nav_prediction": {"en": "Prediction", "ru": "Прогноз"},
    "nav_what_if": {"en": "Levers", "ru": "Рычаги"},
    "nav_quality": {"en": "Data quality", "ru": "Качество данных"},
    "nav_mapping": {"en": "Columns", "ru": "Колонки"},
    # the Campaigns section
    "nav_campaigns": {"en": "Campaigns", "ru": "Кампании"},
    "campaigns": {"en": "Campaigns", "ru": "Кампании"},
    "campaigns_title": {"en": "Campaign results", "ru": "Результаты кампаний"},
    "campaigns_note": {
        "en": "What each campaign changed: the customers it reached against the control "
        "group, who got nothing. A purchase in the attribution window, or an answer "
        "recorded for the campaign, counts as a response. Intervals are 95%.",
        "ru": "Что изменила каждая кампания: клиенты, до которых она дошла, против "
        "контрольной группы, которая ничего не получила. Откликом считается покупка "
        "в окне атрибуции или ответ, записанный для кампании. Интервалы — 95 %.",
    },
    "c_lead": {
        "en": "{treatment} customers reached, {control} held back: {rate_t} of them bought "
        "against {rate_c} of the control group, an uplift of {uplift} ({low} to "
        "{high}). Incremental profit after the offer's cost ({cost}): {profit} "
        "({profit_low} to {profit_high}).",
        "ru": "Охвачено клиентов: {treatment}, в контроле: {control}. Купили {rate_t} "
        "против {rate_c} в контрольной группе — прирост {uplift} (от {low} до "
        "{high}). Дополнительная прибыль за вычетом стоимости предложения ({cost}): "
        "{profit} (от {profit_low} до {profit_high}).",
    },
    "c_window": {
        "en": "attribution window {start} to {end}",
        "ru": "окно атрибуции с {start} по {end}",
    },
    "c_all": {"en": "Whole campaign", "ru": "Вся кампания"},
    "c_segment": {"en": "Segment", "ru": "Сегмент"},
    "c_treatment": {"en": "Reached", "ru": "Охвачено"},
    "c_control": {"en": "Control", "ru": "Контроль"},
    "c_bought_t": {"en": "Bought, reached", "ru": "Купили, охват"},
    "c_bought_c": {"en": "Bought, control", "ru": "Купили, контроль"},
    "c_uplift": {"en": "Uplift (95% interval)", "ru": "Прирост (95 % интервал)"},
    "c_revenue": {"en": "Incremental revenue", "ru": "Доп. выручка"},
    "c_cost": {"en": "Offer cost", "ru": "Стоимость предложения"},
    "c_profit": {"en": "Incremental profit", "ru": "Доп. прибыль"},
    "c_chart": {
        "en": "Uplift in the share who bought, by segment",
        "ru": "Прирост доли купивших по сегментам",
    },
    "c_chart_x": {
        "en": "percentage points (reached − control)",
        "ru": "процентные пункты (охват − контроль)",
    },
    # the Prediction section
    "forecast_title": {"en": "Customer forecast", "ru": "Прогноз по клиентам"},
    "prediction": {"en": "Prediction", "ru": "Прогноз"},
    "prediction_note": {
        "en": "What the order history says about each customer: who is likely to buy "
        "again, who has likely gone for good, and what they are expected to bring.",
        "ru": "Что история заказов говорит о каждом клиенте: кто, скорее всего, купит "
        "снова, кто, скорее всего, ушёл насовсем и сколько клиенты принесут.",
    },
    "p_details": {
        "en": "How the forecast is made: the model, its check and its statistics",
        "ru": "Как сделан прогноз: модель, проверка и статистика",
    },
    "p_method": {
        "en": "A buy-till-you-die model: from when each customer bought, it learns how "
        "often customers buy and how likely they are to stop; it counts time in {units}.",
        "ru": "Модель «покупает, пока не ушёл»: по датам покупок "
        "клиентов она оценивает, как часто они покупают и насколько вероятно, что "
        "перестали; время она считает в единицах: {units}.",
    },
    "p_why_bic": {
        "en": "{model} was chosen because, of {models}, it fits the whole order history "
        "best (lowest BIC), so every report on these orders uses the same model; held-back "
        "months, when there are any, only check it.",
        "ru": "Выбрана модель {model}: из моделей {models} она лучше всех описывает всю "
        "историю заказов (наименьший BIC), поэтому все отчёты по этим заказам используют "
        "одну модель; отложенные месяцы, если они есть, служат только проверкой.",
    },
    "p_why_tie": {
        "en": "None of {models} is better here: no customer has bought twice, so they all "
        "fit equally; {model} is used.",
        "ru": "Ни одна из моделей {models} здесь не лучше: ни один клиент не купил "
        "дважды, и все подходят одинаково; использована модель {model}.",
    },
    "p_why_chosen": {
        "en": "{model} was set in the options.",
        "ru": "Модель {model} задана в настройках.",
    },
    "p_spend_gg": {
        "en": "Spend per purchase: Gamma-Gamma model.",
        "ru": "Сумма покупки: модель Gamma-Gamma.",
    },
    "p_spend_own": {
        "en": "Spend per purchase: each customer's own average.",
        "ru": "Сумма покупки: собственное среднее клиента.",
    },
    "p_buyers": {
        "en": "Likely to buy in the next {horizon}",
        "ru": "Скорее всего купят в ближайшие {horizon}",
    },
    "p_buyers_def": {
        "en": "Customers expected to buy at least once ({share} of all): each "
        "customer's chance of buying, added up.",
        "ru": "Ожидаемое число клиентов, которые купят хотя бы раз ({share} всех): "
        "сумма шансов каждого клиента на покупку.",
    },
    "p_gone": {"en": "Likely gone", "ru": "Скорее всего ушли"},
    "p_lost": {"en": "Lost", "ru": "Ушли"},
    "p_lost_def": {
        "en": "{share} of customers, the same lost as everywhere in this report: {gone} the "
        "forecast gives less than a {cut} chance of buying again, the others long past "
        "their usual time between purchases.",
        "ru": "{share} клиентов, те же ушедшие, что во всём отчёте: у {gone} из них прогноз "
        "даёт шанс новой покупки меньше {cut}, остальные давно пропустили свой обычный "
        "срок между покупками.",
    },
    "p_gone_def": {
        "en": "{share} of customers: less than a {cut} chance they still buy from you.",
        "ru": "{share} клиентов: шанс, что они ещё покупают у вас, меньше {cut}.",
    },
    "p_gone_unknown": {
        "en": "Not known: no customer has bought twice yet, so the orders cannot tell "
        "a customer who has left from one who has not come back yet.",
        "ru": "Неизвестно: ни один клиент ещё не купил дважды, и по заказам нельзя "
        "отличить ушедшего клиента от того, кто просто ещё не вернулся.",
    },
    "p_purchases": {
        "en": "Purchases expected in the next {horizon}",
        "ru": "Ожидаемые покупки в ближайшие {horizon}",
    },
    "p_purchases_def": {
        "en": "All customers' purchases the forecast expects, added up.",
        "ru": "Сколько покупок всего ожидается от всех клиентов.",
    },
    "p_value": {"en": "Predicted value, next {months}", "ru": "Прогноз ценности за {months}"},
    "p_value_margin": {
        "en": "Margin ({margin} of spend) all customers are expected to bring in the next "
        "{months}, in today's money (discounted at {rate} a year).",
        "ru": "Маржа ({margin} от суммы покупок), которую принесут все клиенты за "
        "ближайшие {months}, в сегодняшних деньгах (дисконт {rate} в год).",
    },
    "p_value_revenue": {
        "en": "What all customers are expected to spend in the next {months} (no margin "
        "given), in today's money (discounted at {rate} a year).",
        "ru": "Сколько потратят все клиенты за ближайшие {months} (маржа не задана), "
        "в сегодняшних деньгах (дисконт {rate} в год).",
    },
    "p_value_customer": {"en": "Predicted value per customer", "ru": "Прогноз ценности на клиента"},
    "p_value_customer_def": {
        "en": "Mean over all {n} customers.",
        "ru": "Среднее по всем клиентам ({n}).",
    },
    "p_holdout_def": {
        "en": "Checked on the past: fitted on the orders up to {date}, the model expected "
        "{expected} repeat purchases in the {length} after; there were {actual} ({error}).",
        "ru": "Проверка на прошлом: по заказам до {date} модель ожидала {expected} "
        "повторных покупок за следующие {length}; их было {actual} ({error}).",
    },
    "p_what_if": {
        "en": "If {reduction} fewer customers left, their predicted value would be {change} "
        "higher ({share}).",
        "ru": "Если бы уходило на {reduction} меньше клиентов, прогноз ценности был бы выше "
        "на {change} ({share}).",
    },
    "p_compared": {"en": "Models compared", "ru": "Сравнение моделей"},
    "p_compared_holdout": {
        "en": "Fitted on the history up to {date} and judged on the {length} after it. Lower "
        "AIC, BIC and errors are better; the marked model is used.",
        "ru": "Обучены на истории до {date}, проверены на {length} после неё; чем меньше "
        "AIC, BIC и ошибки, тем лучше; отмеченная модель использована.",
    },
    "p_compared_whole": {
        "en": "Fitted on the whole history. Lower AIC and BIC are better; the marked model is "
        "used.",
        "ru": "Обучены на всей истории. Чем меньше AIC и BIC, тем лучше; отмеченная модель "
        "использована.",
    },
    "p_used": {"en": "used", "ru": "выбрана"},
    "p_col_model": {"en": "Model", "ru": "Модель"},
    "p_col_ll": {"en": "Log-likelihood", "ru": "Лог-правдоподобие"},
    "p_col_mae": {"en": "Error per customer", "ru": "Ошибка на клиента"},
    "p_col_expected": {"en": "Expected purchases", "ru": "Ожидалось покупок"},
    "p_col_actual": {"en": "Actual purchases", "ru": "Было покупок"},
    "p_col_aggregate": {"en": "Total error", "ru": "Общая ошибка"},
    "p_top": {
        "en": "Top {n} customers by predicted value",
        "ru": "{n} клиентов с наибольшим прогнозом ценности",
    },
    "p_col_customer": {"en": "Customer", "ru": "Клиент"},
    "p_col_repeats": {"en": "Repeat purchases", "ru": "Повторные покупки"},
    "p_col_alive": {"en": "Chance still active", "ru": "Вероятность активности"},
    "p_col_next": {"en": "Next purchase around", "ru": "Следующая покупка около"},
    "p_col_purchases": {"en": "Purchases, next {horizon}", "ru": "Покупки за {horizon}"},
    "p_col_spend": {"en": "Spend per purchase", "ru": "Сумма покупки"},
    "p_col_value": {"en": "Predicted value", "ru": "Прогноз ценности"},
    "p_notes": {"en": "Notes", "ru": "Примечания"},
    "ch_by_frequency": {"en": "Holdout by past frequency", "ru": "Проверка по частоте"},
    "ch_by_frequency_x": {
        "en": "Repeat purchases up to {date}",
        "ru": "Повторные покупки до {date}",
    },
    "ch_by_frequency_y": {
        "en": "Per customer, {length} after",
        "ru": "На клиента за {length} после",
    },
    "ch_actual": {"en": "Actual", "ru": "Факт"},
    "ch_expected": {"en": "Expected by the model", "ru": "Ожидание модели"},
    "ch_customers": {"en": "customers", "ru": "клиентов"},
    "ch_tracking": {
        "en": "Repeat purchases, actual vs model",
        "ru": "Повторные покупки: факт и модель",
    },
    "ch_tracking_x": {"en": "Date (one point per {unit})", "ru": "Дата (точка — {unit})"},
    "ch_tracking_y": {"en": "Cumulative, since the start", "ru": "Нарастающим итогом"},
    "ch_calibration_end": {"en": "calibration end", "ru": "конец обучения"},
    "ch_holdout": {"en": "holdout", "ru": "отложенный период"},
    "ch_alive": {
        "en": "Chance a customer is still active, %",
        "ru": "Вероятность, что клиент ещё активен, %",
    },
    "ch_alive_x": {
        "en": "Recency: {units} from first to last purchase",
        "ru": "Давность: {units} от первой до последней покупки",
    },
    "ch_alive_y": {"en": "Repeat purchases", "ru": "Повторные покупки"},
    "ch_clv": {
        "en": "Customers by predicted value over the next {months}",
        "ru": "Клиенты по прогнозу ценности за {months}",
    },
    "ch_clv_x": {"en": "Predicted value, {currency}", "ru": "Прогноз ценности, {currency}"},
    "ch_clv_y": {"en": "Customers", "ru": "Клиенты"},
    "ch_clv_above": {"en": "above {value} (top 1%)", "ru": "больше {value} (верхний 1\u00a0%)"},
    # --- Russian complete: words the report used to leave in English ---
    "rfm_hover": {"en": "R %{y}, F %{x}", "ru": "давность %{y}, частота %{x}"},
    "percent_axis": {"en": "%", "ru": "%"},
    "input_file": {"en": "{name} ({source})", "ru": "{name} ({source})"},
}

# --- Russian complete: names of things the data and the domain keep in English ---

#: The inputs, as the columns table names them.
INPUTS: dict[str, dict[str, str]] = {
    "orders": {"ru": "заказы"},
    "customers": {"ru": "клиенты"},
    "products": {"ru": "товары"},
    "spend": {"ru": "расходы на маркетинг"},
    "leads": {"ru": "лиды"},
}

#: Column roles (``repeatly.data``'s canonical names), as the columns table names them.
ROLES: dict[str, dict[str, str]] = {
    "customer_id": {"ru": "клиент"},
    "ordered_at": {"ru": "дата заказа"},
    "amount": {"ru": "сумма"},
    "order_id": {"ru": "номер заказа"},
    "sku": {"ru": "артикул"},
    "category": {"ru": "категория"},
    "brand": {"ru": "бренд"},
    "quantity": {"ru": "количество"},
    "unit_price": {"ru": "цена за единицу"},
    "cost": {"ru": "себестоимость"},
    "margin": {"ru": "маржа"},
    "discount": {"ru": "скидка"},
    "promo": {"ru": "по акции"},
    "channel": {"ru": "канал"},
    "store": {"ru": "магазин"},
    "name": {"ru": "имя"},
    "email": {"ru": "e-mail"},
    "phone": {"ru": "телефон"},
    "address": {"ru": "адрес"},
    "city": {"ru": "город"},
    "latitude": {"ru": "широта"},
    "longitude": {"ru": "долгота"},
    "consent_email": {"ru": "согласие на e-mail"},
    "consent_sms": {"ru": "согласие на SMS"},
    "consent_phone": {"ru": "согласие на звонки"},
    "consent_post": {"ru": "согласие на письма"},
    "acquisition_channel": {"ru": "канал привлечения"},
    "referred_by": {"ru": "кто порекомендовал"},
    "signup_date": {"ru": "дата регистрации"},
    "price": {"ru": "цена"},
    "collection": {"ru": "коллекция"},
    "launch_date": {"ru": "дата запуска"},
    "period": {"ru": "период"},
    "spend": {"ru": "расходы"},
    "visitors": {"ru": "посетители"},
    "leads": {"ru": "лиды"},
    "purpose": {"ru": "назначение"},
    "created_at": {"ru": "дата лида"},
    "lead_id": {"ru": "номер лида"},
}

#: How a column or a file was read (``repeatly.data``'s details), word by word.
DETAILS: dict[str, dict[str, str]] = {
    "encoding": {"ru": "кодировка"},
    "delimiter": {"ru": "разделитель"},
    "sheet": {"ru": "лист"},
    "engine": {"ru": "база"},
    "comma": {"ru": "запятая"},
    "semicolon": {"ru": "точка с запятой"},
    "tab": {"ru": "табуляция"},
    "pipe": {"ru": "вертикальная черта"},
    "decimal comma": {"ru": "десятичная запятая"},
    "decimal point": {"ru": "десятичная точка"},
    "text": {"ru": "текст"},
    "ISO": {"ru": "ГГГГ-ММ-ДД"},
    "csv": {"ru": "CSV"},
    "excel": {"ru": "Excel"},
    "parquet": {"ru": "Parquet"},
    "varchar": {"ru": "текст"},
    "double": {"ru": "число"},
    "float": {"ru": "число"},
    "bigint": {"ru": "целое число"},
    "integer": {"ru": "целое число"},
    "boolean": {"ru": "да/нет"},
    "date": {"ru": "дата"},
    "timestamp": {"ru": "дата и время"},
}

#: Time units of the models: the plural (axis titles), a count of them and one of them.
UNITS: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "plural": {"day": "days", "week": "weeks", "month": "months"},
        "count": {"day": "days", "week": "weeks", "month": "months"},
        "one": {"day": "day", "week": "week", "month": "month"},
    },
    "ru": {
        "plural": {"day": "дни", "week": "недели", "month": "месяцы"},
        "count": {"day": "дн.", "week": "нед.", "month": "мес."},
        "one": {"day": "день", "week": "неделя", "month": "месяц"},
    },
}

#: Headline metrics: (key, kind, English label, Russian label, English definition,
#: Russian definition).
METRICS: tuple[tuple[str, str, str, str, str, str], ...] = (
    (
        "customers",
        "int",
        "Customers",
        "Клиенты",
        "Customers with at least one purchase.",
        "Клиенты хотя бы с одной покупкой.",
    ),
    (
        "revenue",
        "money",
        "Revenue",
        "Выручка",
        "Net of refunds, over the whole history.",
        "За вычетом возвратов, за всю историю.",
    ),
    (
        "orders",
        "int",
        "Orders",
        "Заказы",
        "Purchases; lines of one customer on one day are one order when there is no order id.",
        "Покупки; без номера заказа строки клиента за день — один заказ.",
    ),
    (
        "avg_order_value",
        "money",
        "Average order",
        "Средний чек",
        "Purchases value / orders.",
        "Сумма покупок / число заказов.",
    ),
    (
        "first_order_value",
        "money",
        "First order",
        "Первый заказ",
        "Mean value of a customer's first order.",
        "Средняя сумма первого заказа клиента.",
    ),
    (
        "repeat_share",
        "share",
        "Came back",
        "Вернулись",
        "Share of customers with two or more purchases.",
        "Доля клиентов с двумя и более покупками.",
    ),
    (
        "repeat_90",
        "share",
        "Back within 90 days",
        "Вернулись за 90 дней",
        "Share who bought again within 90 days of the first purchase (customers acquired "
        "90+ days ago).",
        "Доля купивших снова в течение 90 дней после первой покупки (среди привлечённых "
        "90+ дней назад).",
    ),
    (
        "median_days_to_second",
        "days",
        "Days to second purchase",
        "Дней до второй покупки",
        "Median days from the first to the second purchase.",
        "Медиана дней от первой до второй покупки.",
    ),
    (
        "margin_per_customer",
        "money",
        "Margin per customer",
        "Маржа на клиента",
        "Gross margin of a customer over their whole history (historical LTV).",
        "Валовая маржа клиента за всю историю (историческая LTV).",
    ),
    (
        "annual_retention",
        "share",
        "Kept year over year",
        "Удержание за год",
        "Of last year's buyers, the share who bought again in the last 365 days.",
        "Доля покупателей прошлого года, купивших снова за последние 365 дней.",
    ),
    (
        "active_customers",
        "int",
        "Bought in the last 12 months",
        "Покупали за последние 12 месяцев",
        "Customers with a purchase in the last 365 days (not the status: see What to do now).",
        "Клиенты с покупкой за последние 365 дней (это не статус: см. «Что делать сейчас»).",
    ),
    (
        "orders_per_customer_year",
        "number",
        "Orders a year",
        "Заказов в год",
        "Purchases in the last 365 days per active customer.",
        "Покупок за последние 365 дней на активного клиента.",
    ),
)

SPEND_METRICS: tuple[tuple[str, str, str, str, str, str], ...] = (
    (
        "cac_paid",
        "money",
        "Cost per new buyer, paid channels",
        "Цена покупателя, платные каналы",
        "Acquisition spend / new customers who came through channels with spend (CAC).",
        "Расходы на привлечение / новые клиенты из каналов с расходами (CAC).",
    ),
    (
        "cac",
        "money",
        "Cost per new buyer, all channels",
        "Цена покупателя, все каналы",
        "Acquisition spend / all new customers, organic ones included (CAC).",
        "Расходы на привлечение / все новые клиенты, включая пришедших бесплатно (CAC).",
    ),
    (
        "ltv_to_cac_paid",
        "ratio",
        "LTV : CAC, paid channels",
        "LTV : CAC, платные каналы",
        "Margin per customer of the paid channels / their CAC; above 3 is healthy.",
        "Маржа на клиента из платных каналов / их CAC; выше 3 — хорошо.",
    ),
    (
        "ltv_to_cac",
        "ratio",
        "LTV : CAC, all channels",
        "LTV : CAC, все каналы",
        "Margin per customer / CAC over all channels; flatters when many come free.",
        "Маржа на клиента / CAC по всем каналам; завышен, если многие пришли бесплатно.",
    ),
    (
        "payback_months",
        "number1",
        "Payback, months",
        "Окупаемость, мес.",
        "CAC over all channels / a customer's average monthly margin.",
        "CAC по всем каналам / средняя месячная маржа клиента.",
    ),
    (
        "cost_per_visitor",
        "money",
        "Cost per visitor",
        "Цена посетителя",
        "Acquisition spend / visitors.",
        "Расходы на привлечение / посетители.",
    ),
    (
        "cost_per_lead",
        "money",
        "Cost per lead",
        "Цена лида",
        "Acquisition spend / leads.",
        "Расходы на привлечение / лиды.",
    ),
    (
        "cost_to_return",
        "money",
        "Cost to bring back",
        "Цена возврата",
        "Retention spend / returning customers.",
        "Расходы на удержание / вернувшиеся клиенты.",
    ),
    (
        "profit_per_customer",
        "money",
        "Profit per customer",
        "Прибыль на клиента",
        "(Margin - all marketing spend) / customers.",
        "(Маржа - все расходы на маркетинг) / клиенты.",
    ),
)


# --- Russian complete: the forecast's notes (``repeatly._notes.Note`` keys) ---

#: A note's sentence in Russian; ``{…}`` are its values, formatted by the report.
NOTES: dict[str, str] = {
    "auto_tie": (
        "Выбор модели: ни один клиент не купил больше одного раза, поэтому все модели "
        "описывают заказы одинаково и ни одна не лучше других; показаны цифры {label}, "
        "и ни одна модель не ждёт повторных покупок."
    ),
    "auto_no_holdout": (
        "Выбор модели: до {date} ни один клиент не купил больше одного раза, и проверка "
        "не различает модели; у {label} наименьший BIC на всей истории среди {names}."
    ),
    "auto_holdout": (
        "Выбор модели: у {label} наименьшая ошибка на отложенном периоде среди {names}."
    ),
    "auto_bic": "Выбор модели: у {label} наименьший BIC среди {names}.",
    "no_repeat": (
        "Ни один клиент не купил больше одного раза, и ничто не отличает ушедшего клиента "
        "от того, кто ещё не вернулся: вероятность активности не рассчитана, повторных "
        "покупок не ожидается (их не было)."
    ),
    "spend_few": (
        "Сумма покупки: слишком мало повторных покупателей для модели Gamma-Gamma; "
        "берётся собственная средняя сумма каждого клиента."
    ),
    "spend_failed": (
        "Сумма покупки: модель Gamma-Gamma не сошлась; берётся собственная средняя "
        "сумма каждого клиента."
    ),
    "spend_no_mean": (
        "Сумма покупки: у модели Gamma-Gamma нет конечной средней суммы (q ≤ 1); "
        "берётся собственная средняя сумма каждого клиента."
    ),
    "limit_none_leave": (
        "{label}: похоже, ни один клиент не перестал покупать, поэтому модель подобрана "
        "на пределе: одна доля ухода для всех, наименьшая из возможных."
    ),
    "limit_rate": (
        "{label}: похоже, все клиенты перестают покупать примерно с одной скоростью "
        "(за {unit_one} перестают около {share} ещё покупающих; в среднем через "
        "{after}), поэтому модель подобрана на пределе, с одной скоростью ухода для всех: "
        "разброс скоростей между клиентами не описал бы эти заказы лучше."
    ),
    "limit_probability": (
        "{label}: похоже, у всех клиентов одинаковый шанс перестать покупать после "
        "покупки (около {share}), поэтому модель подобрана на пределе, с одной "
        "вероятностью ухода для всех: разброс между клиентами не описал бы эти заказы "
        "лучше."
    ),
    "margin_none": (
        "Маржа: нет себестоимости, поэтому CLV считается по выручке (задайте --margin)."
    ),
    "margin_from_costs": "Маржа: {share} — доля маржи в строках с себестоимостью.",
    "bounds": (
        "{label}: подбор остановился на краю диапазона поиска ({bounds}): заказы не "
        "определяют эти параметры точно, и зависящие от них цифры ненадёжны."
    ),
}

#: "In a week" and the like: the unit in the accusative, after «за».
UNIT_SPAN_RU = {"day": "день", "week": "неделю", "month": "месяц"}


# --- Russian complete: the command line's words ---

#: The steps jobs report as they go (English, as the job says it) and their Russian.
#: A ``{…}`` part matches any text and is carried over.
STEPS: dict[str, str] = {
    "Starting": "Начало",
    "Generating a shop with {customers} customers (seed {seed})": (
        "Создаю магазин: {customers} клиентов (зерно {seed})"
    ),
    "Loading orders": "Читаю заказы",
    "Loading customers": "Читаю клиентов",
    "Loading products": "Читаю товары",
    "Loading spend": "Читаю расходы на маркетинг",
    "Loading leads": "Читаю лиды",
    "Building orders": "Собираю заказы",
    "Summarising customers": "Свожу данные по клиентам",
    "Computing unit economics": "Считаю юнит-экономику",
    "Cohorts and purchase cycles": "Когорты и циклы покупок",
    "Segments": "Сегменты",
    "Finding segments": "Ищу сегменты",
    "Predicting customers": "Прогнозирую клиентов",
    "Fitting on the calibration period": "Обучаю модели на периоде до проверки",
    "Fitting the models": "Обучаю модели",
    "Predicting every customer": "Прогноз по каждому клиенту",
    "Planning a win-back campaign": "Планирую кампанию возврата клиентов",
    "Planning the campaign": "Планирую кампанию",
    "Measuring campaigns": "Оцениваю кампании",
    "Measuring": "Оцениваю",
    "Writing report": "Пишу отчёт",
    "Writing the plan": "Пишу план действий",
    "Writing contact lists": "Пишу списки для связи",
    "Writing predictions": "Пишу прогнозы",
}

#: The command line's own lines.
CONSOLE: dict[str, dict[str, str]] = {
    "done_in": {"en": "done in {took}", "ru": "готово за {took}"},
    "seconds": {"en": "{seconds} s", "ru": "{seconds} с"},
    "headline": {
        "en": "{customers} customers, {orders} orders, revenue {revenue}, came back {repeat}",
        "ru": "{customers} {customers_word}, {orders} {orders_word}, выручка {revenue}, "
        "вернулись {repeat}",
    },
    "headline_cac": {
        "en": ", CAC {cac} (all channels)",
        "ru": ", цена покупателя {cac} (все каналы)",
    },
    "headline_cac_paid": {"en": ", {cac} (paid channels)", "ru": ", {cac} (платные каналы)"},
    "skipped": {
        "en": "skipped {n} unreadable order lines",
        "ru": "пропущено нечитаемых строк заказов: {n}",
    },
    "skipped_where": {
        "en": "(examples in the report's data-quality section)",
        "ru": "(примеры — в разделе отчёта «Качество данных»)",
    },
    "future_one": {
        "en": "left out {n} order line dated after {date}",
        "ru": "не учтено строк заказов с датой после {date}: {n}",
    },
    "future_many": {
        "en": "left out {n} order lines dated after {date}",
        "ru": "не учтено строк заказов с датой после {date}: {n}",
    },
    "future_where": {
        "en": "(the data-quality section counts them)",
        "ru": "(они посчитаны в разделе «Качество данных»)",
    },
    "lists": {
        "en": "{lists} lists and a contact priority for {customers} customers",
        "ru": "списков: {lists}, и порядок связи для {customers} клиентов",
    },
    "error": {"en": "error:", "ru": "ошибка:"},
    "aborted": {"en": "aborted", "ru": "прервано"},
    "unexpected": {
        "en": "unexpected {kind}: {message}\nset REPEATLY_DEBUG=1 to see the traceback, "
        "and please report it",
        "ru": "непредвиденная ошибка {kind}: {message}\nзадайте REPEATLY_DEBUG=1, чтобы "
        "увидеть трассировку, и, пожалуйста, сообщите о ней",
    },
    # the files written, as the summary lists them
    "file_report": {"en": "report", "ru": "отчёт"},
    "file_actions": {"en": "actions", "ru": "что делать"},
    "file_actions_csv": {"en": "actions table", "ru": "что делать, таблица"},
    "file_actions_xlsx": {"en": "call sheets", "ru": "листы для обзвона"},
    "file_metrics": {"en": "metrics", "ru": "показатели"},
    "file_customers": {"en": "customers", "ru": "клиенты"},
    "file_campaign": {"en": "campaign", "ru": "кампания"},
    "file_segments": {"en": "segments", "ru": "сегменты"},
    "file_workbook": {"en": "workbook", "ru": "книга Excel"},
    "file_lists": {"en": "lists", "ru": "списки"},
    "file_predictions": {"en": "predictions", "ru": "прогнозы"},
    "file_model": {"en": "model", "ru": "модель"},
    "file_comparison": {"en": "comparison", "ru": "сравнение"},
    # predict's summary
    "fit": {
        "en": "{model}: {params}; log-likelihood {ll}",
        "ru": "{model}: {params}; лог-правдоподобие {ll}",
    },
    "holdout": {
        "en": "holdout: {actual} purchases, expected {expected} ({error} off); "
        "per-customer error {mae}",
        "ru": "проверка: покупок {actual}, ожидалось {expected} (расхождение {error}); "
        "ошибка на клиента {mae}",
    },
    "clv": {
        "en": "predicted CLV {clv}; with dropout 5% lower {clv_if} (+{change})",
        "ru": "прогноз CLV {clv}; если уходить будут на 5\u00a0% реже — {clv_if} (+{change})",
    },
}


def text(key: str, lang: str) -> str:
    """The report's text for ``key`` in ``lang`` (English when missing)."""
    entry = TEXT[key]
    return entry.get(lang) or entry["en"]


def unit_word(unit: str, form: str, lang: str) -> str:
    """A model time unit (``"week"``) in words: ``form`` is plural, count or one."""
    words = UNITS.get(lang, UNITS["en"])[form]
    return words.get(unit, unit)


#: Words counted in the text: English singular and plural; Russian one, few, many.
_COUNTED: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {"month": ("month", "months"), "day": ("day", "days")},
    "ru": {"month": ("месяц", "месяца", "месяцев"), "day": ("день", "дня", "дней")},
}


def count_words(n: int, word: str, lang: str) -> str:
    """``n`` and ``word`` agreed in number: ``12 months``, ``1 month``, ``5 месяцев``."""
    forms = _COUNTED.get(lang, _COUNTED["en"])[word]
    if len(forms) == 2:
        form = forms[0] if n == 1 else forms[1]
    elif n % 10 == 1 and n % 100 != 11:
        form = forms[0]
    elif 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        form = forms[1]
    else:
        form = forms[2]
    return f"{n}\u00a0{form}"


#: The default RFM segments (:data:`repeatly.segments.RFM_RULES`): their names in the
#: report and what each means, from the recency (R), frequency (F) and money (M) scores.
RFM_SEGMENTS: dict[str, dict[str, tuple[str, str]]] = {
    "Champions": {
        "en": ("Champions", "bought recently, often and spent the most."),
        "ru": ("Чемпионы", "покупали недавно, часто и тратили больше всех."),
    },
    "Loyal": {
        "en": ("Loyal", "buy often and not long ago."),
        "ru": ("Лояльные", "покупают часто и не так давно."),
    },
    "Can't lose them": {
        "en": ("Can't lose them", "used to buy often and spend a lot, but not for a long time."),
        "ru": ("Нельзя терять", "раньше покупали часто и много, но давно не возвращались."),
    },
    "At risk": {
        "en": ("At risk", "used to buy often, but not for a long time."),
        "ru": ("Под угрозой ухода", "раньше покупали часто, но давно не возвращались."),
    },
    "New": {
        "en": ("New", "made their first purchase very recently."),
        "ru": ("Новые", "совсем недавно сделали первую покупку."),
    },
    "Promising": {
        "en": ("Promising", "bought recently, but only once so far."),
        "ru": ("Перспективные", "покупали недавно, но пока один раз."),
    },
    "Potential loyalists": {
        "en": ("Potential loyalists", "bought recently and have started to come back."),
        "ru": ("Будущие лояльные", "покупали недавно и начали возвращаться."),
    },
    "Need attention": {
        "en": ("Need attention", "bought a while ago, and rarely."),
        "ru": ("Требуют внимания", "покупали какое-то время назад, и редко."),
    },
    "About to sleep": {
        "en": ("About to sleep", "have not bought for some time, and bought rarely."),
        "ru": ("Засыпают", "давно не покупали, а покупали редко."),
    },
    "Hibernating": {
        "en": ("Hibernating", "last bought long ago, and not often."),
        "ru": ("Спящие", "последний раз покупали очень давно, и нечасто."),
    },
    "Lost": {
        "en": ("Lost", "bought the longest time ago and the least often."),
        "ru": ("Потерянные", "дольше всех не покупали и реже всех покупали."),
    },
    "(not a customer yet)": {
        "en": ("(not a customer yet)", ""),
        "ru": ("(ещё не клиент)", ""),
    },
}


def segment_name(name: str, lang: str) -> str:
    """An RFM segment's name in ``lang`` (as given when it is not a default segment)."""
    entry = RFM_SEGMENTS.get(name)
    if entry is None:
        return name
    return entry.get(lang, entry["en"])[0]


def segment_description(name: str, lang: str) -> str | None:
    """What an RFM segment means, in ``lang`` (``None`` when it is not a default one)."""
    entry = RFM_SEGMENTS.get(name)
    if entry is None:
        return None
    return entry.get(lang, entry["en"])[1]


# --- Russian complete: look-ups ---


def _name(table: dict[str, dict[str, str]], key: str, lang: str) -> str:
    return table.get(key, {}).get(lang, key)


def input_name(name: str, lang: str) -> str:
    """An input (``"orders"``, ``"spend"`` ...) in words."""
    return _name(INPUTS, name, lang)


def role_name(role: str, lang: str) -> str:
    """A column role (``"customer_id"``) in words; in English its canonical name."""
    return _name(ROLES, role, lang)


def detail_word(value: str, lang: str) -> str:
    """How a value was read (``"decimal comma"``, ``"DD.MM.YYYY"``, ``"double"``) in words.

    A date style's letters are turned into the language's (``ДД.ММ.ГГГГ``).
    """
    if lang != "ru":
        return value
    if value in DETAILS:
        return DETAILS[value]["ru"]
    if value and set(value) <= set("DMY./- "):
        return value.translate(str.maketrans("DMY", "ДМГ"))
    return value


#: Russian words by count (one, a few, many): 1 покупатель, 2 покупателя, 5 покупателей.
PLURALS_RU: dict[str, tuple[str, str, str]] = {
    "customers": ("покупатель", "покупателя", "покупателей"),
    "orders": ("заказ", "заказа", "заказов"),
}


def plural(n: float, word: str, lang: str) -> str:
    """``word`` (a key of :data:`PLURALS_RU`) in the form a count of ``n`` takes.

    >>> [plural(n, "orders", "ru") for n in (1, 3, 5, 11, 21, 1000)]
    ['заказ', 'заказа', 'заказов', 'заказов', 'заказ', 'заказов']
    """
    if lang != "ru":
        return word
    one, few, many = PLURALS_RU[word]
    n = int(abs(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def console_text(key: str, lang: str) -> str:
    """A line of the command line in ``lang`` (English when missing)."""
    entry = CONSOLE[key]
    return entry.get(lang) or entry["en"]


def _step_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\w+\})", template)
    body = "".join(f"(?P<{p[1:-1]}>.+?)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{body}$")


def step_label(label: str, lang: str) -> str:
    """A job's progress label in ``lang``; a label not in :data:`STEPS` as it is."""
    if lang != "ru":
        return label
    if label in STEPS:
        return STEPS[label]
    for template, russian in STEPS.items():
        if "{" in template and (found := _step_pattern(template).match(label)):
            values = {
                k: v.replace(",", "\u00a0") if re.fullmatch(r"\d{1,3}(,\d{3})+", v) else v
                for k, v in found.groupdict().items()
            }
            return russian.format(**values)
    return label
