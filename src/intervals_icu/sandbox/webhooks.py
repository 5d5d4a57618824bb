"""Webhook delivery: events queued with their payload, batched per app, POSTed with retries.

(Minimal for now: events are recorded; delivery, retries and the delivery log come with the
sandbox webhooks work.)
"""

from __future__ import annotations

import threading
from typing import Any

from intervals_icu.sandbox.state import SandboxState

__all__ = ["WebhookDispatcher"]


class WebhookDispatcher:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.emitted: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def emit(self, athlete_id: str, event_type: str, data: dict[str, Any]) -> None:
        event = {"athlete_id": athlete_id, "type": event_type,
                 "timestamp": self.state.now_stamp(), **data}
        with self._lock:
            self.emitted.append(event)

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass
