"""Weather forecast configuration and forecasts."""

from __future__ import annotations

from intervals_icu._async.resources._base import AsyncResource


class AsyncWeatherResource(AsyncResource):
    pass
