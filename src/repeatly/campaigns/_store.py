"""The operational database: campaigns, their recipients and messages, coupons, opt-outs.

SQLAlchemy Core on SQLite (the default, a file next to the user's work) or PostgreSQL;
the schema is created and kept up to date by Alembic migrations when the store opens.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from repeatly.exceptions import StoreError

__all__ = ["DEFAULT_URL", "Store", "open_store"]

#: Where the store is when no URL is given (``REPEATLY_DB`` overrides it).
DEFAULT_URL = "sqlite:///repeatly.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"

metadata = sa.MetaData()
MONEY = sa.Numeric(14, 2)
settings = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("playbook", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("seed", sa.Integer, nullable=False),
    sa.Column("control_share", sa.Float, nullable=False),
    sa.Column("options", sa.Text, nullable=False),
)
recipients = sa.Table(
    "recipients",
    metadata,
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), primary_key=True),
    sa.Column("customer_id", sa.String(200), primary_key=True),
    sa.Column("grp", sa.String(10), nullable=False),
    sa.Column("stratum", sa.String(100), nullable=False),
    sa.Column("channel", sa.String(10)),
    sa.Column("coupon_code", sa.String(20)),
    sa.Column("why", sa.Text, nullable=False),
    sa.Column("context", sa.Text),
)
messages = sa.Table(
    "messages",
    metadata,
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), primary_key=True),
    sa.Column("customer_id", sa.String(200), primary_key=True),
    sa.Column("step", sa.String(100), primary_key=True),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("message_id", sa.String(255), nullable=False, unique=True),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Column("error", sa.Text),
    sa.Column("claim", sa.String(100)),
    sa.Column("claimed_at", sa.DateTime(timezone=True)),
)
coupons = sa.Table(
    "coupons",
    metadata,
    sa.Column("code", sa.String(20), primary_key=True),
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
    sa.Column("customer_id", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("value", MONEY, nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=False),
    sa.Column("usage_limit", sa.Integer, nullable=False),
    sa.Column("uses", sa.Integer, nullable=False, server_default="0"),
    sa.Column("min_order", MONEY, nullable=False),
    sa.Column("categories", sa.Text, nullable=False),
)
unsubscribes = sa.Table(
    "unsubscribes",
    metadata,
    sa.Column("customer_id", sa.String(200), primary_key=True),
    sa.Column("channel", sa.String(10), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)
do_not_contact = sa.Table(
    "do_not_contact",
    metadata,
    sa.Column("value", sa.String(255), primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
)
responses = sa.Table(
    "responses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id")),
    sa.Column("customer_id", sa.String(200), nullable=False),
    sa.Column("channel", sa.String(10)),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revenue", MONEY),
    sa.Column("note", sa.Text),
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store:
    """An open operational database (see :func:`open_store`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def url(self) -> str:
        """The database's URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def secret(self) -> bytes:
        """The store's secret key (for coupon codes and links), made on first use."""
        with self.engine.begin() as con:
            found = con.execute(
                sa.select(settings.c.value).where(settings.c.key == "secret")
            ).scalar()
            if found is None:
                try:
                    with con.begin_nested():
                        con.execute(
                            settings.insert().values(key="secret", value=secrets.token_hex(32))
                        )
                except sa.exc.IntegrityError:  # another process made it first
                    pass
                found = con.execute(
                    sa.select(settings.c.value).where(settings.c.key == "secret")
                ).scalar_one()
        return bytes.fromhex(found)

    def add_do_not_contact(self, values: Iterable[str], reason: str) -> int:
        """Add customer ids, e-mail addresses or phone numbers no one may contact.

        Returns how many were new. Values are compared as written, e-mail addresses
        in lower case and phone numbers by their digits.
        """
        keys = {_contact_key(v) for v in values if v and str(v).strip()}
        with self.engine.begin() as con:
            known = set(con.execute(sa.select(do_not_contact.c.value)).scalars())
            new = sorted(keys - known)
            if new:
                con.execute(
                    do_not_contact.insert(),
                    [{"value": v, "reason": reason, "added_at": _now()} for v in new],
                )
        return len(new)

    def blocked(self) -> set[str]:
        """The do-not-contact values, normalised as :meth:`add_do_not_contact` stores them."""
        with self.engine.connect() as con:
            return set(con.execute(sa.select(do_not_contact.c.value)).scalars())

    def unsubscribe(self, customer_id: str, channel: str) -> None:
        """Record that a customer does not want messages by a channel any more."""
        with self.engine.begin() as con:
            exists = con.execute(
                sa.select(unsubscribes.c.customer_id).where(
                    unsubscribes.c.customer_id == customer_id, unsubscribes.c.channel == channel
                )
            ).first()
            if exists is None:
                con.execute(
                    unsubscribes.insert().values(
                        customer_id=customer_id, channel=channel, at=_now()
                    )
                )

    def unsubscribed(self) -> set[tuple[str, str]]:
        """The (customer, channel) pairs that opted out."""
        with self.engine.connect() as con:
            rows = con.execute(sa.select(unsubscribes.c.customer_id, unsubscribes.c.channel))
            return {(r[0], r[1]) for r in rows}

    def sent_since(self, since: dt.datetime) -> Counter[str]:
        """Messages sent to each customer after a moment, across all campaigns."""
        with self.engine.connect() as con:
            rows = con.execute(
                sa.select(messages.c.customer_id, sa.func.count())
                .where(messages.c.status == "sent", messages.c.sent_at > since)
                .group_by(messages.c.customer_id)
            )
            return Counter({r[0]: int(r[1]) for r in rows})

    def answered_by(self) -> dict[str, Counter[str]]:
        """For each customer, how often they answered each channel before."""
        found: dict[str, Counter[str]] = defaultdict(Counter)
        with self.engine.connect() as con:
            rows = con.execute(
                sa.select(responses.c.customer_id, responses.c.channel, sa.func.count())
                .where(responses.c.channel.is_not(None))
                .group_by(responses.c.customer_id, responses.c.channel)
            )
            for customer, channel, count in rows:
                found[customer][channel] += int(count)
        return dict(found)

    def campaign_starts(self) -> dict[str, dt.date]:
        """The recorded campaigns and the day each started, oldest first."""
        with self.engine.connect() as con:
            rows = con.execute(
                sa.select(campaigns.c.name, campaigns.c.options).order_by(campaigns.c.id)
            ).all()
        return {name: dt.date.fromisoformat(json.loads(options)["start"]) for name, options in rows}

    def record_response(
        self,
        customer_id: str,
        *,
        kind: str,
        channel: str | None = None,
        campaign_id: int | None = None,
        revenue: Any = None,
        note: str | None = None,
        at: dt.datetime | None = None,
    ) -> None:
        """Record that a customer answered (an order, a call result, a reply)."""
        with self.engine.begin() as con:
            con.execute(
                responses.insert().values(
                    campaign_id=campaign_id,
                    customer_id=customer_id,
                    channel=channel,
                    kind=kind,
                    at=at or _now(),
                    revenue=revenue,
                    note=note,
                )
            )

    def close(self) -> None:
        """Close the store's connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _contact_key(value: str) -> str:
    text = str(value).strip()
    if "@" in text:
        return text.lower()
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 7 and all(ch.isdigit() or ch in " +-().\u00a0" for ch in text):
        return ("+" if text.startswith("+") else "") + digits  # a phone number
    return text


def contact_key(value: str | None) -> str | None:
    """An e-mail address, phone number or id as the do-not-contact list compares it."""
    return None if value is None or not str(value).strip() else _contact_key(value)


def open_store(url: str | None = None) -> Store:
    """Open the operational database and bring its schema up to date.

    Parameters
    ----------
    url
        A SQLAlchemy URL: ``sqlite:///path/to/file.db`` (the default, ``repeatly.db``
        in the current folder, or ``REPEATLY_DB``) or
        ``postgresql://user@host:5432/db``.

    Raises
    ------
    StoreError
        The database cannot be reached or migrated; the message says which and why.

    Examples
    --------
    >>> from repeatly.campaigns import open_store
    >>> with open_store("sqlite://") as store:
    ...     len(store.secret())
    32
    """
    url = url or os.environ.get("REPEATLY_DB") or DEFAULT_URL
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise StoreError(f"database {url!r}: {exc}") from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    try:
        _migrate(engine)
    except sa.exc.OperationalError as exc:
        engine.dispose()
        safe = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"database {safe}: cannot be opened ({exc.orig})") from None
    return Store(engine)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """Write-ahead logging: a killed process loses nothing committed, commits are cheap."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _migrate(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as con:
        config.attributes["connection"] = con
        command.upgrade(config, "head")
