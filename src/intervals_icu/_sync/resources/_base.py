# Generated from src/intervals_icu/_async/resources/_base.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""What every resource area shares (source of ``_sync/resources/_base.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intervals_icu._sync.client import Client


class Resource:
    """An API area bound to a client (and so to one athlete)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def _athlete_path(self, suffix: str = "") -> str:
        return self._client.athlete_path(suffix)
