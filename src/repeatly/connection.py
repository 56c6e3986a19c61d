"""Engine connections: the one module that knows which engines exist.

Analytics functions take and return Ibis expressions and never see a backend. This
module opens one: the embedded DuckDB by default (in memory or a file), or any engine
Ibis can reach from a URL (``postgresql://...``, ``duckdb://path``, ``pyspark://``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from repeatly.exceptions import InputError, MissingDependencyError

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends import BaseBackend

__all__ = [
    "aggregation_threads",
    "alongside",
    "arg_min",
    "connect",
    "default_connection",
    "default_threads",
    "engine_error",
    "interrupt",
    "is_url",
    "materialize",
    "release",
    "shared_connection",
    "store_parquet",
    "whole",
    "write_parquet",
]

T = TypeVar("T")

_EXTRAS = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "pyspark": "spark",
}

_URL_SCHEMES = (
    "duckdb",
    "postgres",
    "postgresql",
    "pyspark",
    "sqlite",
    "mysql",
    "snowflake",
    "bigquery",
    "clickhouse",
    "trino",
    "mssql",
)


def is_url(text: str) -> bool:
    """Whether ``text`` looks like a database URL rather than a file path."""
    scheme = urlsplit(text).scheme.lower()
    return scheme in _URL_SCHEMES


def default_threads() -> int:
    """DuckDB's worker threads: the settings' ``threads`` when set, else every core."""
    from repeatly.settings import get_settings

    return get_settings().threads or os.cpu_count() or 1


#: Threads for a large hash aggregation (see :func:`aggregation_threads`).
AGGREGATION_THREADS = 3


@contextmanager
def aggregation_threads(table: ir.Table) -> Iterator[None]:
    """Run a large hash aggregation on ``table``'s engine with at least three threads.

    DuckDB splits a hash aggregation into partitions by its number of threads: on 2
    cores, 3 or 4 threads summarise 10M order lines in about 1.2 s instead of 1.5 s
    with 2, with less CPU time, not more (3 a little less than 4, on both benchmark
    shapes). Other work can be slower with more threads than cores (the Parquet writer,
    the segments), and a join gains nothing, so the count goes back afterwards. Nothing
    changes on other engines, on machines with three cores or more, or when
    ``REPEATLY_THREADS`` is set.
    """
    from repeatly.settings import get_settings

    backend = table._find_backend(use_default=True)
    if backend.name != "duckdb" or get_settings().threads is not None:
        yield
        return
    with _duckdb_setting(
        backend, "threads", lambda threads: max(int(str(threads)), AGGREGATION_THREADS)
    ):
        yield


@contextmanager
def _duckdb_setting(
    backend: BaseBackend, name: str, value: Callable[[object], object]
) -> Iterator[None]:
    """A DuckDB setting changed for the block to ``value(current)``, then put back."""
    before = backend.raw_sql(f"SELECT current_setting('{name}')").fetchone()[0]
    backend.raw_sql(f"SET {name} = {_sql_value(value(before))}")
    try:
        yield
    finally:
        backend.raw_sql(f"SET {name} = {_sql_value(before)}")


def _sql_value(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def default_connection(*, threads: int | None = None) -> BaseBackend:
    """Open the embedded DuckDB engine, in memory.

    The memory budget is the settings' ``memory_limit`` (``REPEATLY_MEMORY_LIMIT``, 2 GB
    by default); work beyond it spills to ``temp_dir`` (``REPEATLY_TEMP_DIR``; DuckDB's
    own temporary folder when not set).

    Parameters
    ----------
    threads
        Worker threads for DuckDB; :func:`default_threads` when not given.
    """
    import ibis

    from repeatly.settings import get_settings

    settings = get_settings()
    config: dict[str, object] = {
        "memory_limit": settings.memory_limit,
        # memory a large query has freed goes back to the system within a second or so,
        # instead of staying with the engine while numpy works (0.3 GiB after the
        # summary of 10M order lines)
        "allocator_background_threads": True,
        "threads": default_threads() if threads is None else threads,
    }
    if settings.temp_dir:
        config["temp_directory"] = settings.temp_dir
    try:
        con = ibis.duckdb.connect(**config)
    except Exception as exc:
        raise InputError(f"cannot start the embedded DuckDB with {config}: {exc}") from exc
    con.raw_sql("SET enable_progress_bar = false")  # progress is the caller's to show
    return con


_shared: BaseBackend | None = None


def shared_connection() -> BaseBackend:
    """The process-wide embedded DuckDB that functions use when given no connection.

    Tables made without an explicit ``con`` land here, so they can be joined with each
    other (tables on different connections cannot).
    """
    global _shared
    if _shared is None:
        _shared = default_connection()
    return _shared


def connect(url: str | None = None) -> BaseBackend:
    """Open an engine from a URL, or the embedded DuckDB when ``url`` is ``None``.

    Parameters
    ----------
    url
        ``postgresql://user@host:5432/db``, ``duckdb:///path/file.duckdb`` and any other
        URL :func:`ibis.connect` understands.

    Raises
    ------
    MissingDependencyError
        When the engine's driver is not installed; the message names the extra.
    InputError
        When the URL cannot be opened.
    """
    if url is None:
        return default_connection()
    import ibis

    scheme = urlsplit(url).scheme.lower()
    try:
        return ibis.connect(url)
    except ModuleNotFoundError as exc:
        extra = _EXTRAS.get(scheme, scheme)
        raise MissingDependencyError(
            f"opening {scheme}:// needs the {extra!r} extra: pip install 'repeatly[{extra}]'"
            f" ({exc})"
        ) from exc
    except Exception as exc:
        raise InputError(f"cannot open {_redact(url)}: {exc}") from exc


def engine_error(exc: BaseException) -> str | None:
    """What went wrong, when ``exc`` is an engine's own error; ``None`` otherwise.

    The engine's first line only: DuckDB goes on with the SQL it was running (``LINE 1:
    SELECT ...``) and a caret under it, which mean nothing to the person whose file it
    was. At most 200 characters.
    """
    names = {f"{cls.__module__}.{cls.__name__}" for cls in type(exc).__mro__}
    if "duckdb.Error" not in names and "_duckdb.Error" not in names:
        return None
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    first = lines[0].rstrip(": ") if lines else type(exc).__name__
    return first if len(first) <= 200 else first[:200] + "…"


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def materialize(expr: ir.Table, name: str, *, con: BaseBackend | None = None) -> ir.Table:
    """Store an intermediate result in its engine, so later steps read it, not redo it.

    A temporary table where the engine has them, a plain one otherwise.
    """
    backend = con if con is not None else expr._find_backend(use_default=True)
    try:
        return backend.create_table(_gen_name(name), expr, temp=True)
    except Exception:  # engines without temporary tables
        return backend.create_table(_gen_name(name), expr)


@contextmanager
def alongside(
    work: Callable[[], T], *, engine: BaseBackend | ir.Table | None = None
) -> Iterator[Future[T]]:
    """Run engine work on a thread of its own while the block computes in numpy.

    Engines run a query without holding Python's lock, so the query and the block's
    numpy work share the cores (on 2 cores the model fits leave one idle). The block
    must not use the engine the work uses. Leaving the block waits for the work, also
    when the block fails, so nothing runs on past it; take its outcome from the future.
    With ``engine`` (a DuckDB backend, or a table on one), a failure of the block or an
    interrupt (Ctrl-C) while waiting stops the work's query instead of waiting for it
    to finish: a query on a thread of its own does not see the interrupt itself.
    """
    import time
    from concurrent.futures import wait

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="repeatly-engine")
    try:
        future = pool.submit(work)
        try:
            yield future
            wait([future])  # here, unlike in the pool's shutdown, an interrupt gets through
        except BaseException:
            while engine is not None and not future.done():  # a query just starting
                interrupt(engine)  # may miss one interrupt: again until it stops
                time.sleep(0.05)  # (a wait with a timeout would take a deadline, which a
                # moved clock, as in the suite's runs at other hours, can put far off)
            raise
    finally:
        pool.shutdown(wait=True)


def interrupt(engine: BaseBackend | ir.Table) -> None:
    """Stop the query running on ``engine`` (DuckDB only; elsewhere nothing happens)."""
    backend = engine._find_backend(use_default=True) if hasattr(engine, "_find_backend") else engine
    if getattr(backend, "name", None) == "duckdb":
        backend.con.interrupt()


def release(table: ir.Table) -> None:
    """Drop a table :func:`materialize` stored, once nothing reads it any more.

    Its memory then serves the engine's next steps instead of adding to them.
    """
    backend = table._find_backend(use_default=True)
    backend.drop_table(table.get_name(), force=True)


def whole(value: ir.NumericValue) -> ir.FloatingValue:
    """``value`` rounded to the nearest whole number (halves away from zero), kept a float.

    Sums of whole floats are exact, so the same in any order, while they stay below
    2**53. On DuckDB its own one-argument ``round``, which keeps a DOUBLE: Ibis's
    ``round()`` casts to BIGINT there, and DuckDB sums BIGINT in 128 bits (money in
    cents over the 10M lines of a large export: 0.3 s more a query). Elsewhere Ibis's
    ``round()``, cast back to a float.
    """
    import ibis

    if value._find_backend(use_default=True).name != "duckdb":
        return value.round().cast("float64")

    def duckdb_round(value: object) -> object:
        """DuckDB's ``round`` of a DOUBLE (a declaration: DuckDB computes it)."""

    builtin = ibis.udf.scalar.builtin(
        duckdb_round, name="round", signature=(("float64",), "float64")
    )
    return builtin(value.cast("float64"))


def arg_min(value: ir.Column, key: ir.Column) -> ir.Scalar:
    """``value`` on the row with the smallest ``key``, as an aggregate.

    On DuckDB its own ``arg_min``, a plain aggregate; Ibis writes ``argmin`` there as
    ``FIRST(value ORDER BY key)``, which orders each group's rows (0.3 s more over the
    5.8M customer-days of 10M order lines). Ibis's ``argmin`` on other engines. Rows
    whose ``value`` or ``key`` is NULL may be skipped: use it on columns without NULLs.
    """
    import ibis

    if value._find_backend(use_default=True).name != "duckdb":
        return value.argmin(key)

    def duckdb_arg_min(value: object, key: object) -> object:
        """DuckDB's ``arg_min`` (a declaration: DuckDB computes it)."""

    builtin = ibis.udf.agg.builtin(
        duckdb_arg_min, name="arg_min", signature=((value.type(), key.type()), value.type())
    )
    return builtin(value, key)


def store_parquet(expr: ir.Table, path: str | os.PathLike[str], name: str) -> ir.Table:
    """Write ``expr`` to a Parquet file and give back a table of what was stored.

    On DuckDB the rows go from the query straight to the file, and the table reads the
    file: no copy of them in the engine (2.5M rows of predictions: 0.8 s instead of
    0.43 s to store them plus 0.52 s to write them). Engines that cannot read a local
    file keep a table of their own, :func:`materialize`'s, which is then written.
    """
    backend = expr._find_backend(use_default=True)
    if backend.name != "duckdb":
        stored = materialize(expr, name, con=backend)
        write_parquet(stored, path)
        return stored
    write_parquet(expr, path)
    return backend.read_parquet(os.fspath(path), table_name=_gen_name(name))


def _gen_name(name: str) -> str:
    import ibis

    return ibis.util.gen_name(name)


def write_parquet(table: ir.Table, path: str | os.PathLike[str]) -> None:
    """Write ``table`` to a Parquet file, its rows in the order the engine finds fastest.

    On DuckDB the writer may interleave the rows of its threads (its setting
    ``preserve_insertion_order`` is off for the write): half the writer's memory
    (0.09 GiB instead of 0.19 for 2.5M rows of predictions) and about 15% less time.
    It also gives up a column's dictionary at :data:`PARQUET_DICTIONARY_LIMIT` values.
    """
    backend = table._find_backend(use_default=True)
    if backend.name != "duckdb":
        table.to_parquet(path)
        return
    with _duckdb_setting(backend, "preserve_insertion_order", lambda _: False):
        table.to_parquet(path, dictionary_size_limit=PARQUET_DICTIONARY_LIMIT)


#: Distinct values in a row group's column beyond which DuckDB's Parquet writer stops
#: building a dictionary for it (its own default: a fifth of the row group, 24,576).
#: Columns of measures, nearly all distinct, stop trying sooner; ids, days and counts
#: keep theirs. 2.5M rows of predictions: the same file size, a fifth less CPU time.
PARQUET_DICTIONARY_LIMIT = 10_000
