"""Call tasks and letters: the messages people deliver, as files.

A call is a task for a manager: the customer's facts, a script, and a result column to
fill in and import back. A letter is a page of a PDF mail merge with an address block.
Sending marks the due calls and letters as given out; the files are then written from
the database, whole, under fixed names: the call sheet of a campaign lists every call
given out, the letters file of a day every letter given out that day. Writing them again
gives the same files, so a run killed before it wrote them loses nothing.
"""

from __future__ import annotations

import datetime as dt
import html
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from repeatly._files import atomic_write
from repeatly._safe import looks_like_formula, restore_frame, write_csv
from repeatly.campaigns._messages import Templates, format_date, format_money
from repeatly.campaigns._plan import stored_context
from repeatly.exceptions import DataValidationError, InputError, MissingDependencyError, Problem
from repeatly.store import Store

__all__ = [
    "CALL_RESULTS",
    "RESPONSE_RESULTS",
    "ImportedCalls",
    "import_call_results",
    "write_call_tasks",
    "write_letters",
]

#: What a manager can write in the result column; the first two count as responses.
CALL_RESULTS = ("ordered", "interested", "callback", "declined", "no_answer", "wrong_number")
RESPONSE_RESULTS = ("ordered", "interested")
CALL_COLUMNS = [
    "customer_id",
    "name",
    "phone",
    "step",
    "script",
    "facts",
    "result",
    "note",
    "message_id",
]


def _given_out(
    store: Store, campaign_id: int, channel: str, day: dt.date | None = None
) -> Iterator[dict[str, Any]]:
    """The messages of a channel given out (sent), with each recipient's fields."""
    with store.connect() as db:
        rows = db.messages.given_out(campaign_id, channel)
    for row in rows:
        sent = row["sent_at"]  # stored in UTC (SQLite gives it back without the zone)
        sent = sent if sent.tzinfo else sent.replace(tzinfo=dt.UTC)
        if day is not None and sent.astimezone().date() != day:  # the sender's local day
            continue
        row["context"] = stored_context(row["context"])
        yield row


def write_call_tasks(
    store: Store, campaign_id: int, templates: Templates, path: str | Path
) -> Path:
    """Write the campaign's call sheet (``.xlsx`` or ``.csv``) from the database.

    One row per call given out: the customer, their phone, the step, the script, the
    facts a manager needs, an empty ``result`` (one of :data:`CALL_RESULTS`) and
    ``note``, and the message id that ties an imported row to its call. Text a
    spreadsheet would read as a formula (a name such as ``=HYPERLINK(...)``, a phone
    such as ``+7 ...``) gets a leading ``'`` in a CSV and is a quote-prefixed string
    cell in a workbook (see :mod:`repeatly._safe`); :func:`import_call_results` takes
    the ``'`` off again.
    """
    rows = []
    for row in _given_out(store, campaign_id, "call"):
        context = row["context"]
        language = context["language"]
        customer = context["customer"]
        rendered = templates.render(row["step"], "call", language, context)
        rows.append(
            {
                "customer_id": row["customer_id"],
                "name": customer["name"],
                "phone": customer["phone"],
                "step": row["step"],
                "script": rendered.body,
                "facts": _facts(context, language),
                "result": "",
                "note": "",
                "message_id": row["message_id"],
            }
        )
    frame = pd.DataFrame(rows, columns=CALL_COLUMNS)
    target = Path(path)
    if target.suffix == ".csv":
        return atomic_write(target, lambda p: write_csv(frame, p))
    return atomic_write(target, lambda p: _call_workbook(frame, p))


def _facts(context: dict[str, Any], language: str) -> str:
    segment, last, offer = context["segment"], context["last_purchase"], context["offer"]
    parts = [f"{segment['rfm']}, {segment['status']}".strip(", ")]
    if segment.get("orders") is not None:
        parts.append(
            f"{int(segment['orders'])} orders, "
            f"{format_money(segment.get('revenue'), language)} in all"
        )
    if last.get("date") is not None:
        parts.append(
            f"last purchase {format_date(last['date'], language)}"
            + (f" ({last['category']})" if last.get("category") else "")
        )
    if offer.get("code"):
        parts.append(
            f"offer {offer['text']}, code {offer['code']} until "
            f"{format_date(offer['deadline'], language)}"
        )
    return "; ".join(p for p in parts if p)


def _call_workbook(frame: pd.DataFrame, path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("calls")
    head = book.add_format({"bold": True, "bg_color": "#E8EEF6", "border": 1})
    wrap = {"text_wrap": True, "valign": "top"}
    fill = {"bg_color": "#FFF7D6", "border": 1, "valign": "top"}  # for the manager to fill
    # (to fill, quoted): text a spreadsheet would read as a formula is quote-prefixed, so
    # it stays text even when a manager edits the cell
    styles = {
        (filled, quoted): book.add_format({**(fill if filled else wrap), "quote_prefix": quoted})
        for filled in (False, True)
        for quoted in (False, True)
    }
    widths = {
        "customer_id": 12,
        "name": 20,
        "phone": 18,
        "step": 12,
        "script": 60,
        "facts": 45,
        "result": 14,
        "note": 30,
        "message_id": 12,
    }
    for col, name in enumerate(CALL_COLUMNS):
        sheet.write(0, col, name, head)
        sheet.set_column(col, col, widths[name], styles[False, False])
    for r, values in enumerate(frame.itertuples(index=False), start=1):
        for col, value in enumerate(values):
            text = str(value)
            filled = CALL_COLUMNS[col] in ("result", "note")
            sheet.write_string(r, col, text, styles[filled, looks_like_formula(text)])
    if len(frame):
        sheet.data_validation(
            1,
            CALL_COLUMNS.index("result"),
            len(frame),
            CALL_COLUMNS.index("result"),
            {"validate": "list", "source": list(CALL_RESULTS)},
        )
    sheet.freeze_panes(1, 0)
    book.close()


@dataclass
class ImportedCalls:
    """What an import of call results recorded."""

    rows: int
    recorded: int
    responses: int
    already: int


def import_call_results(
    store: Store, campaign: str, path: str | Path, *, at: dt.datetime | None = None
) -> ImportedCalls:
    """Read a filled-in call sheet back and record each result as a response.

    All rows are checked first: a result that is not one of :data:`CALL_RESULTS`, or a
    message id that is not one of the campaign's calls, stops the import with the file,
    row and column, and nothing is recorded. Importing the same sheet again records
    nothing new. ``ordered`` and ``interested`` count as responses in the results. The
    ``'`` the sheet's writer put before text that looks like a formula is taken off.
    """
    source = Path(path)
    try:
        frame = (
            pd.read_csv(source, dtype=str, keep_default_na=False)
            if source.suffix == ".csv"
            else pd.read_excel(source, dtype=str, keep_default_na=False)
        )
    except (OSError, ValueError) as exc:
        raise InputError(f"{source.name}: cannot be read ({exc})") from None
    frame = restore_frame(frame)
    missing = [c for c in ("message_id", "result") if c not in frame.columns]
    if missing:
        raise InputError(
            f"{source.name}: expected the columns {', '.join(missing)} of the call sheet"
        )
    with store.connect() as db:
        found = db.campaigns.find(campaign)
        if found is None:
            raise InputError(f"campaign {campaign!r}: not in the database")
        calls = db.messages.customers_by_message_id(found.id, "call")
    problems, results = [], []
    for line, row in enumerate(frame.to_dict(orient="records"), start=2):  # header: row 1
        result = str(row["result"]).strip().lower().replace(" ", "_")
        if not result:
            continue
        if result not in CALL_RESULTS:
            problems.append(
                Problem(
                    source.name,
                    line,
                    "result",
                    f"one of {', '.join(CALL_RESULTS)}",
                    f'"{row["result"]}"',
                )
            )
            continue
        message_id = str(row["message_id"]).strip()
        if message_id not in calls:
            problems.append(
                Problem(
                    source.name,
                    line,
                    "message_id",
                    f"a call of campaign {campaign}",
                    f'"{message_id}"',
                )
            )
            continue
        results.append((calls[message_id], result, str(row.get("note", "")).strip()))
    if problems:
        raise DataValidationError(problems)
    moment = at or dt.datetime.now(dt.UTC)
    recorded = already = 0
    with store.begin() as db:  # all or nothing
        for customer, result, note in results:
            kind = f"call_{result}"
            if db.responses.exists(found.id, customer, kind):
                already += 1
                continue
            db.responses.add(
                customer,
                campaign_id=found.id,
                channel="call",
                kind=kind,
                at=moment,
                note=note or None,
            )
            recorded += 1
    return ImportedCalls(
        rows=len(results),
        recorded=recorded,
        already=already,
        responses=sum(r in RESPONSE_RESULTS for _c, r, _n in results),
    )


def write_letters(
    store: Store,
    campaign_id: int,
    templates: Templates,
    day: dt.date,
    path: str | Path,
    *,
    sender: dict[str, str] | None = None,
) -> Path:
    """Write the letters given out on a day as one PDF, a letter a page.

    Each page has the shop's address at the top, the customer's name and postal
    address where a window envelope shows it, the date, and the letter.
    """
    try:
        with warnings.catch_warnings():  # fonts are embedded whole without HarfBuzz-Subset
            warnings.filterwarnings(
                "ignore", message="HarfBuzz-Subset", category=DeprecationWarning
            )
            from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: the Pango library is missing
        raise MissingDependencyError(
            f"letters need WeasyPrint and the Pango library ({exc}); on Debian or Ubuntu: "
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0"
        ) from None
    pages = []
    for row in _given_out(store, campaign_id, "letter", day):
        context = row["context"]
        rendered = templates.render(row["step"], "letter", context["language"], context)
        pages.append(_letter_page(context, rendered.body, day, sender or context["shop"]))
    document = _LETTER_HTML.format(pages="".join(pages) or "<section></section>")

    return atomic_write(Path(path), lambda p: HTML(string=document).write_pdf(str(p)))


def _letter_page(context: dict[str, Any], body: str, day: dt.date, shop: dict[str, str]) -> str:
    customer = context["customer"]
    address = "<br>".join(
        html.escape(part.strip())
        for part in [customer["name"], *customer["address"].split(",")]
        if part and part.strip()
    )
    shop_lines = "<br>".join(html.escape(v) for v in (shop.get("name"), shop.get("address")) if v)
    text = "".join(
        f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in body.split("\n\n") if p.strip()
    )
    return (
        f'<section><div class="from">{shop_lines}</div>'
        f'<div class="to">{address}</div>'
        f'<div class="date">{format_date(day, context["language"])}</div>'
        f'<div class="body">{text}</div></section>'
    )


_LETTER_HTML = """<!doctype html><html><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 20mm 20mm 20mm 25mm; }}
body {{ font-family: "DejaVu Sans", sans-serif; font-size: 11pt; line-height: 1.45; }}
section {{ page-break-after: always; position: relative; min-height: 240mm; }}
section:last-child {{ page-break-after: auto; }}
.from {{ font-size: 9pt; color: #555; }}
.to {{ position: absolute; top: 25mm; left: 0; width: 85mm; height: 40mm; }}
.date {{ margin-top: 70mm; text-align: right; }}
.body {{ margin-top: 8mm; }}
</style></head><body>{pages}</body></html>"""
