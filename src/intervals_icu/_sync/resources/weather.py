# Generated from src/intervals_icu/_async/resources/weather.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""Weather: the locations the athlete gets forecasts for, and the forecast."""

from __future__ import annotations

from typing_extensions import Unpack

from intervals_icu._sync.resources._base import Resource
from intervals_icu._http import RequestSpec
from intervals_icu.models import WeatherConfig, WeatherDTO
from intervals_icu.models._fields import WeatherConfigFields
from intervals_icu.operation import operation
from intervals_icu.updates import build_partial_body

__all__ = ["WeatherResource"]


class WeatherResource(Resource):
    @operation("getWeatherConfig")
    def config(self) -> WeatherConfig:
        return self._client._request_model(
            RequestSpec("GET", self._athlete_path("/weather-config")),
            WeatherConfig,
        )

    @operation("updateWeatherConfig")
    def update_config(self, **fields: Unpack[WeatherConfigFields]) -> WeatherConfig:
        """Replace the forecast locations: ``forecasts=[{"label": "Home", "lat": 52.37,
        "lon": 4.89}]`` (entries keeping their ``id`` are updated)."""
        return self._client._request_model(
            RequestSpec("PUT", self._athlete_path("/weather-config"),
                        json=build_partial_body(WeatherConfig, fields, what="WeatherConfig")),
            WeatherConfig,
        )

    @operation("getForecast")
    def forecast(self) -> WeatherDTO:
        return self._client._request_model(
            RequestSpec("GET", self._athlete_path("/weather-forecast")),
            WeatherDTO,
        )
