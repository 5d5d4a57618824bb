"""Webhook events shaped as the platform sends them (API-NOTES §5.3, captured from
production by TRI-WH), for parsing tests. Deliveries in the end-to-end tests come from the
sandbox instead."""

from __future__ import annotations

from typing import Any

ATHLETE = "i317960"

WELLNESS_UPDATED: dict[str, Any] = {
    "athlete_id": ATHLETE, "type": "WELLNESS_UPDATED",
    "timestamp": "2026-04-15T16:29:56.819+00:00",
    "records": [{"id": "2026-04-15", "ctl": 18.41, "atl": 37.39, "rampRate": 4.69,
                 "ctlLoad": 14.0, "atlLoad": 14.0,
                 "sportInfo": [{"type": "Ride", "eftp": 207.8, "wPrime": 17460.5,
                                "pMax": 642.5}],
                 "updated": "2026-04-15T16:29:54.818+00:00", "weight": 77.36,
                 "restingHR": 59, "hrv": 46.0, "sleepSecs": 22242, "sleepScore": 76.0,
                 "sleepQuality": 3, "bodyFat": 24.6, "steps": 11208, "tempWeight": False,
                 "tempRestingHR": False}],
}

ACTIVITY_UPLOADED: dict[str, Any] = {
    "athlete_id": ATHLETE, "type": "ACTIVITY_UPLOADED",
    "timestamp": "2026-04-15T16:29:50.100+00:00", "records": [],
    "activity": {"id": "i140254351", "start_date_local": "2026-04-15T17:05:12",
                 "start_date": "2026-04-15T15:05:12Z", "type": "Ride", "name": "Lunch Ride",
                 "distance": 40211.0, "moving_time": 5003, "elapsed_time": 5400,
                 "icu_training_load": 74, "icu_ftp": 250, "paired_event_id": None,
                 "source": "GARMIN_CONNECT", "external_id": "123.fit", "file_type": "fit",
                 "icu_athlete_id": ATHLETE, "created": "2026-04-15T16:29:49.000+00:00",
                 "stream_types": ["watts", "heartrate"], "brand_new_field": {"x": 1}},
}

ACTIVITY_DELETED: dict[str, Any] = {
    "athlete_id": ATHLETE, "type": "ACTIVITY_DELETED",
    "timestamp": "2026-04-15T16:40:00.000+00:00",
    "activity": {"id": "i140242265", "commute": False, "race": False, "file_sport_index": 0,
                 "icu_athlete_id": ATHLETE, "icu_sweet_spot_min": 0, "icu_sweet_spot_max": 0,
                 "has_weather": False, "has_segments": False, "icu_lap_count": 0,
                 "source": "GARMIN_CONNECT"},
}

ACTIVITY_ACHIEVEMENTS: dict[str, Any] = {
    "athlete_id": ATHLETE, "type": "ACTIVITY_ACHIEVEMENTS",
    "timestamp": "2026-04-15T16:30:50.000+00:00",
    "activity": {"id": "i140254351", "icu_rolling_ftp": 252, "icu_rolling_ftp_delta": 2,
                 "icu_achievements": [{"id": "ps0_5", "type": "BEST_POWER", "watts": 500,
                                       "secs": 5, "point": {"start_index": 392,
                                                            "end_index": 397, "secs": 5,
                                                            "value": 500}}]},
}

FITNESS_UPDATED: dict[str, Any] = {
    "athlete_id": ATHLETE, "type": "FITNESS_UPDATED",
    "timestamp": "2026-04-15T16:29:52.000+00:00",
    "records": [{"id": f"2026-04-{day:02d}", "ctl": 18.0 + day / 10, "atl": 30.0,
                 "rampRate": 1.0, "ctlLoad": 0.0, "atlLoad": 0.0, "sportInfo": [],
                 "updated": "2026-04-15T16:29:51.000+00:00"} for day in range(15, 29)],
}

SPORT_SETTINGS_UPDATED: dict[str, Any] = {
    "athlete_id": ATHLETE, "type": "SPORT_SETTINGS_UPDATED",
    "timestamp": "2026-04-15T18:00:00.000+00:00",
    "sportSettings": [{"id": 1, "types": ["Ride", "VirtualRide"], "ftp": 255,
                       "lthr": 165, "max_hr": 190},
                      {"id": 2, "types": ["Run"], "threshold_pace": 3.9}],
}

APP_SCOPE_CHANGED: dict[str, Any] = {
    "athlete_id": ATHLETE, "type": "APP_SCOPE_CHANGED",
    "timestamp": "2026-04-15T18:10:00.000+00:00", "client_id": 315,
    "client_name": "EndurAI", "deauthorized": False,
    "scope": "ACTIVITY:WRITE,WELLNESS:READ,CALENDAR:WRITE,SETTINGS:WRITE",
}

DEAUTHORIZED: dict[str, Any] = {
    **APP_SCOPE_CHANGED, "timestamp": "2026-04-16T08:00:00.000+00:00", "scope": "",
    "deauthorized": True,
}

CALENDAR_NOTIFICATION: dict[str, Any] = {
    "athlete_id": ATHLETE, "type": "CALENDAR_UPDATED",
    "timestamp": "2026-04-15T18:20:00.000+00:00", "records": [],
}

CALENDAR_WITH_EVENTS: dict[str, Any] = {
    "athlete_id": ATHLETE, "type": "CALENDAR_UPDATED",
    "timestamp": "2026-04-15T18:21:00.000+00:00", "records": [],
    "events": [{"id": 9001, "start_date_local": "2026-04-20T00:00:00", "category": "WORKOUT",
                "name": "Sweet spot 3x15", "type": "Ride"}],
    "deleted_events": [9000, {"id": 8999}],
}

EVERY_TYPE: list[dict[str, Any]] = [
    WELLNESS_UPDATED, ACTIVITY_UPLOADED, ACTIVITY_DELETED, ACTIVITY_ACHIEVEMENTS,
    FITNESS_UPDATED, SPORT_SETTINGS_UPDATED, APP_SCOPE_CHANGED, DEAUTHORIZED,
    CALENDAR_NOTIFICATION, CALENDAR_WITH_EVENTS,
    {**ACTIVITY_UPLOADED, "type": "ACTIVITY_UPDATED", "timestamp": "2026-04-15T16:31:00.000Z"},
    {**ACTIVITY_UPLOADED, "type": "ACTIVITY_ANALYZED", "timestamp": "2026-04-15T16:32:00Z"},
    {"athlete_id": ATHLETE, "type": "CALENDAR_EVENT_UPDATED",
     "timestamp": "2026-04-15T18:22:00.000+00:00", "events": [{"id": 9002}]},
    {"athlete_id": ATHLETE, "type": "CALENDAR_EVENT_DELETED",
     "timestamp": "2026-04-15T18:23:00.000+00:00", "deleted_events": [9002]},
    {"athlete_id": ATHLETE, "type": "CONNECTED_SERVICE",
     "timestamp": "2026-04-15T18:24:00.000+00:00", "service": "GARMIN", "connected": True},
    {"athlete_id": ATHLETE, "type": "CHAT_UPDATE",
     "timestamp": "2026-04-15T18:25:00.000+00:00", "chat_id": 77, "message": {"id": 5}},
]


def envelope(secret: str, *events: dict[str, Any]) -> dict[str, Any]:
    return {"secret": secret, "events": list(events)}
