"""The operational database: campaigns, messages, opt-outs, responses and coupons.

SQLAlchemy Core on SQLite (the default: a file next to the user's work) or PostgreSQL.
:func:`open_store` brings the schema up to date by Alembic migration, so a database made
by an earlier release is upgraded in place. Work is done in units of work
(:meth:`Store.begin`), each with one repository per kind of record; the domain
packages (campaigns, offers, later loyalty and flows) keep their SQL here.
"""

from repeatly.store import tables
from repeatly.store._campaigns import CampaignRecord, CampaignRepository
from repeatly.store._contacts import ContactRepository, contact_key
from repeatly.store._coupons import CouponRecord, CouponRepository
from repeatly.store._messages import MessageRepository
from repeatly.store._responses import ResponseRepository
from repeatly.store._senders import SenderRepository
from repeatly.store._store import MIGRATIONS, Repositories, Store, migrate, open_store

__all__ = [
    "MIGRATIONS",
    "CampaignRecord",
    "CampaignRepository",
    "ContactRepository",
    "CouponRecord",
    "CouponRepository",
    "MessageRepository",
    "Repositories",
    "ResponseRepository",
    "SenderRepository",
    "Store",
    "contact_key",
    "migrate",
    "open_store",
    "tables",
]
