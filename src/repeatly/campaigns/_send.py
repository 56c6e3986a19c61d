"""Sending a campaign exactly once: e-mail over SMTP, SMS through a gateway, calls, letters.

A campaign is recorded in the operational database before anything is sent: its
recipients (control group included), one row per message with a fixed Message-ID, and
the coupons, in one transaction. Sending then walks the messages that are due:

1. a batch of pending messages is *claimed* (status ``sending``, with this run's claim);
2. for each, the SMTP transaction is opened and the whole message is written, except
   the final ``.`` that ends it;
3. the message is marked ``sent`` and committed;
4. the ``.`` is written and the server's answer read (a refusal marks the message
   ``failed`` or, when temporary, ``pending`` again).

A server must drop a message whose final ``.`` never came (RFC 5321, 4.1.1.4), so a run
killed before step 3 delivered nothing of that message, and the next run sends it (its
claim is released when the process that held it is gone). A run killed after step 3
has written the ``.`` or is a few microseconds from it; a message whose answer to the
``.`` is lost stays sent and is never sent again. Text messages are marked sent after the
gateway took them, and posted again after a killed run with the same idempotency key.
Calls and letters are marked given out, then their files are written from the database.
Sending a campaign again finds it recorded and sends only what was not sent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.policy
import hashlib
import json
import os
import re
import smtplib
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from functools import partial
from pathlib import Path
from typing import Any

from repeatly._files import json_plain
from repeatly.campaigns._messages import Templates
from repeatly.campaigns._plan import CampaignPlan, message_context, stored_context
from repeatly.campaigns._rules import ContactRules
from repeatly.campaigns._sms import SmsGateway, phone_number, sms_parts
from repeatly.exceptions import InputError
from repeatly.offers import save_coupons
from repeatly.store import Store, contact_key

__all__ = ["SendResult", "SmtpSettings", "record_campaign", "send_campaign"]

#: CRLF line ends; headers kept whole (a List-Unsubscribe URL must not be encoded)
_WIRE = email.policy.SMTP.clone(max_line_length=998)
CLAIM_BATCH = 200  # messages claimed at a time
STALE_CLAIM = dt.timedelta(minutes=15)  # a claim from another machine is released after


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to send e-mail.

    ``host:port`` of the SMTP server, the ``sender`` address, optional login,
    ``starttls`` (upgrade a plain connection) or ``ssl`` (connect with TLS).
    """

    host: str
    port: int = 25
    sender: str = ""
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False
    timeout: float = 30.0

    @classmethod
    def parse(cls, address: str, **options: Any) -> SmtpSettings:
        """Settings from ``HOST:PORT`` (port 25 when left out)."""
        host, _, port = address.rpartition(":") if ":" in address else (address, "", "25")
        if not host or not port.isdigit():
            raise InputError(f"--smtp {address!r}: expected HOST:PORT, e.g. localhost:1025")
        return cls(host=host, port=int(port), **options)


@dataclass
class SendResult:
    """What a send did, in counts."""

    campaign: str
    created: bool
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    waiting: int = 0
    postponed: int = 0
    released: int = 0
    quiet: bool = False
    sms_parts: int = 0
    files: dict[str, str] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The counts as plain data."""
        return {
            k: getattr(self, k)
            for k in (
                "campaign",
                "created",
                "sent",
                "failed",
                "skipped",
                "waiting",
                "postponed",
                "released",
                "quiet",
                "sms_parts",
                "by_channel",
                "files",
                "errors",
            )
        }


def record_campaign(plan: CampaignPlan, store: Store) -> tuple[int, bool]:
    """Record a planned campaign, or find it when it is already recorded.

    Everything is written in one transaction: a failure leaves the database as it was.
    Returns the campaign's id and whether it was recorded now.
    """
    secret = store.secret()
    with store.begin() as db:
        found = db.campaigns.find(plan.name)
        if found is not None:
            return found.id, False
        now = dt.datetime.now(dt.UTC)
        campaign_id = db.campaigns.add(
            name=plan.name,
            playbook=plan.playbook.name,
            created_at=now,
            as_of=dt.date.fromisoformat(plan.options["as_of"]),
            seed=int(plan.options["seed"]) % 2**31,
            control_share=float(plan.options["control_share"]),
            options={
                **plan.options,
                "start": plan.start.isoformat(),
                "playbook_file": plan.playbook.file,
                "offer": dataclasses.asdict(plan.playbook.offer),
            },
        )
        language = plan.options["language"]
        rows, due = [], []
        for record in plan.audience.to_dict(orient="records"):
            row = {str(k): v for k, v in record.items()}
            treated = row["group"] == "treatment"
            context = message_context(
                plan, row, secret=secret, language=language, returns=plan.returns
            )
            rows.append(
                {
                    "campaign_id": campaign_id,
                    "customer_id": str(row["customer_id"]),
                    "grp": row["group"],
                    "stratum": str(row["stratum"]),
                    "channel": row["channel"] if treated else None,
                    "coupon_code": row["coupon_code"] if treated else None,
                    "why": row["why"],
                    "context": json.dumps(context, default=json_plain),
                }
            )
            if treated:
                for step in plan.playbook.steps:
                    due.append(
                        {
                            "campaign_id": campaign_id,
                            "customer_id": str(row["customer_id"]),
                            "step": step.name,
                            "channel": row["channel"],
                            "status": "pending",
                            "attempts": 0,
                            "due_on": plan.start + dt.timedelta(step.delay_days),
                            "message_id": _message_id(
                                plan.name, str(row["customer_id"]), step.name
                            ),
                        }
                    )
        db.campaigns.add_recipients(rows)
        db.messages.add(due)
        save_coupons(db, plan.coupons, issued_at=now, campaign_id=campaign_id)
    return campaign_id, True


def send_campaign(
    plan: CampaignPlan,
    store: Store,
    *,
    smtp: SmtpSettings | None,
    sms: SmsGateway | None = None,
    files: str | Path | None = None,
    now: dt.datetime | None = None,
    rules: ContactRules | None = None,
    retries: int = 3,
    progress: Callable[[int, int], None] | None = None,
) -> SendResult:
    """Record the campaign if it is new, then send the e-mails that are due.

    Messages by other channels wait for their senders. Each message is sent once
    (see the module's description), re-checking the do-not-contact list, opt-outs and
    the frequency cap just before it goes; a message over the cap waits for a later
    run. A customer gets one step of a campaign at a time: when a step goes later than
    planned, the next ones move to keep their distance from it.

    Parameters
    ----------
    plan
        The planned campaign (:func:`repeatly.campaigns.plan_campaign`).
    store
        The operational database.
    smtp
        The SMTP server; without it, the due e-mails wait.
    sms
        The SMS gateway; without it, the due text messages wait.
    files
        Folder for the call sheet (``calls-NAME.xlsx``) and the day's letters
        (``letters-NAME-DAY.pdf``); without it, the due calls and letters wait.
    now
        The moment of sending (default: now); messages due on or before its day go,
        unless it is within the quiet hours.
    rules
        The contact rules (default: the plan's cap and quiet hours).
    retries
        Attempts at a temporary failure (connection lost, 4xx answer) before the
        message is left for the next run.
    progress
        Called with (messages done, messages due) as the send goes.
    """
    if retries < 1:
        raise InputError(f"retries: expected 1 or more, got {retries}")
    now = now or dt.datetime.now(dt.UTC)
    rules = rules or ContactRules(max_per_week=int(plan.options["max_per_week"]))
    campaign_id, created = record_campaign(plan, store)
    result = SendResult(campaign=plan.name, created=created)
    local = now.astimezone()  # a naive moment is this machine's local time
    now, today = local.astimezone(dt.UTC), local.date()  # stored in UTC; days are local
    if rules.quiet(local.time()):
        result.quiet = True
        return result
    result.released = _release_abandoned(store, campaign_id)
    templates = Templates(plan.playbook)
    with store.connect() as db:
        counts = db.messages.due_counts(campaign_id, today)
    transports: dict[str, _Transport] = {}
    if smtp is not None:
        if not smtp.sender:
            raise InputError("sender: expected the From address of the e-mails (--sender)")
        transports["email"] = _EmailTransport(smtp)
    if sms is not None:
        transports["sms"] = _SmsTransport(sms)
    if files is not None:
        transports["call"] = _OfflineTransport("call")
        transports["letter"] = _OfflineTransport("letter")
    result.waiting = sum(n for ch, n in counts.items() if ch not in transports)
    total = sum(n for ch, n in counts.items() if ch in transports)
    claim = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    done = 0
    reached: set[str] = set()  # customers given a message (or held back) in this run
    # the week's messages are counted once, then kept up to date as this run sends
    sent_week = store.sent_since(now - dt.timedelta(days=7))
    for channel, transport in transports.items():
        try:
            while batch := _claim(store, campaign_id, claim, today, channel):
                # opt-outs are read again for each batch: a long send sees new ones
                blocked, unsubscribed = store.blocked(), store.unsubscribed()
                for row in batch:
                    if row["customer_id"] in reached:  # one message of a campaign a run
                        _finish(store, row, "pending", error="an earlier step went first")
                        outcome = "postponed"
                    else:
                        try:
                            outcome = _send_one(
                                store,
                                transport,
                                templates,
                                row,
                                now=now,
                                today=today,
                                rules=rules,
                                retries=retries,
                                blocked=blocked,
                                unsubscribed=unsubscribed,
                                sent_week=sent_week,
                            )
                        except Exception as exc:  # one bad message must not stop the rest
                            transport.reset()
                            row["error"] = f"{type(exc).__name__}: {exc}"
                            _finish(store, row, "failed", error=row["error"])
                            outcome = "failed"
                    if outcome != "skipped":  # a later step never goes before this one
                        reached.add(row["customer_id"])
                    setattr(result, outcome, getattr(result, outcome) + 1)
                    if outcome == "sent":
                        sent_week[row["customer_id"]] += 1
                        result.by_channel[channel] = result.by_channel.get(channel, 0) + 1
                        result.sms_parts += row.get("parts", 0)
                    elif outcome == "failed":
                        result.errors.append(f"{row['customer_id']}: {row['error']}")
                    done += 1
                    if progress:
                        progress(done, total)
        finally:
            transport.close()
    if files is not None:
        result.files = _write_files(store, campaign_id, plan, templates, Path(files), today)
    return result


def _write_files(
    store: Store,
    campaign_id: int,
    plan: CampaignPlan,
    templates: Templates,
    folder: Path,
    day: dt.date,
) -> dict[str, str]:
    """Write the call sheet and the day's letters, when there are any, from the database."""
    from repeatly.campaigns._offline import write_call_tasks, write_letters

    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    with store.connect() as db:
        given = db.messages.sent_counts(campaign_id, ("call", "letter"))
    if given.get("call"):
        written["calls"] = str(
            write_call_tasks(store, campaign_id, templates, folder / f"calls-{plan.name}.xlsx")
        )
    if given.get("letter"):
        written["letters"] = str(
            write_letters(
                store,
                campaign_id,
                templates,
                day,
                folder / f"letters-{plan.name}-{day.isoformat()}.pdf",
            )
        )
    return written


class _Refused(Exception):
    """The server refused a message: for good, or (``temporary``) for now."""

    def __init__(self, message: str, *, temporary: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary


class _Transport:
    """How one channel hands over a message, in two halves around the commit.

    ``prepare`` does everything short of delivering; ``deliver`` delivers and returns
    (code, answer). With ``commit_first`` the message is marked sent between the two
    (SMTP: a message whose final dot never came is dropped); without, after a
    successful ``deliver`` (an HTTP gateway that honours the idempotency key delivers
    a message posted again once).
    """

    channel = ""
    commit_first = True

    def address(self, context: Mapping[str, Any]) -> str:
        raise NotImplementedError

    def prepare(
        self, to: str, rendered: Any, message_id: str, now: dt.datetime, row: dict[str, Any]
    ) -> None:
        raise NotImplementedError

    def deliver(self) -> tuple[int, str]:
        raise NotImplementedError

    def accepted(self, code: int) -> bool:
        raise NotImplementedError

    def temporary(self, code: int) -> bool:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget a connection that failed."""

    def close(self) -> None:
        """Close what the transport holds open."""


class _EmailTransport(_Transport):
    channel = "email"
    commit_first = True

    def __init__(self, smtp: SmtpSettings) -> None:
        self.smtp = smtp
        self.connection = _Connection(smtp)

    def address(self, context: Mapping[str, Any]) -> str:
        return str(context["customer"]["email"])

    def prepare(
        self, to: str, rendered: Any, message_id: str, now: dt.datetime, row: dict[str, Any]
    ) -> None:
        message = _email(
            rendered.subject,
            rendered.body,
            to=to,
            smtp=self.smtp,
            message_id=message_id,
            unsubscribe=row["unsubscribe_url"],
            now=now,
        )
        self.connection.begin(self.smtp.sender, to, message)

    def deliver(self) -> tuple[int, str]:
        return self.connection.end()

    def accepted(self, code: int) -> bool:
        return code == 250

    def temporary(self, code: int) -> bool:
        return 400 <= code < 500

    def reset(self) -> None:
        self.connection.reset()

    def close(self) -> None:
        self.connection.close()


class _SmsTransport(_Transport):
    channel = "sms"
    commit_first = False

    def __init__(self, gateway: SmsGateway) -> None:
        self.gateway = gateway
        self.pending: tuple[str, str, str] = ("", "", "")

    def address(self, context: Mapping[str, Any]) -> str:
        return phone_number(str(context["customer"]["phone"]))

    def prepare(
        self, to: str, rendered: Any, message_id: str, now: dt.datetime, row: dict[str, Any]
    ) -> None:
        self.pending = (to, rendered.body, message_id)
        row["parts"] = sms_parts(rendered.body)[2]

    def deliver(self) -> tuple[int, str]:
        return self.gateway.send(*self.pending)

    def accepted(self, code: int) -> bool:
        return 200 <= code < 300

    def temporary(self, code: int) -> bool:
        return code == 429 or code >= 500


class _OfflineTransport(_Transport):
    """Calls and letters: given out by marking them sent; the files follow."""

    commit_first = False

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def address(self, context: Mapping[str, Any]) -> str:
        field = "phone" if self.channel == "call" else "address"
        return str(context["customer"][field])

    def prepare(
        self, to: str, rendered: Any, message_id: str, now: dt.datetime, row: dict[str, Any]
    ) -> None:
        """Nothing to hand over: the file is written from the database."""

    def deliver(self) -> tuple[int, str]:
        return 200, ""

    def accepted(self, code: int) -> bool:
        return code == 200

    def temporary(self, code: int) -> bool:
        return False


def _send_one(
    store: Store,
    transport: _Transport,
    templates: Templates,
    row: dict[str, Any],
    *,
    now: dt.datetime,
    today: dt.date,
    rules: ContactRules,
    retries: int,
    blocked: set[str],
    unsubscribed: set[tuple[str, str]],
    sent_week: Mapping[str, int],
) -> str:
    context = stored_context(row["context"])
    customer, channel = row["customer_id"], transport.channel
    if {
        contact_key(customer),
        contact_key(context["customer"]["email"]),
        contact_key(context["customer"]["phone"]),
    } & blocked or (customer, channel) in unsubscribed:
        _finish(store, row, "skipped", error="do not contact or unsubscribed")
        return "skipped"
    if sent_week.get(customer, 0) >= rules.max_per_week:
        _finish(store, row, "pending", error="frequency cap: postponed")
        return "postponed"
    extend = _extend_coupon(context, templates.playbook, today)
    rendered = templates.render(row["step"], channel, context["language"], context)
    row["unsubscribe_url"] = context["unsubscribe_url"]
    steps = templates.playbook.steps
    delays = {s.name: s.delay_days for s in steps}
    later = {
        s.name: s.delay_days - delays[row["step"]]
        for s in steps
        if s.delay_days > delays[row["step"]]
    }
    to = transport.address(context)
    settle = partial(_finish, store, row, sent_at=now, later=later, extend=extend, day=today)
    for attempt in range(1, retries + 1):
        try:
            return _attempt(store, transport, row, to, rendered, now, settle)
        except _Retry as exc:
            row["error"] = str(exc)
            if attempt < retries:
                time.sleep(min(0.2 * 2**attempt, 5.0))
                continue
            _finish(store, row, "pending", error=f"not sent after {retries} attempts: {exc}")
    return "failed"


class _Retry(Exception):
    """A temporary failure (a lost connection, a 4xx answer): try again later."""


def _attempt(
    store: Store,
    transport: _Transport,
    row: dict[str, Any],
    to: str,
    rendered: Any,
    now: dt.datetime,
    settle: Callable[..., bool],
) -> str:
    """One try at handing a message over; raises :class:`_Retry` on a temporary failure."""
    try:
        transport.prepare(to, rendered, row["message_id"], now, row)
    except _Refused as exc:
        if exc.temporary:
            raise _Retry(f"refused: {exc}") from None
        row["error"] = f"refused: {exc}"
        _finish(store, row, "failed", error=row["error"])
        return "failed"
    except (smtplib.SMTPException, OSError) as exc:
        transport.reset()
        raise _Retry(str(exc)) from None
    if transport.commit_first:  # marked sent before the final step
        if not settle("sent"):
            transport.reset()  # another run took it over: hand nothing over
            return "postponed"
        try:
            code, answer = transport.deliver()
        except (smtplib.SMTPException, OSError) as exc:
            # the message may have gone: never send it again, say so
            transport.reset()
            _note(store, row, f"no answer after the message was handed over: {exc}")
            return "sent"
    else:
        try:
            code, answer = transport.deliver()
        except (smtplib.SMTPException, OSError) as exc:
            transport.reset()
            raise _Retry(str(exc)) from None
    if transport.accepted(code):
        if not transport.commit_first:
            settle("sent")
        return "sent"
    if transport.commit_first:  # refused after the final dot: it did not go
        _reopen(store, row)
    if transport.temporary(code):
        raise _Retry(f"refused: {code} {answer}".strip())
    row["error"] = f"refused: {code} {answer}".strip()
    _finish(store, row, "failed", error=row["error"])
    return "failed"


class _Connection:
    """One SMTP connection for many messages, split so a message can be held open."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.client: smtplib.SMTP | None = None

    def close(self) -> None:
        """Say goodbye to the server, or just drop the connection when it is gone."""
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None

    def _open(self) -> smtplib.SMTP:
        if self.client is None:
            s = self.settings
            factory = smtplib.SMTP_SSL if s.ssl else smtplib.SMTP
            client = factory(s.host, s.port, timeout=s.timeout)
            # the final dot goes in a write of its own: without this, Nagle's algorithm
            # and the server's delayed acknowledgement hold it back ~40 ms a message
            if client.sock is not None:
                client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            client.ehlo()
            if s.starttls:
                client.starttls()
                client.ehlo()
            if s.username:
                client.login(s.username, s.password or "")
            self.client = client
        return self.client

    def begin(self, sender: str, to: str, message: EmailMessage) -> None:
        """Open the transaction and write the message, all but the final dot."""
        client = self._open()
        for command, accepted in (
            (lambda: client.mail(sender), (250,)),
            (lambda: client.rcpt(to), (250, 251)),
            (lambda: client.docmd("DATA"), (354,)),
        ):
            code, answer = command()
            if code not in accepted:
                client.rset()  # end the refused transaction; the connection goes on
                raise _Refused(
                    f"{code} {answer.decode(errors='replace')}", temporary=400 <= code < 500
                )
        # lines end in CRLF; a line starting with a dot gets a second one (RFC 5321 4.5.2)
        data = re.sub(rb"(?m)^\.", b"..", message.as_bytes(policy=_WIRE))
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        client.send(data)

    def end(self) -> tuple[int, str]:
        """Write the final dot and read the server's answer."""
        assert self.client is not None
        self.client.send(b".\r\n")
        code, answer = self.client.getreply()
        return code, answer.decode(errors="replace")

    def reset(self) -> None:
        """Drop a connection that failed; the next message opens a new one."""
        if self.client is not None:
            self.client.close()
            self.client = None


def _email(
    subject: str,
    body: str,
    *,
    to: str,
    smtp: SmtpSettings,
    message_id: str,
    unsubscribe: str,
    now: dt.datetime,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now if now.tzinfo else now.astimezone())
    message["Message-ID"] = message_id
    if unsubscribe.startswith(("http://", "https://")):
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(body)
    return message


def _claim(
    store: Store, campaign_id: int, claim: str, today: dt.date, channel: str
) -> list[dict[str, Any]]:
    """Claim a batch of due messages of a channel for this run; return them."""
    with store.begin() as db:
        return db.messages.claim(
            campaign_id,
            claim,
            day=today,
            channel=channel,
            limit=CLAIM_BATCH,
            at=dt.datetime.now(dt.UTC),
        )


def _finish(
    store: Store,
    row: Mapping[str, Any],
    status: str,
    *,
    sent_at: dt.datetime | None = None,
    error: str | None = None,
    later: Mapping[str, int] | None = None,
    extend: tuple[str, dt.date] | None = None,
    day: dt.date | None = None,
) -> bool:
    """Settle a claimed message; the claim stays, so this run does not take it again.

    ``later`` (a sent message's later steps and their days after it) moves those steps
    so they keep their distance from this one when it went late; ``extend`` (a coupon
    code and a day) keeps the coupon valid until that day.
    """
    with store.begin() as db:
        if not db.messages.settle(row, status, sent_at=sent_at, error=error):
            return False
        if later:
            assert day is not None
            due = {step: day + dt.timedelta(days=days) for step, days in later.items()}
            db.messages.postpone_steps(row, due)  # claimed with it, too
        if extend is not None:
            db.coupons.extend(*extend)
    return True


def _reopen(store: Store, row: Mapping[str, Any]) -> None:
    """Take back a 'sent' this run committed before the server refused the message."""
    with store.begin() as db:
        db.messages.reopen(row)


def _note(store: Store, row: Mapping[str, Any], error: str) -> None:
    """Keep a remark on a message without changing its status."""
    with store.begin() as db:
        db.messages.note(row, error)


def _release_abandoned(store: Store, campaign_id: int) -> int:
    """Put back the messages claimed by runs that are gone; how many there were.

    A claim names the machine and process; on this machine a claim whose process no
    longer runs is released at once, a claim from elsewhere after ``STALE_CLAIM``.
    """
    here = socket.gethostname()
    now = dt.datetime.now(dt.UTC)  # the clock, not the moment a send is dated
    released = 0
    with store.begin() as db:
        for customer, step, claim, claimed_at in db.messages.held(campaign_id):
            host, _, rest = (claim or "::").partition(":")
            pid = rest.partition(":")[0]
            if host == here and pid.isdigit():
                gone = not _running(int(pid))
            else:
                at = claimed_at if claimed_at.tzinfo else claimed_at.replace(tzinfo=dt.UTC)
                gone = now - at > STALE_CLAIM
            if gone:
                db.messages.release(campaign_id, customer, step)
                released += 1
    return released


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (killed, not yet reaped by its parent) is gone too
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def _extend_coupon(
    context: dict[str, Any], book: Any, today: dt.date
) -> tuple[str, dt.date] | None:
    """A message sent late still gives the coupon its full ``valid_days``."""
    offer = context["offer"]
    if not offer.get("code") or offer.get("deadline") is None:
        return None
    until = max(offer["deadline"], today + dt.timedelta(days=book.offer.valid_days - 1))
    offer["deadline"] = until
    return str(offer["code"]), until


def _message_id(campaign: str, customer: str, step: str) -> str:
    digest = hashlib.sha256(f"{campaign}\x1f{customer}\x1f{step}".encode()).hexdigest()
    return f"<{digest[:32]}@repeatly>"
