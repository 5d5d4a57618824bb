"""The operationId is written once per method: on its ``@operation`` mark. Requests built
inside a marked method take it from there; anything else names its operation."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from intervals_icu._http import RequestSpec
from intervals_icu.operation import current_operation, operation, operations_of

RESOURCES = Path(__file__).resolve().parents[2] / "src/intervals_icu/_async/resources"


def _mark(node: ast.AST) -> str | None:
    for decorator in getattr(node, "decorator_list", []):
        if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "operation":
            value = decorator.args[0]
            assert isinstance(value, ast.Constant)
            return str(value.value)
    return None


@pytest.mark.parametrize("path", sorted(RESOURCES.glob("*.py")), ids=lambda p: p.name)
def test_each_request_names_its_operation_once(path: Path) -> None:
    tree = ast.parse(path.read_text())
    problems = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        mark = _mark(function)
        for call in ast.walk(function):
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", "") == "RequestSpec"):
                continue
            named = next((k.value for k in call.keywords if k.arg == "operation_id"), None)
            where = f"{path.name}:{call.lineno} ({function.name})"
            if mark is None and named is None:
                problems.append(f"{where}: names no operation and has no @operation mark")
            if isinstance(named, ast.Constant) and named.value == mark:
                problems.append(f"{where}: repeats {mark!r}, already on the mark")
    assert not problems, problems


async def test_the_mark_is_the_default_operation_of_requests_built_inside() -> None:
    @operation("getActivity")
    async def marked() -> RequestSpec:
        assert current_operation() == "getActivity"
        return RequestSpec("GET", "/api/v1/activity/i1")

    @operation("listEvents")
    def sync_marked() -> tuple[RequestSpec, RequestSpec]:
        return (RequestSpec("GET", "/api/v1/athlete/0/events.json"),
                RequestSpec("GET", "/api/v1/athlete/0", operation_id="getAthlete"))

    assert (await marked()).operation_id == "getActivity"
    listed, other = sync_marked()
    assert (listed.operation_id, other.operation_id) == ("listEvents", "getAthlete")
    assert RequestSpec("GET", "/x").operation_id is None  # outside a marked method
    assert current_operation() is None
    assert operations_of(marked) == ("getActivity",)
