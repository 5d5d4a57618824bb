"""What every resource area shares (source of ``_sync/resources/_base.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intervals_icu._async.client import AsyncClient


class AsyncResource:
    """An API area bound to a client (and so to one athlete)."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    def _athlete_path(self, suffix: str = "") -> str:
        return self._client.athlete_path(suffix)
