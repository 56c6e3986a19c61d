"""Sending a campaign exactly once: e-mail over SMTP, SMS through a gateway, calls, letters.

A campaign is recorded in the operational database before anything is sent: its
recipients (control group included), one row per message with a fixed Message-ID, and
the coupons, in one transaction. Sending then walks the messages that are due:

1. a batch of pending messages is *claimed* (status ``sending``, with this run's claim);
2. for each, the SMTP transaction is opened and the whole message is written, except
   the final ``.`` that ends it;
3. the message is marked ``unknown`` and committed: from here it may be delivered;
4. the ``.`` is written and the server's answer read: ``sent``, or ``pending`` again
   with a time to retry (a 4xx answer), or ``failed`` (refused for good).

A server must drop a message whose final ``.`` never came (RFC 5321, 4.1.1.4), so a run
killed before step 3 delivered nothing of that message, and the next run sends it. A
message whose answer to the ``.`` never came (the connection dropped, the run was
killed) stays ``unknown``: it is never counted as sent, and the next run settles it by
the ``unknown`` policy: by default it is sent once more with the same Message-ID, by
which a receiving server recognises a message it already has.

Answers are told apart (:mod:`repeatly.campaigns._smtp`): a temporary refusal leaves the
message pending for a later run, after a wait that grows with each attempt; a refused
address (a bounce) puts the address on the do-not-contact list, so no later step or
campaign writes to it; a refusal of the sender (login, relay, TLS) or a server that
stops answering stops the whole send at once, with every message not yet handed over
left as it was, and says what to fix. So does a template that fails for a recipient
(:class:`~repeatly.exceptions.PlaybookError`): the playbook is wrong, not the
recipient, so the message stays pending and goes once the template is fixed.

Text messages are marked sent after the gateway took them, and posted again after a
killed run with the same idempotency key. Calls and letters are marked given out, then
their files are written from the database. Sending a campaign again finds it recorded
and sends only what was not sent. Whatever a run claimed and did not settle (it stopped,
was interrupted with Ctrl-C, or crashed) goes back to pending as it ends.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import smtplib
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from repeatly._files import json_plain
from repeatly.campaigns._addresses import address_key, address_problem
from repeatly.campaigns._claims import ACTIVE, Lease, UnknownPolicy, release_abandoned
from repeatly.campaigns._links import (
    link_base,
    short_base,
    short_unsubscribe_url,
    unsubscribe_url,
)
from repeatly.campaigns._messages import Templates
from repeatly.campaigns._plan import CampaignPlan, message_context, stored_context
from repeatly.campaigns._rules import ADDRESS_FIELD, ContactRules, SentRecently
from repeatly.campaigns._sms import SmsGateway
from repeatly.campaigns._smtp import (
    Lost,
    Refused,
    SmtpSettings,
)
from repeatly.campaigns._transports import (
    EmailTransport,
    OfflineTransport,
    SmsTransport,
    Stop,
    Transport,
)
from repeatly.exceptions import ConflictError, InputError, PlaybookError
from repeatly.offers import save_coupons
from repeatly.store import Store, contact_key

__all__ = ["UNKNOWN_POLICIES", "SendResult", "record_campaign", "send_campaign"]

CLAIM_BATCH = 200  # messages claimed at a time
#: Attempts at a message the servers keep putting off before it is failed.
MAX_ATTEMPTS = 8
#: What to do with a message handed over whose answer never came: send it once more
#: with the same Message-ID, count it as sent, or leave it for a person to decide.
UNKNOWN_POLICIES = ("retry", "sent", "hold")


@dataclass
class SendResult:
    """What a send did, in counts.

    ``created`` is whether the campaign was recorded by this send; ``joined`` counts
    the customers who joined a campaign recorded before (a newer export continuing it).
    ``sent`` went; ``pending`` were put off by the server for now and are tried again
    by a later run (not before their retry time); ``bounced`` had their address
    refused for good (now on the do-not-contact list); ``skipped`` were suppressed (do
    not contact, unsubscribed, bounced before, the same address as another customer);
    ``failed`` were refused for good or had an address that cannot be sent to;
    ``unknown`` were handed over and their answer never came (settled by the next run);
    ``postponed`` wait for the cap or an earlier step; ``waiting`` have no sender set
    up; ``released`` were taken back from an earlier run that was interrupted, or sent
    again after an unknown outcome. ``stopped`` says why the send stopped before its
    end (the sender is refused, the server is down), empty when it ran through.
    """

    campaign: str
    created: bool
    joined: int = 0
    sent: int = 0
    pending: int = 0
    bounced: int = 0
    failed: int = 0
    unknown: int = 0
    skipped: int = 0
    waiting: int = 0
    postponed: int = 0
    released: int = 0
    quiet: bool = False
    stopped: str = ""
    sms_parts: int = 0
    files: dict[str, str] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether nothing failed and the send was not stopped."""
        return not self.failed and not self.stopped

    def to_dict(self) -> dict[str, Any]:
        """The counts as plain data."""
        return {
            **{
                k: getattr(self, k)
                for k in (
                    "campaign",
                    "created",
                    "joined",
                    "sent",
                    "pending",
                    "bounced",
                    "failed",
                    "unknown",
                    "skipped",
                    "waiting",
                    "postponed",
                    "released",
                    "quiet",
                    "stopped",
                    "sms_parts",
                    "by_channel",
                    "files",
                    "errors",
                )
            },
            "ok": self.ok,
        }


def record_campaign(plan: CampaignPlan, store: Store) -> tuple[int, bool]:
    """Record a planned campaign, or find it when it is already recorded.

    A campaign found is continued: the customers of the plan who are not in it yet
    join it (with their messages, from the plan's start, and their coupons); those
    already in it keep what was recorded for them. Everything is written in one
    transaction: a failure leaves the database as it was. Returns the campaign's id
    and whether it was recorded now.
    """
    campaign_id, created, _joined = _record_or_join(plan, store, store.secret())
    return campaign_id, created


def _record_or_join(plan: CampaignPlan, store: Store, secret: bytes) -> tuple[int, bool, int]:
    """(campaign id, recorded now, customers who joined it now)."""
    try:
        return _record(plan, store, secret)
    except ConflictError:  # another send recorded it first, a moment ago
        with store.connect() as db:
            found = db.campaigns.find(plan.name)
        if found is None:
            raise
        return found.id, False, 0


def _record(plan: CampaignPlan, store: Store, secret: bytes) -> tuple[int, bool, int]:
    with store.begin() as db:
        found = db.campaigns.find(plan.name)
        now = dt.datetime.now(dt.UTC)
        if found is None:
            known: set[str] = set()
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
        else:
            campaign_id = found.id
            known = {customer for customer, _group, _stratum in db.campaigns.recipients(found.id)}
        language = plan.options["language"]
        rows, due = [], []
        for record in plan.audience.to_dict(orient="records"):
            row = {str(k): v for k, v in record.items()}
            customer = str(row["customer_id"])
            if customer in known:  # in the campaign already: nothing new for them
                continue
            treated = row["group"] == "treatment"
            context = message_context(
                plan, row, secret=secret, language=language, returns=plan.returns
            )
            rows.append(
                {
                    "campaign_id": campaign_id,
                    "customer_id": customer,
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
                            "customer_id": customer,
                            "step": step.name,
                            "channel": row["channel"],
                            "status": "pending",
                            "attempts": 0,
                            "due_on": plan.start + dt.timedelta(step.delay_days),
                            "message_id": _message_id(plan.name, customer, step.name),
                        }
                    )
        if rows:
            db.campaigns.add_recipients(rows)
            db.messages.add(due)
            joined = {r["customer_id"] for r in rows}
            coupons = [c for c in plan.coupons if str(c.customer_id) in joined]
            save_coupons(db, coupons, issued_at=now, campaign_id=campaign_id)
    return campaign_id, found is None, len(rows) if found is not None else 0


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
    unknown: UnknownPolicy = "retry",
    progress: Callable[[int, int], None] | None = None,
) -> SendResult:
    """Record the campaign if it is new, then send the e-mails that are due.

    Messages by other channels wait for their senders. Each message is sent once
    (see the module's description), re-checking the address, the do-not-contact list,
    opt-outs and the frequency cap (for the customer and the address) just before it
    goes; a message over the cap waits for a later run, and of customer ids sharing an
    address only the first gets the campaign's messages. A customer gets one step of a
    campaign at a time: when a step goes later than planned, the next ones move to keep
    their distance from it.

    Links are made as each message goes, from the shop's address in ``plan`` (its
    ``shop`` option: the one given to this send), not from the one recorded with the
    campaign: a campaign recorded without an address, or with an old one, sends the
    right links once the address is given. E-mail needs an absolute http(s) address,
    for its one-click ``List-Unsubscribe`` (RFC 8058): with ``smtp`` and without one,
    the send is refused (:class:`~repeatly.exceptions.InputError`) before anything is
    recorded or sent.

    Parameters
    ----------
    plan
        The planned campaign (:func:`repeatly.campaigns.plan_campaign`); its shop's
        address makes the links of the messages this send sends.
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
        unless it is within the quiet hours. A message a server put off goes again
        no earlier than its retry time after this moment.
    rules
        The contact rules (default: the plan's cap and quiet hours).
    retries
        Attempts at a message whose connection failed before it was handed over,
        on a new connection each, before it is left for a later run.
    unknown
        What becomes of a message an earlier run handed over without getting an
        answer: ``"retry"`` (send it once more, with the same Message-ID), ``"sent"``
        (count it as delivered) or ``"hold"`` (leave it unknown).
    progress
        Called with (messages done, messages due) as the send goes.
    """
    if retries < 1:
        raise InputError(f"retries: expected 1 or more, got {retries}")
    if unknown not in UNKNOWN_POLICIES:
        raise InputError(f"unknown: expected one of {', '.join(UNKNOWN_POLICIES)}, got {unknown!r}")
    now = now or dt.datetime.now(dt.UTC)
    rules = rules or ContactRules(max_per_week=int(plan.options["max_per_week"]))
    if smtp is not None and not smtp.sender:
        raise InputError("sender: expected the From address of the e-mails (--sender)")
    # the links of this send: from the shop's address given now, whatever was recorded
    base = link_base(plan.options["shop"], absolute=smtp is not None)  # e-mail needs one
    secret = store.secret()
    links = _Links(
        secret,
        shop_url=str(plan.options["shop"].get("url") or ""),
        base=base,
        short=short_base(plan.options["shop"]),
    )
    campaign_id, created, joined = _record_or_join(plan, store, secret)
    result = SendResult(campaign=plan.name, created=created, joined=joined)
    local = now.astimezone()  # a naive moment is this machine's local time
    now, today = local.astimezone(dt.UTC), local.date()  # stored in UTC; days are local
    if rules.quiet(local.time()):
        result.quiet = True
        return result
    result.released = release_abandoned(store, campaign_id, unknown)
    templates = Templates(plan.playbook)
    with store.connect() as db:
        counts = db.messages.due_counts(campaign_id, today, ready=now)
    transports: dict[str, Transport] = {}
    if smtp is not None:
        transports["email"] = EmailTransport(smtp)
    if sms is not None:
        transports["sms"] = SmsTransport(sms)
    if files is not None:
        transports["call"] = OfflineTransport("call")
        transports["letter"] = OfflineTransport("letter")
    result.waiting = sum(n for ch, n in counts.items() if ch not in transports)
    total = sum(n for ch, n in counts.items() if ch in transports)
    claim = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    ACTIVE.add(claim)
    lease = Lease(store, claim)
    try:
        _send_due(
            store,
            campaign_id,
            claim,
            transports,
            templates,
            result,
            links=links,
            now=now,
            today=today,
            rules=rules,
            retries=retries,
            total=total,
            progress=progress,
        )
    finally:
        # what this run claimed and did not settle (a stop, Ctrl-C, a crash) goes back
        lease.end()
        with store.begin() as db:
            db.messages.release_claim(claim)
            db.senders.end(claim)
        ACTIVE.discard(claim)
    if files is not None and not result.stopped:
        result.files = _write_files(store, campaign_id, plan, templates, Path(files), today)
    return result


def _send_due(
    store: Store,
    campaign_id: int,
    claim: str,
    transports: Mapping[str, Transport],
    templates: Templates,
    result: SendResult,
    *,
    links: _Links,
    now: dt.datetime,
    today: dt.date,
    rules: ContactRules,
    retries: int,
    total: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Send the due messages channel by channel, counting outcomes into ``result``."""
    done = 0
    reached: set[str] = set()  # customers given a message (or held back) in this run
    # the week's messages are counted once, then kept up to date as this run sends
    sent_week = SentRecently(store.sent_messages_since(now - dt.timedelta(days=7)))
    owners = _address_owners(store, campaign_id)
    # and the playbook's steps each customer and address got within its repeat window
    with store.connect() as db:
        recent = db.messages.sent_steps(
            templates.playbook.name, now - dt.timedelta(days=templates.playbook.repeat_days)
        )
    for channel, transport in transports.items():
        try:
            while batch := _claim(store, campaign_id, claim, today, channel, now):
                # opt-outs are read again for each batch: a long send sees new ones
                blocked, unsubscribed = store.blocked(), store.unsubscribed()
                opted_out = store.unsubscribed_addresses()
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
                                links=links,
                                now=now,
                                today=today,
                                rules=rules,
                                retries=retries,
                                blocked=blocked,
                                unsubscribed=unsubscribed,
                                opted_out=opted_out,
                                owners=owners,
                                sent_week=sent_week,
                                recent=recent,
                            )
                        except Stop as exc:  # nothing more can go: leave the rest as it is
                            result.stopped = f"{channel}: {exc}"
                            return
                        except Exception as exc:  # one bad message must not stop the rest
                            transport.reset()
                            row["error"] = f"{type(exc).__name__}: {exc}"
                            _finish(store, row, "failed", error=row["error"])
                            outcome = "failed"
                    if outcome not in ("skipped", "bounced"):  # a later step never goes first
                        reached.add(row["customer_id"])
                    setattr(result, outcome, getattr(result, outcome) + 1)
                    if outcome == "sent":
                        sent_week.add(row["message_id"], row["customer_id"], row.get("sent_to"))
                        for who in (row["customer_id"], row.get("sent_to")):
                            if who:
                                recent[who, row["step"]] = now
                        result.by_channel[channel] = result.by_channel.get(channel, 0) + 1
                        result.sms_parts += row.get("parts", 0)
                    elif outcome in ("failed", "bounced"):
                        result.errors.append(f"{row['customer_id']}: {row['error']}")
                    done += 1
                    if progress:
                        progress(done, total)
        finally:
            transport.close()


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


@dataclass(frozen=True)
class _Links:
    """The links of one send, made from the shop's address given to it.

    A recorded campaign keeps the links of the day it was planned (relative when the
    shop had no address); the messages carry the ones of the send that sends them.
    Without an address (a send of text messages only) the recorded ones stay.
    """

    secret: bytes
    shop_url: str
    base: str
    short: str = ""

    def apply(self, context: dict[str, Any], customer: str, channel: str) -> None:
        """Put this send's shop address and signed unsubscribe link into ``context``.

        E-mails get the long link; texts and letters the short one when the shop has an
        address (see :func:`~repeatly.campaigns._plan.link_for`).
        """
        if self.shop_url:
            context["shop"] = {**context.get("shop", {}), "url": self.shop_url}
        if self.short and channel != "email":
            context["unsubscribe_url"] = short_unsubscribe_url(
                self.secret, self.short, customer, channel, language=context["language"]
            )
        elif self.base:
            context["unsubscribe_url"] = unsubscribe_url(
                self.secret, self.base, customer, channel, language=context["language"]
            )


class _RefusedAfter(Refused):
    """A refusal of a message already handed over (status ``was``)."""

    def __init__(self, message: str, *, kind: Any, was: str) -> None:
        super().__init__(message, kind=kind)
        self.was = was


def _send_one(
    store: Store,
    transport: Transport,
    templates: Templates,
    row: dict[str, Any],
    *,
    links: _Links,
    now: dt.datetime,
    today: dt.date,
    rules: ContactRules,
    retries: int,
    blocked: set[str],
    unsubscribed: set[tuple[str, str]],
    opted_out: set[tuple[str, str]],
    owners: Mapping[tuple[str, str], str],
    sent_week: SentRecently,
    recent: Mapping[tuple[str, str], dt.datetime],
) -> str:
    context = stored_context(row["context"])
    customer, channel = row["customer_id"], transport.channel
    problem = address_problem(channel, str(context["customer"][ADDRESS_FIELD[channel]]))
    if problem is not None:  # never handed to the server
        row["error"] = problem
        _finish(store, row, "failed", error=problem)
        return "failed"
    key = row["sent_to"] = address_key(channel, context["customer"][ADDRESS_FIELD[channel]])
    if (
        {
            contact_key(customer),
            contact_key(context["customer"]["email"]),
            contact_key(context["customer"]["phone"]),
            key,
        }
        & blocked
        or (customer, channel) in unsubscribed
        or (key, channel) in opted_out
    ):
        _finish(store, row, "skipped", error="do not contact, unsubscribed or bounced")
        return "skipped"
    owner = owners.get((channel, key), customer) if key is not None else customer
    if owner != customer:  # one message a step to an address: it goes to the first id
        _finish(store, row, "skipped", error=f"same address as customer {owner}")
        return "skipped"
    # this step of the playbook, in another of its campaigns, to this customer or address
    got = recent.get((customer, row["step"])) or (key and recent.get((key, row["step"])))
    if got:
        days = templates.playbook.repeat_days
        on = (got if got.tzinfo else got.replace(tzinfo=dt.UTC)).astimezone().date()  # local
        _finish(
            store,
            row,
            "skipped",
            error=f"got this step of the playbook on {on} (repeat window {days} days)",
        )
        return "skipped"
    if sent_week.count(customer, (key,)) >= rules.max_per_week:
        _finish(store, row, "pending", error="frequency cap: postponed")
        return "postponed"
    extend = _extend_coupon(context, templates.playbook, today)
    links.apply(context, customer, channel)
    try:
        rendered = templates.render(row["step"], channel, context["language"], context)
    except PlaybookError as exc:  # the template is wrong, not the recipient: stop, keep it
        raise Stop(
            f"{exc} (for customer {customer}); the message is left pending: fix the template "
            "and send again"
        ) from None
    row["unsubscribe_url"] = context["unsubscribe_url"]
    steps = templates.playbook.steps
    delays = {s.name: s.delay_days for s in steps}
    later = {
        s.name: s.delay_days - delays[row["step"]]
        for s in steps
        if s.delay_days > delays[row["step"]]
    }
    to = transport.address(context)
    sent = partial(_finish, store, row, "sent", sent_at=now, later=later, extend=extend, day=today)
    for attempt in range(1, retries + 1):
        try:
            outcome = _attempt(store, transport, row, to, rendered, now, sent)
        except Lost as exc:  # nothing was handed over: try again on a new connection
            transport.reset()
            row["error"] = str(exc)
            transport.failed_in_a_row(str(exc))
            if attempt < retries:
                time.sleep(min(0.2 * 2**attempt, 2.0))
                continue
            return _put_off(store, row, f"not sent after {retries} attempts: {exc}", now)
        except Refused as exc:
            if exc.kind == "sender":
                raise Stop(str(exc)) from None
            outcome = _refused(store, row, exc, now, to=to, blocked=blocked)
        if outcome != "unknown":
            transport.failures = 0  # the server answered
        return outcome
    raise AssertionError("unreachable")  # pragma: no cover


def _attempt(
    store: Store,
    transport: Transport,
    row: dict[str, Any],
    to: str,
    rendered: Any,
    now: dt.datetime,
    sent: Callable[..., bool],
) -> str:
    """One try at handing a message over: its outcome.

    Raises :class:`Lost` when nothing was handed over and the connection failed, and
    :class:`Refused` when the server said no before or after the message.
    """
    transport.prepare(to, rendered, row["message_id"], now, row)
    was = "sending"
    if transport.commit_first:  # from here on the message may be delivered
        if not _finish(store, row, "unknown", error="handed over, no answer yet"):
            transport.reset()  # another run took it over: hand nothing over
            return "postponed"
        was = "unknown"
        try:
            code, answer = transport.deliver()
        except (smtplib.SMTPException, OSError) as exc:
            transport.reset()
            error = f"no answer after the message was handed over: {exc or type(exc).__name__}"
            row["error"] = error
            with store.begin() as db:
                db.messages.lost_answer(row, error)
            transport.failed_in_a_row(error)
            return "unknown"
    else:
        code, answer = transport.deliver()
    kind = transport.kind(code, answer)
    if kind == "sent":
        sent(was=was)
        return "sent"
    if kind == "lost":
        transport.reset()
        kind = "temporary"
    raise _RefusedAfter(f"{code} {answer}".strip(), kind=kind, was=was)


def _refused(
    store: Store,
    row: dict[str, Any],
    exc: Refused,
    now: dt.datetime,
    *,
    to: str,
    blocked: set[str],
) -> str:
    """Settle a message the server refused, by the kind of refusal; its outcome."""
    was = exc.was if isinstance(exc, _RefusedAfter) else "sending"
    error = f"refused: {exc}"
    row["error"] = error
    if exc.kind == "temporary":
        return _put_off(store, row, error, now, was=was)
    if exc.kind == "bounce":
        key = contact_key(to)
        with store.begin() as db:
            db.messages.settle(row, "bounced", error=error, was=was)
            if key is not None:
                db.contacts.add_do_not_contact([key], reason=f"bounced: {exc}", at=now)
                blocked.add(key)
        return "bounced"
    _finish(store, row, "failed", error=error, was=was)
    return "failed"


def _put_off(
    store: Store, row: Mapping[str, Any], error: str, now: dt.datetime, *, was: str = "sending"
) -> str:
    """Leave a message for a later run, after a wait that grows with its attempts.

    5 minutes after the first attempt, three times longer after each next one, at most
    12 hours; after ``MAX_ATTEMPTS`` it is failed.
    """
    attempts = int(row.get("attempts") or 1)
    if attempts >= MAX_ATTEMPTS:
        _finish(store, row, "failed", error=f"gave up after {attempts} attempts: {error}", was=was)
        return "failed"
    wait = min(dt.timedelta(minutes=5) * 3 ** (attempts - 1), dt.timedelta(hours=12))
    _finish(store, row, "pending", error=error, retry_at=now + wait, was=was)
    return "pending"


def _address_owners(store: Store, campaign_id: int) -> dict[tuple[str, str], str]:
    """Whom a campaign writes to at each (channel, normalised address): the first id.

    Customer ids sharing an address get one message a step between them, the one
    addressed to the first of them (in the order of the ids), whichever run sends it.
    """
    owners: dict[tuple[str, str], str] = {}
    with store.connect() as db:
        rows = db.campaigns.contexts(campaign_id)
    for customer, channel, text in rows:
        if channel not in ADDRESS_FIELD:
            continue
        key = address_key(channel, json.loads(text)["customer"].get(ADDRESS_FIELD[channel]))
        if key is not None and ((channel, key) not in owners or customer < owners[channel, key]):
            owners[channel, key] = customer
    return owners


def _claim(
    store: Store, campaign_id: int, claim: str, today: dt.date, channel: str, now: dt.datetime
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
            ready=now,
        )


def _finish(
    store: Store,
    row: Mapping[str, Any],
    status: str,
    *,
    sent_at: dt.datetime | None = None,
    error: str | None = None,
    retry_at: dt.datetime | None = None,
    was: str = "sending",
    later: Mapping[str, int] | None = None,
    extend: tuple[str, dt.date] | None = None,
    day: dt.date | None = None,
) -> bool:
    """Settle a claimed message; the claim stays, so this run does not take it again.

    ``was`` is the status it must still have; ``later`` (a sent message's later steps
    and their days after it) moves those steps so they keep their distance from this
    one when it went late; ``extend`` (a coupon code and a day) keeps the coupon valid
    until that day.
    """
    sent_to = row.get("sent_to") if status in ("sent", "unknown") else None
    with store.begin() as db:
        if not db.messages.settle(
            row, status, sent_at=sent_at, error=error, retry_at=retry_at, was=was, sent_to=sent_to
        ):
            return False
        if later:
            assert day is not None
            due = {step: day + dt.timedelta(days=days) for step, days in later.items()}
            db.messages.postpone_steps(row, due)  # claimed with it, too
        if extend is not None:
            db.coupons.extend(*extend)
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
