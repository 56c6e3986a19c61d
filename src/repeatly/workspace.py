"""A job's workspace: its engine connection and the tables it stores, released together.

Every job (an analysis, a forecast, a campaign plan) runs in a workspace. The workspace
opens an embedded DuckDB of its own, or borrows a connection it is given, and keeps
the names of the tables the job stores in the engine. Closing it drops those tables and
closes the connection it opened, so two jobs in one process (a server answering many
requests) never see each other's tables, and nothing is left behind when they end.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from typing import TYPE_CHECKING, Any

from repeatly.connection import default_connection, materialize

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends import BaseBackend

__all__ = ["Workspace"]


class Workspace:
    """The engine connection of one job and the tables it stores.

    Parameters
    ----------
    con
        A connection to work on. By default the workspace opens an embedded DuckDB of
        its own, in memory, with the settings' memory budget and threads.
    owned
        Whether the workspace closes ``con`` when it closes (by default only the
        connection it opened itself). A borrowed connection stays open; only the
        tables the workspace stored are dropped.

    Examples
    --------
    >>> import ibis
    >>> from repeatly.workspace import Workspace
    >>> with Workspace() as ws:
    ...     t = ws.store(ibis.memtable({"x": [1, 2, 3]}), "numbers")
    ...     int(t.x.sum().execute())
    6
    >>> ws.closed
    True
    """

    def __init__(self, con: BaseBackend | None = None, *, owned: bool | None = None) -> None:
        self.owned = con is None if owned is None else owned
        self.con: BaseBackend = default_connection() if con is None else con
        self._stored: list[str] = []
        self._lock = threading.Lock()
        self.closed = False
        # a workspace no one closed is released when it is collected
        self._finalizer = weakref.finalize(
            self, _release, self.con, self._stored, self.owned, self._lock
        )

    def store(self, expr: ir.Table, name: str) -> ir.Table:
        """Compute ``expr`` once and keep it in the engine as a table of this workspace.

        Later steps read the stored table instead of computing it again; it is dropped
        when the workspace closes (or earlier, with :meth:`drop`).
        """
        self._check_open()
        return self.adopt(materialize(expr, name, con=self.con))

    def adopt(self, table: ir.Table) -> ir.Table:
        """Make this workspace responsible for the engine tables ``table`` reads.

        For tables (or views) stored another way, such as an input file loaded into the
        engine; they are dropped when the workspace closes.
        """
        import ibis.expr.operations as ops

        self._check_open()
        names = [node.name for node in table.op().find(ops.DatabaseTable)]
        with self._lock:
            self._stored.extend(name for name in names if name not in self._stored)
        return table

    def drop(self, table: ir.Table) -> None:
        """Drop a stored table now, once nothing reads it any more (its memory is freed)."""
        name = table.op().name
        with self._lock:
            if name in self._stored:
                self._stored.remove(name)
        self.con.drop_table(name, force=True)

    @property
    def tables(self) -> list[str]:
        """The names of the tables this workspace holds in the engine now."""
        with self._lock:
            return list(self._stored)

    def close(self) -> None:
        """Drop the stored tables, and close the connection if the workspace opened it."""
        if not self.closed:
            self.closed = True
            self._finalizer()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"{len(self._stored)} tables"
        return f"<Workspace on {self.con.name} ({'own' if self.owned else 'borrowed'}), {state}>"

    def _check_open(self) -> None:
        if self.closed:
            from repeatly.exceptions import RepeatlyError

            raise RepeatlyError("this workspace is closed: its job has ended")


def _release(con: Any, stored: list[str], owned: bool, lock: threading.Lock) -> None:
    with lock:
        names, stored[:] = list(stored), []
    for name in reversed(names):
        try:
            con.drop_table(name, force=True)
        except Exception:  # a view, or a connection that is gone (it holds nothing)
            with contextlib.suppress(Exception):
                con.drop_view(name, force=True)
    if owned:
        con.disconnect()
