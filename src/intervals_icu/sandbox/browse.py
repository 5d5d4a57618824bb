"""The seeded data, listed for the dashboard's browser: athletes, then an athlete's
activities, wellness days and calendar events, a few fields each, newest first, each with
the API path that answers its full JSON.

What is listed is what the API would show (a Strava activity is its stub); reading changes
nothing. The full JSON is one click away through ``/_sandbox/view/{athlete_id}/api/v1/...``
(app.py), which runs the real handler as that athlete.
"""

from __future__ import annotations

from typing import Any, Literal

from intervals_icu.sandbox.platform.activities import public_view
from intervals_icu.sandbox.state import SandboxState

__all__ = ["KINDS", "athletes", "records"]

Kind = Literal["activities", "wellness", "events"]
KINDS: tuple[Kind, ...] = ("activities", "wellness", "events")

MAX_LIMIT = 500


def athletes(state: SandboxState, roles: dict[str, str]) -> list[dict[str, Any]]:
    """Every account with its role (coach, athlete, stranger), time zone and how many records
    of each kind it has."""
    with state.lock:
        found = []
        for account in state.accounts.values():
            store = state.stores[account.id]
            found.append({
                "id": account.id,
                "name": account.name,
                "role": roles.get(account.id, "athlete"),
                "timezone": str(account.timezone),
                "coached_by": sorted(account.coached_by),
                "activities": len(store.activities),
                "wellness": len(store.wellness),
                "events": len(store.events),
                "api_path": f"/api/v1/athlete/{account.id}",
            })
        return found


def records(state: SandboxState, athlete_id: str, kind: str,
            limit: int = 50) -> dict[str, Any]:
    """The newest ``limit`` records of one kind, with the total and the API path of each
    record and of the whole list."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be a whole number from 1 to {MAX_LIMIT}, not {limit!r}")
    with state.lock:
        if athlete_id not in state.accounts:
            raise KeyError(f"no athlete {athlete_id} in this sandbox; athletes: "
                           f"{', '.join(state.accounts)}")
        store = state.stores[athlete_id]
        base = f"/api/v1/athlete/{athlete_id}"
        rows: list[dict[str, Any]]
        if kind == "activities":
            rows = [_activity(public_view(a)) for a in store.activities.values()]
            rows.sort(key=lambda r: (r["start_date_local"] or "", r["id"]), reverse=True)
            oldest = rows[-1]["start_date_local"][:10] if rows else None
            listing = f"{base}/activities?oldest={oldest}" if oldest else None
        elif kind == "wellness":
            rows = [_wellness(base, w) for w in store.wellness.values()]
            rows.sort(key=lambda r: r["id"], reverse=True)
            listing = (f"{base}/wellness?oldest={rows[-1]['id']}&newest={rows[0]['id']}"
                       if rows else None)
        else:
            rows = [_event(base, e) for e in store.events.values()]
            rows.sort(key=lambda r: (r["start_date_local"] or "", r["id"]), reverse=True)
            listing = (f"{base}/events?oldest={rows[-1]['start_date_local'][:10]}"
                       f"&newest={rows[0]['start_date_local'][:10]}" if rows else None)
        return {"athlete_id": athlete_id, "kind": kind, "total": len(rows),
                "api_path": listing, "records": rows[:limit]}


def _activity(view: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(view["id"]),
        "start_date_local": view.get("start_date_local"),
        "type": view.get("type"),
        "name": view.get("name") if "_note" not in view else view["_note"],
        "source": view.get("source"),
        "moving_time": view.get("moving_time"),
        "distance": view.get("distance"),
        "training_load": view.get("icu_training_load"),
        "api_path": f"/api/v1/activity/{view['id']}",
    }


def _wellness(base: str, record: dict[str, Any]) -> dict[str, Any]:
    def number(name: str) -> float | None:
        value = record.get(name)
        return None if value is None else round(float(value), 2)

    return {
        "id": str(record["id"]),
        "weight": number("weight"),
        "restingHR": record.get("restingHR"),
        "hrv": number("hrv"),
        "ctl": number("ctl"),
        "atl": number("atl"),
        "locked": bool(record.get("locked")),
        "api_path": f"{base}/wellness/{record['id']}",
    }


def _event(base: str, event: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(event["id"]),
        "start_date_local": event.get("start_date_local"),
        "category": event.get("category"),
        "type": event.get("type"),
        "name": event.get("name"),
        "api_path": f"{base}/events/{event['id']}",
    }
