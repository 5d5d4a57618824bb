"""The shared event route (races and group rides anyone can add to their calendar); where
they come from is in :mod:`intervals_icu.sandbox.platform.shared_events` (``add_shared_event``
is importable from here too: old import path)."""

from __future__ import annotations

import copy
from typing import Any

from intervals_icu.sandbox.context import Ctx, handles
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.shared_events import add_shared_event, find_shared_event

__all__ = ["add_shared_event"]  # old import path of platform.shared_events


_FULL_COURSE_KEYS = ("streams", "latlngs", "weather", "markers")


@handles("getSharedEvent")
def get_shared_event(ctx: Ctx) -> Any:
    """Courses come without their track (``latlngs``, streams, weather) unless
    ``fullCourse=true``."""
    try:
        event_id = int(ctx.params["id"])
    except ValueError:
        raise ApiError(422, f"Invalid shared event id: {ctx.params['id']}") from None
    event = find_shared_event(ctx.state, event_id)
    if event is None:
        raise ApiError(404, f"Shared event not found: {event_id}")
    out = copy.deepcopy(event)
    full = ctx.q_bool("fullCourse")
    for course in out.get("courses") or []:
        course["full"] = full
        if not full:
            for key in _FULL_COURSE_KEYS:
                course.pop(key, None)
    return out
