"""Shared events (races) anyone can add to their calendar."""

from __future__ import annotations

from intervals_icu._async.resources._base import AsyncResource


class AsyncSharedEventsResource(AsyncResource):
    pass
