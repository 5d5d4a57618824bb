"""Sport settings: thresholds and zones per sport."""

from __future__ import annotations

from intervals_icu._async.resources._base import AsyncResource


class AsyncSportSettingsResource(AsyncResource):
    pass
