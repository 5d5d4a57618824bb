"""The workout library: folders, plans and workouts."""

from __future__ import annotations

from intervals_icu._async.resources._base import AsyncResource


class AsyncLibraryResource(AsyncResource):
    pass
