"""Cells safe to open in a spreadsheet: text that looks like a formula is neutralised.

Excel, LibreOffice and Google Sheets read a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula, and a leading tab or carriage return can hide one; a customer named
``=HYPERLINK("http://x","click")`` in a CSV runs when a manager opens the file. As the
OWASP guidance on CSV injection advises, every text cell Repeatly writes to a CSV that
starts with one of these gets a leading single quote, which a spreadsheet shows as text
and never evaluates. Numbers stay numbers: a numeric -5 is written as ``-5``, while the
text ``+7 999 123-45-67`` (a phone number) is written as ``'+7 999 123-45-67``.

A line break inside a value is quoted too (pandas, through Python's ``csv`` module,
leaves a lone carriage return bare, which a spreadsheet reads as a new row whose first
cell could be a formula): :func:`write_csv` ends rows with CRLF, as RFC 4180 does, so
that every value holding a carriage return or a newline is quoted.

Workbooks keep the value as it is, written as a string cell (never a formula) with the
cell's quote-prefix flag set, which is how Excel itself stores text typed after a ``'``.

Repeatly reads some of its own files back (a filled-in call sheet, a do-not-contact
list); :func:`restore_text` and :func:`restore_frame` take off the one quote added here.

The numbers of a CSV written by :func:`write_csv` or from :func:`safe_table` are rounded
as people read them: money to cents, shares and other fractions to 4 places
(:mod:`repeatly._round`), so no cell says ``14.899999999999999``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from repeatly._round import round_frame, round_table

if TYPE_CHECKING:
    from pathlib import Path

    import ibis.expr.types as ir
    import pandas as pd

__all__ = [
    "FORMULA_STARTS",
    "looks_like_formula",
    "restore_frame",
    "restore_text",
    "safe_frame",
    "safe_table",
    "safe_text",
    "write_csv",
]

#: The first characters that make a spreadsheet read a text cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def looks_like_formula(value: Any) -> bool:
    """Whether ``value`` is text a spreadsheet would read as a formula.

    Examples
    --------
    >>> looks_like_formula("=1+1"), looks_like_formula(" =1+1"), looks_like_formula(-5)
    (True, False, False)
    """
    return isinstance(value, str) and value[:1] in FORMULA_STARTS


def safe_text(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text that starts like a formula.

    Anything else (numbers, dates, missing values, other text) is returned as it is.

    Examples
    --------
    >>> print(safe_text('=HYPERLINK("http://x","click")'))
    '=HYPERLINK("http://x","click")
    >>> safe_text("+7 999 123-45-67"), safe_text(-5), safe_text("Anna")
    ("'+7 999 123-45-67", -5, 'Anna')
    """
    return QUOTE + value if looks_like_formula(value) else value


def restore_text(value: Any) -> Any:
    """``value`` without the ``'`` :func:`safe_text` added (a ``'`` before a formula start).

    Examples
    --------
    >>> restore_text("'+7 999 123-45-67"), restore_text("'quoted'"), restore_text(3)
    ('+7 999 123-45-67', "'quoted'", 3)
    """
    if isinstance(value, str) and value[:1] == QUOTE and looks_like_formula(value[1:]):
        return value[1:]
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`safe_text` applied to every text value.

    Text cells, text index values and text column names are covered; numbers, dates,
    booleans and missing values are left as they are.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"name": ["=1+1", "Anna"], "refund": [-5, 2]})
    >>> safe_frame(frame).to_csv(index=False).splitlines()
    ['name,refund', "'=1+1,-5", 'Anna,2']
    """
    return _mapped(frame, safe_text, FORMULA_STARTS)


def write_csv(frame: pd.DataFrame, path: str | Path, *, index: bool = False) -> None:
    """Write ``frame`` to ``path`` as a CSV safe to open in a spreadsheet.

    Text that starts like a formula gets a leading ``'`` (:func:`safe_frame`), rows end
    with CRLF so that the ``csv`` module quotes every value holding a line break, and
    numbers are rounded by their column (:func:`repeatly._round.round_frame`).
    """
    safe_frame(round_frame(frame)).to_csv(path, index=index, lineterminator="\r\n")


def restore_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`restore_text` applied where :func:`safe_frame` acts."""
    return _mapped(frame, restore_text, (QUOTE,))


def _mapped(frame: pd.DataFrame, change: Any, starts: tuple[str, ...]) -> pd.DataFrame:
    """``change`` applied to the text cells that start with one of ``starts``."""
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if _is_text(column.dtype):
            out.isetitem(position, _map(column, change, starts).array)
    out.columns = _map_index(out.columns, change, starts)
    out.index = _map_index(out.index, change, starts)
    return out


def _is_text(dtype: Any) -> bool:
    """Object, string and categorical columns may hold text; other dtypes never do."""
    import pandas as pd

    return (
        pd.api.types.is_object_dtype(dtype)
        or isinstance(dtype, pd.StringDtype)
        or (isinstance(dtype, pd.CategoricalDtype) and _is_text(dtype.categories.dtype))
    )


def _map(values: pd.Series, change: Any, starts: tuple[str, ...]) -> pd.Series:
    """``change`` on the cells that may need it, picked out by their first character.

    A vectorised look at each text's first character first: a million names are
    checked in a few hundredths of a second, and ``change`` runs on the few that start
    like a formula (a column that is not all text is mapped cell by cell).
    """
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    try:
        first = values.str[:1]
    except AttributeError:  # no text in it to speak of: numbers, dates, missing values
        mapped = values.map(change)
    else:
        hit = first.isin(starts).to_numpy(dtype=bool)
        if not hit.any():
            return values
        mapped = values.copy()
        mapped[hit] = values[hit].map(change)
    return mapped.astype(values.dtype) if isinstance(values.dtype, pd.StringDtype) else mapped


def _map_index(index: pd.Index, change: Any, starts: tuple[str, ...]) -> pd.Index:
    import pandas as pd

    if isinstance(index, pd.MultiIndex):
        levels = [
            _map_index(index.get_level_values(i), change, starts) for i in range(index.nlevels)
        ]
        return pd.MultiIndex.from_arrays(levels, names=index.names)
    if not _is_text(index.dtype):
        return index
    return pd.Index(_map(pd.Series(index, dtype=index.dtype), change, starts), name=index.name)


def safe_table(table: ir.Table) -> ir.Table:
    """``table`` with :func:`safe_text` applied to its text columns, in the engine.

    For a table written straight from the engine to a CSV (``table.to_csv``), so that a
    large one never comes into memory; its numbers are rounded by their column too
    (:func:`repeatly._round.round_table`). Apply it to the ordered table: the rows keep
    the order of the values as they are, not as written.
    """
    table = round_table(table)
    changed = {
        name: _safe_column(table[name])
        for name, dtype in table.schema().items()
        if dtype.is_string()
    }
    return table.mutate(**changed) if changed else table


def _safe_column(column: Any) -> Any:
    starts = column.substr(0, 1).isin(FORMULA_STARTS)
    return starts.ifelse(QUOTE + column, column)
