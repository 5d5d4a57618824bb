"""Sport settings: FTP, thresholds and zones per sport.

Every method taking ``id_or_sport`` accepts the settings' numeric id or an activity type
(``"Run"``, ``"Ride"``...), as the platform does; ``delete`` takes the id.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from typing_extensions import Unpack

from intervals_icu import errors
from intervals_icu._async.resources._base import AsyncResource
from intervals_icu._http import RequestSpec
from intervals_icu.models import ActivityMini, PaceDistancesDTO, SportSettings
from intervals_icu.models._fields import SportSettingsFields
from intervals_icu.operation import operation
from intervals_icu.updates import build_partial_body

__all__ = ["AsyncSportSettingsResource"]


def _key(id_or_sport: int | str) -> str:
    text = str(id_or_sport).strip()
    if not text:
        raise errors.InvalidRequestError(
            "give the settings' id or a sport, e.g. sport_settings.get('Run')")
    return quote(text, safe="")


class AsyncSportSettingsResource(AsyncResource):
    def _path(self, suffix: str = "") -> str:
        return self._athlete_path(f"/sport-settings{suffix}")

    @operation("listSettings")
    async def list(self) -> builtins.list[SportSettings]:
        return await self._client._request_list(
            RequestSpec("GET", self._path()), SportSettings,
        )

    @operation("getSettings_1")
    async def get(self, id_or_sport: int | str) -> SportSettings:
        """Settings by id, or by a sport they cover (``get("Run")``)."""
        return await self._client._request_model(
            RequestSpec("GET", self._path(f"/{_key(id_or_sport)}")),
            SportSettings,
        )

    @operation("createSettings")
    async def create(self, **fields: Unpack[SportSettingsFields]) -> SportSettings:
        """Settings for new sports with the platform's defaults, e.g. ``types=["Rowing"]``;
        other fields override the defaults."""
        body = build_partial_body(SportSettings, fields, what="SportSettings")
        if not body.get("types"):
            raise errors.InvalidRequestError(
                "sport settings need types, e.g. types=['Rowing']. Nothing was sent.")
        return await self._client._request_model(
            RequestSpec("POST", self._path(), json=body),
            SportSettings,
        )

    @operation("updateSettings")
    async def update(self, id_or_sport: int | str, *, recalc_hr_zones: bool = False,
                     **fields: Unpack[SportSettingsFields]) -> SportSettings:
        """Change only the given fields, e.g. ``update("Ride", ftp=265)``.
        ``recalc_hr_zones=True`` recomputes the HR zones from LTHR and max HR."""
        return await self._client._request_model(
            RequestSpec("PUT", self._path(f"/{_key(id_or_sport)}"),
                        params={"recalcHrZones": recalc_hr_zones},
                        json=build_partial_body(SportSettings, fields, what="SportSettings")),
            SportSettings,
        )

    @operation("updateSettingsMulti")
    async def update_many(self, settings: Iterable[SportSettings | Mapping[str, Any]], *,
                          recalc_hr_zones: bool = False) -> builtins.list[SportSettings]:
        """Change several sports' settings at once; each names its settings by ``id``."""
        body = [build_partial_body(SportSettings,
                                   s.to_api() if isinstance(s, SportSettings) else s,
                                   what="SportSettings") for s in settings]
        if any(item.get("id") is None and not item.get("types") for item in body):
            raise errors.InvalidRequestError(
                "each item of update_many needs the settings' id (from sport_settings.list()). "
                "Nothing was sent.")
        return await self._client._request_list(
            RequestSpec("PUT", self._path(),
                        params={"recalcHrZones": recalc_hr_zones}, json=body),
            SportSettings,
        )

    @operation("deleteSettings")
    async def delete(self, settings_id: int) -> None:
        """Delete by numeric id (this route does not take a sport name)."""
        if isinstance(settings_id, str) and not settings_id.isdigit():
            raise errors.InvalidRequestError(
                f"delete takes the numeric id, not {settings_id!r}: use "
                f"sport_settings.get({settings_id!r}).id")
        await self._client._request_json(
            RequestSpec("DELETE", self._path(f"/{int(settings_id)}"))
        )

    @operation("applyToActivities")
    async def apply(self, id_or_sport: int | str) -> Any:
        """Re-zone the matching activities with these settings (done in the background)."""
        return await self._client._request_json(
            RequestSpec("PUT", self._path(f"/{_key(id_or_sport)}/apply"))
        )

    @operation("listMatchingActivities")
    async def matching_activities(self, id_or_sport: int | str) -> builtins.list[ActivityMini]:
        """The activities these settings apply to."""
        return await self._client._request_list(
            RequestSpec("GET", self._path(f"/{_key(id_or_sport)}/matching-activities")),
            ActivityMini,
        )

    @operation("listPaceDistancesForSport")
    async def pace_distances(self, id_or_sport: int | str) -> PaceDistancesDTO:
        """Pace curve distances, and the sport's default best-effort distances."""
        return await self._client._request_model(
            RequestSpec("GET", self._path(f"/{_key(id_or_sport)}/pace_distances")),
            PaceDistancesDTO,
        )

    @operation("listPaceDistances")
    async def all_pace_distances(self) -> PaceDistancesDTO:
        """The pace curve distances (meters), for any sport."""
        return await self._client._request_model(
            RequestSpec("GET", "/api/v1/pace_distances"),
            PaceDistancesDTO,
        )
