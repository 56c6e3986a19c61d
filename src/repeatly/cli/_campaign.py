"""``repeatly campaign``: list and show playbooks, plan a campaign."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from repeatly.cli._app import (
    EXIT_INPUT,
    AsOfOpt,
    BadRowsOpt,
    CustomersOpt,
    LeadsOpt,
    MapOpt,
    MarginRateOpt,
    OrdersArg,
    PredictOpt,
    ProductsOpt,
    SpendOpt,
    TableOpt,
    _fail,
    _progress,
    _run_analysis,
    app,
    err,
    out,
)

campaign_app = typer.Typer(
    help="Campaigns that bring customers back: playbooks, plans, sending, results.",
    no_args_is_help=True,
)
app.add_typer(campaign_app, name="campaign")

PlaybookArg = Annotated[str, typer.Argument(
    help="A built-in playbook's name (see `repeatly campaign playbooks`) or a .toml file.")]
DbOpt = Annotated[str | None, typer.Option(
    "--db", help="Operational database URL (default: REPEATLY_DB or sqlite:///repeatly.db).")]


@campaign_app.command("playbooks")
def playbooks() -> None:
    """List the built-in playbooks."""
    from repeatly.campaigns import builtin_playbooks, describe_audience, load_playbook

    for name in builtin_playbooks():
        book = load_playbook(name)
        out.print(f"[bold]{name:<15}[/] {book.title}", highlight=False)
        out.print(f"{'':<16}[dim]{describe_audience(book.audience)}; by "
                  f"{', '.join(book.channels)}[/]", highlight=False)


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
    margin_rate: MarginRateOpt = None,
    predict: PredictOpt = False,
    db: DbOpt = None,
    name: Annotated[str | None, typer.Option(
        help="Campaign name (default: PLAYBOOK-STARTDAY); planning or sending a name again "
        "finds the same campaign.")] = None,
    seed: Annotated[int | None, typer.Option(
        help="Seed of the control group's draw (default: from the name).")] = None,
    control_share: Annotated[float | None, typer.Option(
        "--control-share", help="Share held back as control (default: the playbook's).")]
    = None,
    lang: Annotated[str, typer.Option(help="Language of the messages: en or ru.")] = "en",
    max_per_week: Annotated[int, typer.Option(
        "--max-per-week", help="At most this many messages to a customer in 7 days.")] = 2,
    shop_name: Annotated[str | None, typer.Option(
        "--shop-name", help="The shop's name in the messages.")] = None,
    shop_url: Annotated[str | None, typer.Option(
        "--shop-url", help="The shop's web address (links in the messages).")] = None,
    currency: Annotated[str, typer.Option(help="Currency after amounts in offers.")] = "",
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for audience.csv, "
                                          "excluded.csv, coupons.csv, previews.txt.")]
    = Path("repeatly-campaign"),
) -> None:
    """Plan a campaign: who gets what by which channel, the control group, the coupons.

    Nothing is sent and nothing is recorded: the plan reads the segments and the
    database (opt-outs, do-not-contact, recent messages, past answers).
    """
    from repeatly.campaigns import (
        ContactRules,
        load_playbook,
        open_store,
        plan_from_analysis,
        write_plan,
    )

    if lang not in ("en", "ru"):
        raise _fail(f'--lang: expected "en" or "ru", got "{lang}"', EXIT_INPUT)
    book = load_playbook(playbook)  # a wrong playbook stops before the analysis
    shop = {k: v for k, v in (("name", shop_name), ("url", shop_url)) if v}
    with _progress() as step:
        result = _run_analysis(
            step, orders, customers=customers, products=products, spend=spend, leads=leads,
            as_of=as_of, map_=map_, table=table, on_bad_rows=on_bad_rows,
            margin_rate=margin_rate, predict=predict)
        step("Planning the campaign")
        with open_store(db) as store:
            planned = plan_from_analysis(
                book, result, store=store, name=name, seed=seed,
                control_share=control_share, language=lang,
                rules=ContactRules(max_per_week=max_per_week), shop=shop,
                currency=currency)
        step("Writing the plan")
        paths = write_plan(planned, out_dir)
    _print_plan(planned.summary(), paths)


def _print_plan(summary: dict[str, Any], paths: dict[str, Path]) -> None:
    out.print(f"[bold]{summary['campaign']}[/]: {summary['audience']:,} customers, "
              f"{summary['treatment']:,} to contact and {summary['control']:,} held back as "
              f"control; {summary['messages']:,} messages from {summary['start']}",
              highlight=False)
    if summary["by_channel"]:
        out.print("  by channel: " + ", ".join(f"{k} {v:,}" for k, v in
                                               summary["by_channel"].items()),
                  highlight=False)
    for reason, count in summary["excluded"].items():
        err.print(f"[yellow]not contactable[/]: {count:,} ({reason})", highlight=False)
    if not summary["options"]["shop"].get("url"):
        err.print("[yellow]note[/]: no shop address; links in the messages are relative "
                  "(--shop-url or [shop] url in the playbook)", highlight=False)
    for key, path in paths.items():
        out.print(f"  {key:<10} {path}", highlight=False)
