"""Locked wellness records: deciding whether a write was applied (pure functions).

The platform's ``locked`` flag protects a wellness record from being overwritten; a write
that does not unlock it is not applied (API-NOTES §4.9, UNCERTAIN; the sandbox documents its
assumption). The client detects this from the response, without an extra request: if the
record comes back locked and a field we sent is not what we sent, the write was refused.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from intervals_icu.updates import CLEAR_VALUE

__all__ = ["unapplied_fields"]


def _same(sent: Any, stored: Any) -> bool:
    if sent == CLEAR_VALUE:
        return stored is None or stored == CLEAR_VALUE
    if isinstance(sent, (int, float)) and isinstance(stored, (int, float)):
        return math.isclose(float(sent), float(stored), rel_tol=1e-6, abs_tol=1e-6)
    return bool(sent == stored)


def unapplied_fields(sent: Mapping[str, Any], returned: BaseModel) -> list[str]:
    """Names of fields in ``sent`` whose value the returned record does not carry."""
    stored = returned.model_dump(mode="json", by_alias=True)
    missing: list[str] = []
    for key, value in sent.items():
        if key in {"id", "locked"} or key not in stored:
            continue  # custom fields may not be echoed; only judge what the record shows
        if not _same(value, stored[key]):
            missing.append(key)
    return missing
