"""The one exception hierarchy of Repeatly.

Every error the library raises on purpose derives from :class:`RepeatlyError`. Input
errors are also :class:`ValueError`, so code that already catches ``ValueError`` keeps
working. Each class carries the HTTP status the web layer answers with.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ConflictError",
    "ConvergenceError",
    "ConvergenceWarning",
    "DataValidationError",
    "InputError",
    "MappingError",
    "MissingDependencyError",
    "NotFittedError",
    "PlaybookError",
    "Problem",
    "RepeatlyError",
    "StoreError",
]


class RepeatlyError(Exception):
    """Base class of every error Repeatly raises on purpose."""

    http_status: int = 500


class InputError(RepeatlyError, ValueError):
    """The input cannot be used as given (a file, an argument, a value).

    ``option`` names the option whose value was wrong, when it was one (a face shows
    it the way its users type it: a flag, a form field).
    """

    http_status = 422

    def __init__(self, message: str, *, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in an input file.

    Parameters
    ----------
    source
        The file name (or table name) the problem is in.
    row
        1-based row as a spreadsheet shows it (the header is row 1), or ``None`` when the
        problem concerns the whole file or a whole column.
    column
        The column as named in the file, or ``None``.
    expected
        What the value should have been.
    found
        What was there instead.
    """

    source: str
    row: int | None
    column: str | None
    expected: str
    found: str

    def __str__(self) -> str:
        where = [self.source]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f'column "{self.column}"')
        return f"{', '.join(where)}: expected {self.expected}, got {self.found}"


class DataValidationError(InputError):
    """An input file has problems that stop it from being used.

    The message names the first problems; :attr:`problems` holds the ones collected
    (at most a few hundred) and :attr:`n_problems` how many rows (or, for a database
    table, columns) had problems in all.
    """

    def __init__(self, problems: list[Problem], *, n_problems: int | None = None) -> None:
        self.problems = problems
        self.n_problems = n_problems if n_problems is not None else len(problems)
        shown = "\n".join(f"  {p}" for p in problems[:10])
        hidden = max(len(problems), self.n_problems) - 10
        tail = f"\n  ... and {hidden} more" if hidden > 0 else ""
        if self.n_problems == 1 and len(problems) == 1:
            super().__init__(str(problems[0]))
        else:
            rows = "1 row" if self.n_problems == 1 else f"{self.n_problems} rows"
            super().__init__(f"{rows} cannot be used:\n{shown}{tail}")


class MappingError(InputError):
    """Columns could not be mapped to the roles a table needs."""


class PlaybookError(InputError):
    """A campaign playbook or one of its message templates cannot be used.

    The message names the playbook file, the step, channel and language, and the line.
    """


class StoreError(RepeatlyError):
    """The operational database cannot be opened or brought up to date."""

    http_status = 503


class ConflictError(StoreError):
    """A write clashed with one another process made at the same moment (a name taken).

    Nothing of the unit of work that failed was written; reading again finds the
    other process's record.
    """

    http_status = 409


class MissingDependencyError(RepeatlyError, ImportError):
    """An optional dependency is not installed; the message says what to install."""


class NotFittedError(RepeatlyError, AttributeError):
    """A model was used before ``fit`` was called."""

    http_status = 409


class ConvergenceError(RepeatlyError, RuntimeError):
    """An optimiser did not converge; the message gives advice."""

    http_status = 422


class ConvergenceWarning(UserWarning):
    """An optimiser converged poorly; results may be unreliable."""
