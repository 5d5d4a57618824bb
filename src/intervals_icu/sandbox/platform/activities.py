"""The one place activities are created, changed and deleted in the sandbox's state.

Handlers of every activity route go through these functions, so the platform's rules hold
everywhere: Strava activities are served as stubs and refused for writes and files
(API-NOTES §2.6); activities carry no ``updated`` field and edits never move
``icu_sync_date`` (§0.1); a delete leaves a tombstone; webhooks are emitted at the moment of
the change with the payload of that moment, never for Strava activities (§5.2); fitness is
recomputed when a change alters training load.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from intervals_icu.sandbox.clock import parse_local
from intervals_icu.sandbox.errors import ApiError, access_denied
from intervals_icu.sandbox.platform.fitness import recompute_fitness
from intervals_icu.sandbox.platform.intervals import detect_intervals
from intervals_icu.sandbox.platform.records import apply_patch, json_copy, validate_patch
from intervals_icu.sandbox.platform.streams import load_streams
from intervals_icu.sandbox.platform.summary import summarize
from intervals_icu.sandbox.state import ActivityDetail, AthleteStore, Principal, SandboxState

__all__ = [
    "PRIMITIVES",
    "STRAVA_NOTE",
    "activity_date",
    "analyze",
    "create_activity",
    "delete_activity",
    "detail_of",
    "is_strava",
    "manual_activity",
    "new_activity_id",
    "public_view",
    "refuse_strava",
    "sorted_newest_first",
    "sport_settings_for",
    "sport_types",
    "stream_meta",
    "update_activity",
    "upsert_target",
    "with_intervals",
    "with_primitives",
    "write_streams",
]

STRAVA_NOTE = "STRAVA activities are not available via the API"

READ_ONLY_FIELDS = frozenset({
    "id", "icu_athlete_id", "source", "created", "icu_sync_date", "analyzed", "strava_id",
    "file_type", "oauth_client_id", "oauth_client_name", "stream_types", "icu_intervals",
    "icu_groups", "file_sport_index",
})
"""Fields a PUT cannot change (the platform sets them); they are ignored when sent."""

LOAD_FIELDS = frozenset({
    "icu_training_load", "type", "start_date_local", "moving_time", "elapsed_time",
    "icu_ftp", "lthr", "icu_rpe", "session_rpe", "power_load", "hr_load", "pace_load",
    "icu_ignore_time", "icu_ignore_power", "icu_ignore_hr",
})
"""Fields whose change alters the fitness curve."""

PRIMITIVES: dict[str, Any] = {
    "commute": False, "race": False, "file_sport_index": 0, "icu_sweet_spot_min": 0,
    "icu_sweet_spot_max": 0, "has_weather": False, "has_segments": False, "icu_lap_count": 0,
}
"""Fields every activity carries, never null: Java primitives on the platform (all of them,
and only them, are in even the ACTIVITY_DELETED stub; API-NOTES §5.3)."""

_DELETED_STUB_KEYS = ("id", "commute", "race", "file_sport_index", "icu_athlete_id",
                      "icu_sweet_spot_min", "icu_sweet_spot_max", "has_weather",
                      "has_segments", "icu_lap_count", "source")
"""What ACTIVITY_DELETED carries (API-NOTES §5.3, captured from production)."""


# -- reading ---------------------------------------------------------------------------------


def sport_types(store: AthleteStore, sport: str | None) -> set[str] | None:
    """The activity types of ``sport``'s settings (None: every sport): the API's ``type``
    parameter of curves means the sport, e.g. Ride includes VirtualRide."""
    if not sport:
        return None
    for settings in store.sport_settings.values():
        types = settings.get("types") or []
        if sport in types:
            return set(types)
    return {sport}


def is_strava(activity: dict[str, Any]) -> bool:
    return activity.get("source") == "STRAVA"


def public_view(activity: dict[str, Any]) -> dict[str, Any]:
    """What the API shows of an activity: the ``Hidden`` stub for Strava ones."""
    if is_strava(activity):
        return {
            "id": activity["id"],
            "icu_athlete_id": activity.get("icu_athlete_id"),
            "start_date_local": activity.get("start_date_local"),
            "source": "STRAVA",
            "_note": STRAVA_NOTE,
        }
    view: dict[str, Any] = json_copy(activity)
    return view


def refuse_strava(activity: dict[str, Any]) -> None:
    """422 for anything but reading the stub of a Strava activity."""
    if is_strava(activity):
        raise ApiError(422, STRAVA_NOTE)


def detail_of(store: AthleteStore, activity_id: str) -> ActivityDetail:
    return store.details.setdefault(activity_id, ActivityDetail())


def with_intervals(store: AthleteStore, activity: dict[str, Any]) -> dict[str, Any]:
    """The ``ActivityWithIntervals`` view (stubs stay stubs)."""
    view = public_view(activity)
    if is_strava(activity):
        return view
    detail = detail_of(store, activity["id"])
    view["icu_intervals"] = json_copy(detail.intervals)
    view["icu_groups"] = json_copy(detail.groups)
    return view


def activity_date(activity: dict[str, Any]) -> date | None:
    text = activity.get("start_date_local")
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def sorted_newest_first(activities: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(activities, key=lambda a: (str(a.get("start_date_local") or ""), a["id"]),
                  reverse=True)


def sport_settings_for(store: AthleteStore, sport: str | None) -> dict[str, Any] | None:
    """The athlete's settings for ``sport`` (e.g. Ride), or the first ones as a fallback."""
    settings = sorted(store.sport_settings.values(), key=lambda s: s.get("id", 0))
    for entry in settings:
        if sport and sport in (entry.get("types") or []):
            return entry
    return settings[0] if settings else None


def can_write(state: SandboxState, principal: Principal, athlete_id: str) -> None:
    if not state.can_access(principal, athlete_id, write=True):
        raise access_denied()


# -- writing ---------------------------------------------------------------------------------


def with_primitives(activity: dict[str, Any]) -> dict[str, Any]:
    """Give ``activity`` the primitive fields it lacks (their Java defaults)."""
    for key, value in PRIMITIVES.items():
        activity.setdefault(key, value)
    return activity


def new_activity_id(state: SandboxState) -> str:
    number = state.next_id("activity", start=900_000)
    while f"i{number}" in state.activity_index:
        number = state.next_id("activity", start=900_000)
    return f"i{number}"


def create_activity(
    state: SandboxState,
    athlete_id: str,
    activity: dict[str, Any],
    detail: ActivityDetail | None = None,
    *,
    owner_app: str | None = None,
) -> dict[str, Any]:
    """Store a new activity (its ``id`` set), emit ACTIVITY_UPLOADED, update fitness."""
    store = state.store(athlete_id)
    activity_id = activity["id"]
    now = state.now_stamp()
    activity.setdefault("icu_athlete_id", athlete_id)
    activity.setdefault("created", now)
    activity.setdefault("icu_sync_date", now)
    activity.pop("updated", None)  # activities have no general updated date (API-NOTES §0.1)
    with_primitives(activity)
    store.activities[activity_id] = activity
    store.details[activity_id] = detail or ActivityDetail()
    if owner_app is not None:
        store.activity_owner_app[activity_id] = owner_app
    state.index_activity(athlete_id, activity_id)
    if not is_strava(activity):
        state.emit(athlete_id, "ACTIVITY_UPLOADED", activity=json_copy(activity))
    refit(state, athlete_id, [activity])
    return activity


def update_activity(
    state: SandboxState,
    athlete_id: str,
    activity: dict[str, Any],
    patch: dict[str, Any],
) -> list[str]:
    """Apply a partial update (-1 clears numeric fields); returns the changed fields.

    ``icu_sync_date`` and ``created`` never move; ACTIVITY_UPDATED carries the whole
    activity as it is after the change.
    """
    refuse_strava(activity)
    validate_patch("Activity", patch)
    clean = {k: v for k, v in patch.items() if k not in READ_ONLY_FIELDS and k != "updated"}
    before = activity_date(activity)
    if "start_date_local" in clean:
        clean["start_date_local"] = _local_text(clean["start_date_local"])
    changed = apply_patch("Activity", activity, clean, protected=READ_ONLY_FIELDS)
    if "start_date_local" in changed:
        zone = state.accounts[athlete_id].timezone
        local = datetime.fromisoformat(activity["start_date_local"])
        activity["start_date"] = utc_text(local.replace(tzinfo=zone))
    if "icu_training_load" in changed:
        detail_of(state.store(athlete_id), activity["id"]).load_edited = True
    if changed:
        state.emit(athlete_id, "ACTIVITY_UPDATED", activity=json_copy(activity))
        if LOAD_FIELDS & set(changed):
            refit(state, athlete_id, [activity], also=before)
    return changed


def _local_text(value: Any) -> str:
    """A local date-time as stored (``2025-03-01T07:30:00``); 422 for anything else."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ApiError(422, f"Invalid value for 'start_date_local': {value}") from None
    if moment.tzinfo is not None:
        raise ApiError(422, "start_date_local is local time: send it without an offset")
    return moment.isoformat(timespec="seconds")


def delete_activity(state: SandboxState, athlete_id: str, activity: dict[str, Any]) -> (
    dict[str, Any]
):
    """Remove an activity, leaving a tombstone that blocks re-uploading its file."""
    store = state.store(athlete_id)
    activity_id = activity["id"]
    hashes = [h for h, ids in store.upload_hashes.items() if activity_id in ids]
    store.tombstones[activity_id] = {
        "id": activity_id,
        "icu_athlete_id": athlete_id,
        "deleted": state.now_stamp(),
        "file_hashes": hashes,
        "external_id": activity.get("external_id"),
        "source": activity.get("source"),
    }
    del store.activities[activity_id]
    store.details.pop(activity_id, None)
    # The index entry stays: it routes /activity/{id}/tombstone to the right athlete.
    if not is_strava(activity):
        stub = {k: activity.get(k) for k in _DELETED_STUB_KEYS if activity.get(k) is not None}
        stub.setdefault("icu_athlete_id", athlete_id)
        state.emit(athlete_id, "ACTIVITY_DELETED", activity=stub)
    refit(state, athlete_id, [activity])
    return {"icu_athlete_id": athlete_id, "id": activity_id}


def delete_tombstone(state: SandboxState, principal: Principal, activity_id: str) -> None:
    athlete_id = state.activity_owner(activity_id)
    if athlete_id is None:
        raise ApiError(404, f"Activity not found: {activity_id}")
    can_write(state, principal, athlete_id)
    store = state.store(athlete_id)
    if activity_id in store.activities:
        raise ApiError(422, f"Activity {activity_id} is not deleted, so it has no tombstone")
    tombstone = store.tombstones.pop(activity_id, None)
    if tombstone is None:
        raise ApiError(404, f"Tombstone not found: {activity_id}")
    for file_hash in tombstone.get("file_hashes") or []:
        ids = [i for i in store.upload_hashes.get(file_hash, []) if i != activity_id]
        if ids:
            store.upload_hashes[file_hash] = ids
        else:
            store.upload_hashes.pop(file_hash, None)


def mark_analyzed(state: SandboxState, athlete_id: str, activity: dict[str, Any]) -> None:
    """The activity was re-analyzed (intervals or streams edited): ACTIVITY_ANALYZED."""
    activity["analyzed"] = state.now_stamp()
    if not is_strava(activity):
        state.emit(athlete_id, "ACTIVITY_ANALYZED", activity=json_copy(activity))


def refit(state: SandboxState, athlete_id: str, activities: Iterable[dict[str, Any]],
          also: date | None = None) -> None:
    """Recompute fitness from the earliest day touched."""
    days = [d for d in (activity_date(a) for a in activities) if d is not None]
    if also is not None:
        days.append(also)
    if days:
        recompute_fitness(state, athlete_id, since=min(days))


def utc_text(moment: datetime) -> str:
    """``start_date``: UTC with a ``Z`` (API-NOTES §2.3)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- analysis: summary and intervals from streams ---------------------------------------------


def analyze(state: SandboxState, athlete_id: str, activity: dict[str, Any],
            streams: dict[str, list[Any]], *, detect: bool = True) -> None:
    """Recompute the summary fields from ``streams`` (and, unless the athlete edited them,
    the intervals), as the platform does after an upload or a stream edit."""
    store = state.store(athlete_id)
    sport = str(activity.get("type") or "Ride")
    settings = sport_settings_for(store, sport)
    profile = state.accounts[athlete_id].profile
    if streams:
        summary = summarize(streams, sport=sport, sport_settings=settings, athlete=profile)
        protected = READ_ONLY_FIELDS | {"name", "description", "type", "start_date_local",
                                        "start_date", "timezone", "tags", "external_id"}
        activity.update({k: v for k, v in summary.items() if k not in protected})
    activity["stream_types"] = sorted(streams)
    activity["analyzed"] = state.now_stamp()
    detail = detail_of(store, activity["id"])
    if detect and not activity.get("icu_intervals_edited") and not activity.get("lock_intervals"):
        intervals, groups = ([], []) if not streams else detect_intervals(
            streams, sport=sport,
            ftp=(settings or {}).get("ftp"), lthr=(settings or {}).get("lthr"),
            max_hr=(settings or {}).get("max_hr"),
            threshold_speed=(settings or {}).get("threshold_pace"),
            resting_hr=profile.get("icu_resting_hr"),
        )
        for number, interval in enumerate(intervals, start=1):
            interval.setdefault("id", number)
        detail.intervals, detail.groups = intervals, groups


# -- streams written by the athlete ---------------------------------------------------------------


def stream_meta(store: AthleteStore, activity_id: str) -> dict[str, dict[str, Any]]:
    """Names and the custom flag of athlete-defined streams, by type."""
    metas: dict[str, dict[str, dict[str, Any]]] = store.extra.setdefault("stream_meta", {})
    return metas.setdefault(activity_id, {})


def write_streams(state: SandboxState, athlete_id: str, activity: dict[str, Any],
                  incoming: dict[str, list[Any]],
                  meta: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Write streams by the platform's rules (API-NOTES §4.7): an all-null stream is
    removed; with the same number of samples only the given streams change; otherwise every
    stream must be given (with ``time``) and the ones missing are removed. The activity is
    re-analyzed (ACTIVITY_ANALYZED) and fitness refit when its load moved. Returns the
    ``UpdateStreamsResult``."""
    store = state.store(athlete_id)
    refuse_strava(activity)
    if not incoming:
        raise ApiError(422, "No streams supplied")
    lengths = {len(v) for v in incoming.values()}
    if len(lengths) != 1:
        raise ApiError(422, "All streams must have the same number of points")
    length = lengths.pop()
    current = load_streams(detail_of(store, activity["id"]))
    current_length = len(current.get("time") or next(iter(current.values()), []))
    if "time" in incoming:
        check_time(incoming["time"])
    replacing = bool(current) and length != current_length
    if replacing and "time" not in incoming:
        raise ApiError(422, f"The streams have {length} points but the activity has "
                            f"{current_length}: to change the length supply every stream, "
                            "including time")
    if not current and "time" not in incoming:
        raise ApiError(422, "The activity has no streams yet: supply time as well")
    updated = sorted(k for k, v in incoming.items() if any(x is not None for x in v))
    removed_now = [k for k, v in incoming.items() if all(x is None for x in v)]
    result = {} if replacing else dict(current)
    for name, values in incoming.items():
        result[name] = values
    deleted = sorted(set(removed_now) | ({k for k in current if k not in incoming}
                                         if replacing else set()))
    for name in removed_now:
        result.pop(name, None)
    if "time" not in result:
        raise ApiError(422, "The time stream cannot be removed")
    names = stream_meta(store, activity["id"])
    for name in deleted:
        names.pop(name, None)
    for name, info in meta.items():
        if name in result and (info.get("name") or info.get("custom")):
            names[name] = info
    detail = detail_of(store, activity["id"])
    detail.streams = result
    before_load = activity.get("icu_training_load")
    analyze(state, athlete_id, activity, result)
    mark_analyzed(state, athlete_id, activity)
    if activity.get("icu_training_load") != before_load:
        refit(state, athlete_id, [activity])
    return {"updated": updated, "deleted": deleted}


def check_time(values: list[Any]) -> None:
    if not values or values[0] != 0:
        raise ApiError(422, "time must be seconds from the start: the first value is 0")
    previous = -1.0
    for value in values:
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < previous:
            raise ApiError(422, "time must be increasing numbers of seconds")
        previous = float(value)


def manual_activity(state: SandboxState, athlete_id: str, principal: Principal,
            body: dict[str, Any]) -> dict[str, Any]:
    """A new manual activity from an ``Activity`` body (not stored yet)."""
    validate_patch("Activity", body)
    if not body.get("start_date_local") or not body.get("type"):
        raise ApiError(422, "start_date_local and type are required for a manual activity")
    local = parse_local(str(body["start_date_local"]), "start_date_local")
    account = state.accounts[athlete_id]
    ignored = {"id", "icu_athlete_id", "source", "created", "icu_sync_date", "analyzed",
               "strava_id", "file_type", "oauth_client_id", "oauth_client_name", "updated"}
    activity = {k: v for k, v in body.items() if k not in ignored and v is not None}
    moving = activity.get("moving_time")
    activity.update({
        "id": new_activity_id(state),
        "icu_athlete_id": athlete_id,
        "start_date_local": local.isoformat(timespec="seconds"),
        "start_date": utc_text(local.replace(tzinfo=account.timezone)),
        "timezone": account.profile.get("timezone") or "UTC",
        "source": "MANUAL",
    })
    activity.setdefault("name", f"{activity['type']}")
    activity.setdefault("elapsed_time", moving)
    for flag in ("trainer", "commute", "race"):
        activity.setdefault(flag, False)
    if principal.client_id is not None:
        app = state.apps.get(principal.client_id)
        activity["oauth_client_id"] = int(principal.client_id) if principal.client_id.isdigit() \
            else principal.client_id
        activity["oauth_client_name"] = app.name if app else None
    return {k: v for k, v in activity.items() if v is not None}


def upsert_target(state: SandboxState, athlete_id: str, principal: Principal,
                   external_id: str | None) -> dict[str, Any] | None:
    """The caller's earlier activity with this ``external_id``: only records created by the
    same OAuth app match (or, with a personal key, by the same key holder when
    ``api_key_upsert_matches``)."""
    if not external_id:
        return None
    if principal.kind == "api_key" and not state.options.api_key_upsert_matches:
        return None
    store = state.store(athlete_id)
    for activity_id, owner in store.activity_owner_app.items():
        activity = store.activities.get(activity_id)
        if owner == principal.app_key and activity is not None \
                and activity.get("external_id") == external_id:
            return activity
    return None
