"""Athletes: profile, settings, the coach's list and the weekly summary."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from intervals_icu.sandbox.context import Ctx, Reply, handles
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.records import apply_patch, to_csv, validate_patch
from intervals_icu.sandbox.state import SandboxState


def athlete_json(state: SandboxState, athlete_id: str) -> dict[str, Any]:
    account = state.accounts[athlete_id]
    return {**account.profile, "id": athlete_id}


@handles("getAthlete")
def get_athlete(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    body = athlete_json(ctx.state, athlete_id)
    if athlete_id == ctx.principal.athlete_id and ctx.principal.kind == "api_key":
        # The platform includes the athlete's own key (API-NOTES §4.1): clients must not leak it.
        body["icu_api_key"] = ctx.state.accounts[athlete_id].api_key
    body["sportSettings"] = sorted(store.sport_settings.values(), key=lambda s: s["id"])
    body["custom_items"] = sorted(store.custom_items.values(), key=lambda s: s["id"])
    return body


@handles("updateAthlete")
def update_athlete(ctx: Ctx) -> Any:
    athlete_id = ctx.athlete()
    patch = ctx.json_object()
    validate_patch("AthleteUpdateDTO", patch)
    for transient in ("recalcHrZones", "applyToAll", "localDate", "password"):
        patch.pop(transient, None)
    apply_patch("Athlete", ctx.state.accounts[athlete_id].profile, patch)
    return athlete_json(ctx.state, athlete_id)


@handles("getAthleteProfile")
def get_profile(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    profile = athlete_json(ctx.state, athlete_id)
    keep = ("id", "name", "firstname", "lastname", "sex", "city", "state", "country",
            "timezone", "bio", "website", "visibility")
    return {
        "athlete": {k: profile[k] for k in keep if profile.get(k) is not None},
        "sharedFolders": [],
        "customItems": sorted(store.custom_items.values(), key=lambda s: s["id"]),
    }


@handles("getAthleteConnections")
def get_connections(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    has_strava = any(a.get("source") == "STRAVA" for a in store.activities.values())
    return {
        "garmin_health_connected": True,
        "strava_connected": has_strava,
        "polar_connected": False,
        "suunto_connected": False,
        "coros_connected": False,
        "wahoo_connected": False,
        "zwift_connected": False,
        "dropbox_connected": False,
        "oura_connected": False,
        "whoop_connected": False,
    }


@handles("getSettings")
def get_device_settings(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    device = ctx.params["deviceClass"]
    if device not in {"phone", "tablet", "desktop"}:
        raise ApiError(422, f"Invalid deviceClass: {device}")
    settings: dict[str, Any] = store.extra.setdefault("device_settings", {})
    return settings.setdefault(device, {"deviceClass": device, "theme": "light"})


@handles("getAthleteTrainingPlan")
def get_training_plan(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    return {"athlete_id": athlete_id, **store.training_plan}


@handles("updateAthletePlan")
def update_training_plan(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    patch = ctx.json_object()
    validate_patch("AthleteTrainingPlanUpdate", patch)
    patch.pop("athlete_id", None)
    apply_patch("AthleteTrainingPlanUpdate", store.training_plan, patch)
    return {"athlete_id": athlete_id, **store.training_plan}


@handles("updateAthletePlans")
def update_training_plans(ctx: Ctx) -> Any:
    """A coach changes several athletes' plans: each item is an ``AthleteTrainingPlanUpdate``
    whose ``id`` is the athlete's id (``0`` is the caller)."""
    updates = ctx.json_list()
    targets = []
    for item in updates:
        if not isinstance(item, dict):
            raise ApiError(400, "JSON parse error: expected an array of plan updates")
        validate_patch("AthleteTrainingPlanUpdate", item)
        if item.get("id") in (None, ""):
            raise ApiError(422, "Each plan update needs the athlete's id in 'id'")
        athlete_id = ctx.state.resolve_athlete(ctx.principal, str(item["id"]), write=True)
        targets.append((athlete_id, {k: v for k, v in item.items() if k != "id"}))
    for athlete_id, patch in targets:
        apply_patch("AthleteTrainingPlanUpdate", ctx.state.store(athlete_id).training_plan, patch)
    return {"updated": len(updates)}


@handles("listAthletes")
def list_athletes(ctx: Ctx) -> Any:
    prefix = ctx.q("ext_id_prefix")
    rows = []
    for athlete_id in ctx.state.visible_athletes(ctx.principal):
        account = ctx.state.accounts[athlete_id]
        if prefix and not str(account.profile.get("external_id") or "").startswith(prefix):
            continue
        permission = "WRITE"
        if athlete_id != ctx.principal.athlete_id and ctx.principal.athlete_id not in (
            account.coached_by
        ):
            permission = account.followers.get(ctx.principal.athlete_id, "READ")
        rows.append({**athlete_json(ctx.state, athlete_id), "icu_tags": account.tags,
                     "icu_permission": permission})
    return rows


SUMMARY_COLUMNS = ["date", "athlete_id", "athlete_name", "count", "time", "moving_time",
                   "elapsed_time", "calories", "total_elevation_gain", "training_load", "srpe",
                   "distance", "eftp", "fitness", "fatigue", "form", "rampRate", "weight"]


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def summary_rows(
    state: SandboxState, athlete_id: str, start: date, end: date
) -> list[dict[str, Any]]:
    """Weekly totals (Monday-based) for one athlete, fitness as of the week's last day."""
    account = state.accounts[athlete_id]
    store = state.store(athlete_id)
    weeks: dict[date, dict[str, Any]] = {}
    week = _week_start(start)
    while week <= end:
        weeks[week] = {"date": week.isoformat(), "athlete_id": athlete_id,
                       "athlete_name": account.name, "email": account.profile.get("email"),
                       "count": 0, "time": 0, "moving_time": 0, "elapsed_time": 0,
                       "calories": 0, "total_elevation_gain": 0.0, "training_load": 0,
                       "srpe": 0, "distance": 0.0, "timeInZones": [], "timeInZonesTot": 0,
                       "byCategory": []}
        week += timedelta(days=7)
    categories: dict[tuple[date, str], dict[str, Any]] = {}
    for activity in store.activities.values():
        local = activity.get("start_date_local")
        if not local or (activity.get("source") == "STRAVA" and "type" not in activity):
            continue
        day = datetime.fromisoformat(local).date()
        if not start <= day <= end:
            continue
        row = weeks[_week_start(day)]
        moving = int(activity.get("moving_time") or 0)
        row["count"] += 1
        row["time"] += moving
        row["moving_time"] += moving
        row["elapsed_time"] += int(activity.get("elapsed_time") or 0)
        row["calories"] += int(activity.get("calories") or 0)
        row["total_elevation_gain"] += float(activity.get("total_elevation_gain") or 0)
        row["training_load"] += int(activity.get("icu_training_load") or 0)
        row["distance"] += float(activity.get("distance") or 0)
        key = (_week_start(day), str(activity.get("type") or "Other"))
        cat = categories.setdefault(key, {"category": key[1], "count": 0, "time": 0,
                                          "moving_time": 0, "elapsed_time": 0, "calories": 0,
                                          "total_elevation_gain": 0.0, "training_load": 0,
                                          "srpe": 0, "distance": 0.0})
        cat["count"] += 1
        cat["time"] += moving
        cat["moving_time"] += moving
        cat["elapsed_time"] += int(activity.get("elapsed_time") or 0)
        cat["training_load"] += int(activity.get("icu_training_load") or 0)
        cat["distance"] += float(activity.get("distance") or 0)
    for (week_day, _), cat in sorted(categories.items()):
        weeks[week_day]["byCategory"].append(cat)
    for week_day, row in weeks.items():
        last = min(week_day + timedelta(days=6), end)
        wellness = _latest_wellness(store.wellness, last)
        if wellness:
            row["fitness"] = wellness.get("ctl")
            row["fatigue"] = wellness.get("atl")
            if wellness.get("ctl") is not None and wellness.get("atl") is not None:
                row["form"] = round(wellness["ctl"] - wellness["atl"], 2)
            row["rampRate"] = wellness.get("rampRate")
            row["weight"] = wellness.get("weight")
            row["mostRecentWellnessId"] = wellness.get("id")
    return list(weeks.values())


def _latest_wellness(
    wellness: dict[str, dict[str, Any]], on_or_before: date
) -> dict[str, Any] | None:
    day = on_or_before
    for _ in range(14):
        record = wellness.get(day.isoformat())
        if record is not None:
            return record
        day -= timedelta(days=1)
    return None


@handles("getAthleteSummary")
def athlete_summary(ctx: Ctx) -> Any:
    caller = ctx.athlete()
    today = ctx.state.local_today(caller)
    start = ctx.q_date("start", today - timedelta(days=6)) or today
    end = ctx.q_date("end", today) or today
    tags = set(ctx.q_list("tags") or [])
    rows: list[dict[str, Any]] = []
    for athlete_id in ctx.state.visible_athletes(ctx.principal):
        account = ctx.state.accounts[athlete_id]
        if tags and not tags & set(account.tags):
            continue
        rows.extend(summary_rows(ctx.state, athlete_id, start, end))
    if ctx.wants_csv:
        return Reply(to_csv(rows, SUMMARY_COLUMNS), media_type="text/csv")
    return rows
