"""What goes on the wire, shared by every face of the sandbox (app, control, transports,
webhooks): JSON bytes as the platform writes them, and the dropped-connection signal.

Kept apart from ``app`` so that nothing that only needs bytes or the signal imports the
whole application (that was a six-module import circle).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

__all__ = ["DroppedConnection", "json_bytes"]


class DroppedConnection(Exception):
    """Raised to drop the connection without an answer (fault injection)."""


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def json_bytes(value: Any) -> bytes:
    """Compact JSON (no spaces), dates as ISO-8601, numpy values as numbers."""
    return json.dumps(value, default=_json_default, separators=(",", ":")).encode()
