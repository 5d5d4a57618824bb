"""Every spec operation has a method, on both clients, with the same signature."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

from intervals_icu import AsyncClient, Client
from intervals_icu.coverage import client_methods
from intervals_icu.spec import operations

ROOT = Path(__file__).resolve().parents[2]


def test_every_spec_operation_has_a_client_method() -> None:
    covered = {op_id for m in client_methods(AsyncClient) for op_id in m.operation_ids}
    spec_ids = {op.operation_id for op in operations()}
    missing = sorted(spec_ids - covered)
    assert not missing, f"{len(missing)} spec operations have no client method: {missing}"
    unknown = sorted(covered - spec_ids)
    assert not unknown, f"methods marked with operations the spec does not have: {unknown}"


def _normalize(text: str) -> str:
    return re.sub(r"\bAsync(?=[A-Z])", "", text).replace("Awaitable", "")


def test_sync_and_async_surfaces_are_identical() -> None:
    async_methods = {m.dotted: m for m in client_methods(AsyncClient)}
    sync_methods = {m.dotted: m for m in client_methods(Client)}
    assert async_methods.keys() == sync_methods.keys()
    for name, async_method in async_methods.items():
        sync_method = sync_methods[name]
        assert inspect.iscoroutinefunction(async_method.function) or inspect.isasyncgenfunction(
            async_method.function), f"{name} is not async"  # async generators: iter_all
        assert not inspect.iscoroutinefunction(sync_method.function), f"{name} is async in Client"
        assert async_method.operation_ids == sync_method.operation_ids, name
        a_sig = _normalize(str(inspect.signature(async_method.function)))
        s_sig = _normalize(str(inspect.signature(sync_method.function)))
        assert a_sig == s_sig, f"{name}: async {a_sig} != sync {s_sig}"


def test_client_level_surface_matches() -> None:
    def public(cls: type) -> set[str]:
        return {n for n in dir(cls) if not n.startswith("_")}

    assert public(AsyncClient) ^ public(Client) <= {"aclose", "close"}


def test_coverage_doc_is_current() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts/generate_coverage.py"),
                             "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
