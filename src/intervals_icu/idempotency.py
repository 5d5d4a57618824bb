"""Which writes may be sent again when their answer was lost, decided per operation.

The HTTP method is not enough: ``PUT /activity/{id}/split-interval`` splits one more interval
each time it is sent, and ``DELETE /disconnect-app`` makes its own replay fail with 401. A
write is *replayable* when sending it twice leaves the platform as sending it once did and
answers the same. The retry loop replays only those after a 5xx, a timeout or a broken
connection (a 429, or a connection that never opened, means nothing was done: any write is
sent again then).

``tests/client/test_idempotency.py`` checks that every write operation of the spec is in
:data:`REPLAYABLE`, so a new operation cannot fall back to a guess.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["GONE_MEANS_DONE", "READ_METHODS", "REPLAYABLE", "is_replayable"]

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

REPLAYABLE: Mapping[str, bool] = {
    # Setting a value, replacing a list, deleting one record: the same on a second try.
    "updateLastSeenMessageId": True,
    "updateMessage": True,
    "deleteMessage": True,
    "updateWorkout": True,
    "deleteWorkout": True,
    "updateWellness": True,
    "updateWellnessBulk": True,
    "updateWellness_1": True,
    "uploadWellness": True,  # values per day from the CSV: writing them twice is writing them
    "updateWeatherConfig": True,
    "updateAthletePlan": True,
    "updateAthletePlans": True,
    "updateAthleteRoute": True,
    "updateReminder": True,
    "deleteReminder": True,
    "updateGear": True,
    "deleteGear": True,
    "updatePlanWorkouts": True,
    "updateFolderSharedWith": True,  # the whole share list
    "updateFolder": True,
    "deleteFolder": True,
    "updateEvent": True,
    "deleteEvent": True,
    "updateEvents": True,
    "deleteEvents": True,  # a date range (answers no count)
    "updateCustomItem": True,
    "deleteCustomItem": True,
    "updateCustomItemIndexes": True,
    "updateCustomItemImage": True,
    "updateAthlete": True,
    "applyToActivities": True,
    "updateSettings": True,
    "deleteSettings": True,
    "updateSettingsMulti": True,
    "uploadActivityStreamsCSV": True,
    "updateActivityStreams": True,
    "updateInterval": True,
    "updateIntervals": True,
    "updateActivity": True,
    "deleteActivity": True,
    "deleteTombstone": True,
    # Conversions and downloads: POST, but they change nothing.
    "downloadWorkout": True,
    "downloadWorkoutForAthlete": True,
    "downloadActivityFitFiles": True,
    # Not replayable: a second send does something else, or answers something else.
    "splitInterval": False,  # splits one more interval each time
    "deleteIntervals": False,  # intervals are renumbered after a delete: a replay hits others
    "deleteEventsBulk": False,  # answers how many it deleted: a replay would say 0
    "applyCurrentPlanChanges": False,  # its effect depends on the calendar it finds
    "disconnectApp": False,  # once applied the token is gone: a replay answers 401
    "createEvent": False,
    "createMultipleEvents": False,
    "applyPlan": False,
    "duplicateEvents": False,
    "markEventAsDone": False,
    "createWorkout": False,
    "createMultipleWorkouts": False,
    "duplicateWorkouts": False,
    "importWorkoutFile": False,
    "createFolder": False,
    "createGear": False,
    "replaceGear": False,
    "createReminder": False,
    "createCustomItem": False,
    "createSettings": False,
    "createManualActivity": False,
    "createMultipleManualActivities": False,
    "uploadActivity": False,  # de-duplicated by file hash, but a replay answers "not created"
    "sendMessage": False,
    "sendActivityMessage": False,
}
"""Every write operation of the spec: True when it may be sent again after a lost answer."""

GONE_MEANS_DONE = frozenset({
    "deleteMessage", "deleteWorkout", "deleteReminder", "deleteGear", "deleteFolder",
    "deleteEvent", "deleteCustomItem", "deleteSettings", "deleteActivity", "deleteTombstone",
})
"""Deletes of one record: when a replay finds it gone (404), an earlier attempt deleted it."""


def is_replayable(operation_id: str | None, method: str) -> bool:
    """Reads always; writes when :data:`REPLAYABLE` says so (an unnamed write: never)."""
    if method.upper() in READ_METHODS:
        return True
    return REPLAYABLE.get(operation_id or "", False)
