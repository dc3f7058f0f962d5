"""The packages depend one way: kb (the library) <- ingest (files into the knowledge base) <- api,
cli (HTTP and the command line on top). An import against that direction fails here.

Every import counts, also one inside a function (a lazy import is still a dependency), and so
does `importlib.import_module("...")` with a literal name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# package -> the project packages it may import (besides itself)
ALLOWED = {
    "kb": set(),
    "ingest": {"kb"},
    "api": {"kb", "ingest"},
    "cli": {"kb", "ingest", "api"},
}
# `python -m kb` runs the command line, which sits on top; no module imports kb/__main__.py.
ENTRY_POINTS = {Path("kb/__main__.py")}


def imported_packages(source: str) -> set[tuple[str, int]]:
    """The top-level packages a module imports, with the line of each import."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add((node.args[0].value.split(".")[0], node.lineno))
    return found


def violations() -> list[str]:
    wrong = []
    for package, allowed in ALLOWED.items():
        for path in sorted((REPO / package).rglob("*.py")):
            relative = path.relative_to(REPO)
            if relative in ENTRY_POINTS:
                continue
            for imported, line in sorted(imported_packages(path.read_text(encoding="utf-8"))):
                if imported in ALLOWED and imported != package and imported not in allowed:
                    wrong.append(f"{relative}:{line} imports {imported}")
    return wrong


def test_packages_depend_one_way() -> None:
    assert violations() == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from ingest.readers import SUFFIXES\n", {("ingest", 1)}),
        ("def f():\n    from api.main import create_app\n", {("api", 2)}),
        ("import importlib\nimportlib.import_module('cli.main')\n", {("importlib", 1), ("cli", 2)}),
        ("from . import records\nfrom .store import open_store\n", set()),
    ],
)
def test_the_check_sees_every_kind_of_import(source: str, expected: set[tuple[str, int]]) -> None:
    assert imported_packages(source) == expected
