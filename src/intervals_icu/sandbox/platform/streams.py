"""The 1 Hz streams of an activity: stored ones, or re-created from the generator's recipe.

Seeding keeps only a small :class:`ActivityRecipe` per activity; the arrays are synthesized
again, identically, whenever a handler asks for them (streams, files, intervals). The model
is simple physics plus first-order physiology:

* rides: power follows the workout's targets, rises on climbs and drops to zero on fast
  descents and stops; speed solves the cycling power equation (rolling resistance, gravity,
  air drag) on the route's gradient, with a few seconds of inertia;
* runs and walks: speed follows the target pace, slowed on climbs (grade-adjusted pace);
* swims: lengths at a pace with rests at the wall; strength sessions: sets and rests;
* heart rate: a first-order response (about 30 s) to effort that drifts upwards over long
  efforts and in the heat, bounded by the athlete's resting and maximum heart rate;
* altitude: a smooth random walk of the gradient along a closed loop, so the loop ends where
  it started; ``latlng`` follows a closed loop around the athlete's city.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from intervals_icu.sandbox.state import ActivityDetail

__all__ = [
    "INDOOR_SPORTS",
    "ActivityRecipe",
    "first_order",
    "load_streams",
    "rolling_mean",
    "stream_types",
    "synthesize",
    "to_lists",
]

FloatArray = NDArray[np.float64]

STREAM_ORDER = ("time", "watts", "heartrate", "cadence", "distance", "altitude", "latlng",
                "velocity_smooth", "moving", "grade_smooth", "temp")

INDOOR_SPORTS = frozenset({"VirtualRide", "WeightTraining", "Swim", "VirtualRun"})
"""Sports recorded without GPS (pool swims included)."""

_EARTH_M_PER_DEG = 111_320.0
_GRAVITY = 9.81


@dataclass(frozen=True, slots=True)
class ActivityRecipe:
    """Everything needed to re-create an activity's streams; small and hashable.

    ``segments`` are ``(seconds, intensity)``: intensity is a fraction of threshold power
    (rides), of threshold speed (runs, walks, swims; 0 = rest at the wall), or of the heart
    rate reserve up to LTHR (strength sets; 0 = rest between sets).
    """

    sport: str
    seed: int
    segments: tuple[tuple[int, float], ...]
    ftp: int
    threshold_speed: float
    """m/s at threshold for runs, walks and swims."""
    lthr: int
    max_hr: int
    resting_hr: int
    weight: float
    lat: float | None = None
    lon: float | None = None
    base_altitude: float = 0.0
    hilliness: float = 0.02
    """Standard deviation of the route's gradient (0.02 = 2 %)."""
    has_power: bool = True
    has_hr: bool = True
    stops: int = 0
    temperature: float = 18.0
    pool_length: float = 25.0

    @property
    def duration(self) -> int:
        return sum(seconds for seconds, _ in self.segments)

    @property
    def outdoor(self) -> bool:
        return self.lat is not None and self.lon is not None


def load_streams(detail: ActivityDetail) -> dict[str, list[Any]]:
    """The activity's streams by type (``latlng`` as [lat, lng] pairs), deterministic.

    Stored streams win (uploads, stream PUTs); otherwise the recipe is synthesized again.
    An activity with neither (a manual entry) has no streams.
    """
    if detail.streams is not None:
        return {name: list(values) for name, values in detail.streams.items()}
    if not isinstance(detail.recipe, ActivityRecipe):
        return {}
    return to_lists(synthesize(detail.recipe))


def to_lists(streams: dict[str, np.ndarray]) -> dict[str, list[Any]]:
    """JSON-ready lists from synthesized arrays (ints stay ints, booleans stay booleans)."""
    result: dict[str, list[Any]] = {}
    for name, values in streams.items():
        result[name] = values.tolist()
    return result


# -- signal helpers ---------------------------------------------------------------------------


def first_order(values: FloatArray, tau: float, initial: float | None = None) -> FloatArray:
    """A first-order lag (``y += (x - y) / tau`` each second), vectorized.

    Computed in blocks with the closed form ``y[j] = b^j (b*c + a*sum(b^-i x[i]))`` so the
    powers of ``b`` never overflow.
    """
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    if n == 0:
        return x.copy()
    alpha = min(1.0, 1.0 / max(tau, 1e-9))
    beta = 1.0 - alpha
    if beta <= 0.0:
        return x.copy()
    carry = float(x[0]) if initial is None else float(initial)
    grow, decay = _lag_weights(beta)
    block = grow.size
    out = np.empty(n)
    for start in range(0, n, block):
        chunk = x[start:start + block]
        m = chunk.size
        sums = np.cumsum(chunk * grow[:m])
        out[start:start + m] = decay[:m] * (beta * carry + alpha * sums)
        carry = float(out[start + m - 1])
    return out


@functools.lru_cache(maxsize=64)
def _lag_weights(beta: float) -> tuple[FloatArray, FloatArray]:
    block = max(1, min(20_000, int(600.0 / -math.log(beta))))
    index = np.arange(block, dtype=np.float64)
    return beta ** (-index), beta ** index


def rolling_mean(values: FloatArray, window: int) -> FloatArray:
    """Trailing means over ``window`` samples (only full windows; empty if too short)."""
    x = np.asarray(values, dtype=np.float64)
    if window <= 1:
        return x.copy()
    if x.size < window:
        return np.empty(0)
    sums = np.cumsum(np.concatenate(([0.0], x)))
    result: FloatArray = (sums[window:] - sums[:-window]) / window
    return result


def centered_mean(values: FloatArray, window: int) -> FloatArray:
    """Centered moving average of the same length (shorter windows at the edges)."""
    x = np.asarray(values, dtype=np.float64)
    if window <= 1 or x.size == 0:
        return x.copy()
    half = window // 2
    sums = np.cumsum(np.concatenate(([0.0], x)))
    idx = np.arange(x.size)
    lo = np.clip(idx - half, 0, x.size)
    hi = np.clip(idx + half + 1, 0, x.size)
    result: FloatArray = (sums[hi] - sums[lo]) / (hi - lo)
    return result


def _smooth_noise(rng: np.random.Generator, n: int, tau: float, sd: float) -> FloatArray:
    """Zero-mean noise that wanders over about ``tau`` seconds, standard deviation ~sd.

    Random knots every ``tau`` seconds joined by straight lines: as smooth as a lagged white
    noise for this purpose, and one interpolation instead of a filter.
    """
    if n == 0:
        return np.zeros(0)
    step = max(1.0, tau)
    knots = int(n / step) + 2
    values = rng.standard_normal(knots) * (sd * 1.22)  # lines between knots lose ~18 % sd
    result: FloatArray = np.interp(np.arange(n) / step, np.arange(knots), values)
    return result


# -- routes -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Route:
    """A closed loop: altitude and position as functions of the distance along it."""

    length: float
    grid: FloatArray
    altitude: FloatArray
    gradient: FloatArray
    x: FloatArray
    y: FloatArray

    def at(self, distance: FloatArray) -> tuple[FloatArray, FloatArray]:
        s = np.mod(distance, self.length)
        return np.interp(s, self.grid, self.altitude), np.interp(s, self.grid, self.gradient)

    def position(self, distance: FloatArray) -> tuple[FloatArray, FloatArray]:
        s = np.mod(distance, self.length)
        return np.interp(s, self.grid, self.x), np.interp(s, self.grid, self.y)


def _route(rng: np.random.Generator, length: float, base_altitude: float,
           hilliness: float) -> _Route:
    spacing = 25.0
    points = max(16, math.ceil(length / spacing))
    length = points * spacing
    grid = np.linspace(0.0, length, points + 1)
    # The gradient is a smooth random walk (correlated over ~1 km), made to sum to zero so
    # the loop closes at the altitude it started from.
    gradient = first_order(rng.standard_normal(points), 40.0, 0.0)
    gradient -= gradient.mean()
    spread = float(gradient.std())
    gradient = gradient / spread * hilliness if spread > 0 else gradient * 0.0
    gradient = np.clip(gradient, -0.14, 0.14)
    gradient -= gradient.mean()
    altitude = base_altitude + np.concatenate(([0.0], np.cumsum(gradient * spacing)))
    altitude += max(0.0, -2.0 - float(altitude.min()))  # no loop dips below the sea
    grad_full = np.concatenate((gradient, gradient[:1]))
    # A star-shaped loop with a few harmonics, scaled to the wanted length, passing home.
    theta = np.linspace(0.0, 2.0 * math.pi, 512)
    radius = np.ones_like(theta)
    for k in (2, 3, 4):
        radius += rng.uniform(0.0, 0.12) * np.cos(k * theta + rng.uniform(0, 2 * math.pi))
    turn = rng.uniform(0, 2 * math.pi)
    px, py = radius * np.cos(theta + turn), radius * np.sin(theta + turn)
    px, py = px - px[0], py - py[0]
    arc = np.concatenate(([0.0], np.cumsum(np.hypot(np.diff(px), np.diff(py)))))
    scale = length / arc[-1]
    x = np.interp(grid, arc * scale, px * scale)
    y = np.interp(grid, arc * scale, py * scale)
    return _Route(length, grid, altitude, grad_full, x, y)


# -- synthesis --------------------------------------------------------------------------------


def synthesize(recipe: ActivityRecipe, *, positions: bool = True) -> dict[str, np.ndarray]:
    """The activity's 1 Hz streams as numpy arrays (same recipe, same arrays).

    ``positions=False`` leaves out ``latlng`` (not needed for summaries); every other stream
    is identical either way.
    """
    rng = np.random.default_rng(recipe.seed)
    n = recipe.duration
    seconds = np.array([s for s, _ in recipe.segments], dtype=np.int64)
    levels = np.array([v for _, v in recipe.segments], dtype=np.float64)
    target = np.repeat(levels, seconds)
    sport = recipe.sport
    if sport == "WeightTraining":
        streams = _strength(recipe, rng, target)
    elif sport == "Swim":
        streams = _swim(recipe, rng, target)
    elif sport in {"Run", "Walk", "Hike", "TrailRun", "VirtualRun"}:
        streams = _run(recipe, rng, target, positions)
    else:
        streams = _ride(recipe, rng, target, positions)
    streams["time"] = np.arange(n, dtype=np.int64)
    return {name: streams[name] for name in STREAM_ORDER if name in streams}


def stream_types(recipe: ActivityRecipe) -> list[str]:
    """The names of the streams ``synthesize(recipe)`` gives, without synthesizing."""
    names = {"time", "moving"}
    if recipe.has_hr:
        names.add("heartrate")
    if recipe.sport != "WeightTraining":
        names |= {"cadence", "distance", "velocity_smooth"}
    if recipe.sport not in {"WeightTraining", "Swim"}:
        names |= {"altitude", "grade_smooth"}
        walk = recipe.sport in {"Walk", "Hike"}
        if recipe.has_power and not walk:
            names.add("watts")
        if recipe.outdoor or recipe.sport not in {"Run", "Walk", "Hike", "TrailRun",
                                                  "VirtualRun"}:
            names.add("temp")
        if recipe.outdoor:
            names.add("latlng")
    return [name for name in STREAM_ORDER if name in names]


def _heart_rate(recipe: ActivityRecipe, rng: np.random.Generator, effort: FloatArray,
                temperature: float | None) -> NDArray[np.int64]:
    """First-order heart rate response to effort (fraction of threshold) with drift."""
    rest, lthr, top = recipe.resting_hr, recipe.lthr, recipe.max_hr
    floor = rest + 0.28 * (lthr - rest)
    steady = floor + (lthr - floor) * np.power(np.clip(effort, 0.0, 1.6), 0.85)
    # Cardiac drift: about 5 bpm per hour at threshold-equivalent work, more in the heat.
    heat = 1.0 + max(0.0, (temperature or 18.0) - 18.0) * 0.04
    drift = np.cumsum(np.clip(effort, 0.0, None)) / 3600.0 * 5.0 * heat
    level = steady + drift + _smooth_noise(rng, effort.size, 20.0, 1.5)
    hr = first_order(level, 28.0, initial=rest + 0.2 * (lthr - rest))
    hr += rng.normal(0.0, 0.6, effort.size)
    result: NDArray[np.int64] = np.clip(np.rint(hr), rest - 3, top).astype(np.int64)
    return result


def _stop_mask(recipe: ActivityRecipe, rng: np.random.Generator, target: FloatArray) -> (
    NDArray[np.bool_]
):
    """Seconds stopped (traffic lights, a café): only during easy parts, not near the start."""
    n = target.size
    stopped = np.zeros(n, dtype=bool)
    if recipe.stops <= 0 or n < 1500:
        return stopped
    # Out of town first: no stops in the first 15 minutes.
    easy = np.flatnonzero(target[900:n - 120] < 0.75) + 900
    if easy.size == 0:
        return stopped
    for _ in range(recipe.stops):
        start = int(easy[rng.integers(0, easy.size)])
        length = int(rng.choice([15, 25, 40, 60, 90, 240, 600], p=[.2, .2, .2, .15, .1, .1, .05]))
        stopped[start:start + length] = True
    result: NDArray[np.bool_] = stopped & (target < 0.75)  # nobody stops mid-interval
    return result


def _ride(recipe: ActivityRecipe, rng: np.random.Generator, target: FloatArray,
          positions: bool) -> (
    dict[str, np.ndarray]
):
    n = target.size
    indoor = not recipe.outdoor
    ftp = float(recipe.ftp)
    mass = recipe.weight + 9.0
    rho = 1.225 * math.exp(-recipe.base_altitude / 8500.0)
    drag = 0.5 * rho * (0.30 if indoor else 0.32)
    planned = first_order(target, 3.0) * ftp
    wobble = 1.0 + _smooth_noise(rng, n, 6.0, 0.05 if indoor else 0.08)
    flat_speed = _ride_speed(float(np.mean(planned)), 0.0, mass, drag)
    route = _route(rng, max(2000.0, flat_speed * n), recipe.base_altitude,
                   recipe.hilliness * (0.5 if indoor else 1.0))
    stopped = _stop_mask(recipe, rng, target) if not indoor else np.zeros(n, dtype=bool)
    speed = np.full(n, flat_speed)
    gradient = np.zeros(n)
    power = planned.copy()
    for _ in range(2):
        distance = np.concatenate(([0.0], np.cumsum(speed[:-1])))
        _, gradient = route.at(distance)
        # Riders push harder uphill and soft-pedal or coast downhill; in a hard interval
        # they hold the effort whatever the road does.
        hard = target >= 0.75
        push = np.where(hard, np.clip(1.0 + 1.0 * gradient, 0.9, 1.1),
                        np.clip(1.0 + 3.0 * gradient, 0.25, 1.45))
        power = planned * push * wobble
        # Easy riding stays easy: a climb in an endurance ride tops out around tempo.
        power = np.where(hard, power, np.minimum(power, 0.82 * ftp))
        if not indoor:
            coasting = (gradient < -0.035) & ~hard
            power = np.where(coasting, power * 0.1, power)
        power = np.where(stopped, 0.0, np.clip(power, 0.0, ftp * 3.0))
        raw = _ride_speed_array(power, gradient, mass, drag)
        speed = first_order(np.minimum(raw, 19.0), 6.0, initial=0.0)
        speed = np.where(stopped, 0.0, speed)
    moving = speed > 0.3
    distance = np.concatenate(([0.0], np.cumsum(speed[:-1])))
    altitude, gradient = route.at(distance)
    cadence = 86.0 + 10.0 * (power / ftp - 0.7) + _smooth_noise(rng, n, 8.0, 3.0)
    cadence = np.where((power < 15.0) | ~moving, 0.0, np.clip(cadence, 55.0, 125.0))
    effort = first_order(power / ftp, 4.0)
    streams: dict[str, np.ndarray] = {}
    if recipe.has_power:
        streams["watts"] = np.rint(power).astype(np.int64)
    if recipe.has_hr:
        streams["heartrate"] = _heart_rate(recipe, rng, effort,
                                           None if indoor else recipe.temperature)
    streams["cadence"] = np.rint(cadence).astype(np.int64)
    _common_moving(streams, recipe, rng, route, speed, distance, altitude, gradient, moving,
                   positions)
    return streams


def _ride_speed(power: float, gradient: float, mass: float, drag: float) -> float:
    return float(_ride_speed_array(np.array([power]), np.array([gradient]), mass, drag)[0])


def _ride_speed_array(power: FloatArray, gradient: FloatArray, mass: float,
                      drag: float) -> FloatArray:
    """Solve ``drag*v^3 + m*g*(Crr + grade)*v = 0.97*P`` for the largest real v (Cardano)."""
    p = mass * _GRAVITY * (0.004 + gradient) / drag
    half_q = -0.485 * power / drag
    disc = half_q * half_q + (p / 3.0) ** 3
    root = np.sqrt(np.maximum(disc, 0.0))
    speed: FloatArray = np.cbrt(root - half_q) - np.cbrt(root + half_q)
    three = disc < 0.0
    if three.any():
        # Three real roots (steep descent, little power): the largest is the rolling speed.
        neg = np.minimum(p[three], -1e-12)
        arg = np.clip((3.0 * half_q[three] / neg) * np.sqrt(-3.0 / neg), -1.0, 1.0)
        speed[three] = 2.0 * np.sqrt(-neg / 3.0) * np.cos(np.arccos(arg) / 3.0)
    return np.maximum(speed, 0.0)


def _run(recipe: ActivityRecipe, rng: np.random.Generator, target: FloatArray,
         positions: bool) -> (
    dict[str, np.ndarray]
):
    n = target.size
    walk = recipe.sport in {"Walk", "Hike"}
    effort = first_order(target, 4.0) * (1.0 + _smooth_noise(rng, n, 15.0, 0.025))
    flat = effort * recipe.threshold_speed
    route = _route(rng, max(1500.0, float(np.mean(flat)) * n), recipe.base_altitude,
                   recipe.hilliness) if recipe.outdoor else None
    stopped = _stop_mask(recipe, rng, target)
    speed = flat.copy()
    gradient = np.zeros(n)
    for _ in range(2 if route is not None else 1):
        distance = np.concatenate(([0.0], np.cumsum(speed[:-1])))
        if route is not None:
            _, gradient = route.at(distance)
        # Grade-adjusted pace: slower uphill, a little faster on gentle descents.
        factor = np.where(gradient > 0, 1.0 / (1.0 + 3.5 * gradient),
                          1.0 + 1.5 * np.minimum(-gradient, 0.05))
        speed = first_order(flat * factor, 3.0, initial=0.0)
        speed = np.where(stopped, 0.0, speed)
    moving = speed > 0.3
    distance = np.concatenate(([0.0], np.cumsum(speed[:-1])))
    if route is not None:
        altitude, gradient = route.at(distance)
    else:
        altitude = np.full(n, recipe.base_altitude)
    base_cadence = 54.0 if walk else 78.0
    cadence = base_cadence + 8.0 * speed / max(recipe.threshold_speed, 0.5) + _smooth_noise(
        rng, n, 10.0, 1.5)
    cadence = np.where(moving, cadence, 0.0)
    streams: dict[str, np.ndarray] = {}
    if recipe.has_power and not walk:
        watts = recipe.weight * speed * (1.04 + 4.0 * np.clip(gradient, -0.05, 0.2))
        watts *= 1.0 + rng.normal(0.0, 0.02, n)
        streams["watts"] = np.rint(np.where(moving, np.clip(watts, 0.0, None), 0.0)).astype(
            np.int64)
    if recipe.has_hr:
        hr_effort = first_order(np.where(moving, effort * (1.0 + 3.0 * np.clip(gradient, 0, None)),
                                         0.15), 4.0)
        streams["heartrate"] = _heart_rate(recipe, rng, hr_effort * (0.75 if walk else 1.0),
                                           recipe.temperature if route is not None else None)
    streams["cadence"] = np.rint(cadence).astype(np.int64)
    _common_moving(streams, recipe, rng, route, speed, distance, altitude, gradient, moving,
                   positions)
    return streams


def _common_moving(streams: dict[str, np.ndarray], recipe: ActivityRecipe,
                   rng: np.random.Generator, route: _Route | None, speed: FloatArray,
                   distance: FloatArray, altitude: FloatArray, gradient: FloatArray,
                   moving: NDArray[np.bool_], positions: bool) -> None:
    n = speed.size
    streams["distance"] = np.round(distance, 1)
    streams["altitude"] = np.round(altitude + _smooth_noise(rng, n, 30.0, 0.3), 1)
    if positions and route is not None and recipe.lat is not None and recipe.lon is not None:
        # The map loop is stretched to the distance actually covered, so the track ends
        # back home and its length matches the distance stream.
        stretch = max(float(distance[-1]), 1.0) / route.length
        x, y = route.position(distance / stretch)
        x, y = x * stretch, y * stretch
        # Own generator: leaving positions out (to summarize faster) changes nothing else.
        # GPS error wanders slowly (metres over tens of seconds); white noise would add
        # distance that was never ridden.
        gps = np.random.default_rng(recipe.seed + 1)
        jitter = (_smooth_noise(gps, n, 30.0, 2.0), _smooth_noise(gps, n, 30.0, 2.0))
        lat = recipe.lat + (y + jitter[0]) / _EARTH_M_PER_DEG
        lon = recipe.lon + (x + jitter[1]) / (_EARTH_M_PER_DEG * math.cos(math.radians(
            recipe.lat)))
        streams["latlng"] = np.round(np.column_stack((lat, lon)), 6)
    streams["velocity_smooth"] = np.round(centered_mean(speed, 5), 3)
    streams["moving"] = moving
    streams["grade_smooth"] = np.round(centered_mean(gradient * 100.0, 15), 1)
    if route is not None:
        warmup = 1.0 - np.exp(-np.arange(n) / 600.0)  # the device warms up in a pocket/mount
        ambient = recipe.temperature if recipe.outdoor else 21.0
        temp = ambient + 4.0 * (1.0 - warmup) + _smooth_noise(rng, n, 300.0, 0.6)
        streams["temp"] = np.rint(temp).astype(np.int64)


def _swim(recipe: ActivityRecipe, rng: np.random.Generator, target: FloatArray) -> (
    dict[str, np.ndarray]
):
    n = target.size
    resting = target <= 0.0
    speed = target * recipe.threshold_speed * (1.0 + _smooth_noise(rng, n, 20.0, 0.03))
    # Push-offs: each wall gives a short surge, visible in velocity.
    distance_raw = np.cumsum(speed)
    wall = np.mod(distance_raw, recipe.pool_length) < 2.0
    speed = np.where(resting, 0.0, np.where(wall, speed * 1.25, speed))
    moving = ~resting
    distance = np.concatenate(([0.0], np.cumsum(speed[:-1])))
    stroke_rate = 24.0 + 10.0 * target + _smooth_noise(rng, n, 15.0, 1.5)
    streams: dict[str, np.ndarray] = {}
    if recipe.has_hr:
        effort = first_order(np.where(resting, 0.05, np.power(target, 2.0)), 6.0)
        streams["heartrate"] = _heart_rate(recipe, rng, effort * 0.95, None)
    streams["cadence"] = np.rint(np.where(moving, stroke_rate, 0.0)).astype(np.int64)
    streams["distance"] = np.round(distance, 1)
    streams["velocity_smooth"] = np.round(centered_mean(speed, 5), 3)
    streams["moving"] = moving
    return streams


def _strength(recipe: ActivityRecipe, rng: np.random.Generator, target: FloatArray) -> (
    dict[str, np.ndarray]
):
    n = target.size
    streams: dict[str, np.ndarray] = {}
    if recipe.has_hr:
        effort = first_order(np.where(target > 0, target, 0.1), 8.0)
        streams["heartrate"] = _heart_rate(recipe, rng, effort, None)
    streams["moving"] = np.ones(n, dtype=bool)
    return streams
