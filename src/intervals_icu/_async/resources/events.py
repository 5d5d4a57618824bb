"""Calendar events: planned workouts, notes, races, targets, holidays.

Dates are the athlete's local dates. ``list()`` without dates reads the platform's default
window: today to today+6 days in the athlete's time zone. Writes send only the fields given
(``CLEAR`` unsets a numeric one); ``external_id`` is your own key for upserts and bulk deletes,
and only matches events your app created.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal

from typing_extensions import Unpack

from intervals_icu import errors
from intervals_icu._async.resources._base import AsyncResource
from intervals_icu._http import RequestSpec
from intervals_icu._responses import Destination, Download
from intervals_icu.dates import LocalDate, to_local_date, to_local_datetime
from intervals_icu.models import (
    Activity,
    ApplyPlanDTO,
    DeleteEventsResponse,
    DuplicateEventsDTO,
    Event,
    EventEx,
)
from intervals_icu.models._fields import ApplyPlanDTOFields, EventExFields
from intervals_icu.operation import operation
from intervals_icu.updates import build_partial_body

__all__ = ["AsyncEventsResource", "EventCategory", "WorkoutFormat"]

EventCategory = Literal[
    "WORKOUT", "RACE_A", "RACE_B", "RACE_C", "NOTE", "PLAN", "HOLIDAY", "SICK", "INJURED",
    "SET_EFTP", "FITNESS_DAYS", "SEASON_START", "TARGET", "SET_FITNESS",
]
WorkoutFormat = Literal["zwo", "mrc", "erg", "fit"]
Categories = str | Sequence[str]


def _categories(value: Categories | None) -> builtins.list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _opt_date(value: LocalDate | None) -> str | None:
    return None if value is None else to_local_date(value)


def _format(ext: str, *, dotted: bool) -> str:
    """``zwo``/``.zwo`` -> the route's form (``.zwo`` in paths, ``zwo`` for workouts.zip)."""
    bare = ext.lower().lstrip(".")
    if bare not in {"zwo", "mrc", "erg", "fit"}:
        raise errors.InvalidRequestError(
            f"unsupported workout format {ext!r}: use 'zwo' (Zwift), 'mrc', 'erg' or 'fit'"
        )
    return f".{bare}" if dotted else bare


def _event_body(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate EventEx fields; dates and date-times are accepted for the local date fields."""
    values = dict(fields)
    for key in ("start_date_local", "end_date_local"):
        value = values.get(key)
        if isinstance(value, (date, datetime)):
            moment = value if isinstance(value, datetime) else datetime.combine(
                value, datetime.min.time())
            values[key] = to_local_datetime(moment)
    return build_partial_body(EventEx, values, what="Event")


class AsyncEventsResource(AsyncResource):
    # -- reading ------------------------------------------------------------------------------

    @operation("listEvents")
    async def list(
        self,
        oldest: LocalDate | None = None,
        newest: LocalDate | None = None,
        *,
        category: Categories | None = None,
        limit: int | None = None,
        calendar_id: int | None = None,
        ext: WorkoutFormat | None = None,
        resolve: bool = False,
        power_range: float | None = None,
        hr_range: float | None = None,
        pace_range: float | None = None,
        locale: str | None = None,
    ) -> builtins.list[Event]:
        """Events from ``oldest`` to ``newest`` (local dates, both inclusive), by start date.

        Without dates the server's default applies: today to today+6 in the athlete's time
        zone. ``category`` is one category or several (``["WORKOUT", "NOTE"]``). ``ext``
        adds each planned workout as a file (``workout_filename``, ``workout_file_base64``
        in the event's extra fields); ``resolve=True`` adds absolute targets (watts, bpm)
        to the steps of ``workout_doc``.
        """
        return await self._client._request_list(
            RequestSpec(
                "GET", self._athlete_path("/events.json"),
                params={
                    "oldest": _opt_date(oldest), "newest": _opt_date(newest),
                    "category": _categories(category), "limit": limit,
                    "calendar_id": calendar_id, "ext": ext, "resolve": resolve or None,
                    "powerRange": power_range, "hrRange": hr_range, "paceRange": pace_range,
                    "locale": locale,
                },
            ),
            Event,
        )

    @operation("listEvents")
    async def list_csv(
        self,
        oldest: LocalDate | None = None,
        newest: LocalDate | None = None,
        *,
        category: Categories | None = None,
        limit: int | None = None,
        calendar_id: int | None = None,
    ) -> str:
        """The same events as CSV text."""
        return await self._client._request_text(
            RequestSpec(
                "GET", self._athlete_path("/events.csv"),
                params={"oldest": _opt_date(oldest), "newest": _opt_date(newest),
                        "category": _categories(category), "limit": limit,
                        "calendar_id": calendar_id},
            )
        )

    @operation("showEvent")
    async def get(self, event_id: int) -> Event:
        return await self._client._request_model(
            RequestSpec("GET", self._athlete_path(f"/events/{int(event_id)}")),
            Event,
        )

    @operation("listTags_1")
    async def tags(self) -> builtins.list[str]:
        """Every tag used on the athlete's calendar events."""
        found: builtins.list[str] = await self._client._request_json(
            RequestSpec("GET", self._athlete_path("/event-tags"))
        ) or []
        return found

    @operation("listFitnessModelEvents")
    async def fitness_model_events(self) -> builtins.list[Event]:
        """Events that change the fitness model (FITNESS_DAYS, SET_FITNESS, SET_EFTP), oldest
        first."""
        return await self._client._request_list(
            RequestSpec("GET", self._athlete_path("/fitness-model-events")),
            Event,
        )

    # -- writing ------------------------------------------------------------------------------

    @operation("createEvent")
    async def create(self, *, upsert_on_uid: bool = False,
                     **fields: Unpack[EventExFields]) -> Event:
        """Create an event. ``category`` and ``start_date_local`` are required.

        A planned workout can be given as native text in ``description``
        (``"- 10m 60%\\n\\n4x\\n- 8m 110%\\n- 8m 50%"``; the server computes load, time and
        ``workout_doc``) or as a file: ``filename`` plus ``file_contents`` (text) or
        ``file_contents_base64`` (.zwo, .mrc, .erg, .fit). ``upsert_on_uid=True`` updates the
        event with the same ``uid`` instead of adding another.
        """
        body = _event_body(fields)
        missing = [k for k in ("category", "start_date_local") if not body.get(k)]
        if missing:
            raise errors.InvalidRequestError(
                f"an event needs {' and '.join(missing)}, e.g. category='WORKOUT', "
                "start_date_local='2025-03-01T00:00:00'. Nothing was sent."
            )
        return await self._client._request_model(
            RequestSpec("POST", self._athlete_path("/events"),
                        params={"upsertOnUid": upsert_on_uid}, json=body),
            Event,
        )

    @operation("createMultipleEvents")
    async def create_many(
        self,
        events: Iterable[EventEx | Mapping[str, Any]],
        *,
        upsert: bool = False,
        upsert_on_uid: bool = False,
        update_plan_applied: bool = False,
    ) -> builtins.list[Event]:
        """Create several events in one call; returns them in the order given.

        ``upsert=True`` updates the events your app created with the same ``external_id``
        (so re-running a sync does not duplicate anything); ``upsert_on_uid=True`` matches
        on ``uid`` instead (ignored when ``upsert`` is on). TARGET events for a date and sport
        that already has one update it.
        """
        body = [_event_body(e.to_api() if isinstance(e, EventEx) else e) for e in events]
        if not body:
            return []
        return await self._client._request_list(
            RequestSpec(
                "POST", self._athlete_path("/events/bulk"),
                params={"upsert": upsert, "upsertOnUid": upsert_on_uid,
                        "updatePlanApplied": update_plan_applied},
                json=body,
            ),
            Event,
        )

    @operation("updateEvent")
    async def update(self, event_id: int, **fields: Unpack[EventExFields]) -> Event:
        """Change only the given fields (``CLEAR`` unsets a numeric one)."""
        body = _event_body(fields)
        return await self._client._request_model(
            RequestSpec("PUT", self._athlete_path(f"/events/{int(event_id)}"),
                        json=body),
            Event,
        )

    @operation("updateEvents")
    async def update_range(
        self,
        oldest: LocalDate,
        newest: LocalDate,
        *,
        hide_from_athlete: bool | None = None,
        athlete_cannot_edit: bool | None = None,
    ) -> builtins.list[Event]:
        """Set ``hide_from_athlete`` and/or ``athlete_cannot_edit`` on every event in the range
        (the only fields this route changes); returns the events of the range."""
        body = {k: v for k, v in (("hide_from_athlete", hide_from_athlete),
                                  ("athlete_cannot_edit", athlete_cannot_edit)) if v is not None}
        if not body:
            raise errors.InvalidRequestError(
                "say what to change: hide_from_athlete=... and/or athlete_cannot_edit=... "
                "(the only fields a range update can set). Nothing was sent."
            )
        return await self._client._request_list(
            RequestSpec("PUT", self._athlete_path("/events"),
                        params={"oldest": to_local_date(oldest), "newest": to_local_date(newest)},
                        json=body),
            Event,
        )

    @operation("deleteEvent")
    async def delete(self, event_id: int, *, others: bool = False,
                     not_before: LocalDate | None = None) -> None:
        """Delete an event. ``others=True`` also deletes the events added with it (e.g. the
        rest of an applied plan), from ``not_before`` on when given."""
        await self._client._request_json(
            RequestSpec("DELETE", self._athlete_path(f"/events/{int(event_id)}"),
                        params={"others": others or None, "notBefore": _opt_date(not_before)})
        )

    @operation("deleteEvents")
    async def delete_range(
        self,
        oldest: LocalDate,
        newest: LocalDate | None = None,
        *,
        category: Categories,
        created_by_id: str | None = None,
    ) -> None:
        """Delete the events of the given categories from ``oldest`` to ``newest`` (default:
        every future event). ``category`` is required, so a typo cannot empty the calendar."""
        categories = _categories(category) or []
        if not categories:
            raise errors.InvalidRequestError(
                "delete_range needs at least one category, e.g. category='WORKOUT' or "
                "category=['WORKOUT', 'NOTE']. Nothing was deleted."
            )
        await self._client._request_json(
            RequestSpec("DELETE", self._athlete_path("/events"),
                        params={"oldest": to_local_date(oldest), "newest": _opt_date(newest),
                                "category": categories, "createdById": created_by_id})
        )

    @operation("deleteEventsBulk")
    async def delete_many(self, *, ids: Iterable[int] = (),
                          external_ids: Iterable[str] = ()) -> int:
        """Delete events by id and/or by your ``external_id`` (only events your app created
        match an external id); missing ones are ignored. Returns how many were deleted."""
        body: builtins.list[dict[str, Any]] = [{"id": int(i)} for i in ids]
        body += [{"external_id": str(e)} for e in external_ids]
        if not body:
            return 0
        result = await self._client._request_model(
            RequestSpec("PUT", self._athlete_path("/events/bulk-delete"),
                        json=body),
            DeleteEventsResponse,
        )
        return int(result.eventsDeleted or 0)

    @operation("duplicateEvents")
    async def duplicate(self, event_ids: Iterable[int], *, copies: int = 1,
                        weeks_between: int = 1) -> builtins.list[Event]:
        """Copy events ``copies`` times, each copy ``weeks_between`` weeks after the last."""
        ids = [int(i) for i in event_ids]
        if not ids:
            raise errors.InvalidRequestError("give at least one event id to duplicate")
        body = build_partial_body(DuplicateEventsDTO, {
            "eventIds": ids, "numCopies": copies, "weeksBetween": weeks_between})
        return await self._client._request_list(
            RequestSpec("POST", self._athlete_path("/duplicate-events"),
                        json=body),
            Event,
        )

    @operation("markEventAsDone")
    async def mark_done(self, event_id: int) -> Activity:
        """Create a manual activity matching the planned workout (paired to it)."""
        return await self._client._request_model(
            RequestSpec("POST", self._athlete_path(f"/events/{int(event_id)}/mark-done")),
            Activity,
        )

    @operation("applyPlan")
    async def apply_plan(self, **fields: Unpack[ApplyPlanDTOFields]) -> Any:
        """Put a plan's workouts on the calendar: ``folder_id`` (the plan) and
        ``start_date_local`` (its first day); ``extra_workouts`` adds more."""
        values: dict[str, Any] = dict(fields)
        if isinstance(values.get("start_date_local"), date):
            values["start_date_local"] = to_local_date(values["start_date_local"])
        body = build_partial_body(ApplyPlanDTO, values, what="ApplyPlan")
        if body.get("folder_id") is None or not body.get("start_date_local"):
            raise errors.InvalidRequestError(
                "apply_plan needs folder_id (the plan) and start_date_local (e.g. "
                "'2025-03-03'). Nothing was sent."
            )
        return await self._client._request_json(
            RequestSpec("POST", self._athlete_path("/events/apply-plan"),
                        json=body)
        )

    # -- files ----------------------------------------------------------------------------

    @operation("downloadWorkout_1")
    async def download_workout(self, event_id: int, dest: Destination, *,
                               ext: str = ".zwo") -> Download:
        """The planned workout as a file (``.zwo``, ``.mrc``, ``.erg`` or ``.fit``), streamed to
        ``dest`` (a file path, a directory, or a binary file object)."""
        suffix = _format(ext, dotted=True)
        return await self._client._download(
            RequestSpec("GET", self._athlete_path(f"/events/{int(event_id)}/download{suffix}")),
            dest, f"workout_{int(event_id)}{suffix}",
        )

    @operation("downloadWorkouts")
    async def download_workouts_zip(
        self,
        dest: Destination,
        *,
        oldest: LocalDate,
        newest: LocalDate,
        ext: str = "zwo",
        power_range: float | None = None,
        hr_range: float | None = None,
        pace_range: float | None = None,
        locale: str | None = None,
    ) -> Download:
        """Every planned workout from ``oldest`` to ``newest`` in one zip, streamed to
        ``dest``."""
        return await self._client._download(
            RequestSpec(
                "GET", self._athlete_path("/workouts.zip"),
                params={"ext": _format(ext, dotted=False), "oldest": to_local_date(oldest),
                        "newest": to_local_date(newest), "powerRange": power_range,
                        "hrRange": hr_range, "paceRange": pace_range, "locale": locale},
            ),
            dest, "workouts.zip",
        )

