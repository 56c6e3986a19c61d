"""The ``repeatly`` command line: a thin face over the Python API."""

from repeatly.cli._app import app, main

__all__ = ["app", "main"]
