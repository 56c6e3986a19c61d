"""The ``Examples`` in the public docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import repeatly

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(repeatly.__path__, prefix="repeatly.")
    if not m.name.startswith("repeatly.cli")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
