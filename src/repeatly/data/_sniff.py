"""What a file is before it is read: its format, text encoding, delimiter and header.

Everything here looks at the first bytes of a file only, so it costs the same for a
100-row export and a 10-million-row one.

The header is not always row 1: reports from accounting systems and CRMs (1C among
them) put a title, a period line and an empty row above it. :func:`find_header` takes
the first row whose cells are mostly text that reads as column names (not numbers or
dates), at least as many as the data rows below it fill.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import statistics
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from repeatly._dates import read_date
from repeatly.exceptions import DataValidationError, InputError, Problem

__all__ = [
    "CsvLayout",
    "FileKind",
    "file_kind",
    "find_header",
    "header_at",
    "sniff_csv",
    "transcode_to_utf8",
]

FileKind = Literal["csv", "parquet", "excel"]

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")
_TEXT_EXTENSIONS = {".csv", ".tsv", ".txt", ".tab", ".dat", ""}
_EXCEL_EXTENSIONS = {".xlsx", ".xlsm"}
_PARQUET_EXTENSIONS = {".parquet", ".pq"}
#: How many rows from the top the header is looked for in.
HEADER_ROWS = 50
_NUMBER = re.compile(r"[\s\d.,'’+\-()%$€£₽¥]+")


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """How a delimited text file is laid out.

    Attributes
    ----------
    encoding
        ``"utf-8"``, ``"utf-8-sig"`` (with a byte-order mark), ``"cp1251"`` ...
    delimiter
        The field separator.
    header
        Column names from row 1, stripped, in file order.
    renamed
        Columns renamed because their header was empty or repeated (new name to
        original header), so they can still be read.
    duplicates
        Repeated headers: name to the 1-based column numbers that carry it.
    header_line
        The line the header is on (1 unless rows above it were skipped).
    """

    encoding: str
    delimiter: str
    header: tuple[str, ...]
    renamed: dict[str, str]
    duplicates: dict[str, tuple[int, ...]]
    header_line: int = 1


def file_kind(path: Path) -> FileKind:
    """Tell a file's format from its first bytes, then from its extension.

    Raises
    ------
    InputError
        The file does not exist, is empty, or is binary data of a kind Repeatly
        cannot read.
    """
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; expected a CSV, Parquet or Excel file")
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    suffix = path.suffix.lower()
    if not head.strip():
        raise InputError(f"{path.name}: the file is empty; expected a header row and data rows")
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        if suffix in _EXCEL_EXTENSIONS or suffix not in _TEXT_EXTENSIONS | _PARQUET_EXTENSIONS:
            return "excel"
        raise InputError(
            f"{path.name}: is a zip archive (an .xlsx workbook?), not a text table; "
            "rename it to .xlsx if it is a workbook, or export it as CSV"
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"{path.name}: is an old-style Excel (.xls) workbook; save it as .xlsx or CSV"
        )
    if suffix in _PARQUET_EXTENSIONS:
        raise InputError(f"{path.name}: is not a Parquet file (it lacks the PAR1 signature)")
    if suffix in _EXCEL_EXTENSIONS:
        raise InputError(f"{path.name}: is not an Excel workbook (it is not an .xlsx zip)")
    if _looks_binary(head):
        offset = head.find(b"\x00")
        where = f" at byte {offset}" if offset >= 0 else ""
        raise InputError(
            f"{path.name}: holds binary data{where}, not text; expected a CSV (or TSV) "
            "text file, a Parquet file or an Excel .xlsx workbook"
        )
    return "csv"


def _looks_binary(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in head:
        return True
    control = sum(1 for b in head[:4096] if b < 9 or 13 < b < 32)
    return control > 0.01 * min(len(head), 4096)


def detect_encoding(head: bytes) -> str:
    """Encoding of a text sample: UTF-8 (with or without BOM), UTF-16, or cp1251 and kin."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # the sample cut a character in two
            return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(head, cp_isolation=["cp1251", "cp1252", "latin_1", "koi8_r"]).best()
    if best is None:
        return "cp1251"
    return str(best.encoding).replace("_", "-")


def sniff_csv(path: Path, *, source: str, header_row: int | None = None) -> CsvLayout:
    """Encoding, delimiter and header of a delimited text file.

    ``header_row`` is the header's row (1-based, as an editor shows it); without it,
    the header is found (:func:`find_header`).

    Raises
    ------
    InputError
        No header could be read (the given row is empty or past the rows looked at).
    """
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    encoding = detect_encoding(head)
    text = head.decode(encoding, errors="replace")
    if len(head) == SAMPLE_BYTES:  # drop the last, probably cut, line
        text = text[: text.rfind("\n") + 1] or text
    if not text.strip():
        raise InputError(f"{source}: row 1 is empty; expected the header row")
    delimiter = _pick_delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[str]] = []
    lines: list[int] = []  # the line each row starts on
    limit = max(HEADER_ROWS, header_row or 0) + 20
    try:
        while len(rows) < limit:
            start = reader.line_num + 1
            row = next(reader, None)
            if row is None:
                break
            rows.append(row)
            lines.append(start)
    except csv.Error:  # a broken quote further down: the rows up to it are enough
        pass
    index = header_at(rows, header_row, source=source)
    header, renamed, duplicates = _clean_header(rows[index])
    return CsvLayout(encoding, delimiter, tuple(header), renamed, duplicates, lines[index])


def header_at(rows: Sequence[Sequence[Any]], header_row: int | None, *, source: str) -> int:
    """The index of the header among ``rows`` (the top of a file): given, or found.

    Raises
    ------
    InputError
        ``header_row`` names an empty row, or one past ``rows``.
    """
    if header_row is not None:
        index = header_row - 1
        if index >= len(rows) or not _filled(rows[index]):
            raise InputError(
                f"header_row: row {header_row} of {source} is empty; expected the header row",
                option="header_row",
            )
        return index
    found = find_header(rows)
    if found is None:
        raise InputError(f"{source}: row 1 is empty; expected the header row")
    return found


def find_header(rows: Sequence[Sequence[Any]]) -> int | None:
    """The index of the header row among the top rows of a table, or ``None`` if empty.

    The header is the first row of two or more filled cells, most of them text that
    reads as a column name (not a number, not a date), and at least as many as the
    rows below it usually fill. Title rows above it (a report's name, its period, an
    empty row) fill one or two cells. When no row looks like that, the first filled row
    is the header, as it always was.

    Examples
    --------
    >>> find_header([["Sales report"], ["Period: 2023"], [], ["Date", "Customer", "Sum"],
    ...              ["01.02.2023", "C1", "10"], ["02.02.2023", "C2", "12"]])
    3
    """
    top = list(rows[:HEADER_ROWS])
    filled = [_filled(row) for row in top]
    following = [len(row) for row in filled]
    for i, cells in enumerate(filled):
        n = len(cells)
        if n < 2 or sum(map(_looks_like_name, cells)) < 0.8 * n:
            continue
        below = [w for w in following[i + 1 : i + 21] if w]
        typical = statistics.median(below) if below else n
        if n >= typical or (n >= 3 and n >= 0.75 * typical):
            return i
    return next((i for i, cells in enumerate(filled) if cells), None)


def _filled(row: Sequence[Any]) -> list[Any]:
    return [v for v in row if v is not None and not (isinstance(v, str) and not v.strip())]


def _looks_like_name(value: Any) -> bool:
    """Whether a cell reads as a column name: text, not a number or a date."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if _NUMBER.fullmatch(text):
        return False
    try:
        read_date(text)
    except ValueError:
        return True
    return False


def _pick_delimiter(text: str) -> str:
    """The delimiter that splits the sample rows into the most equal field counts.

    The count is the one most rows have, so title rows above the header (one field)
    do not decide it.
    """
    sample = text[: 64 * 1024]
    best, best_score = ",", (-1.0, 0)
    for delim in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delim) if r][:200]
        except csv.Error:
            continue
        if not rows:
            continue
        width = Counter(len(r) for r in rows).most_common(1)[0][0]
        if width < 2:
            continue
        same = sum(1 for r in rows if len(r) == width) / len(rows)
        score = (same, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def _clean_header(
    row: list[str],
) -> tuple[list[str], dict[str, str], dict[str, tuple[int, ...]]]:
    header: list[str] = []
    renamed: dict[str, str] = {}
    seen: dict[str, list[int]] = {}
    for i, raw in enumerate(row, start=1):
        name = raw.strip().lstrip("\ufeff")
        key = name.lower()
        seen.setdefault(key, []).append(i)
        if not name:
            new = f"column {i}"
            renamed[new] = raw
            name = new
        elif len(seen[key]) > 1:
            new = f"{name} ({len(seen[key])})"
            renamed[new] = name
            name = new
        header.append(name)
    duplicates = {
        row[cols[0] - 1].strip(): tuple(cols) for key, cols in seen.items() if key and len(cols) > 1
    }
    return header, renamed, duplicates


def duplicate_header_error(
    layout_duplicates: dict[str, tuple[int, ...]], used: set[str], *, source: str, row: int = 1
) -> DataValidationError | None:
    """A located error for repeated headers (on ``row``) that a role would read, else ``None``."""
    problems = [
        Problem(
            source,
            row,
            name,
            "each column name once",
            f'{len(cols)} columns named "{name}" (columns {", ".join(map(str, cols))})',
        )
        for name, cols in layout_duplicates.items()
        if name in used or name.lower() in {u.lower() for u in used}
    ]
    return DataValidationError(problems) if problems else None


def transcode_to_utf8(path: Path, encoding: str) -> Path:
    """Copy a text file to a temporary UTF-8 file, chunk by chunk; return its path.

    The caller deletes the file when done with it.
    """
    fd, name = tempfile.mkstemp(suffix=".csv", prefix="repeatly-")
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as src, os.fdopen(fd, "wb") as dst:
            offset = 0
            while chunk := src.read(4 * 1024 * 1024):
                try:
                    dst.write(decoder.decode(chunk).encode("utf-8"))
                except UnicodeDecodeError as exc:
                    raise InputError(
                        f"{path.name}: byte {offset + exc.start} cannot be read as {encoding}; "
                        "save the file as UTF-8"
                    ) from None
                offset += len(chunk)
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)
