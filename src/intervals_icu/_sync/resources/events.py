# Generated from src/intervals_icu/_async/resources/events.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""Calendar events: planned workouts, notes, races, targets."""

from __future__ import annotations

from intervals_icu._sync.resources._base import Resource


class EventsResource(Resource):
    pass
