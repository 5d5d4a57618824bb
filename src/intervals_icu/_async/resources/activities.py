"""Activities: list, get, update, delete, uploads, intervals, streams, files, analytics."""

from __future__ import annotations

from intervals_icu._async.resources._base import AsyncResource


class AsyncActivitiesResource(AsyncResource):
    pass
