# Generated from src/intervals_icu/_async/resources/weather.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""Weather forecast configuration and forecasts."""

from __future__ import annotations

from intervals_icu._sync.resources._base import Resource


class WeatherResource(Resource):
    pass
