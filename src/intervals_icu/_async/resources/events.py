"""Calendar events: planned workouts, notes, races, targets."""

from __future__ import annotations

from intervals_icu._async.resources._base import AsyncResource


class AsyncEventsResource(AsyncResource):
    pass
