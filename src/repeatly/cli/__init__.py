"""The ``repeatly`` command line: a thin face over the Python API."""

from repeatly.cli import (
    _campaign,  # noqa: F401  (registers `repeatly campaign`)
    _server,  # noqa: F401  (registers `repeatly unsubscribe-server`)
)
from repeatly.cli._app import app, main

__all__ = ["app", "main"]
