"""The truth a mirror is compared with: the sandbox's own state, put in the form the mirror
stores (each record through the client's model, as the mirror receives it)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa

from intervals_icu.mirror import Store, schema
from intervals_icu.mirror.records import to_record
from intervals_icu.models import Event, Gear, SportSettings, Wellness, parse_activity
from intervals_icu.sandbox import Sandbox

DETAIL_KEYS = ("icu_intervals", "icu_groups")


def _wire(value: Any) -> Any:
    """What the sandbox would send: its JSON encoding (numpy, dates...) read back."""
    from intervals_icu.sandbox.app import json_bytes

    return json.loads(json_bytes(value))


def sandbox_truth(sandbox: Sandbox, athlete_id: str) -> dict[str, Any]:
    from intervals_icu.sandbox.handlers.gear import gear_json
    from intervals_icu.sandbox.platform.activities import is_strava, public_view

    state = sandbox.state
    with state.lock:
        store = state.store(athlete_id)
        activities = {}
        intervals = {}
        for activity_id, raw in store.activities.items():
            record = to_record(parse_activity(_wire(public_view(raw))))
            activities[activity_id] = {k: v for k, v in record.items() if k not in DETAIL_KEYS}
            if not is_strava(raw):
                detail = store.details.get(activity_id)
                intervals[activity_id] = _wire({
                    "intervals": detail.intervals if detail else [],
                    "groups": detail.groups if detail else [],
                })
        return {
            "activities": activities,
            "intervals": intervals,
            "wellness": {day: to_record(Wellness.model_validate(_wire(w)))
                         for day, w in store.wellness.items()},
            "events": {int(i): to_record(Event.model_validate(_wire(e)))
                       for i, e in store.events.items()},
            "gear": {str(g["id"]): to_record(Gear.model_validate(_wire(gear_json(state, g))))
                     for g in store.gear.values()},
            "sport_settings": {int(i): to_record(SportSettings.model_validate(_wire(s)))
                               for i, s in store.sport_settings.items()},
        }


def mirror_view(store: Store, athlete_id: str) -> dict[str, Any]:
    """The live (not deleted) rows of the mirror, in the same shape."""
    view: dict[str, Any] = {}
    keys = {"activities": "activity_id", "wellness": "day", "events": "event_id",
            "gear": "gear_id", "sport_settings": "settings_id"}
    for name, key in keys.items():
        view[name] = {
            (row[key].isoformat() if name == "wellness" else row[key]): row["record"]
            for row in store.rows(name, athlete_id)
        }
    t = schema.intervals
    grouped: dict[str, dict[str, list[Any]]] = {}
    with store.engine.connect() as conn:
        for row in conn.execute(sa.select(t.c.activity_id, t.c.kind, t.c.record).where(
            t.c.athlete_id == athlete_id, t.c.deleted_at.is_(None))):
            entry = grouped.setdefault(row[0], {"intervals": [], "groups": []})
            entry["intervals" if row[1] == "interval" else "groups"].append(row[2])
    view["intervals"] = grouped
    return view


def _by_id(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {str(i.get("id")): i for i in items}


def assert_mirror_equals(store: Store, sandbox: Sandbox, athlete_id: str, *,
                         intervals: bool = True,
                         events_between: tuple[date, date] | None = None) -> None:
    """The mirror's live rows equal the sandbox's state; ``events_between`` compares only the
    events of those local days (what an incremental sync promises to keep current)."""
    truth = sandbox_truth(sandbox, athlete_id)
    mine = mirror_view(store, athlete_id)
    if events_between is not None:
        for view in (truth, mine):
            view["events"] = {k: e for k, e in view["events"].items()
                              if _in(e.get("start_date_local"), events_between)}
    for name in ("activities", "wellness", "events", "gear", "sport_settings"):
        missing = sorted(set(truth[name]) - set(mine[name]), key=str)
        extra = sorted(set(mine[name]) - set(truth[name]), key=str)
        assert (missing, extra) == ([], []), f"{name}: missing {missing[:5]}, extra {extra[:5]}"
        differ = [k for k in truth[name] if truth[name][k] != mine[name][k]]
        assert not differ, (
            f"{name}: {len(differ)} differ, e.g. {differ[0]}: "
            f"{_diff(truth[name][differ[0]], mine[name][differ[0]])}")
    if intervals:
        for activity_id, expected in truth["intervals"].items():
            got = mine["intervals"].get(activity_id, {"intervals": [], "groups": []})
            assert _by_id(got["intervals"]) == _by_id(expected["intervals"]), activity_id
            assert _by_id(got["groups"]) == _by_id(expected["groups"]), activity_id
        stale = set(mine["intervals"]) - set(truth["intervals"])
        assert not {a for a in stale if mine["intervals"][a]["intervals"]}, stale


def _in(start: Any, days: tuple[date, date]) -> bool:
    try:
        day = date.fromisoformat(str(start)[:10])
    except ValueError:
        return False
    return days[0] <= day <= days[1]


def _diff(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
