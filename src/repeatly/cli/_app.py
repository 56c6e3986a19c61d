"""Typer application: argument parsing, progress and error display only."""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from repeatly._version import __version__
from repeatly.exceptions import RepeatlyError

app = typer.Typer(
    name="repeatly",
    help="Find the money hidden in your customer base and bring customers back.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console()

EXIT_INPUT = 2
EXIT_SEND = 3  # messages failed, or the send was stopped (the sender refused, no server)
EXIT_INTERNAL = 70


def _say(key: str, lang: str = "en", **values: Any) -> str:
    """A line of the command line in ``lang``, its values filled in."""
    from repeatly.report import console_text

    return console_text(key, lang).format(**values)


def _seconds(value: float, lang: str) -> str:
    from repeatly.report import fmt_number

    return _say("seconds", lang, seconds=fmt_number(value, digits=1, lang=lang))


@contextmanager
def _progress(lang: str = "en") -> Iterator[Any]:
    """A status line on stderr showing the current step and the time it took.

    The jobs name their steps in English; in Russian each is looked up in the
    report's table of step labels.
    """
    from repeatly.report import step_label

    started = time.perf_counter()
    state: dict[str, Any] = {"label": "", "t": started}
    with err.status(step_label("Starting", lang), spinner="dots") as status:

        def step(label: str) -> None:
            label = step_label(label, lang)
            now = time.perf_counter()
            if state["label"]:
                took = _seconds(now - state["t"], lang)
                err.print(f"[green]✓[/] {escape(state['label'])} [dim]({took})[/]")
            state.update(label=label, t=now)
            status.update(escape(label))

        yield step
        now = time.perf_counter()
        if state["label"]:
            took = _seconds(now - state["t"], lang)
            err.print(f"[green]✓[/] {escape(state['label'])} [dim]({took})[/]")
    took = _seconds(time.perf_counter() - started, lang)
    err.print(f"[dim]{escape(_say('done_in', lang, took=took))}[/]")


def _fail(message: str, code: int, lang: str = "en") -> typer.Exit:
    # the message quotes the data ("got [/x]"): printed as it is, never read as markup
    err.print(
        Text.assemble((_say("error", lang), "bold red"), " ", message),
        highlight=False,
        soft_wrap=True,
    )
    return typer.Exit(code)


def _check_out(out_dir: Path) -> None:
    """Stop at once, before any work, when the files could not be written in ``out_dir``."""
    from repeatly._files import check_folder

    check_folder(out_dir, option="out")


def _parse_maps(values: list[str] | None) -> dict[str, str] | None:
    if not values:
        return None
    from repeatly.data import parse_mapping

    return parse_mapping(values)


OrdersArg = Annotated[
    str, typer.Argument(help="Order lines: CSV, Parquet or Excel file, or a database URL.")
]
OutOpt = Annotated[
    Path, typer.Option("--out", help="Folder for report.html, metrics.json, customers.csv.")
]
CustomersOpt = Annotated[str | None, typer.Option(help="Customers file or URL.")]
ProductsOpt = Annotated[str | None, typer.Option(help="Products file or URL.")]
SpendOpt = Annotated[str | None, typer.Option(help="Marketing spend file or URL.")]
LeadsOpt = Annotated[str | None, typer.Option(help="Leads file or URL.")]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Date to look from, written as in the data (2023-12-31, 31.12.2023, "
        "31/12/2023); default: the last order's day.",
    ),
]
HeaderRowOpt = Annotated[
    int | None,
    typer.Option(
        "--header-row",
        help="Row of the orders file the column names are on (1 for the first, as Excel "
        "shows it); default: found, skipping title rows above it.",
    ),
]
SheetOpt = Annotated[
    str | None,
    typer.Option(
        "--sheet",
        help="Sheet of an Excel orders file, by name or number (1 for the first); "
        "default: the first sheet with data.",
    ),
]
TodayOpt = Annotated[
    str | None,
    typer.Option(
        "--today",
        help="Today's date (YYYY-MM-DD; default: the machine's). Order lines dated after "
        "it are left out and counted in the data-quality section.",
    ),
]
CurrencyOpt = Annotated[str, typer.Option(help="Currency code for money in the report.")]
LangOpt = Annotated[str, typer.Option(help="Report language: en or ru.")]
MapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help='Override a column role, e.g. --map amount="Total incl VAT"; '
        "for other inputs prefix the role: --map spend.spend=Cost.",
    ),
]
TableOpt = Annotated[str | None, typer.Option(help="Table name when ORDERS is a database URL.")]
BadRowsOpt = Annotated[
    str,
    typer.Option("--on-bad-rows", help="error: stop at bad rows; skip: drop them and count them."),
]
MarginRateOpt = Annotated[
    float | None,
    typer.Option("--margin-rate", help="Margin share for lines with no cost data, e.g. 0.4."),
]
PredictOpt = Annotated[
    bool,
    typer.Option(
        "--predict",
        help="Also forecast every customer (probability alive, CLV) with the best-fitting model.",
    ),
]


def _today(value: str | None) -> Any:
    """``--today``, or the machine's date: the one place the command reads the clock."""
    import datetime as dt

    from repeatly.jobs import parse_date

    return parse_date(value, "today") if value is not None else dt.date.today()


def _analysis_options(
    *,
    map_: list[str] | None,
    predict: bool,
    as_of: str | None,
    today: str | None = None,
    **options: Any,
) -> Any:
    """The analysis's options object (it checks every value) from the parsed flags."""
    from repeatly.jobs import AnalyzeOptions, parse_date
    from repeatly.prediction import ForecastOptions

    return AnalyzeOptions(
        mapping=_parse_maps(map_),
        as_of=parse_date(as_of, "as_of"),
        today=_today(today),
        predict=ForecastOptions() if predict else None,
        **options,
    )


@contextmanager
def _analysed(
    orders: str,
    sources: Mapping[str, str | None],
    options: Any,
    step: Any,
    *,
    campaigns_db: str | None,
) -> Iterator[Any]:
    """The analysis of the inputs, its campaigns measured when a database is given."""
    import repeatly

    with repeatly.analyze(
        orders,
        customers=sources["customers"],
        products=sources["products"],
        spend=sources["spend"],
        leads=sources["leads"],
        options=options,
        progress=step,
    ) as result:
        if campaigns_db:
            from repeatly.store import open_store

            step("Measuring campaigns")
            with open_store(campaigns_db) as store:
                result.measure_campaigns(store)
        yield result


@app.command()
def analyze(
    orders: OrdersArg,
    customers: CustomersOpt = None,
    products: ProductsOpt = None,
    spend: SpendOpt = None,
    leads: LeadsOpt = None,
    as_of: AsOfOpt = None,
    today: TodayOpt = None,
    currency: CurrencyOpt = "USD",
    lang: LangOpt = "en",
    map_: MapOpt = None,
    table: TableOpt = None,
    on_bad_rows: BadRowsOpt = "error",
    header_row: HeaderRowOpt = None,
    sheet: SheetOpt = None,
    margin_rate: MarginRateOpt = None,
    predict: PredictOpt = False,
    campaigns_db: Annotated[
        str | None,
        typer.Option(
            "--campaigns-db",
            help="Also measure the campaigns recorded in this operational "
            "database (a Campaigns section in the report).",
        ),
    ] = None,
    out_dir: OutOpt = Path("repeatly-report"),
) -> None:
    """Analyse an order export: metrics, cohorts, cycles and an HTML report."""
    from repeatly.report import write_outputs

    _check_out(out_dir)
    options = _analysis_options(
        as_of=as_of,
        today=today,
        currency=currency,
        lang=lang,
        map_=map_,
        table=table,
        on_bad_rows=on_bad_rows,
        header_row=header_row,
        sheet=sheet,
        margin_rate=margin_rate,
        predict=predict,
    )
    sources = {"customers": customers, "products": products, "spend": spend, "leads": leads}
    with (
        _progress(lang) as step,
        _analysed(orders, sources, options, step, campaigns_db=campaigns_db) as result,
    ):
        step("Writing report")
        paths = write_outputs(result, out_dir)
    _print_summary(result.metrics, paths, lang=lang)


@app.command()
def actions(
    orders: OrdersArg,
    customers: CustomersOpt = None,
    products: ProductsOpt = None,
    spend: SpendOpt = None,
    leads: LeadsOpt = None,
    as_of: AsOfOpt = None,
    today: TodayOpt = None,
    currency: CurrencyOpt = "USD",
    lang: LangOpt = "en",
    map_: MapOpt = None,
    table: TableOpt = None,
    on_bad_rows: BadRowsOpt = "error",
    header_row: HeaderRowOpt = None,
    sheet: SheetOpt = None,
    margin_rate: MarginRateOpt = None,
    predict: PredictOpt = False,
    campaigns_db: Annotated[
        str | None,
        typer.Option(
            "--campaigns-db",
            help="Use the response measured on the campaigns recorded in this database.",
        ),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Also write actions.json, actions.csv and the lists here."),
    ] = None,
) -> None:
    """What to do now: the groups to contact, with what, and what it will bring."""
    from repeatly.actions import write_actions

    if out_dir is not None:
        _check_out(out_dir)
    options = _analysis_options(
        as_of=as_of,
        today=today,
        currency=currency,
        lang=lang,
        map_=map_,
        table=table,
        on_bad_rows=on_bad_rows,
        header_row=header_row,
        sheet=sheet,
        margin_rate=margin_rate,
        predict=predict,
    )
    sources = {"customers": customers, "products": products, "spend": spend, "leads": leads}
    with (
        _progress(lang) as step,
        _analysed(orders, sources, options, step, campaigns_db=campaigns_db) as result,
    ):
        plan = result.action_plan()
        paths: dict[str, Path] = {}
        if out_dir is not None:
            step("Writing the plan")
            paths = write_actions(
                plan,
                result.state,
                out_dir,
                leads=result.leads_never_bought(),
                language=options.lang,
            )
    _print_actions(plan, lang=options.lang)
    names = {
        "actions_json": "actions",
        "actions_csv": "actions_csv",
        "actions_xlsx": "actions_xlsx",
    }
    _print_files({names[k]: p for k, p in paths.items() if k in names}, lang=options.lang, width=20)


def _print_actions(plan: Any, *, lang: str) -> None:
    from rich.table import Table

    from repeatly.actions import group_label, playbook_label
    from repeatly.report import fmt_money, fmt_number, offer_words

    def money(value: float) -> str:
        return fmt_money(value, currency=plan.currency, lang=lang)

    ru = lang == "ru"
    grid = Table(title="Что делать сейчас" if ru else "What to do now", title_justify="left")
    for header in (
        ("№", "Кто", "Покупателей", "Кампания и предложение", "Доп. прибыль")
        if ru
        else ("#", "Who", "Customers", "Campaign and offer", "Extra profit")
    ):
        grid.add_column(header, overflow="fold")
    for action in plan.actions:
        name, todo = group_label(action.group, lang)
        grid.add_row(
            str(action.priority),
            f"[bold]{escape(name)}[/]\n{escape(todo)}",
            fmt_number(action.customers, lang=lang),
            f"{escape(playbook_label(action.playbook, lang))}\n"
            + escape(offer_words(action.offer_terms, lang=lang, money=money)),
            escape(money(action.expected_profit)),
        )
    out.print(grid)
    if plan.left_out:
        names = ", ".join(group_label(g, lang)[0] for g in plan.left_out)
        said = f"Не вошли в план: {names}" if ru else f"Left out: {names}"
        err.print(f"[yellow]{escape(said)}[/]", highlight=False)
    if not plan.contacts:
        err.print(
            "[yellow]"
            + (
                "Файл покупателей с контактами не указан: все считаются доступными (--customers)"
                if ru
                else "No customers file with contacts: everyone counts as reachable (--customers)"
            )
            + "[/]",
            highlight=False,
        )
    for action in plan.actions:
        out.print(f"{action.priority}. {escape(action.command)}", highlight=False, soft_wrap=True)


@app.command()
def segments(
    orders: OrdersArg,
    customers: CustomersOpt = None,
    products: ProductsOpt = None,
    spend: SpendOpt = None,
    leads: LeadsOpt = None,
    as_of: AsOfOpt = None,
    today: TodayOpt = None,
    map_: MapOpt = None,
    table: TableOpt = None,
    on_bad_rows: BadRowsOpt = "error",
    header_row: HeaderRowOpt = None,
    sheet: SheetOpt = None,
    margin_rate: MarginRateOpt = None,
    cycle: Annotated[
        list[str] | None,
        typer.Option(
            "--cycle", help="A category's return cycle in days, e.g. --cycle furniture=730."
        ),
    ] = None,
    business_cycle: Annotated[
        float | None,
        typer.Option(
            "--business-cycle", help="The business's return cycle in days (a restaurant: 14)."
        ),
    ] = None,
    golden_share: Annotated[
        float, typer.Option("--golden-share", help="Share of profit the golden customers bring.")
    ] = 0.5,
    near: Annotated[
        str | None,
        typer.Option(
            "--near", help="Also list customers near a place: LAT,LON,KM (needs --customers)."
        ),
    ] = None,
    predict: Annotated[
        bool,
        typer.Option(
            "--predict",
            help="Forecast every customer too: lost also when unlikely to be "
            "still a customer, golden also by predicted CLV, priority by predicted CLV.",
        ),
    ] = False,
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out", help="Folder for segments.csv, the per-segment lists and segments.xlsx."
        ),
    ] = Path("repeatly-segments"),
    currency: Annotated[
        str, typer.Option(help="Currency code for money in segments.xlsx, e.g. USD or RUB.")
    ] = "USD",
    lang: Annotated[
        str,
        typer.Option(help="Language of segments.xlsx and of what the command prints: en or ru."),
    ] = "en",
) -> None:
    """Find segments (RFM, golden, status, behaviour) and write contact lists."""
    from repeatly.jobs import SegmentOptions, segment
    from repeatly.segments import write_segments

    _check_out(out_dir)
    rules = SegmentOptions(
        cycles=_parse_cycles(cycle),
        business_cycle=business_cycle,
        golden_share=golden_share,
        place=_parse_place(near),
    )
    options = _analysis_options(
        as_of=as_of,
        today=today,
        map_=map_,
        table=table,
        on_bad_rows=on_bad_rows,
        header_row=header_row,
        sheet=sheet,
        margin_rate=margin_rate,
        predict=predict,
        currency=currency,
        lang=lang,
    )
    with (
        _progress(lang) as step,
        segment(
            orders,
            customers=customers,
            products=products,
            spend=spend,
            leads=leads,
            rules=rules,
            options=options,
            progress=step,
        ) as found,
    ):
        step("Writing contact lists")
        paths = write_segments(
            found.segments, out_dir, extra=found.lists, lang=lang, currency=currency
        )
    from repeatly.report import fmt_number

    line = _say(
        "lists",
        lang,
        lists=f"[bold]{len(paths) - 3}[/]",
        customers=f"[bold]{fmt_number(found.analysis.metrics['customers'], lang=lang)}[/]",
    )
    out.print(line, highlight=False)
    files = {name: paths[name] for name in ("segments", "workbook")}
    _print_files({**files, "lists": out_dir / "segments"}, lang=lang)


def _parse_place(value: str | None) -> tuple[float, float, float] | None:
    if value is None:
        return None
    try:
        latitude, longitude, km = (float(part) for part in value.split(","))
    except ValueError:
        raise _fail(
            f"--near {value!r}: expected LAT,LON,KM, e.g. 55.75,37.62,10", EXIT_INPUT, _argv_lang()
        ) from None
    return latitude, longitude, km


def _parse_cycles(values: list[str] | None) -> dict[str, float] | None:
    if not values:
        return None
    cycles: dict[str, float] = {}
    for value in values:
        name, sep, days = value.partition("=")
        try:
            number = float(days)
        except ValueError:
            number = -1.0
        if not sep or not name.strip() or number <= 0:
            raise _fail(
                f"--cycle {value!r}: expected CATEGORY=DAYS, e.g. furniture=730",
                EXIT_INPUT,
                _argv_lang(),
            )
        cycles[name.strip()] = number
    return cycles


@app.command()
def predict(
    orders: OrdersArg,
    customers: Annotated[
        str | None,
        typer.Option(
            help="Customers file or URL: the predictions then carry names, e-mails, "
            "phones and consents."
        ),
    ] = None,
    as_of: AsOfOpt = None,
    today: TodayOpt = None,
    map_: MapOpt = None,
    table: TableOpt = None,
    on_bad_rows: BadRowsOpt = "error",
    header_row: HeaderRowOpt = None,
    sheet: SheetOpt = None,
    model: Annotated[
        str,
        typer.Option(
            help="auto, bgnbd, mbgnbd, pnbd or bgbb; auto picks the lowest BIC on the "
            "whole history (the same model in every command)."
        ),
    ] = "auto",
    unit: Annotated[
        str, typer.Option(help="Time unit of the models and of --horizon: day, week or month.")
    ] = "week",
    calibration_end: Annotated[
        str | None,
        typer.Option(
            "--calibration-end",
            help="Also fit up to this date (YYYY-MM-DD) and judge the "
            "models on the purchases after it.",
        ),
    ] = None,
    horizon: Annotated[
        float | None,
        typer.Option(help="Forecast purchases over this many units (default: a year)."),
    ] = None,
    clv_months: Annotated[
        int, typer.Option("--clv-months", help="Months of purchases the lifetime value counts.")
    ] = 12,
    margin: Annotated[
        float | None,
        typer.Option(
            help="Share of spend that is margin, e.g. 0.3 (default: from the lines' costs, else 1)."
        ),
    ] = None,
    discount_rate: Annotated[
        float,
        typer.Option("--discount-rate", help="Yearly discount rate of future margin, e.g. 0.1."),
    ] = 0.10,
    penalizer: Annotated[
        float,
        typer.Option(help="L2 penalty on the model parameters (0: plain maximum likelihood)."),
    ] = 0.0,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Print the fitted model and its validation as one JSON object."
        ),
    ] = False,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Folder for predictions.csv, model.json, comparison.csv and report.html."
        ),
    ] = None,
    file_format: Annotated[
        str, typer.Option("--format", help="Format of the predictions file: csv or parquet.")
    ] = "csv",
    currency: CurrencyOpt = "USD",
    lang: LangOpt = "en",
) -> None:
    """Predict each customer: probability alive, purchases, next purchase, CLV."""
    import json

    import repeatly
    from repeatly._files import scratch_file
    from repeatly.report import ForecastFiles, write_forecast

    files = ForecastFiles(file_format=file_format, lang=lang, currency=currency)  # type: ignore[arg-type]
    if out_dir is not None:
        _check_out(out_dir)
    # Parquet predictions are written as the engine joins them, then linked into place
    scratch: AbstractContextManager[Path | None] = nullcontext()
    if out_dir is not None and file_format == "parquet":
        out_dir.mkdir(parents=True, exist_ok=True)
        scratch = scratch_file(out_dir, "predictions.parquet")
    with _progress(lang) as step, scratch as saved:
        result = repeatly.predict(
            orders,
            customers=customers,
            model=model,
            unit=unit,  # type: ignore[arg-type]
            as_of=as_of,
            today=_today(today),
            calibration_end=calibration_end,
            horizon=horizon,
            clv_months=clv_months,
            margin=margin,
            discount_rate=discount_rate,
            penalizer=penalizer,
            mapping=_parse_maps(map_),
            table=table,
            on_bad_rows=on_bad_rows,  # type: ignore[arg-type]
            header_row=header_row,
            sheet=sheet,
            progress=step,
            predictions_file=saved,
        )
        with result:
            paths = {}
            if out_dir is not None:
                step("Writing predictions")
                paths = write_forecast(result, out_dir, files)
            summary = result.to_dict()
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    _print_forecast(summary, paths, lang=lang)


def _print_forecast(summary: dict[str, Any], paths: dict[str, Path], *, lang: str = "en") -> None:
    from repeatly.report import fmt_number, fmt_share, note_text

    number = partial(fmt_number, lang=lang)
    params = ", ".join(f"{k} {v:.4g}" for k, v in summary["params"].items())
    if lang == "ru":
        params = params.replace(".", ",")
    fit = _say(
        "fit",
        lang,
        model=f"[bold]{escape(summary['model'])}[/]",
        params=escape(params),
        ll=number(summary["log_likelihood"], digits=1),
    )
    out.print(fit, highlight=False)
    holdout = summary.get("holdout")
    if holdout:
        line = _say(
            "holdout",
            lang,
            actual=number(holdout["actual"]),
            expected=number(holdout["expected"]),
            error=fmt_share(holdout["aggregate_error"], lang=lang),
            mae=number(holdout["mae"], digits=3),
        )
        out.print(line, highlight=False)
    what_if = summary["what_if"]
    line = _say(
        "clv",
        lang,
        clv=number(what_if["total_clv"]),
        clv_if=number(what_if["total_clv_if"]),
        change=number(what_if["change"]),
    )
    out.print(line, highlight=False)
    for note in summary["notes"]:
        said = note_text(note, unit=summary["options"].get("unit", "week"), lang=lang)
        err.print(Text(said, style="dim"), highlight=False)
    _print_files(paths, lang=lang, width=12)


@app.command()
def demo(
    customers: Annotated[int, typer.Option(help="Customers in the synthetic shop.")] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed of the synthetic shop.")] = 0,
    lang: Annotated[str, typer.Option(help="Report language: en or ru.")] = "en",
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the data and the report.")
    ] = Path("repeatly-demo"),
) -> None:
    """Make a synthetic shop, analyse and forecast it, and plan a win-back campaign.

    The shop's tables go to OUT/data, the report to OUT, the campaign plan to
    OUT/campaign.
    """
    from repeatly.campaigns import write_plan
    from repeatly.jobs import demo as make_demo
    from repeatly.report import write_outputs

    _check_out(out_dir)
    with (
        _progress(lang) as step,
        make_demo(
            out_dir / "data",
            customers=customers,
            seed=seed,
            lang=lang,
            progress=step,
        ) as made,
    ):
        step("Writing report")
        # the demo leaves the call workbook to analyze and actions: it is the slowest file
        paths = write_outputs(made.analysis, out_dir, workbook=False)
        paths["campaign"] = write_plan(made.plan, out_dir / "campaign")["audience"].parent
    _print_summary(made.analysis.metrics, paths, lang=lang)


def _print_summary(metrics: Mapping[str, Any], paths: dict[str, Path], *, lang: str = "en") -> None:
    from repeatly.report import fmt_date, fmt_money, fmt_number, fmt_share, plural

    cur = metrics.get("currency", "USD")

    def money(value: Any) -> str:  # the currency is the user's text: never markup
        return escape(fmt_money(value, currency=cur, lang=lang))

    def bold(value: str) -> str:
        return f"[bold]{value}[/]"

    line = _say(
        "headline",
        lang,
        customers=bold(fmt_number(metrics["customers"], lang=lang)),
        customers_word=plural(metrics["customers"], "customers", lang),
        orders=bold(fmt_number(metrics["orders"], lang=lang)),
        orders_word=plural(metrics["orders"], "orders", lang),
        revenue=bold(money(metrics["revenue"])),
        repeat=bold(fmt_share(metrics["repeat_share"], lang=lang)),
    )
    if "cac" in metrics:
        line += _say("headline_cac", lang, cac=bold(money(metrics["cac"])))
    if metrics.get("cac_paid") is not None:
        line += _say("headline_cac_paid", lang, cac=bold(money(metrics["cac_paid"])))
    out.print(line, highlight=False)
    quality = metrics.get("data_quality") or {}
    skipped = quality.get("skipped_rows")
    if skipped:
        said = _say("skipped", lang, n=fmt_number(skipped, lang=lang))
        err.print(f"[yellow]{said}[/] {_say('skipped_where', lang)}", highlight=False)
    future = quality.get("future_dates")
    if future:
        said = _say(
            "future_one" if future == 1 else "future_many",
            lang,
            n=fmt_number(future, lang=lang),
            date=fmt_date(quality.get("reference_date"), lang=lang),
        )
        err.print(
            f"[yellow]{said}[/] {_say('future_where', lang)}", highlight=False, soft_wrap=True
        )
    _print_files(paths, lang=lang)


def _print_files(paths: Mapping[str, Path], *, lang: str = "en", width: int = 11) -> None:
    """The files written, a line each: what it is (in ``lang``) and where."""
    from repeatly.report import console_text

    for name, path in paths.items():
        try:
            label = console_text(f"file_{name}", lang)
        except KeyError:
            label = name
        out.print(f"  {escape(label):<{width}} {escape(str(path))}", highlight=False)


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        out.print(f"repeatly {__version__}")
        raise typer.Exit()


def _is_usage_error(exc: Exception) -> bool:
    """Whether the command-line parser raised ``exc`` (its click exceptions can show)."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    return "ClickException" in names and hasattr(exc, "show")


def main() -> None:
    """Entry point of the ``repeatly`` command: no tracebacks for input problems."""
    # numpy asks the kernel for huge pages for arrays of 4 MiB or more; where the kernel
    # then compacts memory to find them (transparent huge pages set to "madvise", as on
    # many Linux machines) a fit's temporaries wait for it: 0.3-0.4 s of a forecast of
    # 10M order lines. Plain pages, unless the user chose otherwise (numpy reads this
    # when it is first imported, which no command has done yet).
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    try:
        _main()
    finally:
        # On the way out the interpreter's collections walk every object the libraries
        # made when imported, about 0.5 s; frozen objects are skipped (the files are
        # written and closed by now, and the memory goes back to the system either way).
        gc.freeze()


#: Options whose flag is not their keyword with dashes (``as_of`` is ``--as-of``).
FLAGS = {"mapping": "--map", "place": "--near", "cycles": "--cycle", "file_format": "--format"}


def flag(option: str) -> str:
    """The command line's flag for a keyword option: ``as_of`` is ``--as-of``."""
    return FLAGS.get(option) or "--" + option.replace("_", "-")


def _message(exc: RepeatlyError) -> str:
    """The error as the command line shows it: a wrong option named by its flag.

    The library names an option by its keyword (``as_of: expected a date ...``, or
    ``as_of 2020-01-01 is before ...``); the user typed ``--as-of``.
    """
    message = str(exc)
    option = getattr(exc, "option", None)
    if option and message.startswith(option) and message[len(option) : len(option) + 1] in ":= ":
        return flag(option) + message[len(option) :]
    return message


def _argv_lang() -> str:
    """The ``--lang`` the command was given (``en`` without one): errors speak it too."""
    args = sys.argv[1:]
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return "ru" if args[i + 1] == "ru" else "en"
        if arg.startswith("--lang="):
            return "ru" if arg.partition("=")[2] == "ru" else "en"
    return "en"


def _first_line(exc: Exception) -> str:
    """An unexpected error's first line, cut to 200 characters.

    An engine's error goes on with the SQL it was running, and a value quoted in it
    may be megabytes long.
    """
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else ""
    return first if len(first) <= 200 else first[:200] + "…"


def _debug() -> bool:
    from repeatly.settings import get_settings

    try:
        return get_settings().debug
    except RepeatlyError:  # the settings themselves are wrong: say so, not this
        return False


def _main() -> None:
    try:
        code = app(standalone_mode=False)  # an Exit raised in a command comes back here
        if isinstance(code, int) and code:
            sys.exit(code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except RepeatlyError as exc:
        _fail(_message(exc), EXIT_INPUT, _argv_lang())
        sys.exit(EXIT_INPUT)
    except (typer.Abort, KeyboardInterrupt):
        err.print(_say("aborted", _argv_lang()))
        sys.exit(130)
    except Exception as exc:  # an unexpected failure: short message, traceback on request
        if _is_usage_error(exc):  # a mistyped command or option: the parser's own message
            exc.show()  # type: ignore[attr-defined]
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        if _debug():
            raise
        lang = _argv_lang()
        _fail(
            _say("unexpected", lang, kind=type(exc).__name__, message=_first_line(exc)),
            EXIT_INTERNAL,
            lang,
        )
        sys.exit(EXIT_INTERNAL)
