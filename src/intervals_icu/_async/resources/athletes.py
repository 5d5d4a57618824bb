"""Athletes: profile, settings, training plan, and the coach's views (list, summary)."""

from __future__ import annotations

import builtins
from datetime import date, datetime
from typing import Any, Literal

from typing_extensions import Unpack

from intervals_icu._async.resources._base import AsyncResource
from intervals_icu._http import RequestSpec
from intervals_icu.models import (
    Athlete,
    AthleteConnections,
    AthleteProfile,
    AthleteTrainingPlan,
    AthleteWithTags,
    SummaryWithCats,
    WithSportSettings,
)
from intervals_icu.models._fields import AthleteTrainingPlanUpdateFields, AthleteUpdateDTOFields
from intervals_icu.models._generated import AthleteTrainingPlanUpdate, AthleteUpdateDTO
from intervals_icu.operation import operation
from intervals_icu.updates import build_partial_body

DeviceClass = Literal["phone", "tablet", "desktop"]


class AsyncAthletesResource(AsyncResource):
    @operation("getAthlete")
    async def get(self) -> WithSportSettings:
        """The athlete with ``sportSettings`` and ``custom_items`` (OAuth: SETTINGS:READ)."""
        return await self._client._request_model(
            RequestSpec("GET", self._athlete_path()),
            WithSportSettings,
        )

    @operation("updateAthlete")
    async def update(self, **fields: Unpack[AthleteUpdateDTOFields]) -> Athlete:
        """Change only the given fields (``CLEAR`` unsets a numeric one)."""
        body = build_partial_body(AthleteUpdateDTO, fields, what="Athlete")
        return await self._client._request_model(
            RequestSpec("PUT", self._athlete_path(), json=body),
            Athlete,
        )

    @operation("getAthleteProfile")
    async def profile(self) -> AthleteProfile:
        return await self._client._request_model(
            RequestSpec("GET", self._athlete_path("/profile")),
            AthleteProfile,
        )

    @operation("getAthleteConnections")
    async def connections(self) -> AthleteConnections:
        """Devices and platform apps the athlete has connected (Garmin, Strava, ...)."""
        return await self._client._request_model(
            RequestSpec(
                "GET", self._athlete_path("/connections")
            ),
            AthleteConnections,
        )

    @operation("getSettings")
    async def device_settings(self, device_class: DeviceClass) -> dict[str, Any]:
        """The athlete's UI settings for ``phone``, ``tablet`` or ``desktop``."""
        settings: dict[str, Any] = await self._client._request_json(
            RequestSpec(
                "GET", self._athlete_path(f"/settings/{device_class}")
            )
        )
        return settings

    @operation("getAthleteTrainingPlan")
    async def training_plan(self) -> AthleteTrainingPlan:
        return await self._client._request_model(
            RequestSpec(
                "GET", self._athlete_path("/training-plan")
            ),
            AthleteTrainingPlan,
        )

    @operation("updateAthletePlan")
    async def update_training_plan(
        self, **fields: Unpack[AthleteTrainingPlanUpdateFields]
    ) -> AthleteTrainingPlan:
        body = build_partial_body(AthleteTrainingPlanUpdate, fields)
        return await self._client._request_model(
            RequestSpec(
                "PUT", self._athlete_path("/training-plan"),
                json=body,
            ),
            AthleteTrainingPlan,
        )

    @operation("updateAthletePlans")
    async def update_training_plans(
        self, plans: builtins.list[AthleteTrainingPlanUpdate | dict[str, Any]]
    ) -> Any:
        """Coach: change the training plan of several athletes at once."""
        body = [
            build_partial_body(
                AthleteTrainingPlanUpdate,
                p.to_api() if isinstance(p, AthleteTrainingPlanUpdate) else p,
            )
            for p in plans
        ]
        return await self._client._request_json(
            RequestSpec("PUT", "/api/v1/athlete-plans",
                        json=body)
        )

    # -- coach views ---------------------------------------------------------------------------

    @operation("listAthletes")
    async def list(self, *, ext_id_prefix: str | None = None) -> builtins.list[AthleteWithTags]:
        """Every athlete you follow or coach, including yourself (personal API key only)."""
        return await self._client._request_list(
            RequestSpec(
                "GET", "/api/v1/athletes",
                params={"ext_id_prefix": ext_id_prefix},
            ),
            AthleteWithTags,
        )

    @operation("getAthleteSummary")
    async def summary(
        self,
        *,
        start: date | datetime | None = None,
        end: date | datetime | None = None,
        tags: builtins.list[str] | None = None,
    ) -> builtins.list[SummaryWithCats]:
        """Weekly summary rows for you and every athlete you follow or coach.

        ``start`` defaults to 6 days ago and ``end`` to today (the athlete's local dates).
        With a bearer token only the token's athlete is returned.
        """
        return await self._client._request_list(
            RequestSpec(
                "GET", self._athlete_path("/athlete-summary.json"),
                params={"start": start, "end": end, "tags": tags},
            ),
            SummaryWithCats,
        )

    @operation("getAthleteSummary")
    async def summary_csv(
        self,
        *,
        start: date | datetime | None = None,
        end: date | datetime | None = None,
        tags: builtins.list[str] | None = None,
    ) -> str:
        """The athlete summary as CSV text."""
        return await self._client._request_text(
            RequestSpec(
                "GET", self._athlete_path("/athlete-summary.csv"),
                params={"start": start, "end": end, "tags": tags},
            )
        )
