"""Athlete curve routes: the best curves over periods (power, heart rate, pace) and the best
pace at chosen distances for each activity in a date range. How curves are computed, and
the choices where the platform is UNCERTAIN, are in
:mod:`intervals_icu.sandbox.platform.curves` (and docs/sandbox.md, "Athlete curves").
``filters``, ``f1``-``f3``, ``includeRanks``, ``subMaxEfforts``, ``pmType`` are accepted and
ignored; ``gap=true`` is 422 like the activity pace curve.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from intervals_icu.sandbox.context import Ctx, Reply, handles
from intervals_icu.sandbox.errors import ApiError, access_denied
from intervals_icu.sandbox.platform.activity_math import PACE_DISTANCES
from intervals_icu.sandbox.platform.curves import (
    CurveSpec,
    candidates,
    curve_set,
    pace_at,
    parse_curve_id,
)
from intervals_icu.sandbox.platform.records import to_csv

__all__ = ["CurveSpec", "parse_curve_id"]  # old import path of platform.curves


def _anchor(ctx: Ctx, athlete_id: str) -> date:
    return (ctx.q_date("newest") or ctx.q_date("now")
            or ctx.state.local_today(athlete_id))


def _requested(ctx: Ctx, athlete_id: str) -> list[CurveSpec]:
    anchor = _anchor(ctx, athlete_id)
    return [parse_curve_id(c, anchor) for c in ctx.q_list("curves") or ["1y"]]


def _set_csv(curves: list[dict[str, Any]], x_key: str) -> Reply:
    """One row per duration (distance): the best value of each curve, by curve id, and the
    activity holding it."""
    longest = max(curves, key=lambda c: len(c["values"]))
    columns = [x_key]
    for curve in curves:
        columns += [curve["id"], f"{curve['id']}_activity_id"]
    rows = []
    for i, x in enumerate(longest[x_key]):
        row: dict[str, Any] = {x_key: x}
        for curve in curves:
            if i < len(curve["values"]):
                row[curve["id"]] = curve["values"][i]
                row[f"{curve['id']}_activity_id"] = curve["activity_id"][i]
        rows.append(row)
    return Reply(to_csv(rows, columns), media_type="text/csv")


def _answer(ctx: Ctx, kind: str) -> Any:
    athlete_id, _store = ctx.store()
    sport = ctx.q_required("type") if kind == "power" else ctx.q("type")
    if kind == "pace" and ctx.q_bool("gap"):
        raise ApiError(422, "Gradient adjusted pace curves are not simulated by the sandbox")
    curves, held = curve_set(ctx.state, athlete_id, kind, sport, _requested(ctx, athlete_id))
    if ctx.wants_csv:
        return _set_csv(curves, "distance" if kind == "pace" else "secs")
    return {"list": curves, "activities": held}


@handles("listAthletePowerCurves")
def athlete_power_curves(ctx: Ctx) -> Any:
    """Best power at each duration over each requested period, for a sport."""
    return _answer(ctx, "power")


@handles("listAthleteHRCurves")
def athlete_hr_curves(ctx: Ctx) -> Any:
    """Best heart rate at each duration over each requested period."""
    return _answer(ctx, "hr")


@handles("listAthletePaceCurves")
def athlete_pace_curves(ctx: Ctx) -> Any:
    """Shortest time for each distance over each requested period."""
    return _answer(ctx, "pace")


# -- activity pace curves ------------------------------------------------------------------------


def _distance_label(distance: float) -> str:
    return str(int(distance)) if float(distance).is_integer() else str(distance)


@handles("listActivityPaceCurves")
def activity_pace_curves(ctx: Ctx) -> Any:
    """Shortest time (secs) for each of ``distances`` for each matching activity in
    ``oldest..newest``, newest first; null where the activity is shorter.

    The platform refuses athlete id ``0`` here (403 "Access denied", API-NOTES §2.2) and
    fails (500) on the CSV form without ``distances`` (§4.14); both are reproduced.
    """
    if ctx.params.get("id") == "0":
        raise access_denied()
    _athlete_id, store = ctx.store()
    oldest = ctx.q_date("oldest", required=True)
    newest = ctx.q_date("newest", required=True)
    assert oldest is not None
    assert newest is not None
    if ctx.q_bool("gap"):
        raise ApiError(422, "Gradient adjusted pace curves are not simulated by the sandbox")
    asked = ctx.q_list("distances")
    if asked is None and ctx.wants_csv:
        raise ApiError(500, "java.lang.NullPointerException: Cannot read the array length "
                            "because \"distances\" is null")
    try:
        distances = [float(d) for d in asked] if asked else list(PACE_DISTANCES)
    except ValueError:
        raise ApiError(422, f"Invalid value for 'distances': {','.join(asked or [])}") from None
    if any(not math.isfinite(d) or d <= 0 for d in distances):
        raise ApiError(422, "distances must be positive numbers of meters")
    curves = []
    for day, activity in candidates(store, ctx.q("type")):
        if not oldest <= day <= newest:
            continue
        secs = pace_at(store, activity, distances)
        if secs is None:
            continue
        curves.append({"id": activity["id"],
                       "start_date_local": activity.get("start_date_local"),
                       "secs": secs})
    if ctx.wants_csv:
        labels = [_distance_label(d) for d in distances]
        rows = [{"id": c["id"], "start_date_local": c["start_date_local"],
                 **dict(zip(labels, c["secs"], strict=True))} for c in curves]
        return Reply(to_csv(rows, ["id", "start_date_local", *labels]), media_type="text/csv")
    return {"distances": distances, "curves": curves}
