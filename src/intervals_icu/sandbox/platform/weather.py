"""Weather of outdoor activities: what the seeded world says the weather was, and the
activity weather summary computed from it and the streams (``weather-summary``).

The platform fetches weather for outdoor activities with GPS from a provider; the sandbox
has none, so seeded outdoor activities carry their own weather, drawn once per activity
from its recipe (its own random stream, so it changes nothing else in the history): the air
temperature at the start (the recipe's) and at the end, a wind speed, gust and direction
that hold for the whole activity, cloud cover, rain and snow. Uploaded and manual
activities have none (``has_weather: false``).

The summary is a plain model over samples ``start_index..end_index`` (end exclusive):

* air temperature goes linearly from the start to the end value; "feels like" is the wind
  chill (Environment Canada's formula) at or below 10 °C with wind above 4.8 km/h, else the
  air temperature;
* the direction of travel comes from the GPS track; the wind's angle relative to it is
  0° when it blows straight at the athlete; **headwind** is a relative angle within 45° of
  ahead, **tailwind** within 45° of behind (the rest is crosswind), as a share of the
  moving seconds;
* the apparent wind adds the athlete's speed to the headwind component; ``average_yaw`` is
  its mean angle off the direction of travel;
* the wind roses have 8 sectors of 45° of relative direction (sector 0 is from ahead,
  then clockwise): ``count`` is the seconds in each sector, ``avg_speed`` the mean (true or
  apparent) wind speed there in m/s (0 where no second falls);
* ``average_temp``/``min_temp``/``max_temp`` are the device's ``temp`` stream.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import numpy as np

from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.streams import ActivityRecipe

__all__ = ["SECTORS", "Weather", "weather_of", "weather_summary"]

SECTORS = 8
_COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


@dataclass(frozen=True)
class Weather:
    """The weather during one activity (the seeded world's; the platform asks a provider)."""

    start_temp: float
    end_temp: float
    wind: float
    """m/s, for the whole activity."""
    gust: float
    wind_from: int
    """Degrees from north the wind blows from."""
    clouds: int
    rain: float
    snow: float

    def fields(self) -> dict[str, Any]:
        """The Activity's weather fields."""
        feels = [_feels_like(t, self.wind) for t in (self.start_temp, self.end_temp)]
        return {
            "has_weather": True,
            "average_weather_temp": round((self.start_temp + self.end_temp) / 2, 1),
            "min_weather_temp": min(self.start_temp, self.end_temp),
            "max_weather_temp": max(self.start_temp, self.end_temp),
            "average_feels_like": round(sum(feels) / 2, 1),
            "min_feels_like": min(feels),
            "max_feels_like": max(feels),
            "average_wind_speed": self.wind,
            "average_wind_gust": self.gust,
            "prevailing_wind_deg": self.wind_from,
            "average_clouds": self.clouds,
            "max_rain": self.rain,
            "max_snow": self.snow,
        }


def weather_of(recipe: Any) -> Weather | None:
    """The weather of a seeded outdoor activity, deterministic from its recipe (None for
    indoor sessions and activities without a recipe)."""
    if not isinstance(recipe, ActivityRecipe) or not recipe.outdoor:
        return None
    rng = random.Random(recipe.seed ^ 0x5EA7_11E7)
    start = round(float(recipe.temperature), 1)
    end = round(start + rng.uniform(-2.0, 2.0) * recipe.duration / 3600.0, 1)
    wind = round(rng.uniform(0.5, 8.0), 1)
    gust = round(wind * rng.uniform(1.3, 1.8), 1)
    clouds = rng.randrange(0, 101)
    rain = round(max(0.0, rng.gauss(0.0, 1.5)), 1) if clouds > 70 else 0.0
    snow = 0.0
    if rain and max(start, end) < 1.0:
        rain, snow = 0.0, rain
    return Weather(start, end, wind, gust, rng.randrange(0, 360), clouds, rain, snow)


def _feels_like(celsius: float, wind_ms: float) -> float:
    kmh = wind_ms * 3.6
    if celsius > 10.0 or kmh <= 4.8:
        return round(celsius, 1)
    v = float(kmh ** 0.16)
    return round(13.12 + 0.6215 * celsius - 11.37 * v + 0.3965 * celsius * v, 1)


def _headings(latlng: list[Any], n: int) -> np.ndarray:
    """Direction of travel per sample in degrees from north (NaN where unknown), from the
    track five samples ahead (a little smoothing of GPS noise)."""
    lat = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    for i, point in enumerate(latlng[:n]):
        if point:
            lat[i], lon[i] = float(point[0]), float(point[1])
    ahead = np.minimum(np.arange(n) + 5, n - 1)
    dy = lat[ahead] - lat
    dx = (lon[ahead] - lon) * np.cos(np.radians(np.nan_to_num(lat)))
    heading = np.degrees(np.arctan2(dx, dy)) % 360.0
    heading[(dx == 0) & (dy == 0)] = np.nan
    # Carry the last known heading over stops and the end of the track.
    known = np.isfinite(heading)
    if known.any():
        index = np.maximum.accumulate(np.where(known, np.arange(n), -1))
        first = int(np.argmax(known))
        index[index < 0] = first
        heading = heading[index]
    result: np.ndarray = heading
    return result


def _rose(relative: np.ndarray, speed: np.ndarray, weight: np.ndarray) -> dict[str, list[Any]]:
    sector = (np.floor(((relative + 22.5) % 360.0) / 45.0)).astype(int)
    counts = [int(np.sum(weight & (sector == k))) for k in range(SECTORS)]
    speeds = [round(float(speed[weight & (sector == k)].mean()), 1) if counts[k] else 0.0
              for k in range(SECTORS)]
    return {"avg_speed": speeds, "count": counts}


def _stat(values: np.ndarray, digits: int = 1) -> tuple[float | None, float | None,
                                                        float | None]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None, None, None
    return (round(float(finite.mean()), digits), round(float(finite.min()), digits),
            round(float(finite.max()), digits))


def weather_summary(activity_id: str, weather: Weather | None,
                    streams: dict[str, list[Any]], start: int, end: int | None) -> (
    dict[str, Any]
):
    """The ``ActivityWeatherSummary`` of samples ``start..end`` (``end`` None or 0: the
    end of the activity); 422 without weather or GPS, or for a range outside the samples."""
    if weather is None:
        raise ApiError(422, f"Activity {activity_id} has no weather")
    time = streams.get("time") or []
    latlng = streams.get("latlng") or []
    n = len(time)
    if n == 0 or not any(latlng):
        raise ApiError(422, f"Activity {activity_id} has no GPS data for its weather")
    stop = end if end else n
    if not 0 <= start < stop <= n:
        raise ApiError(422, f"Expected 0 <= start_index < end_index <= {n}")
    seconds = np.array(time, dtype=np.float64)
    fraction = (seconds - seconds[0]) / max(1.0, seconds[-1] - seconds[0])
    air = weather.start_temp + (weather.end_temp - weather.start_temp) * fraction
    wind, gust, wind_from = weather.wind, weather.gust, float(weather.wind_from)
    moving_list = streams.get("moving")
    moving = (np.array([bool(m) for m in moving_list], dtype=bool)
              if moving_list and len(moving_list) == n else np.ones(n, dtype=bool))
    speed_list = streams.get("velocity_smooth")
    speed = (np.nan_to_num(np.array([np.nan if v is None else float(v) for v in speed_list]))
             if speed_list and len(speed_list) == n else np.zeros(n))
    heading = _headings(latlng, n)
    part = slice(start, stop)
    relative = (wind_from - heading[part]) % 360.0
    valid = np.isfinite(relative) & moving[part]
    relative = np.nan_to_num(relative)
    ahead = wind * np.cos(np.radians(relative))
    across = wind * np.sin(np.radians(relative))
    apparent_ahead = ahead + speed[part]
    apparent = np.hypot(apparent_ahead, across)
    yaw = np.degrees(np.arctan2(across, apparent_ahead)) % 360.0
    moving_secs = int(valid.sum())
    head = int(np.sum(valid & ((relative <= 45.0) | (relative >= 315.0))))
    tail = int(np.sum(valid & (relative >= 135.0) & (relative <= 225.0)))
    temp = np.array([np.nan if v is None else float(v)
                     for v in (streams.get("temp") or [None] * n)[part]])
    average_temp, min_temp, max_temp = _stat(temp)
    feels = np.array([_feels_like(float(t), wind) for t in air[part]])
    air_avg, air_min, air_max = _stat(air[part])
    feels_avg, feels_min, feels_max = _stat(feels)
    gust_ratio = gust / wind if wind else 1.0
    rain, snow, clouds = weather.rain, weather.snow, weather.clouds
    yaw_off = np.minimum(yaw, 360.0 - yaw)
    return {
        "start_index": start,
        "end_index": stop,
        "start_secs": int(seconds[start]),
        "end_secs": int(seconds[stop - 1]) + 1,
        "moving_time": int(moving[part].sum()),
        "whole_activity": start == 0 and stop == n,
        "wind_speed": _rose(relative, np.full(relative.size, wind), valid),
        "wind_gust": _rose(relative, np.full(relative.size, gust), valid),
        "apparent_wind_speed": _rose(yaw, apparent, valid),
        "apparent_wind_gust": _rose(yaw, apparent * gust_ratio, valid),
        "average_temp": average_temp,
        "min_temp": None if min_temp is None else round(min_temp),
        "max_temp": None if max_temp is None else round(max_temp),
        "average_weather_temp": air_avg,
        "min_weather_temp": air_min,
        "max_weather_temp": air_max,
        "average_feels_like": feels_avg,
        "min_feels_like": feels_min,
        "max_feels_like": feels_max,
        "average_wind_speed": wind,
        "min_wind_speed": wind,
        "max_wind_speed": wind,
        "average_wind_gust": gust,
        "min_wind_gust": gust,
        "max_wind_gust": gust,
        "prevailing_wind_deg": round(wind_from),
        "average_yaw": round(float(yaw_off[valid].mean()), 1) if moving_secs else None,
        "headwind_percent": round(head / moving_secs * 100, 1) if moving_secs else None,
        "tailwind_percent": round(tail / moving_secs * 100, 1) if moving_secs else None,
        "max_rain": rain,
        "max_showers": 0.0,
        "max_snow": snow,
        "average_clouds": clouds,
        "description": _describe(air_avg, wind, wind_from, clouds, rain, snow),
    }


def _describe(celsius: float | None, wind: float, wind_from: float, clouds: int,
              rain: float, snow: float) -> str:
    sky = "clear" if clouds < 20 else "partly cloudy" if clouds < 70 else "cloudy"
    if snow:
        sky = f"snow {snow} mm/h"
    elif rain:
        sky = f"rain {rain} mm/h"
    compass = _COMPASS[int(((wind_from + 22.5) % 360) // 45)]
    temperature = "" if celsius is None else f"{celsius:.0f}°C, "
    return f"{temperature}{sky}, wind {wind:.1f} m/s from the {compass}"
