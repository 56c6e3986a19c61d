"""Settings: one object, read from the environment and an optional config file.

Everything Repeatly takes from its surroundings is here: the engine's memory budget,
threads and spill folder, the operational database's URL, and the secrets of the mail
and SMS senders. Nothing else in the package reads ``os.environ``.

Where a setting comes from, first found wins:

1. the environment: ``REPEATLY_DB``, ``REPEATLY_MEMORY_LIMIT``, ``REPEATLY_THREADS``,
   ``REPEATLY_TEMP_DIR``, ``REPEATLY_SMTP_PASSWORD``, ``REPEATLY_SMS_TOKEN``,
   ``REPEATLY_DEBUG``;
2. the config file: ``REPEATLY_CONFIG`` when set, else ``repeatly.toml`` in the current
   folder when there is one, with the same names in lower case and without the prefix
   (``db = "postgresql://..."``, ``threads = 4``);
3. the defaults below.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repeatly.exceptions import InputError

__all__ = [
    "CONFIG_FILE",
    "DEFAULT_DB",
    "DEFAULT_MEMORY_LIMIT",
    "Secret",
    "Settings",
    "get_settings",
]

#: The operational database when no URL is given: a SQLite file in the current folder.
DEFAULT_DB = "sqlite:///repeatly.db"
#: DuckDB's memory budget; beyond it, large joins and sorts spill to disk.
DEFAULT_MEMORY_LIMIT = "2GB"
#: The config file read from the current folder when ``REPEATLY_CONFIG`` is not set.
CONFIG_FILE = "repeatly.toml"
_PREFIX = "REPEATLY_"
_MEMORY = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)


class Secret:
    """A password or token: its value is read with :meth:`reveal`, never printed."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one call that needs it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """What Repeatly takes from its surroundings (see the module's description).

    Parameters
    ----------
    db
        The operational database's SQLAlchemy URL.
    memory_limit
        DuckDB's memory budget, e.g. ``"8GB"``.
    threads
        DuckDB's worker threads; every core when ``None``.
    temp_dir
        Folder where DuckDB spills what does not fit in memory (its own when ``None``).
    smtp_password, sms_token
        The mail server's password and the SMS gateway's token.
    debug
        Show tracebacks of unexpected errors.
    source
        Where the settings were read: the config file, or ``None``.
    """

    db: str = DEFAULT_DB
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    threads: int | None = None
    temp_dir: str | None = None
    smtp_password: Secret | None = None
    sms_token: Secret | None = None
    debug: bool = False
    source: Path | None = None

    def __post_init__(self) -> None:
        if not self.db.strip():
            raise InputError("db: expected a database URL such as sqlite:///repeatly.db")
        if not _MEMORY.match(self.memory_limit):
            raise InputError(
                f'memory_limit: expected an amount such as "2GB" or "512MB", got '
                f"{self.memory_limit!r}"
            )
        if self.threads is not None and self.threads < 1:
            raise InputError(f"threads: expected 1 or more, got {self.threads}")

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, *, cwd: Path | None = None) -> Settings:
        """Read the settings from an environment and a config file.

        ``environ`` is ``os.environ`` by default; the config file is the one it names
        (``REPEATLY_CONFIG``) or ``repeatly.toml`` in ``cwd`` (the current folder by
        default).

        Raises
        ------
        InputError
            A value cannot be used; the message names the variable or the file and key.
        """
        env = os.environ if environ is None else environ
        given = env.get(f"{_PREFIX}CONFIG")
        path = Path(given) if given else (cwd or Path.cwd()) / CONFIG_FILE
        values: dict[str, Any] = {}
        source = None
        if given or path.is_file():
            values = _read_config(path)
            source = path
        for field in dataclasses.fields(cls):
            text = env.get(_PREFIX + field.name.upper())
            if field.name != "source" and text is not None and text != "":
                values[field.name] = _parsed(field.name, text, _PREFIX + field.name.upper())
        try:
            return cls(**values, source=source)
        except InputError as exc:
            where = f"{source}, " if source is not None else ""
            raise InputError(f"settings: {where}{exc}") from None


def _read_config(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: the config file cannot be read ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a TOML file ({exc})") from None
    known = {f.name for f in dataclasses.fields(Settings)} - {"source"}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise InputError(
                f"{path}, {key}: not a setting; the settings are {', '.join(sorted(known))}"
            )
        values[key] = _parsed(key, value, f"{path}, {key}")
    return values


def _parsed(name: str, value: Any, where: str) -> Any:
    """A setting's value from text (the environment) or TOML, checked for its type."""
    if name == "threads":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        raise InputError(f"{where}: expected a whole number of threads, got {value!r}")
    if name == "debug":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off"):
            return False
        raise InputError(f"{where}: expected true or false, got {value!r}")
    if not isinstance(value, str):
        raise InputError(f"{where}: expected text, got {value!r}")
    if name in ("smtp_password", "sms_token"):
        return Secret(value)
    return value


@functools.cache
def get_settings() -> Settings:
    """The process's settings, read once (``get_settings.cache_clear()`` reads them again)."""
    return Settings.load()
