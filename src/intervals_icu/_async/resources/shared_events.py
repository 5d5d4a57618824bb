"""Shared events: races and group events anyone can add to their calendar."""

from __future__ import annotations

from intervals_icu._async.resources._base import AsyncResource
from intervals_icu._http import RequestSpec
from intervals_icu.models import WithCourses
from intervals_icu.operation import operation

__all__ = ["AsyncSharedEventsResource"]


class AsyncSharedEventsResource(AsyncResource):
    @operation("getSharedEvent")
    async def get(self, shared_event_id: int, *, full_course: bool = False) -> WithCourses:
        """A shared event with its courses; ``full_course=True`` includes their tracks."""
        return await self._client._request_model(
            RequestSpec("GET", f"/api/v1/shared-event/{int(shared_event_id)}",
                        params={"fullCourse": full_course or None}),
            WithCourses,
        )
