"""Gear and components (bikes, shoes, chains...): CRUD, reminders, replacing a worn part,
and stats recalculated from the activities that used it."""

from __future__ import annotations

import builtins

from typing_extensions import Unpack

from intervals_icu import errors
from intervals_icu._async.resources._base import AsyncResource
from intervals_icu._http import RequestSpec
from intervals_icu.models import Gear, GearReminder, GearStats
from intervals_icu.models._fields import GearFields, GearReminderFields
from intervals_icu.operation import operation
from intervals_icu.updates import build_partial_body

__all__ = ["AsyncGearResource"]


class AsyncGearResource(AsyncResource):
    def _gear_path(self, gear_id: str, suffix: str = "") -> str:
        if not str(gear_id).strip():
            raise errors.InvalidRequestError("gear_id is empty: use the id from gear.list()")
        return self._athlete_path(f"/gear/{gear_id}{suffix}")

    @operation("listGear")
    async def list(self) -> builtins.list[Gear]:
        """All gear and components, retired ones included, with their reminders."""
        return await self._client._request_list(
            RequestSpec("GET", self._athlete_path("/gear.json")),
            Gear,
        )

    @operation("listGear")
    async def list_csv(self) -> str:
        """The gear list as CSV text."""
        return await self._client._request_text(
            RequestSpec("GET", self._athlete_path("/gear.csv"))
        )

    @operation("createGear")
    async def create(self, **fields: Unpack[GearFields]) -> Gear:
        """New gear or component; ``type`` is required (``"Bike"``, ``"Shoes"``, ``"Chain"``...)."""
        body = build_partial_body(Gear, fields, what="Gear")
        if not body.get("type"):
            raise errors.InvalidRequestError(
                "gear needs a type, e.g. type='Bike' or type='Shoes'. Nothing was sent.")
        return await self._client._request_model(
            RequestSpec("POST", self._athlete_path("/gear"),
                        json=body),
            Gear,
        )

    @operation("updateGear")
    async def update(self, gear_id: str, **fields: Unpack[GearFields]) -> Gear:
        """Change only the given fields (``retired="2025-03-01"`` retires it)."""
        return await self._client._request_model(
            RequestSpec("PUT", self._gear_path(gear_id),
                        json=build_partial_body(Gear, fields, what="Gear")),
            Gear,
        )

    @operation("deleteGear")
    async def delete(self, gear_id: str) -> None:
        await self._client._request_json(
            RequestSpec("DELETE", self._gear_path(gear_id))
        )

    @operation("replaceGear")
    async def replace(self, gear_id: str, **fields: Unpack[GearFields]) -> builtins.list[Gear]:
        """Retire a component and put a copy (same reminders, counters at zero) in its place;
        ``fields`` change the copy (e.g. ``name="Chain #3"``). Returns ``[retired, new]``."""
        return await self._client._request_list(
            RequestSpec("POST", self._gear_path(gear_id, "/replace"),
                        json=build_partial_body(Gear, fields, what="Gear")),
            Gear,
        )

    @operation("calcDistanceEtc")
    async def calc(self, gear_id: str) -> GearStats:
        """Recalculate distance, time and activity count from the activities that used it."""
        return await self._client._request_model(
            RequestSpec("GET", self._gear_path(gear_id, "/calc")),
            GearStats,
        )

    # -- reminders -----------------------------------------------------------------------------

    @operation("createReminder")
    async def create_reminder(self, gear_id: str, /, **fields: Unpack[GearReminderFields]) -> Gear:
        """A service reminder, e.g. ``name="Wax chain", distance=300_000`` (meters) or
        ``days=90``; it counts from now. Returns the gear with its reminders."""
        return await self._client._request_model(
            RequestSpec("POST", self._gear_path(gear_id, "/reminder"),
                        json=build_partial_body(GearReminder, fields, what="GearReminder")),
            Gear,
        )

    @operation("updateReminder")
    async def update_reminder(self, gear_id: str, reminder_id: int, /, *, reset: bool = False,
                              snooze_days: int = 0,
                              **fields: Unpack[GearReminderFields]) -> Gear:
        """Change a reminder; ``reset=True`` starts counting again from now (the service was
        done), ``snooze_days`` hides it for that many days."""
        return await self._client._request_model(
            RequestSpec("PUT", self._gear_path(gear_id, f"/reminder/{int(reminder_id)}"),
                        params={"reset": reset, "snoozeDays": int(snooze_days)},
                        json=build_partial_body(GearReminder, fields, what="GearReminder")),
            Gear,
        )

    @operation("deleteReminder")
    async def delete_reminder(self, gear_id: str, reminder_id: int) -> Gear:
        return await self._client._request_model(
            RequestSpec("DELETE", self._gear_path(gear_id, f"/reminder/{int(reminder_id)}")),
            Gear,
        )
