"""Writing files so that an interrupted run never leaves a half-written one behind."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from repeatly.exceptions import InputError

__all__ = ["atomic_write", "check_folder", "json_plain", "scratch_file"]


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write`` on a temporary file next to ``path``, then rename it into place.

    The file gets the permissions of an ordinary new file (not a temporary file's 0600),
    and the temporary file is removed if ``write`` fails.
    """
    with scratch_file(path.parent, path.name) as tmp_path:
        write(tmp_path)
        umask = os.umask(0)
        os.umask(umask)
        tmp_path.chmod(0o666 & ~umask)
        os.replace(tmp_path, path)
    return path


def check_folder(path: str | os.PathLike[str], *, option: str = "out") -> Path:
    """Check, before any work, that files can be written in the folder ``path``.

    The folder may be missing (it is made when the files are written), but then the
    nearest part of the path that exists must be a folder one can write in. Nothing is
    made here: a run that fails later leaves nothing behind.

    Raises
    ------
    InputError
        ``path`` is a file, a part of it is a file, or the folder (or the nearest one
        above it that exists) cannot be written in. The error names ``option``.
    """
    folder = Path(path)
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing == folder and not folder.is_dir():
        raise InputError(
            f"{option}: expected a folder for the files, got {str(folder)!r}, which is a file",
            option=option,
        )
    if not existing.is_dir():
        raise InputError(
            f"{option}: expected a folder for the files, got {str(folder)!r}: "
            f"{str(existing)!r} is a file, so no folder can be made there",
            option=option,
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(
            f"{option}: expected a folder one can write in, got {str(folder)!r}: "
            f"{str(existing)!r} cannot be written in",
            option=option,
        )
    return folder


@contextmanager
def scratch_file(folder: Path, name: str) -> Iterator[Path]:
    """A hidden file in ``folder``, removed on leaving.

    For a result that later steps read and that is then renamed, linked or copied into
    place, so that neither a failure nor the end of the work leaves it behind.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
    os.close(fd)
    path = Path(tmp)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def json_plain(value: Any) -> Any:
    """``json.dumps``'s ``default``: dates as ISO text, numpy scalars as Python values."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
