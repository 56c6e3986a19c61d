"""Writing many rows at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import islice
from typing import Any

import sqlalchemy as sa

__all__ = ["CHUNK", "insert_in_chunks"]

#: Rows a single INSERT carries (SQLite and PostgreSQL bound their parameters).
CHUNK = 5000


def insert_in_chunks(
    connection: sa.Connection, table: sa.Table, rows: Iterable[Mapping[str, Any]]
) -> int:
    """Insert rows in chunks of :data:`CHUNK`; how many there were."""
    count = 0
    remaining = iter(rows)
    while chunk := [dict(row) for row in islice(remaining, CHUNK)]:
        connection.execute(table.insert(), chunk)
        count += len(chunk)
    return count
