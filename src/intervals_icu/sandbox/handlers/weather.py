"""Weather: the athlete's forecast locations, and the forecast for them.

The spec's ``WeatherDTO`` carries only the forecast entries (``forecasts: [Forecast]``), so
the sandbox answers the enabled locations of the configuration; nothing here calls a weather
provider.
"""

from __future__ import annotations

import copy
from typing import Any

from intervals_icu.sandbox.context import Ctx, handles
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.records import validate_patch
from intervals_icu.sandbox.state import AthleteStore, SandboxState


def _config(store: AthleteStore) -> dict[str, Any]:
    if "forecasts" not in store.weather_config:
        store.weather_config["forecasts"] = []
    return store.weather_config


@handles("getWeatherConfig")
def get_config(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    return copy.deepcopy(_config(store))


def _forecast(state: SandboxState, item: Any, known: dict[int, dict[str, Any]]) -> (
    dict[str, Any]
):
    if not isinstance(item, dict):
        raise ApiError(400, "JSON parse error: each forecast must be an object")
    validate_patch("Forecast", item)
    for key, low, high in (("lat", -90, 90), ("lon", -180, 180)):
        value = item.get(key)
        if value is not None and not low <= float(value) <= high:
            raise ApiError(422, f"Invalid {key}: {value}")
    previous = known.get(item["id"]) if isinstance(item.get("id"), int) else None
    forecast = dict(previous or {})
    forecast.update({k: v for k, v in item.items() if v is not None})
    if previous is None:
        forecast["id"] = state.next_id("forecast", start=1)
    forecast.setdefault("provider", "OPEN_WEATHER")
    forecast.setdefault("enabled", True)
    return forecast


@handles("updateWeatherConfig")
def update_config(ctx: Ctx) -> Any:
    """The body's ``forecasts`` replace the list (entries with a known id keep it)."""
    _athlete_id, store = ctx.store()
    body = ctx.json_object()
    config = _config(store)
    if "forecasts" in body:
        if not isinstance(body["forecasts"], list):
            raise ApiError(422, "forecasts must be a list")
        known = {f["id"]: f for f in config["forecasts"]}
        config["forecasts"] = [_forecast(ctx.state, item, known) for item in body["forecasts"]]
    return copy.deepcopy(config)


@handles("getForecast")
def get_forecast(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    return {"forecasts": [copy.deepcopy(f) for f in _config(store)["forecasts"]
                          if f.get("enabled", True)]}
