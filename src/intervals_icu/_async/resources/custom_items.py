"""Custom items: charts, custom fields, zones."""

from __future__ import annotations

from intervals_icu._async.resources._base import AsyncResource


class AsyncCustomItemsResource(AsyncResource):
    pass
