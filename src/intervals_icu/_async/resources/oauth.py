"""OAuth housekeeping: disconnect this app."""

from __future__ import annotations

from intervals_icu._async.resources._base import AsyncResource


class AsyncOAuthResource(AsyncResource):
    pass
