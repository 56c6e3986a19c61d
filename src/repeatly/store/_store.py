"""Opening the operational database, and its units of work."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from repeatly.exceptions import ConflictError, StoreError
from repeatly.store._campaigns import CampaignRepository
from repeatly.store._contacts import ContactRepository
from repeatly.store._coupons import CouponRepository
from repeatly.store._messages import MessageRepository
from repeatly.store._responses import ResponseRepository
from repeatly.store._senders import SenderRepository
from repeatly.store.tables import settings

__all__ = ["MIGRATIONS", "Repositories", "Store", "migrate", "open_store"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Repositories:
    """One connection's repositories: what a unit of work reads and writes.

    Made by :meth:`Store.begin` (one transaction) and :meth:`Store.connect` (reads).
    """

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.campaigns = CampaignRepository(connection)
        self.messages = MessageRepository(connection)
        self.contacts = ContactRepository(connection)
        self.responses = ResponseRepository(connection)
        self.coupons = CouponRepository(connection)
        self.senders = SenderRepository(connection)


class Store:
    """An open operational database (see :func:`open_store`).

    Work is done in units: ``with store.begin() as db: ...`` is one transaction (all of
    it is written, or none of it), ``with store.connect() as db: ...`` reads. The
    methods below are single units of their own, for the common cases.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def url(self) -> str:
        """The database's URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def begin(self) -> Iterator[Repositories]:
        """A transaction: committed when the block ends, rolled back when it fails.

        Raises :class:`~repeatly.exceptions.ConflictError` when a write clashes with
        one another process made meanwhile (a unique name taken).
        """
        try:
            with self.engine.begin() as connection:
                yield Repositories(connection)
        except sa.exc.IntegrityError as exc:
            raise ConflictError(f"the database has changed meanwhile: {exc.orig}") from exc

    @contextmanager
    def connect(self) -> Iterator[Repositories]:
        """A connection for reading (nothing it does is committed)."""
        with self.engine.connect() as connection:
            yield Repositories(connection)

    def secret(self) -> bytes:
        """The store's secret key (for coupon codes and links), made on first use."""
        query = sa.select(settings.c.value).where(settings.c.key == "secret")
        with self.engine.begin() as con:
            found = con.execute(query).scalar()
            if found is None:
                try:
                    with con.begin_nested():
                        con.execute(
                            settings.insert().values(key="secret", value=secrets.token_hex(32))
                        )
                except sa.exc.IntegrityError:  # another process made it first
                    pass
                found = con.execute(query).scalar_one()
        return bytes.fromhex(found)

    def add_do_not_contact(self, values: Iterable[str], reason: str) -> int:
        """Add customer ids, e-mail addresses or phone numbers no one may contact.

        Returns how many were new. Values are compared as written, e-mail addresses
        in lower case and phone numbers by their digits.
        """
        with self.begin() as db:
            return db.contacts.add_do_not_contact(values, reason=reason, at=_now())

    def blocked(self) -> set[str]:
        """The do-not-contact values, normalised as :meth:`add_do_not_contact` stores them."""
        with self.connect() as db:
            return db.contacts.blocked()

    def unsubscribe(self, customer_id: str, channel: str, *, addresses: Iterable[str] = ()) -> None:
        """Record that a customer does not want messages by a channel any more.

        ``addresses`` (normalised e-mail addresses or phone numbers) are opted out of
        the channel as well, for every customer who has them.
        """
        with self.begin() as db:
            db.contacts.unsubscribe(customer_id, channel, at=_now(), addresses=addresses)

    def unsubscribed(self) -> set[tuple[str, str]]:
        """The (customer, channel) pairs that opted out."""
        with self.connect() as db:
            return db.contacts.unsubscribed()

    def unsubscribed_addresses(self) -> set[tuple[str, str]]:
        """The (normalised address, channel) pairs that opted out."""
        with self.connect() as db:
            return db.contacts.unsubscribed_addresses()

    def sent_messages_since(self, since: dt.datetime) -> list[tuple[str, str, str | None]]:
        """Messages sent after a moment: (message id, customer, address it went to)."""
        with self.connect() as db:
            return db.messages.sent_messages_since(since)

    def answered_by(self) -> dict[str, Counter[str]]:
        """For each customer, how often they answered each channel before."""
        with self.connect() as db:
            return db.responses.answered_by()

    def campaign_starts(self) -> dict[str, dt.date]:
        """The recorded campaigns and the day each started, oldest first."""
        with self.connect() as db:
            return db.campaigns.starts()

    def record_response(
        self,
        customer_id: str,
        *,
        kind: str,
        channel: str | None = None,
        campaign_id: int | None = None,
        revenue: Decimal | float | None = None,
        note: str | None = None,
        at: dt.datetime | None = None,
    ) -> None:
        """Record that a customer answered (an order, a call result, a reply)."""
        with self.begin() as db:
            db.responses.add(
                customer_id,
                kind=kind,
                channel=channel,
                campaign_id=campaign_id,
                revenue=revenue,
                note=note,
                at=at or _now(),
            )

    def close(self) -> None:
        """Close the store's connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(url: str | None = None) -> Store:
    """Open the operational database and bring its schema up to date by migration.

    Parameters
    ----------
    url
        A SQLAlchemy URL: ``sqlite:///path/to/file.db`` or
        ``postgresql://user@host:5432/db``; the settings' ``db`` when not given
        (``REPEATLY_DB``, else ``sqlite:///repeatly.db`` in the current folder).

    Raises
    ------
    StoreError
        The database cannot be reached or migrated; the message says which and why.

    Examples
    --------
    >>> from repeatly.store import open_store
    >>> with open_store("sqlite://") as store:
    ...     len(store.secret())
    32
    """
    if url is None:
        from repeatly.settings import get_settings

        url = get_settings().db
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise StoreError(f"database {url!r}: {exc}") from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    try:
        migrate(engine)
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


#: The PostgreSQL advisory lock key that migrations hold ("REPE" in ASCII).
MIGRATION_LOCK = 0x52455045


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to a revision (the latest by default), in one transaction.

    One process migrates at a time: two sends started at once on a fresh database
    both find it up to date, the second after the first has made it. PostgreSQL holds
    an advisory lock for the transaction; a SQLite file is locked (``flock``) by the
    processes that migrate it.
    """
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _migration_lock(engine), engine.begin() as con:
        if engine.dialect.name == "postgresql":
            con.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = con
        command.upgrade(config, revision)


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Hold an exclusive lock on a SQLite database file while it migrates.

    ``flock`` locks are apart from the record locks SQLite itself takes on the file,
    so this only keeps migrations from running side by side. Nothing to lock for an
    in-memory database or another engine, or where ``fcntl`` does not exist.
    """
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    try:
        import fcntl
    except ImportError:  # not on this system: SQLite's own locks will have to do
        path = None
    if not path or path == ":memory:":
        yield
        return
    try:
        handle = open(path, "ab")  # an empty file is an empty SQLite database  # noqa: SIM115
    except OSError:  # a folder that does not exist: the engine will say so
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
