"""The layer contract (docs/architecture.md), read from the source of every module.

Each module may import only from its own layer and the layers below it; the faces
(command line, report) are imported by no one below them; no module reaches into a
private module (``_name``) of another package; the models stay numpy maths, with no
engine in them. Imports inside functions and under ``TYPE_CHECKING`` count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import repeatly

ROOT = Path(repeatly.__file__).parent

#: Bottom to top; a module may import its own layer and those before it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "base",
        (
            "repeatly._version",
            "repeatly._lazy",
            "repeatly._files",
            "repeatly._safe",
            "repeatly._json",
            "repeatly._checks",
            "repeatly._dates",
            "repeatly._round",
            "repeatly._notes",
            "repeatly.exceptions",
            "repeatly.settings",
        ),
    ),
    ("engine", ("repeatly.connection", "repeatly.workspace")),
    ("data", ("repeatly.data", "repeatly.datasets")),
    ("analytics", ("repeatly.analytics", "repeatly.economics")),
    ("models", ("repeatly.models",)),
    ("store", ("repeatly.store",)),
    (
        "domain",
        (
            "repeatly.prediction",
            "repeatly.segments",
            "repeatly.offers",
            "repeatly.campaigns",
            "repeatly.actions",
        ),
    ),
    ("jobs", ("repeatly.jobs",)),
    ("faces", ("repeatly.report", "repeatly.cli", "repeatly.__main__", "repeatly")),
]
#: What the models (maths on distinct summary rows) may not import: no engine, no data.
NOT_IN_MODELS = ("ibis", "duckdb", "pyspark", "sqlalchemy", "repeatly.connection")


def layer_of(module: str) -> int:
    """The index of the layer a ``repeatly`` module belongs to (longest prefix wins)."""
    best, found = -1, None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            inside = module == prefix or (prefix != "repeatly" and module.startswith(prefix + "."))
            if inside and len(prefix) > best:
                best, found = len(prefix), index
    if found is None:
        raise AssertionError(f"{module}: in no layer; add it to LAYERS")
    return found


def imports(source: str, module: str, *, is_package: bool) -> list[tuple[int, str]]:
    """Every module ``source`` imports, absolute, with its line (relative ones resolved)."""
    found = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:  # `from repeatly import segments` names a module
                name = f"{base}.{alias.name}"
                found.append((node.lineno, name if _existing(name) == name else base))
    return found


def problems(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """Where ``source`` (the text of ``module``) breaks the contract."""
    found = []
    here = layer_of(module)
    for line, name in imports(source, module, is_package=is_package):
        where = f"{module}:{line} imports {name}"
        if layer_of(module) == layer_of("repeatly.models") and name.startswith(NOT_IN_MODELS):
            found.append(f"{where}: the models are numpy maths, without an engine")
        if not (name == "repeatly" or name.startswith("repeatly.")):
            continue
        target = _existing(name)
        if target is None:
            continue
        if layer_of(target) > here:
            found.append(f"{where}: {LAYERS[here][0]} may not import {LAYERS[layer_of(target)][0]}")
        private = _private_owner(target)
        if private is not None and not (module + ".").startswith(private + "."):
            found.append(f"{where}: a private module of {private}")
    return found


def _existing(name: str) -> str | None:
    """The module ``name`` is, or is in (an imported attribute is not a module)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        relative = Path(*parts[1:]) if len(parts) > 1 else Path()
        module_file = (ROOT / relative).with_suffix(".py")
        if module_file.is_file() or (ROOT / relative / "__init__.py").is_file():
            return candidate
        parts.pop()
    return None


def _private_owner(module: str) -> str | None:
    """The package a private module belongs to, or ``None`` for a public one."""
    parts = module.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


def _modules() -> list[tuple[str, Path, bool]]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "migrations" in relative.parts:  # Alembic's scripts, run by the store
            continue
        is_package = path.name == "__init__.py"
        parts = ["repeatly", *relative.with_suffix("").parts]
        if is_package:
            parts = parts[:-1]
        found.append((".".join(parts), path, is_package))
    return found


@pytest.mark.parametrize(("module", "path", "is_package"), _modules(), ids=lambda v: str(v))
def test_every_module_keeps_the_layer_contract(module, path, is_package):
    assert problems(path.read_text(encoding="utf-8"), module, is_package=is_package) == []


def test_the_contract_catches_a_domain_module_importing_a_face():
    source = "from repeatly.report import render_report\n"
    assert problems(source, "repeatly.campaigns._plan") == [
        "repeatly.campaigns._plan:1 imports repeatly.report: domain may not import faces"
    ]


def test_the_contract_catches_imports_inside_functions_and_for_types():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from repeatly.jobs import Analysis\n"
        "def f():\n"
        "    from repeatly.cli import app\n"
    )
    assert problems(source, "repeatly.segments._assemble") == [
        "repeatly.segments._assemble:3 imports repeatly.jobs: domain may not import jobs",
        "repeatly.segments._assemble:5 imports repeatly.cli: domain may not import faces",
    ]


def test_the_contract_catches_another_packages_private_module():
    source = "from repeatly.data._roles import resolve_mapping\nfrom repeatly.data import _roles\n"
    private = "imports repeatly.data._roles: a private module of repeatly.data"
    assert problems(source, "repeatly.jobs._analyze") == [
        f"repeatly.jobs._analyze:1 {private}",
        f"repeatly.jobs._analyze:2 {private}",
    ]
    assert problems(source, "repeatly.data._load") == []  # its own package's: fine


def test_the_contract_keeps_the_engine_out_of_the_models():
    assert problems("import ibis\n", "repeatly.models._bgnbd") == [
        "repeatly.models._bgnbd:1 imports ibis: the models are numpy maths, without an engine"
    ]
    assert problems("import ibis\n", "repeatly.analytics._summary") == []


def test_relative_imports_are_resolved():
    assert problems("from ..report import html_table\n", "repeatly.segments._x") == [
        "repeatly.segments._x:1 imports repeatly.report: domain may not import faces"
    ]
