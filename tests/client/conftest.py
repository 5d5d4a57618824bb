"""Every request the client tests send is checked against the spec: the operation it names
(written once, on the method) is the one its method and path belong to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from intervals_icu import _http
from intervals_icu.journal.targets import path_params
from intervals_icu.spec import operations

_OPERATIONS = {op.operation_id: op for op in operations()}


@pytest.fixture(autouse=True)
def requests_name_their_operation(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    wrong: list[str] = []
    build = _http._Base._build

    def checked(self: Any, client: Any, spec: _http.RequestSpec) -> Any:
        op = _OPERATIONS.get(spec.operation_id or "")
        if op is not None and (op.method != spec.method
                               or path_params(op.path, spec.path) is None):
            wrong.append(f"{spec.method} {spec.path} is not {op.operation_id} "
                         f"({op.method} {op.path})")
        return build(self, client, spec)

    monkeypatch.setattr(_http._Base, "_build", checked)
    yield wrong
    assert not wrong, wrong
