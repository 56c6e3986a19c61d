"""Reading text cells as numbers, dates and flags, in DuckDB SQL.

Each column's convention (decimal comma or point, day-first or month-first dates ...)
is decided once from a sample of its values; every value is then read by that one
convention, and a value that does not fit it is a located problem, never a silent guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from repeatly._dates import DATE_STYLES
from repeatly.data._schema import Kind

__all__ = [
    "DATE_STYLES",
    "Style",
    "parse_expr",
    "quote",
    "sniff_style",
]

SAMPLE_ROWS = 200_000

#: Spaces, apostrophes (thousands groups) and currency marks are dropped from numbers.
_NUMBER_NOISE = r"[\s\x{00a0}\x{202f}'’$€£₽¥]|(?i:руб\.?|р\.|rub|usd|eur|gbp)"
_TRUE = ("1", "true", "t", "yes", "y", "x", "+", "да", "д", "истина", "promo", "on")
_FALSE = ("0", "false", "f", "no", "n", "-", "нет", "н", "ложь", "off")


@dataclass(frozen=True, slots=True)
class Style:
    """How one column is read.

    Attributes
    ----------
    kind
        The role's logical type.
    native
        The column's type in the source (``VARCHAR`` for text files).
    decimal
        ``","`` or ``"."`` for numbers written as text.
    date
        Name of the date style for dates written as text (a key of ``DATE_STYLES``).
    """

    kind: Kind
    native: str = "VARCHAR"
    decimal: str = "."
    date: str = "iso"

    @property
    def text(self) -> bool:
        """Whether the source holds this column as text."""
        return self.native.upper() == "VARCHAR"

    def expected(self) -> str:
        """What a readable value looks like, for error messages."""
        if self.kind in ("number", "integer"):
            return (
                "a number like 1234,50 or 1 234,50"
                if self.decimal == ","
                else "a number like 1234.50 or 1,234.50"
            )
        if self.kind in ("timestamp", "date"):
            example = DATE_STYLES[self.date].example
            return f"a date like {example} ({self.date.upper()})"
        if self.kind == "boolean":
            return "yes/no, true/false or 1/0"
        return "a value"

    def describe(self) -> str:
        """Short description of the convention used, for the report."""
        if not self.text:
            return self.native.lower()
        if self.kind in ("number", "integer"):
            return f"decimal {'comma' if self.decimal == ',' else 'point'}"
        if self.kind in ("timestamp", "date"):
            return self.date.upper()
        return "text"


def quote(name: str) -> str:
    """A SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sniff_style(
    con: Any, relation: str, column: str, kind: Kind, native: str, *, delimiter: str | None
) -> Style:
    """Decide how to read ``column`` of ``relation`` from a sample of its values.

    Parameters
    ----------
    con
        A raw DuckDB connection.
    relation
        A table name or a table function call (``read_parquet(...)``).
    column
        The column's SQL expression (already quoted).
    kind
        The role's logical type.
    native
        The column's type in the source.
    delimiter
        The file's field delimiter, if it is a text file; a ``;`` delimiter tips
        ambiguous numbers (``1,234``) towards a decimal comma.
    """
    if native.upper() != "VARCHAR" or kind in ("string", "boolean"):
        return Style(kind, native)
    sample = (
        f"(SELECT trim({column}) AS v FROM {relation} WHERE {column} IS NOT NULL "
        f"AND trim({column}) <> '' LIMIT {SAMPLE_ROWS})"
    )
    if kind in ("number", "integer"):
        s = f"regexp_replace(v, {_literal(_NUMBER_NOISE)}, '', 'g')"
        comma_decimal = _literal(r"[+-]?\(?\d*(\.\d{3})*,(\d{1,2}|\d{4,})\)?")
        dot_decimal = _literal(r"[+-]?\(?\d*(,\d{3})*\.(\d{1,2}|\d{4,})\)?")
        row = con.execute(
            f"SELECT count(*) FILTER (WHERE regexp_full_match({s}, {comma_decimal})"
            f" OR regexp_matches({s}, '\\.\\d{{3}},')),"
            f" count(*) FILTER (WHERE regexp_full_match({s}, {dot_decimal})"
            f" OR regexp_matches({s}, ',\\d{{3}}\\.')),"
            f" count(*) FILTER (WHERE {s} LIKE '%,%') FROM {sample}"
        ).fetchone()
        comma_strong, dot_strong, any_comma = row or (0, 0, 0)
        if comma_strong > dot_strong or (dot_strong == 0 and any_comma and delimiter == ";"):
            return Style(kind, native, decimal=",")
        return Style(kind, native, decimal=".")
    counts = con.execute(
        "SELECT "
        + ", ".join(
            f"count(*) FILTER (WHERE regexp_full_match(v, {_literal(st.pattern)}))"
            for st in DATE_STYLES.values()
        )
        + r", max(TRY_CAST(regexp_extract(v, '^(\d{1,2})/', 1) AS INTEGER)),"
        r" max(TRY_CAST(regexp_extract(v, '^\d{1,2}/(\d{1,2})/', 1) AS INTEGER))"
        + f" FROM {sample}"
    ).fetchone()
    if counts is None:
        return Style(kind, native)
    *matches, first_max, second_max = counts
    names = list(DATE_STYLES)
    best = max(range(len(names)), key=lambda i: (matches[i], -i))
    name = names[best] if matches[best] else "iso"
    if name in ("dd/mm/yyyy", "mm/dd/yyyy"):
        month_first = (second_max or 0) > 12 and (first_max or 0) <= 12
        name = "mm/dd/yyyy" if month_first else "dd/mm/yyyy"
    return Style(kind, native, date=name)


def parse_expr(column: str, style: Style, *, trim: bool = True) -> str:
    """SQL reading ``column`` by ``style``; NULL where a value cannot be read.

    ``trim=False`` leaves text as it is (for a text column known to have no value that
    starts or ends with a space: trimming makes a new string of every value).
    """
    kind = style.kind
    if not style.text:
        return _cast_native(column, style)
    if kind == "string" and not trim:
        return f"NULLIF({column}, '')"
    v = f"NULLIF(trim({column}), '')"
    if kind == "string":
        return v
    if kind in ("number", "integer"):
        s = (
            f"regexp_replace(regexp_replace({v}, {_literal(_NUMBER_NOISE)}, '', 'g'), "
            r"'^\((.*)\)$', '-\1')"
        )
        if style.decimal == ",":
            pattern = r"[+-]?(\d{1,3}(\.\d{3})+|\d*)(,\d+)?"
            cleaned = f"replace(replace({s}, '.', ''), ',', '.')"
        else:
            pattern = r"[+-]?(\d{1,3}(,\d{3})+|\d*)(\.\d+)?([eE][+-]?\d+)?"
            cleaned = f"replace({s}, ',', '')"
        number = (
            f"CASE WHEN regexp_full_match({s}, {_literal(pattern)}) "
            f"AND regexp_matches({s}, '\\d') THEN TRY_CAST({cleaned} AS DOUBLE) END"
        )
        return number if kind == "number" else f"TRY_CAST({number} AS BIGINT)"
    if kind in ("timestamp", "date"):
        date = DATE_STYLES[style.date]
        if date.name == "iso":
            stripped = (
                f"CASE WHEN {v} LIKE '%:%' THEN "
                rf"regexp_replace({v}, '(Z|[+-]\d{{2}}:?\d{{2}})$', '') ELSE {v} END"
            )
            ts = f"TRY_CAST({stripped} AS TIMESTAMP)"
        else:
            formats = "[" + ", ".join(_literal(f) for f in date.formats) + "]"
            ts = f"TRY_STRPTIME({v}, {formats})"
        return f"CAST({ts} AS DATE)" if kind == "date" else ts
    if kind == "boolean":
        low = f"lower({v})"
        yes = ", ".join(_literal(x) for x in _TRUE)
        no = ", ".join(_literal(x) for x in _FALSE)
        return f"CASE WHEN {low} IN ({yes}) THEN true WHEN {low} IN ({no}) THEN false END"
    raise ValueError(kind)


def _cast_native(column: str, style: Style) -> str:
    target = {
        "string": "VARCHAR",
        "number": "DOUBLE",
        "integer": "BIGINT",
        "timestamp": "TIMESTAMP",
        "date": "DATE",
        "boolean": "BOOLEAN",
    }[style.kind]
    if style.kind == "string":
        return f"NULLIF(trim(CAST({column} AS VARCHAR)), '')"
    if style.kind == "timestamp" and "TIME ZONE" in style.native.upper():
        return f"CAST(timezone('UTC', {column}) AS TIMESTAMP)"
    if style.kind in ("number", "integer"):
        return (
            f"CASE WHEN isfinite(TRY_CAST({column} AS DOUBLE)) "
            f"THEN TRY_CAST({column} AS {target}) END"
        )
    return f"TRY_CAST({column} AS {target})"
