"""Routes and their similarity."""

from __future__ import annotations

from intervals_icu._async.resources._base import AsyncResource


class AsyncRoutesResource(AsyncResource):
    pass
