"""The sandbox's rooms (docs/development.md, "The sandbox"): faces at the top level, the
platform's rules in ``platform/``, file formats in ``formats/``, seed data in ``generate/``,
thin handlers in ``handlers/``. These checks read the source, so a misplaced import fails
here rather than in review."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import intervals_icu.sandbox

ROOT = Path(intervals_icu.sandbox.__file__).parent
PACKAGE = "intervals_icu.sandbox"
FACES = {"app", "server", "control", "oauth", "transport", "context", "routing", "dashboard",
         "browse"}
ALIASES = {"handlers.activity_records"}
"""Modules kept only so old import paths work."""
MAX_LINES = 800


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imports(tree: ast.AST) -> Iterator[str]:
    """Sandbox modules imported anywhere in the module: at the top, in functions, and for
    typing only (a typing-only circle is a circle too)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == PACKAGE:
                for alias in node.names:
                    yield alias.name
            elif node.module.startswith(PACKAGE + "."):
                module = node.module.removeprefix(PACKAGE + ".")
                for alias in node.names:
                    yield f"{module}.{alias.name}"  # a module, or a name in ``module``
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE + "."):
                    yield alias.name.removeprefix(PACKAGE + ".")


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for target in _imports(ast.parse(path.read_text())):
            # "from pkg import module" names a module; "from pkg.module import x" too.
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
        graph[name] = found
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            # A package imports its own modules to register or re-export them.
            if node == "" or (nxt.startswith(node + ".") and node in {"handlers", "generate"}):
                continue
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if state.get(nxt) is None and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if state.get(node) is None and (found := visit(node)):
            return found
    return None


def test_no_import_circle() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_no_hand_written_module_is_over_800_lines() -> None:
    long = {name: n for name, path in _modules().items()
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, f"split these (one idea per module): {long}"


@pytest.mark.parametrize("room", ["platform", "formats", "generate"])
def test_rules_formats_and_seed_data_know_nothing_of_http(room: str) -> None:
    graph = _graph()
    for name, imports in graph.items():
        if not name.startswith(room + ".") and name != room:
            continue
        wrong = {i for i in imports if i in FACES or i.startswith("handlers")}
        assert not wrong, f"{name} imports {wrong}: the platform's rules must not know HTTP"


def test_handlers_do_not_import_each_other() -> None:
    for name, imports in _graph().items():
        if name.startswith("handlers.") and name not in ALIASES:
            others = {i for i in imports if i.startswith("handlers")}
            assert not others, f"{name} imports {others}: shared rules belong in platform/"


def test_every_handler_module_registers_routes() -> None:
    for name, path in _modules().items():
        if name.startswith("handlers.") and name not in ALIASES:
            assert "@handles(" in path.read_text(), f"{name} registers no route"


def test_only_the_sandbox_itself_uses_the_seed_generator() -> None:
    allowed = {"server", "generate"}
    for name, imports in _graph().items():
        if name.split(".")[0] in allowed:
            continue
        users = {i for i in imports if i == "generate" or i.startswith("generate.")}
        assert not users, f"{name} imports {users}: run-time rules belong in platform/"


def test_the_sandbox_does_not_reach_into_handlers() -> None:
    assert not {i for i in _graph()["server"] if i.startswith("handlers")}
