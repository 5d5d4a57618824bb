# Generated from src/intervals_icu/_async/resources/library.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""The workout library: folders and plans, the workouts in them, sharing, file import and
conversion, and re-applying the current plan to the calendar."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

from typing_extensions import Unpack

from intervals_icu import errors
from intervals_icu._sync.resources._base import Resource
from intervals_icu._http import RequestSpec
from intervals_icu._responses import Destination, Download
from intervals_icu.models import (
    CreateFolderDTO,
    DuplicateWorkoutsDTO,
    Event,
    Folder,
    SharedWith,
    Workout,
    WorkoutEx,
)
from intervals_icu.models._fields import CreateFolderDTOFields, FolderFields, WorkoutExFields
from intervals_icu.operation import operation
from intervals_icu.updates import build_partial_body
from intervals_icu.uploads import FileInput, file_part

__all__ = ["LibraryResource"]

_FORMATS = {"zwo", "mrc", "erg", "fit"}


def _suffix(ext: str) -> str:
    bare = ext.lower().lstrip(".")
    if bare not in _FORMATS:
        raise errors.InvalidRequestError(
            f"unsupported workout format {ext!r}: use '.zwo' (Zwift), '.mrc', '.erg' or '.fit'"
        )
    return f".{bare}"


def _conversion_body(workout: Workout | Event | Mapping[str, Any]) -> dict[str, Any]:
    """What the conversion routes need: the workout's ``workout_doc`` (plus name, type and
    description). The platform fails with a server error without a doc, so refuse first."""
    if isinstance(workout, (Workout, Event)):
        data = workout.model_dump(mode="json", by_alias=True, exclude_none=True)
    else:
        data = dict(workout)
    body = {k: data[k] for k in ("name", "description", "type", "workout_doc")
            if data.get(k) is not None}
    doc = body.get("workout_doc")
    if not isinstance(doc, dict) or not doc.get("steps"):
        raise errors.InvalidRequestError(
            "converting a workout needs its workout_doc (the structured steps): pass an event "
            "from client.events.get(id) or a workout from client.library.get_workout(id), "
            "which carry it. Nothing was sent."
        )
    return build_partial_body(Workout, body, what="Workout")


def _workout_body(fields: Mapping[str, Any], *, need_folder: bool) -> dict[str, Any]:
    body = build_partial_body(WorkoutEx, fields, what="Workout")
    if need_folder and body.get("folder_id") is None:
        raise errors.InvalidRequestError(
            "a library workout needs folder_id (the folder or plan it goes in; see "
            "client.library.folders()). Nothing was sent."
        )
    return body


class LibraryResource(Resource):
    # -- folders and plans ----------------------------------------------------------------------

    @operation("listFolders")
    def folders(self) -> builtins.list[Folder]:
        """Every folder and plan, each with its workouts in ``children``."""
        return self._client._request_list(
            RequestSpec("GET", self._athlete_path("/folders")),
            Folder,
        )

    @operation("createFolder")
    def create_folder(self, **fields: Unpack[CreateFolderDTOFields]) -> Folder:
        """A new folder (``type="FOLDER"``, the default) or plan (``type="PLAN"``).
        ``copy_folder_id`` copies another folder's workouts into it."""
        body = build_partial_body(CreateFolderDTO, fields, what="Folder")
        if not body.get("name"):
            raise errors.InvalidRequestError("a folder needs a name. Nothing was sent.")
        return self._client._request_model(
            RequestSpec("POST", self._athlete_path("/folders"),
                        json=body),
            Folder,
        )

    @operation("updateFolder")
    def update_folder(self, folder_id: int, **fields: Unpack[FolderFields]) -> Folder:
        """Change only the given fields of a folder or plan."""
        body = build_partial_body(Folder, fields, what="Folder")
        return self._client._request_model(
            RequestSpec("PUT", self._athlete_path(f"/folders/{int(folder_id)}"),
                        json=body),
            Folder,
        )

    @operation("deleteFolder")
    def delete_folder(self, folder_id: int) -> None:
        """Delete a folder or plan and every workout in it."""
        self._client._request_json(
            RequestSpec("DELETE", self._athlete_path(f"/folders/{int(folder_id)}"))
        )

    @operation("listFolderSharedWith")
    def shared_with(self, folder_id: int) -> builtins.list[SharedWith]:
        """The athletes a folder or plan is shared with."""
        return self._client._request_list(
            RequestSpec("GET", self._athlete_path(f"/folders/{int(folder_id)}/shared-with")),
            SharedWith,
        )

    @operation("updateFolderSharedWith")
    def update_shared_with(
        self, folder_id: int, athletes: Iterable[SharedWith | Mapping[str, Any] | str],
    ) -> builtins.list[SharedWith]:
        """Share the folder with these athletes (ids, or ``{"id": ..., "canEdit": True}``)."""
        body = []
        for athlete in athletes:
            if isinstance(athlete, str):
                athlete = {"id": athlete}
            data = athlete.to_api() if isinstance(athlete, SharedWith) else athlete
            body.append(build_partial_body(SharedWith, data, what="SharedWith"))
        return self._client._request_list(
            RequestSpec("PUT", self._athlete_path(f"/folders/{int(folder_id)}/shared-with"),
                        json=body),
            SharedWith,
        )

    @operation("updatePlanWorkouts")
    def update_plan_workouts(self, folder_id: int, *, oldest_day: int, newest_day: int,
                                   hide_from_athlete: bool) -> builtins.list[Workout]:
        """Hide (or show) a plan's workouts on days ``oldest_day..newest_day`` of the plan
        (``hide_from_athlete`` is the only field this route changes)."""
        return self._client._request_list(
            RequestSpec("PUT", self._athlete_path(f"/folders/{int(folder_id)}/workouts"),
                        params={"oldest": int(oldest_day), "newest": int(newest_day)},
                        json={"hide_from_athlete": hide_from_athlete}),
            Workout,
        )

    @operation("importWorkoutFile")
    def import_workout(self, folder_id: int, file: FileInput, *, sport: str,
                             filename: str | None = None) -> Workout:
        """Create a workout in the folder from a .zwo, .mrc, .erg or .fit file (a path, bytes
        or a binary file object); ``sport`` is its type, e.g. ``"Ride"``. For bytes, give
        ``filename`` so the format is known."""
        part = file_part(file, default_name=filename or "workout")
        if filename is not None:
            part = (filename, part[1], part[2])
        if PurePosixPath(part[0]).suffix.lower().lstrip(".") not in _FORMATS:
            raise errors.InvalidRequestError(
                f"cannot tell the format of {part[0]!r}: the file name must end in .zwo, .mrc, "
                ".erg or .fit (pass filename=... with bytes). Nothing was sent."
            )
        return self._client._request_model(
            RequestSpec("POST",
                        self._athlete_path(f"/folders/{int(folder_id)}/import-workout"),
                        params={"type": sport},
                        files={"file": part}),
            Workout,
        )

    # -- workouts -------------------------------------------------------------------------------

    @operation("listWorkouts")
    def workouts(self) -> builtins.list[Workout]:
        """Every workout in the library (all folders and plans)."""
        return self._client._request_list(
            RequestSpec("GET", self._athlete_path("/workouts")),
            Workout,
        )

    @operation("showWorkout")
    def get_workout(self, workout_id: int) -> Workout:
        return self._client._request_model(
            RequestSpec("GET", self._athlete_path(f"/workouts/{int(workout_id)}")),
            Workout,
        )

    @operation("createWorkout")
    def create_workout(self, **fields: Unpack[WorkoutExFields]) -> Workout:
        """A new workout in folder ``folder_id`` (required). Steps as native text in
        ``description`` or as a file (``filename`` + ``file_contents``/``_base64``); plan
        workouts also take ``day`` (days from the plan's start)."""
        return self._client._request_model(
            RequestSpec("POST", self._athlete_path("/workouts"),
                        json=_workout_body(fields, need_folder=True)),
            Workout,
        )

    @operation("createMultipleWorkouts")
    def create_workouts(
        self, workouts: Iterable[WorkoutEx | Mapping[str, Any]],
    ) -> builtins.list[Workout]:
        """Several new workouts at once (each with its ``folder_id``)."""
        body = [_workout_body(w.to_api() if isinstance(w, WorkoutEx) else w, need_folder=True)
                for w in workouts]
        if not body:
            return []
        return self._client._request_list(
            RequestSpec("POST", self._athlete_path("/workouts/bulk"),
                        json=body),
            Workout,
        )

    @operation("updateWorkout")
    def update_workout(self, workout_id: int, **fields: Unpack[WorkoutExFields]) -> (
        Workout
    ):
        """Change only the given fields (``CLEAR`` unsets a numeric one)."""
        return self._client._request_model(
            RequestSpec("PUT", self._athlete_path(f"/workouts/{int(workout_id)}"),
                        json=_workout_body(fields, need_folder=False)),
            Workout,
        )

    @operation("deleteWorkout")
    def delete_workout(self, workout_id: int, *, others: bool = False) -> (
        builtins.list[int]
    ):
        """Delete a workout (``others=True``: and the plan workouts added with it); returns
        the ids deleted."""
        deleted: builtins.list[int] = self._client._request_json(
            RequestSpec("DELETE", self._athlete_path(f"/workouts/{int(workout_id)}"),
                        params={"others": others or None})
        ) or []
        return [int(i) for i in deleted]

    @operation("duplicateWorkouts")
    def duplicate_workouts(self, workout_ids: Iterable[int], *, copies: int = 1,
                                 weeks_between: int = 1) -> builtins.list[Workout]:
        """Copy plan workouts ``copies`` times, each ``weeks_between`` weeks later."""
        ids = [int(i) for i in workout_ids]
        if not ids:
            raise errors.InvalidRequestError("give at least one workout id to duplicate")
        body = build_partial_body(DuplicateWorkoutsDTO, {
            "workoutIds": ids, "numCopies": copies, "weeksBetween": weeks_between})
        return self._client._request_list(
            RequestSpec("POST", self._athlete_path("/duplicate-workouts"),
                        json=body),
            Workout,
        )

    @operation("listTags")
    def tags(self) -> builtins.list[str]:
        """Every tag used on library workouts."""
        found: builtins.list[str] = self._client._request_json(
            RequestSpec("GET", self._athlete_path("/workout-tags"))
        ) or []
        return found

    # -- conversion and plans -------------------------------------------------------------------

    @operation("downloadWorkoutForAthlete")
    def download_workout(self, workout: Workout | Event | Mapping[str, Any],
                               dest: Destination, *, ext: str = ".zwo") -> Download:
        """Convert a workout (a library workout, a planned event, or a dict with its
        ``workout_doc``) to ``.zwo``, ``.mrc``, ``.erg`` or ``.fit`` using this athlete's
        zones, streamed to ``dest``."""
        suffix = _suffix(ext)
        return self._client._download(
            RequestSpec("POST", self._athlete_path(f"/download-workout{suffix}"),
                        json=_conversion_body(workout)),
            dest, f"workout{suffix}",
        )

    @operation("downloadWorkout")
    def download_workout_for_caller(
        self, workout: Workout | Event | Mapping[str, Any], dest: Destination, *,
        ext: str = ".zwo",
    ) -> Download:
        """Like :meth:`download_workout`, for the athlete the credentials belong to (the
        route OAuth apps use; it takes no athlete id)."""
        suffix = _suffix(ext)
        return self._client._download(
            RequestSpec("POST", f"/api/v1/download-workout{suffix}",
                        json=_conversion_body(workout)),
            dest, f"workout{suffix}",
        )

    @operation("applyCurrentPlanChanges")
    def apply_plan_changes(self) -> Any:
        """Bring the calendar in line with changes made to the athlete's current plan."""
        return self._client._request_json(
            RequestSpec("PUT", self._athlete_path("/apply-plan-changes"))
        )
