"""The report's charts as Vega-Lite specifications (plain JSON), each with its caption.

Time axes are UTC scales over local-day strings, so a day is drawn on its own date whatever
the viewer's time zone; tooltips show the day as text. Panels of one chart share their time
axis: drag to pan, wheel to zoom, double-click to reset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from intervals_icu.report.curves import CurvePoint
from intervals_icu.report.series import WELLNESS_METRICS

__all__ = [
    "SPORT_COLORS",
    "Chart",
    "compliance_chart",
    "curves_chart",
    "fitness_chart",
    "roster_chart",
    "totals_chart",
    "wellness_chart",
]

Spec = dict[str, Any]
Row = dict[str, Any]
WIDTH = 860

SPORT_COLORS = {
    "Ride": "#1f77b4", "VirtualRide": "#6baed6", "GravelRide": "#3182bd",
    "MountainBikeRide": "#08519c", "Run": "#d62728", "TrailRun": "#e6550d",
    "VirtualRun": "#fd8d3c", "Swim": "#17becf", "OpenWaterSwim": "#0e8e9c",
    "WeightTraining": "#7f7f7f", "Walk": "#8c564b", "Hike": "#a0522d", "Workout": "#9467bd",
    "Rowing": "#bcbd22", "NordicSki": "#2ca02c", "Other": "#c7c7c7",
}
SERIES_COLORS = {"fitness": "#1f77b4", "fatigue": "#9467bd"}


@dataclass(frozen=True)
class Chart:
    """One figure: its id in the page, title, caption, and spec (None when there is nothing
    to draw; ``empty`` then says why and what to do)."""

    key: str
    title: str
    caption: str
    spec: Spec | None
    empty: str | None = None


def _base(datasets: dict[str, list[Row]], **spec: Any) -> Spec:
    return {
        "datasets": datasets,
        "config": {"font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
                   "view": {"stroke": None}, "axis": {"labelFontSize": 11, "grid": True,
                                                      "gridOpacity": 0.5},
                   "legend": {"orient": "top", "title": None}},
        **spec,
    }


def _x_day(field: str = "day", *, title: str | None = None, axis: bool = True) -> Spec:
    encoding: Spec = {"field": field, "type": "temporal", "scale": {"type": "utc"},
                      "title": title}
    if not axis:
        encoding["axis"] = {"labels": False, "ticks": False, "title": None}
    return encoding


ZOOM = {"name": "zoom", "select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"}


def _hover_band(param: str, tooltip: list[Spec], *, data: str,
                transform: list[Spec] | None = None) -> Spec:
    """A band over each day, the full height of the panel: hovering anywhere in a day's
    column shades it and shows that day's numbers (the rows need ``day`` and ``day_next``)."""
    layer: Spec = {
        "data": {"name": data},
        "mark": {"type": "rect", "color": "#555"},
        "encoding": {
            "x": _x_day(axis=False), "x2": {"field": "day_next"},
            "opacity": {"condition": {"param": param, "empty": False, "value": 0.12},
                        "value": 0},
            "tooltip": tooltip,
        },
        "params": [{"name": param, "select": {"type": "point", "on": "pointerover",
                                              "clear": "pointerout"}}],
    }
    if transform:
        layer["transform"] = transform
    return layer


def _day_end(day: str, hours: int = 20) -> str:
    """Where a day's bar ends: most of the day, leaving a gap before the next."""
    return (datetime.fromisoformat(day) + timedelta(hours=hours)).isoformat() + "Z"


def _instant(day: date, hours: float) -> str:
    """A moment ``hours`` after the start of ``day`` (UTC, like the time axes)."""
    return (datetime.combine(day, datetime.min.time()) + timedelta(hours=hours)).isoformat() \
        + "Z"


def _add_day_spans(rows: list[Row]) -> None:
    """``date``: the day as text (tooltips; ``day`` becomes a time once drawn); where its
    bar ends and where the next day starts."""
    for row in rows:
        row["date"] = row["day"]
        row["day_end"] = _day_end(row["day"])
        row["day_next"] = _day_end(row["day"], 24)


def _stagger(marks: list[Row]) -> None:
    """Give marks within ten days of each other different label rows (``slot``)."""
    placed: list[tuple[date, int]] = []
    for mark in sorted(marks, key=lambda m: m["day"]):
        day = date.fromisoformat(mark["day"])
        taken = {slot for seen, slot in placed if abs((day - seen).days) < 10}
        mark["slot"] = next(i for i in range(len(marks) + 1) if i not in taken) % 8
        placed.append((day, mark["slot"]))


def _sport_color(sports: Sequence[str]) -> Spec:
    domain = sorted(set(sports), key=lambda s: (list(SPORT_COLORS).index(s)
                                                if s in SPORT_COLORS else 99, s))
    return {"field": "sport", "type": "nominal", "title": "sport",
            "scale": {"domain": domain,
                      "range": [SPORT_COLORS.get(s, "#c7c7c7") for s in domain]}}


# ---------------------------------------------------------------------------------------------
# Fitness, fatigue, form


def fitness_chart(days: list[Row], loads: list[Row], races: list[Row], *,
                  planned_count: int) -> Chart:
    caption = (
        "Fitness (CTL) and fatigue (ATL) for each day, from the mirror's wellness records "
        "(wellness.ctl, wellness.atl, as Intervals.icu computed them); form = fitness − "
        "fatigue; ramp rate = wellness.ramp_rate (the change of fitness over 7 days). "
        "Daily load: the activities' icu_training_load per day (activities table). ")
    if planned_count:
        caption += (f"Ahead of today (dashed): fitness and fatigue projected over "
                    f"{planned_count} planned workouts (events, category WORKOUT, planned "
                    "load) with the same 42/7-day averages. ")
    caption += ("Red rules: races (RACE_A/B/C events, activities flagged race). Hover for the "
                "day's numbers; drag to pan and scroll to zoom on time.")
    if not days:
        return Chart("fitness", "Fitness, fatigue and form", caption, None,
                     "no wellness day in this period has fitness numbers: sync wellness "
                     "(`icu sync`)")
    tooltip = [{"field": "date", "type": "nominal", "title": "day"},
               {"field": "fitness", "type": "quantitative", "format": ".1f"},
               {"field": "fatigue", "type": "quantitative", "format": ".1f"},
               {"field": "form", "type": "quantitative", "format": ".1f"},
               {"field": "ramp", "type": "quantitative", "format": ".1f", "title": "ramp rate"},
               {"field": "status", "type": "nominal", "title": "from"}]
    for row in days:
        row["status"] = "projected" if row["projected"] else "wellness record"
    _add_day_spans(days)
    _add_day_spans(loads)
    _add_day_spans(races)
    _stagger(races)
    lines = {
        "data": {"name": "fitness"},
        "transform": [{"fold": ["fitness", "fatigue"], "as": ["series", "value"]}],
        "mark": {"type": "line", "strokeWidth": 2, "interpolate": "monotone"},
        "encoding": {
            "x": _x_day(axis=False),
            "y": {"field": "value", "type": "quantitative", "title": "fitness / fatigue"},
            "color": {"field": "series", "type": "nominal",
                      "scale": {"domain": list(SERIES_COLORS),
                                "range": list(SERIES_COLORS.values())}},
            "strokeDash": {"field": "projected", "type": "nominal", "legend": None,
                           "scale": {"domain": [False, True], "range": [[1, 0], [5, 4]]}},
            "detail": {"field": "projected"},
        },
    }
    race_rules: list[Spec] = []
    if races:
        race_rules = [{
            "data": {"name": "races"},
            "mark": {"type": "rule", "color": "#d62728", "strokeDash": [4, 3],
                     "strokeWidth": 1.5},
            "encoding": {"x": _x_day(),
                         "tooltip": [{"field": "date", "type": "nominal", "title": "day"},
                                     {"field": "label", "type": "nominal", "title": "race"}]},
        }, {
            "data": {"name": "races"},
            "mark": {"type": "text", "color": "#d62728", "align": "left", "dx": 3,
                     "baseline": "top", "fontSize": 10},
            "encoding": {"x": _x_day(), "text": {"field": "label"},
                         "y": {"field": "slot", "type": "quantitative", "axis": None,
                               "scale": {"domain": [0, 18], "range": [2, 218]}}},
        }]
    top = {
        "width": WIDTH, "height": 220,
        "layer": [{**lines, "params": [ZOOM]}, *race_rules,
                  _hover_band("hover", tooltip, data="fitness")],
        "resolve": {"scale": {"y": "independent"}},
    }
    form = {
        "width": WIDTH, "height": 110,
        "layer": [
            {"data": {"name": "fitness"},
             "mark": {"type": "area", "opacity": 0.35, "color": "#ff7f0e",
                      "interpolate": "monotone"},
             "encoding": {"x": _x_day(axis=False),
                          "y": {"field": "form", "type": "quantitative", "title": "form"}}},
            {"data": {"name": "fitness"},
             "mark": {"type": "line", "color": "#ff7f0e", "interpolate": "monotone"},
             "encoding": {"x": _x_day(axis=False), "y": {"field": "form",
                                                          "type": "quantitative"},
                          "strokeDash": {"field": "projected", "type": "nominal",
                                         "legend": None,
                                         "scale": {"domain": [False, True],
                                                   "range": [[1, 0], [5, 4]]}}}},
            {"data": {"values": [{"y": -30}, {"y": -10}, {"y": 5}]},
             "mark": {"type": "rule", "strokeDash": [2, 3], "color": "#999"},
             "encoding": {"y": {"field": "y", "type": "quantitative"}}},
            _hover_band("hover_form", tooltip, data="fitness"),
        ],
    }
    ramp = {
        "width": WIDTH, "height": 70,
        "data": {"name": "fitness"},
        "mark": {"type": "bar"},
        "encoding": {
            "x": _x_day(axis=False), "x2": {"field": "day_end"},
            "y": {"field": "ramp", "type": "quantitative", "title": "ramp rate"},
            "y2": {"datum": 0},
            "color": {"condition": {"test": "datum.ramp >= 0", "value": "#2ca02c"},
                      "value": "#d62728"},
            "opacity": {"condition": {"test": "datum.projected", "value": 0.35},
                        "value": 0.9},
            "tooltip": [{"field": "date", "type": "nominal", "title": "day"},
                        {"field": "ramp", "type": "quantitative", "format": ".1f",
                         "title": "ramp rate"}],
        },
    }
    load = {
        "width": WIDTH, "height": 80,
        "data": {"name": "loads"},
        "mark": {"type": "bar"},
        "encoding": {
            "x": _x_day(), "x2": {"field": "day_end"},
            "y": {"field": "load", "type": "quantitative", "title": "daily load"},
            "y2": {"datum": 0},
            "color": {"field": "kind", "type": "nominal", "title": None,
                      "scale": {"domain": ["done", "planned"], "range": ["#555", "#bbb"]}},
            "tooltip": [{"field": "date", "type": "nominal", "title": "day"},
                        {"field": "kind", "type": "nominal"},
                        {"field": "load", "type": "quantitative"},
                        {"field": "what", "type": "nominal"}],
        },
    }
    spec = _base({"fitness": days, "races": races, "loads": loads},
                 vconcat=[top, form, ramp, load], spacing=6,
                 resolve={"scale": {"x": "shared", "color": "independent"}})
    return Chart("fitness", "Fitness, fatigue and form", caption, spec)


# ---------------------------------------------------------------------------------------------
# Totals by sport


def totals_chart(rows: list[Row], *, monthly: bool) -> Chart:
    unit = "month" if monthly else "week"
    key = "monthly" if monthly else "weekly"
    title = f"{'Monthly' if monthly else 'Weekly'} load, time and distance by sport"
    caption = (f"Sum per {unit} and sport of the activities' icu_training_load, moving_time "
               f"(hours) and distance (km), from the mirror's activities (Strava stubs "
               f"carry no numbers and are left out). The first and last {unit} may be cut "
               "by the period. Hover a bar for its numbers.")
    if not rows:
        return Chart(key, title, caption, None, "no activity in this period")
    for row in rows:
        start = date.fromisoformat(row["start"])
        end = (start + timedelta(days=7)) if not monthly else \
            (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        # a small gap between bars
        row["end"] = _instant(end, -10 if not monthly else -36)
        row["period"] = f"{unit} of {row['start']}"
    sports = [r["sport"] for r in rows]
    order = _sport_color(sports)["scale"]["domain"]
    stacked: dict[tuple[str, str], float] = {}
    for row in sorted(rows, key=lambda r: (r["start"], order.index(r["sport"]))):
        for measure in ("load", "hours", "km"):
            low = stacked.get((row["start"], measure), 0.0)
            row[f"{measure}_low"], row[f"{measure}_high"] = low, low + row[measure]
            stacked[(row["start"], measure)] = low + row[measure]

    def panel(measure: str, title: str, fmt: str, axis: bool, first: bool) -> Spec:
        layer: Spec = {
            "width": WIDTH, "height": 120,
            "data": {"name": "totals"},
            "mark": {"type": "bar"},
            "encoding": {
                "x": _x_day("start", axis=axis),
                "x2": {"field": "end"},
                "y": {"field": f"{measure}_high", "type": "quantitative", "title": title},
                "y2": {"field": f"{measure}_low"},
                "color": _sport_color(sports),
                "tooltip": [{"field": "period", "type": "nominal", "title": unit},
                            {"field": "sport", "type": "nominal"},
                            {"field": "load", "type": "quantitative", "format": ",d"},
                            {"field": "hours", "type": "quantitative", "format": ".1f"},
                            {"field": "km", "type": "quantitative", "format": ".1f"},
                            {"field": "count", "type": "quantitative", "title": "activities"}],
            },
        }
        if first:
            layer["params"] = [ZOOM]
        return layer

    spec = _base({"totals": rows}, vconcat=[
        panel("load", "load", ",d", False, True),
        panel("hours", "time (h)", ".1f", False, False),
        panel("km", "distance (km)", ".1f", True, False),
    ], spacing=6, resolve={"scale": {"x": "shared"}})
    return Chart(key, title, caption, spec)


# ---------------------------------------------------------------------------------------------
# Wellness


def wellness_chart(rows: list[Row], rolling_days: int) -> Chart:
    caption = ("Daily values from the mirror's wellness records (wellness.hrv, "
               "wellness.resting_hr, wellness.weight, wellness.sleep_secs as hours), as dots, "
               f"and their {rolling_days}-day rolling mean (the days with a value among the "
               f"{rolling_days} ending that day) as a line. Hover for the day's value.")
    present = [m for m in WELLNESS_METRICS if any(r["metric"] == m for r in rows)]
    _add_day_spans(rows)
    if not present:
        return Chart("wellness", "Wellness trends", caption, None,
                     "no HRV, resting HR, weight or sleep recorded in this period")
    panels = []
    for index, metric in enumerate(present):
        label, unit = WELLNESS_METRICS[metric]
        last = index == len(present) - 1
        tooltip = [{"field": "date", "type": "nominal", "title": "day"},
                   {"field": "value", "type": "quantitative", "format": ".1f", "title": label},
                   {"field": "mean", "type": "quantitative", "format": ".1f",
                    "title": f"{rolling_days}-day mean"}]
        only: list[Spec] = [{"filter": {"field": "metric", "equal": metric}}]
        filtered = {"data": {"name": "wellness"}, "transform": only}
        points = {**filtered, "mark": {"type": "point", "filled": True, "size": 14,
                                       "opacity": 0.45, "color": "#4c78a8"},
                  "encoding": {"x": _x_day(axis=last),
                               "y": {"field": "value", "type": "quantitative",
                                     "title": f"{label} ({unit})",
                                     "scale": {"zero": False}}}}
        if index == 0:
            points["params"] = [ZOOM]
        mean = {**filtered, "mark": {"type": "line", "color": "#e45756", "strokeWidth": 2},
                "encoding": {"x": _x_day(axis=last),
                             "y": {"field": "mean", "type": "quantitative"}}}
        hover = _hover_band(f"hover_{metric}", tooltip, data="wellness",
                            transform=only)
        panels.append({"width": WIDTH, "height": 90, "layer": [points, mean, hover]})
    spec = _base({"wellness": rows}, vconcat=panels, spacing=8,
                 resolve={"scale": {"x": "shared"}})
    return Chart("wellness", "Wellness trends", caption, spec)


# ---------------------------------------------------------------------------------------------
# Curves

_CURVE_LABELS = {"power": ("Best power", "W"), "hr": ("Best heart rate", "bpm"),
                 "pace": ("Best pace (runs)", "min/km")}
_SERIES_ORDER = ["this period", "previous period", "all time"]


def _duration_label(seconds: float) -> str:
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s" if s % 60 else f"{s // 60}m"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m" if s % 3600 else f"{s // 3600}h"


def _distance_label(metres: float) -> str:
    named = {1609.344: "1 mile", 21097.5: "half marathon", 42195.0: "marathon"}
    if metres in named:
        return named[metres]
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def _pace_label(seconds_per_km: float) -> str:
    minutes, seconds = divmod(round(seconds_per_km), 60)
    return f"{minutes}:{seconds:02d}/km"


def curves_chart(series: dict[str, dict[str, list[CurvePoint]]], *,
                 streams_known: bool) -> Chart:
    """``series[kind][name]``: kind power/hr/pace, name this period/previous period/all
    time."""
    caption = ("Best efforts from the activity streams the mirror keeps (streams table: "
               "watts, heartrate, time, distance; computed by the sync as it stores them, "
               "activity_curves table): power as the best mean over each "
               "duration on rides, heart rate over each duration on any sport, pace as the "
               "fastest time over each distance on runs; for this period, the period of the "
               "same length before it, and every mirrored activity up to the period's end. "
               "Hover a point for the activity it comes from.")
    if not streams_known:
        return Chart("curves", "Best power, heart-rate and pace curves", caption, None,
                     "no activity of this period has its streams in the mirror: run "
                     "`icu sync --streams` to mirror them, then make the report again")
    rows: list[Row] = []
    for kind, by_name in series.items():
        for name, points in by_name.items():
            for p in points:
                pace = kind == "pace"
                value = p.value / p.x * 1000 if pace else p.value
                rows.append({"kind": kind, "series": name, "x": p.x, "value": value,
                             "at": _distance_label(p.x) if pace else _duration_label(p.x),
                             "shown": _pace_label(value) if pace else f"{value:.0f}",
                             "activity": f"{p.day} {p.name or ''} ({p.activity_id})"})
    panels = []
    for kind in ("power", "hr", "pace"):
        if not any(r["kind"] == kind for r in rows):
            continue
        label, unit = _CURVE_LABELS[kind]
        pace = kind == "pace"
        x_axis: Spec = {"field": "x", "type": "quantitative", "scale": {"type": "log"},
                        "title": "distance" if pace else "duration",
                        "axis": {"labelExpr": (
                            "datum.value == 21097.5 ? 'half' : datum.value == 42195 ? "
                            "'marathon' : datum.value >= 1000 ? datum.value / 1000 + ' km' : "
                            "datum.value + ' m'") if pace else (
                            "datum.value < 60 ? datum.value + 's' : datum.value < 3600 ? "
                            "datum.value / 60 + 'm' : datum.value / 3600 + 'h'"),
                            "values": [400, 1000, 5000, 10000, 21097.5, 42195] if pace else
                            [1, 5, 15, 60, 300, 1200, 3600, 14400]}}
        y_axis: Spec = {"field": "value", "type": "quantitative", "title": f"{label} ({unit})",
                        "scale": {"zero": False, "reverse": pace}}
        if pace:
            y_axis["axis"] = {"labelExpr": "floor(datum.value / 60) + ':' + "
                                           "(datum.value % 60 < 10 ? '0' : '') + "
                                           "round(datum.value % 60)"}
        encoding = {"x": x_axis, "y": y_axis,
                    "color": {"field": "series", "type": "nominal",
                              "scale": {"domain": _SERIES_ORDER,
                                        "range": ["#1f77b4", "#ff7f0e", "#999999"]}}}
        panels.append({
            "width": 250, "height": 220, "title": label,
            "transform": [{"filter": {"field": "kind", "equal": kind}}],
            "layer": [
                {"mark": {"type": "line", "interpolate": "monotone"}, "encoding": encoding},
                {"mark": {"type": "point", "filled": True, "size": 30},
                 "encoding": {**encoding, "tooltip": [
                     {"field": "series", "type": "nominal"},
                     {"field": "at", "type": "nominal",
                      "title": "distance" if pace else "duration"},
                     {"field": "shown", "type": "nominal", "title": unit},
                     {"field": "activity", "type": "nominal"}]}},
            ],
        })
    if not panels:
        return Chart("curves", "Best power, heart-rate and pace curves", caption, None,
                     "the mirrored streams of this period have no power, heart rate or "
                     "distance")
    spec = _base({"curves": rows}, data={"name": "curves"}, hconcat=panels, spacing=18)
    return Chart("curves", "Best power, heart-rate and pace curves", caption, spec)


# ---------------------------------------------------------------------------------------------
# Compliance


def compliance_chart(rows: list[Row]) -> Chart:
    caption = ("Per week with planned workouts, up to today: the load of the planned "
               "workouts (the mirror's events, category WORKOUT, icu_training_load; light "
               "bar) against the load done (every activity of the week, icu_training_load; "
               "dark bar), and how many planned workouts an activity was paired with "
               "(activities.paired_event_id). Hover for the week.")
    if not any(r["planned"] for r in rows):
        return Chart("compliance", "Compliance: planned vs done", caption, None,
                     "no planned workout in this period (the calendar's WORKOUT events)")
    for row in rows:
        start = date.fromisoformat(row["start"])
        row["end"] = _instant(start, 7 * 24 - 10)
        row["inner_start"] = _instant(start, 36)
        row["inner_end"] = _instant(start, 5 * 24 + 12)
        row["middle"] = _instant(start, 3 * 24 + 12)
        row["week"] = f"week of {row['start']}"
        row["completion"] = f"{row['completed']}/{row['planned']}" if row["planned"] else "-"
    tooltip = [{"field": "week", "type": "nominal"},
               {"field": "planned_load", "type": "quantitative", "title": "planned load"},
               {"field": "done_load", "type": "quantitative", "title": "done load"},
               {"field": "completion", "type": "nominal", "title": "planned workouts done"},
               {"field": "percent", "type": "quantitative", "title": "% done"}]
    spec = _base({"compliance": rows}, data={"name": "compliance"}, width=WIDTH, height=180,
                 layer=[
                     {"mark": {"type": "bar", "color": "#c6dbef"},
                      "params": [ZOOM],
                      "encoding": {"x": _x_day("start"), "x2": {"field": "end"},
                                   "y": {"field": "planned_load", "type": "quantitative",
                                         "title": "load (planned light, done dark)"},
                                   "y2": {"datum": 0}, "tooltip": tooltip}},
                     {"mark": {"type": "bar", "color": "#08519c"},
                      "encoding": {"x": _x_day("inner_start"), "x2": {"field": "inner_end"},
                                   "y": {"field": "done_load", "type": "quantitative"},
                                   "y2": {"datum": 0}, "tooltip": tooltip}},
                     {"mark": {"type": "text", "dy": -6, "fontSize": 10, "color": "#333"},
                      "encoding": {"x": _x_day("middle"),
                                   "y": {"field": "planned_load", "type": "quantitative"},
                                   "text": {"field": "completion"}}},
                 ])
    return Chart("compliance", "Compliance: planned vs done", caption, spec)


# ---------------------------------------------------------------------------------------------
# Roster


def roster_chart(rows: list[Row]) -> Chart:
    caption = ("Each athlete's latest fitness (CTL) against form (fitness − fatigue) on the "
               "last wellness day of the period (the mirror's wellness records). Below the "
               "dashed line at −30 form, fatigue runs far ahead of fitness. Hover a point for "
               "the athlete.")
    rows = [{**r, "date": r["day"]} for r in rows if r["fitness"] is not None]
    if not rows:
        return Chart("roster", "Roster: fitness and form", caption, None,
                     "no athlete has fitness numbers in this period")
    spec = _base({"roster": rows}, data={"name": "roster"}, width=WIDTH, height=260, layer=[
        {"data": {"values": [{"y": -30}, {"y": 5}]},
         "mark": {"type": "rule", "strokeDash": [2, 3], "color": "#999"},
         "encoding": {"y": {"field": "y", "type": "quantitative"}}},
        {"mark": {"type": "point", "filled": True, "size": 70},
         "params": [{"name": "grid", "select": "interval", "bind": "scales"}],
         "encoding": {"x": {"field": "fitness", "type": "quantitative", "title": "fitness"},
                      "y": {"field": "form", "type": "quantitative", "title": "form"},
                      "color": {"field": "form", "type": "quantitative", "legend": None,
                                "scale": {"scheme": "redyellowgreen", "domain": [-40, 20],
                                          "clamp": True}},
                      "tooltip": [{"field": "athlete", "type": "nominal"},
                                  {"field": "date", "type": "nominal", "title": "day"},
                                  {"field": "fitness", "type": "quantitative", "format": ".1f"},
                                  {"field": "form", "type": "quantitative", "format": ".1f"}]}},
        {"mark": {"type": "text", "dx": 6, "align": "left", "fontSize": 10},
         "encoding": {"x": {"field": "fitness", "type": "quantitative"},
                      "y": {"field": "form", "type": "quantitative"},
                      "text": {"field": "short"}}},
    ])
    return Chart("roster", "Roster: fitness and form", caption, spec)
