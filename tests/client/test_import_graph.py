"""The client core knows hooks, not features: importing the client loads no feature (the
journal, SQLite), and the core's modules import each other in one direction only."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
CORE = ["intervals_icu._http", "intervals_icu.auth", "intervals_icu.oauth",
        "intervals_icu.error_mapping", "intervals_icu.errors", "intervals_icu.hooks",
        "intervals_icu.idempotency", "intervals_icu.secret", "intervals_icu.operation",
        "intervals_icu.dates", "intervals_icu.updates", "intervals_icu._responses",
        "intervals_icu._async.client", "intervals_icu._sync.client",
        "intervals_icu.journal", "intervals_icu.journal.rules", "intervals_icu.journal.targets",
        "intervals_icu.journal.store",
        "intervals_icu.journal.plan", "intervals_icu.journal.undo",
        "intervals_icu.journal.undo_async"]


def test_importing_the_client_loads_neither_the_journal_nor_sqlite() -> None:
    code = ("from intervals_icu import Client, AsyncClient; import sys; "
            "print('sqlite3' in sys.modules, 'intervals_icu.journal' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["False", "False"]


def _file(module: str) -> Path:
    path = SRC / module.replace(".", "/")
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _imports_at_load(module: str) -> set[str]:
    """The intervals_icu modules ``module`` imports when it is loaded (not the ones imported
    inside functions or only for type checking)."""
    tree = ast.parse(_file(module).read_text())
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            continue
        for inner in ast.walk(node) if not isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else []:
            if isinstance(inner, ast.ImportFrom) and inner.module and inner.level == 0:
                found.add(inner.module)
            elif isinstance(inner, ast.Import):
                found.update(alias.name for alias in inner.names)
    return {m for m in found if m.startswith("intervals_icu.")}


@pytest.mark.parametrize("start", CORE)
def test_no_import_circle_through_the_client_core(start: str) -> None:
    known = {m for m in CORE}
    path: list[str] = []

    def visit(module: str) -> None:
        if module in path:
            cycle = [*path[path.index(module):], module]
            raise AssertionError(f"import circle: {' -> '.join(cycle)}")
        if module not in known or not _file(module).exists():
            return
        path.append(module)
        for imported in sorted(_imports_at_load(module)):
            visit(imported)
        path.pop()

    visit(start)


def test_http_and_auth_do_not_import_each_other() -> None:
    assert "intervals_icu._http" not in _imports_at_load("intervals_icu.auth")
    assert "intervals_icu.oauth" not in _imports_at_load("intervals_icu._http")
