"""``repeatly campaign``: list and show playbooks, plan a campaign."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.text import Text

from repeatly.cli._app import (
    EXIT_INPUT,
    EXIT_SEND,
    AsOfOpt,
    BadRowsOpt,
    CustomersOpt,
    HeaderRowOpt,
    LeadsOpt,
    MapOpt,
    MarginRateOpt,
    OrdersArg,
    PredictOpt,
    ProductsOpt,
    SheetOpt,
    SpendOpt,
    TableOpt,
    _analysis_options,
    _check_out,
    _fail,
    _parse_maps,
    _progress,
    app,
    err,
    out,
)

campaign_app = typer.Typer(
    help="Campaigns that bring customers back: playbooks, plans, sending, results.",
    no_args_is_help=True,
)
app.add_typer(campaign_app, name="campaign")

PlaybookArg = Annotated[
    str,
    typer.Argument(
        help="A built-in playbook's name (see `repeatly campaign playbooks`) or a .toml file."
    ),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db", help="Operational database URL (default: REPEATLY_DB or sqlite:///repeatly.db)."
    ),
]
NameOpt = Annotated[
    str | None,
    typer.Option(
        help="Campaign name (default: the playbook's last campaign, continued, or a new "
        "PLAYBOOK-STARTDAY); planning or sending a name again finds the same campaign."
    ),
]
NewOpt = Annotated[
    bool,
    typer.Option(
        "--new", help="Start a new campaign of the playbook instead of continuing its last one."
    ),
]
SeedOpt = Annotated[
    int | None, typer.Option(help="Seed of the control group's draw (default: from the name).")
]
ControlOpt = Annotated[
    float | None,
    typer.Option("--control-share", help="Share held back as control (default: the playbook's)."),
]
MessageLangOpt = Annotated[str, typer.Option(help="Language of the messages: en or ru.")]
CapOpt = Annotated[
    int, typer.Option("--max-per-week", help="At most this many messages to a customer in 7 days.")
]
ShopNameOpt = Annotated[
    str | None, typer.Option("--shop-name", help="The shop's name in the messages.")
]
ShopUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--shop-url",
        help="The shop's web address, https://... (links in the messages; e-mail needs it "
        "for its one-click unsubscribe).",
    ),
]
MoneyOpt = Annotated[str, typer.Option(help="Currency after amounts in offers.")]


@campaign_app.command("playbooks")
def playbooks() -> None:
    """List the built-in playbooks."""
    from repeatly.campaigns import builtin_playbooks, describe_audience, load_playbook

    for name in builtin_playbooks():
        book = load_playbook(name)
        out.print(f"[bold]{escape(name):<15}[/] {escape(book.title)}", highlight=False)
        out.print(
            f"{'':<16}[dim]{escape(describe_audience(book.audience))}; "
            f"by {escape(', '.join(book.channels))}[/]",
            highlight=False,
        )


@campaign_app.command("playbook")
def playbook(name: PlaybookArg) -> None:
    """Print a playbook's TOML to copy and edit (`... playbook win_back > mine.toml`)."""
    from repeatly.campaigns import playbook_text

    text, _source = playbook_text(name)
    typer.echo(text, nl=False)


@campaign_app.command("plan")
def plan(
    playbook: PlaybookArg,
    orders: OrdersArg,
    customers: CustomersOpt = None,
    products: ProductsOpt = None,
    spend: SpendOpt = None,
    leads: LeadsOpt = None,
    as_of: AsOfOpt = None,
    map_: MapOpt = None,
    table: TableOpt = None,
    on_bad_rows: BadRowsOpt = "error",
    header_row: HeaderRowOpt = None,
    sheet: SheetOpt = None,
    margin_rate: MarginRateOpt = None,
    predict: PredictOpt = False,
    db: DbOpt = None,
    name: NameOpt = None,
    new: NewOpt = False,
    seed: SeedOpt = None,
    control_share: ControlOpt = None,
    lang: MessageLangOpt = "en",
    max_per_week: CapOpt = 2,
    shop_name: ShopNameOpt = None,
    shop_url: ShopUrlOpt = None,
    currency: MoneyOpt = "",
    audience: Annotated[
        list[str] | None,
        typer.Option(
            "--audience",
            help="COLUMN=VALUE[,VALUE]: plan for these customers instead of the playbook's "
            "audience (e.g. status=at_risk); repeat for more conditions.",
        ),
    ] = None,
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out", help="Folder for audience.csv, excluded.csv, coupons.csv, previews.txt."
        ),
    ] = Path("repeatly-campaign"),
) -> None:
    """Plan a campaign: who gets what by which channel, the control group, the coupons.

    Nothing is sent and nothing is recorded: the plan reads the segments and the
    database (opt-outs, do-not-contact, recent messages, past answers).
    """
    from repeatly.campaigns import write_plan
    from repeatly.jobs import plan as plan_campaign

    _check_out(out_dir)
    from repeatly.campaigns import parse_audience

    options = _plan_options(
        playbook,
        lang=lang,
        name=name,
        new=new,
        seed=seed,
        control_share=control_share,
        max_per_week=max_per_week,
        shop_name=shop_name,
        shop_url=shop_url,
        currency=currency,
        db=db,
        audience=parse_audience(audience) if audience else None,
    )
    analysis = _analysis_options(
        as_of=as_of,
        map_=map_,
        table=table,
        on_bad_rows=on_bad_rows,
        header_row=header_row,
        sheet=sheet,
        margin_rate=margin_rate,
        predict=predict,
    )
    with _progress() as step:
        planned = plan_campaign(
            orders,
            options,
            customers=customers,
            products=products,
            spend=spend,
            leads=leads,
            analysis=analysis,
            progress=step,
        )
        step("Writing the plan")
        paths = write_plan(planned, out_dir)
    _print_plan(planned.summary(), paths)


def _plan_options(
    playbook: str, *, shop_name: str | None, shop_url: str | None, lang: str, **options: Any
) -> Any:
    """The planning options (a wrong playbook stops here, before any input is read)."""
    from repeatly.jobs import PlanOptions

    shop = {"name": shop_name or "", "url": shop_url or ""}
    return PlanOptions(playbook=playbook, language=lang, shop=shop, **options)


@campaign_app.command("send")
def send(
    playbook: PlaybookArg,
    orders: OrdersArg,
    smtp: Annotated[str | None, typer.Option(help="SMTP server HOST:PORT for the e-mails.")] = None,
    sender: Annotated[
        str | None, typer.Option(help="From address of the e-mails (default: the shop's e-mail).")
    ] = None,
    smtp_user: Annotated[
        str | None,
        typer.Option(
            "--smtp-user", help="SMTP login; the password is read from REPEATLY_SMTP_PASSWORD."
        ),
    ] = None,
    starttls: Annotated[bool, typer.Option(help="Upgrade the SMTP connection to TLS.")] = False,
    sms_url: Annotated[
        str | None,
        typer.Option(
            "--sms-url",
            help="SMS gateway URL (a JSON webhook, or Twilio's API base with --sms-kind twilio).",
        ),
    ] = None,
    sms_kind: Annotated[str, typer.Option("--sms-kind", help="webhook or twilio.")] = "webhook",
    sms_from: Annotated[
        str, typer.Option("--sms-from", help="Sender name or number of the text messages.")
    ] = "",
    sms_account: Annotated[
        str,
        typer.Option(
            "--sms-account", help="Twilio account SID; the token is read from REPEATLY_SMS_TOKEN."
        ),
    ] = "",
    yes: Annotated[bool, typer.Option("--yes", help="Send without asking.")] = False,
    customers: CustomersOpt = None,
    products: ProductsOpt = None,
    spend: SpendOpt = None,
    leads: LeadsOpt = None,
    as_of: AsOfOpt = None,
    map_: MapOpt = None,
    table: TableOpt = None,
    on_bad_rows: BadRowsOpt = "error",
    header_row: HeaderRowOpt = None,
    sheet: SheetOpt = None,
    margin_rate: MarginRateOpt = None,
    predict: PredictOpt = False,
    db: DbOpt = None,
    name: NameOpt = None,
    new: NewOpt = False,
    seed: SeedOpt = None,
    control_share: ControlOpt = None,
    lang: MessageLangOpt = "en",
    max_per_week: CapOpt = 2,
    shop_name: ShopNameOpt = None,
    shop_url: ShopUrlOpt = None,
    currency: MoneyOpt = "",
    now: Annotated[
        str | None,
        typer.Option(
            help="Send as at this moment (ISO date or time; default: now): the steps due by "
            "then go."
        ),
    ] = None,
    files: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder for the call sheet and the letters (PDF); without it, calls "
            "and letters wait.",
        ),
    ] = None,
    unknown: Annotated[
        str,
        typer.Option(
            help="A message an earlier send handed over without an answer: retry (once, "
            "same Message-ID), sent (count it delivered) or hold (leave it)."
        ),
    ] = "retry",
) -> None:
    """Record the campaign and send the e-mails that are due, each exactly once.

    Run it again to resume an interrupted send or to send later steps when they are
    due; what was sent is never sent again. Exit code 3 when messages failed or the
    send was stopped (the server refused the sender, or could not be reached).
    """
    from repeatly.campaigns import SmsGateway, SmtpSettings, link_base
    from repeatly.jobs import Senders
    from repeatly.jobs import plan as plan_campaign
    from repeatly.jobs import send as send_campaign
    from repeatly.settings import get_settings

    options = _plan_options(
        playbook,
        lang=lang,
        name=name,
        new=new,
        seed=seed,
        control_share=control_share,
        max_per_week=max_per_week,
        shop_name=shop_name,
        shop_url=shop_url,
        currency=currency,
        db=db,
    )
    if smtp:  # e-mail needs the shop's address for its links: stop before any work
        link_base(options.shop_fields, absolute=True)
    analysis = _analysis_options(
        as_of=as_of,
        map_=map_,
        table=table,
        on_bad_rows=on_bad_rows,
        header_row=header_row,
        sheet=sheet,
        margin_rate=margin_rate,
        predict=predict,
    )
    moment = _parse_now(now)
    secrets = get_settings()
    gateway = None
    if sms_url:
        gateway = SmsGateway(
            sms_url,
            kind=sms_kind,
            sender=sms_from,
            account=sms_account,
            token=secrets.sms_token.reveal() if secrets.sms_token else "",
        )
    with _progress() as step:
        planned = plan_campaign(
            orders,
            options,
            customers=customers,
            products=products,
            spend=spend,
            leads=leads,
            analysis=analysis,
            progress=step,
        )
    _print_plan(planned.summary(), {})
    if not yes:
        if not sys.stdin.isatty():
            raise _fail("nothing sent: pass --yes to send without a question", EXIT_INPUT)
        if not typer.confirm(f"Send {planned.name} now?"):
            raise _fail("nothing sent", EXIT_INPUT)
    settings = None
    if smtp:
        settings = SmtpSettings.parse(
            smtp,
            sender=sender or planned.options["shop"].get("email", ""),
            username=smtp_user,
            password=secrets.smtp_password.reveal() if secrets.smtp_password else None,
            starttls=starttls,
        )
    with _progress() as step:
        step("Sending")
        result = send_campaign(
            planned,
            Senders(smtp=settings, sms=gateway, files=files),
            db=db,
            now=moment,
            rules=options.rules,
            unknown=unknown,  # type: ignore[arg-type]  # checked by the job
        )
    _print_sent(result.to_dict(), smtp is not None)
    if not result.ok:
        raise typer.Exit(EXIT_SEND)


@campaign_app.command("status")
def status(
    campaign: Annotated[str, typer.Argument(help="The campaign's name, as sent.")],
    db: DbOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
) -> None:
    """Where a campaign stands: its messages sent, pending, bounced, suppressed, failed."""
    from repeatly.jobs import status as campaign_status

    found = campaign_status(campaign, db=db)
    if json_out:
        out.print_json(data=found.to_dict())
        return
    _print_status(found.to_dict())


@campaign_app.command("results")
def results(
    campaign: Annotated[str, typer.Argument(help="The campaign's name, as sent.")],
    orders: OrdersArg,
    map_: MapOpt = None,
    table: TableOpt = None,
    on_bad_rows: BadRowsOpt = "error",
    header_row: HeaderRowOpt = None,
    sheet: SheetOpt = None,
    margin_rate: MarginRateOpt = None,
    db: DbOpt = None,
    window: Annotated[
        int,
        typer.Option(help="Attribution window: days from the start in which a purchase counts."),
    ] = 30,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for results.csv, results.json and report.html."),
    ] = None,
    currency: Annotated[str, typer.Option(help="Currency code for money in the report.")] = "USD",
    lang: Annotated[str, typer.Option(help="Report language: en or ru.")] = "en",
) -> None:
    """Measure a campaign: response, revenue and profit against the control group."""
    from repeatly.jobs import LoadOptions, measure
    from repeatly.report import write_results

    loading = LoadOptions(
        mapping=_parse_maps(map_),
        table=table,
        on_bad_rows=on_bad_rows,  # type: ignore[arg-type]
        header_row=header_row,
        sheet=sheet,
    )
    if out_dir is not None:
        _check_out(out_dir)
    with _progress() as step:
        measured = measure(
            campaign,
            orders,
            loading=loading,
            db=db,
            window_days=window,
            margin_rate=margin_rate,
            progress=step,
        )
        paths = write_results(measured, out_dir, lang=lang, currency=currency) if out_dir else {}
    _print_results(measured.overall, measured.window, paths)
    if not measured.options["complete"]:
        err.print(
            f"[yellow]note[/]: the orders end on {measured.options['orders_until']}, "
            "before the window does: these results are not final",
            highlight=False,
        )


def _print_results(row: dict[str, Any], window: tuple[Any, Any], paths: dict[str, Path]) -> None:
    def pct(value: float) -> str:
        return "n/a" if value != value else f"{value:+.1%}"  # NaN when a group is empty

    out.print(
        f"window {window[0]} to {window[1]}: treatment {row['treatment']:,} "
        f"({row['response_rate_treatment']:.1%} bought), control {row['control']:,} "
        f"({row['response_rate_control']:.1%})",
        highlight=False,
    )
    out.print(
        f"  uplift {pct(row['uplift'])} (95% interval {pct(row['uplift_low'])} to "
        f"{pct(row['uplift_high'])})",
        highlight=False,
    )
    out.print(
        f"  incremental revenue {row['incremental_revenue']:,.2f}; offer cost "
        f"{row['offer_cost']:,.2f}; incremental profit "
        f"{row['incremental_profit']:,.2f} ({row['incremental_profit_low']:,.2f} to "
        f"{row['incremental_profit_high']:,.2f})",
        highlight=False,
    )
    for key, path in paths.items():
        out.print(f"  {key:<10} {escape(str(path))}", highlight=False)


@campaign_app.command("import-calls")
def import_calls(
    campaign: Annotated[str, typer.Argument(help="The campaign's name, as sent.")],
    sheet: Annotated[
        Path,
        typer.Argument(help="The call sheet with its result column filled in (.xlsx or .csv)."),
    ],
    db: DbOpt = None,
) -> None:
    """Record the results managers wrote in a call sheet (ordered and interested count)."""
    from repeatly.campaigns import CALL_RESULTS, import_call_results
    from repeatly.store import open_store

    with open_store(db) as store:
        imported = import_call_results(store, campaign, sheet)
    out.print(
        f"{imported.rows:,} results read, {imported.recorded:,} recorded "
        f"({imported.already:,} already were); {imported.responses:,} count as "
        f"responses",
        highlight=False,
    )
    if not imported.rows:
        err.print(
            f"[yellow]note[/]: no result filled in; the result column takes "
            f"{', '.join(CALL_RESULTS)}",
            highlight=False,
        )


@campaign_app.command("unsubscribe")
def unsubscribe(
    link: Annotated[str, typer.Argument(help="The unsubscribe link a customer followed.")],
    db: DbOpt = None,
) -> None:
    """Record the opt-out of a signed unsubscribe link (its customer and channel)."""
    from repeatly.campaigns import unsubscribe_link
    from repeatly.store import open_store

    with open_store(db) as store:
        customer, channel = unsubscribe_link(store, link)
    out.print(Text(f"{customer} gets no more {channel} messages"), highlight=False)


@campaign_app.command("do-not-contact")
def do_not_contact(
    source: Annotated[
        Path,
        typer.Argument(
            help="CSV or Excel file with customer_id, email, phone or value columns, or a text "
            "file with one value a line."
        ),
    ],
    reason: Annotated[str, typer.Option(help="Why they are on the list.")] = "asked",
    db: DbOpt = None,
) -> None:
    """Add customers, e-mail addresses or phone numbers that no campaign may contact."""
    from repeatly.campaigns import add_do_not_contact_file
    from repeatly.store import open_store

    with open_store(db) as store:
        read, new = add_do_not_contact_file(store, source, reason=reason)
    out.print(f"{read:,} values read, {new:,} new on the do-not-contact list", highlight=False)


def _parse_now(value: str | None) -> Any:
    import datetime as dt

    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _fail(
            f"--now {value!r}: expected a date or time like 2026-11-23T10:00", EXIT_INPUT
        ) from None
    if len(value) == 10:  # a day: send as at noon
        moment = moment.replace(hour=12)
    return moment if moment.tzinfo else moment.astimezone()


#: How each outcome of a send is shown, in order (besides the e-mails sent).
SEND_LINES = (
    ("joined", "joined the campaign (customers new to it in these inputs)"),
    ("pending", "pending (the server said try later; a later send retries them)"),
    ("unknown", "unknown (handed over, no answer; the next send settles them)"),
    ("bounced", "bounced (address refused; on the do-not-contact list now)"),
    ("skipped", "suppressed (do not contact, unsubscribed, bounced, or an address shared)"),
    ("postponed", "postponed (frequency cap, or an earlier step went today)"),
    ("released", "taken back from an interrupted send, or sent again after no answer"),
    ("waiting", "waiting (no --smtp, --sms-url or --out for them)"),
)


def _print_sent(result: dict[str, Any], has_smtp: bool) -> None:
    if result["quiet"]:
        out.print("nothing sent: it is within the quiet hours; run again after them")
        return
    state = "recorded and " if result["created"] else ""
    by = result["by_channel"]
    texts = (
        f", {by.get('sms', 0):,} text messages ({result['sms_parts']:,} SMS parts)"
        if by.get("sms")
        else ""
    )
    out.print(
        f"{result['campaign']}: {state}sent {by.get('email', 0):,} e-mails{texts}",
        markup=False,
        highlight=False,
    )
    for key, label in SEND_LINES:
        if result[key]:
            out.print(f"  {label}: {result[key]:,}", markup=False, highlight=False)
    if result["failed"]:
        err.print(f"[red]failed[/]: {result['failed']:,}", highlight=False)
    for line in result["errors"][:10]:
        err.print(f"  {line}", markup=False, highlight=False)
    offline = [
        f"{by[ch]:,} {label}"
        for ch, label in (("call", "calls"), ("letter", "letters"))
        if by.get(ch)
    ]
    if offline:
        out.print("  given out: " + ", ".join(offline), highlight=False)
    for key, path in result["files"].items():
        out.print(f"  {key:<10} {path}", markup=False, highlight=False)
    if result["stopped"]:
        err.print("[red]stopped[/]: ", end="", highlight=False)
        err.print(result["stopped"], markup=False, highlight=False)
        err.print(
            "  nothing more was sent and nothing was lost: fix it and run the same command again",
            highlight=False,
        )
    elif not has_smtp and not by.get("sms") and not offline:
        err.print("[yellow]note[/]: no --smtp: no e-mail was sent", highlight=False)


def _print_status(found: dict[str, Any]) -> None:
    from repeatly.campaigns import OUTCOMES

    out.print(
        f"{found['campaign']} ({found['playbook']}), recorded {found['created_at'][:16]} UTC",
        markup=False,
        highlight=False,
    )
    shown = [o for o in OUTCOMES if found["totals"].get(o)]
    labels = {"skipped": "suppressed"}
    for channel, counts in found["by_channel"].items():
        parts = [f"{labels.get(o, o)} {counts[o]:,}" for o in shown if counts.get(o)]
        out.print(f"  {channel:<7} " + ", ".join(parts), markup=False, highlight=False)
    if found["next_retry"]:
        out.print(
            f"  next retry of a message put off by the server: {found['next_retry'][:16]} UTC",
            markup=False,
            highlight=False,
        )
    for p in found["problems"]:
        out.print(
            f"  {p['customer_id']} {p['step']} ({p['channel']}, {p['status']}): {p['error']}",
            markup=False,
            highlight=False,
        )


def _print_plan(summary: dict[str, Any], paths: dict[str, Path]) -> None:
    out.print(
        f"[bold]{escape(summary['campaign'])}[/]: {summary['audience']:,} customers, "
        f"{summary['treatment']:,} to contact and {summary['control']:,} held back as "
        f"control; {summary['messages']:,} messages from {summary['start']}",
        highlight=False,
    )
    if summary["by_channel"]:
        out.print(
            "  by channel: "
            + ", ".join(f"{escape(k)} {v:,}" for k, v in summary["by_channel"].items()),
            highlight=False,
        )
    for reason, count in summary["excluded"].items():
        err.print(f"[yellow]not contactable[/]: {count:,} ({escape(reason)})", highlight=False)
    if not summary["options"]["shop"].get("url"):
        err.print(
            "[yellow]note[/]: no shop address; the links in the previews are relative, "
            "and e-mail cannot be sent without one (--shop-url or \\[shop] url in the "
            "playbook)",
            highlight=False,
        )
    for key, path in paths.items():
        out.print(f"  {key:<10} {escape(str(path))}", highlight=False)
