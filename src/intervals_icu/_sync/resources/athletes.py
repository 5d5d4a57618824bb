# Generated from src/intervals_icu/_async/resources/athletes.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""Athletes: profile, settings, training plan, and the coach's views (list, summary)."""

from __future__ import annotations

import builtins
from datetime import date, datetime
from typing import Any, Literal

from typing_extensions import Unpack

from intervals_icu._sync.resources._base import Resource
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


class AthletesResource(Resource):
    @operation("getAthlete")
    def get(self) -> WithSportSettings:
        """The athlete with ``sportSettings`` and ``custom_items`` (OAuth: SETTINGS:READ)."""
        return self._client._request_model(
            RequestSpec("GET", self._athlete_path()),
            WithSportSettings,
        )

    @operation("updateAthlete")
    def update(self, **fields: Unpack[AthleteUpdateDTOFields]) -> Athlete:
        """Change only the given fields (``CLEAR`` unsets a numeric one)."""
        body = build_partial_body(AthleteUpdateDTO, fields, what="Athlete")
        return self._client._request_model(
            RequestSpec("PUT", self._athlete_path(), json=body),
            Athlete,
        )

    @operation("getAthleteProfile")
    def profile(self) -> AthleteProfile:
        return self._client._request_model(
            RequestSpec("GET", self._athlete_path("/profile")),
            AthleteProfile,
        )

    @operation("getAthleteConnections")
    def connections(self) -> AthleteConnections:
        """Devices and platform apps the athlete has connected (Garmin, Strava, ...)."""
        return self._client._request_model(
            RequestSpec(
                "GET", self._athlete_path("/connections")
            ),
            AthleteConnections,
        )

    @operation("getSettings")
    def device_settings(self, device_class: DeviceClass) -> dict[str, Any]:
        """The athlete's UI settings for ``phone``, ``tablet`` or ``desktop``."""
        settings: dict[str, Any] = self._client._request_json(
            RequestSpec(
                "GET", self._athlete_path(f"/settings/{device_class}")
            )
        )
        return settings

    @operation("getAthleteTrainingPlan")
    def training_plan(self) -> AthleteTrainingPlan:
        return self._client._request_model(
            RequestSpec(
                "GET", self._athlete_path("/training-plan")
            ),
            AthleteTrainingPlan,
        )

    @operation("updateAthletePlan")
    def update_training_plan(
        self, **fields: Unpack[AthleteTrainingPlanUpdateFields]
    ) -> AthleteTrainingPlan:
        body = build_partial_body(AthleteTrainingPlanUpdate, fields)
        return self._client._request_model(
            RequestSpec(
                "PUT", self._athlete_path("/training-plan"),
                json=body,
            ),
            AthleteTrainingPlan,
        )

    @operation("updateAthletePlans")
    def update_training_plans(
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
        return self._client._request_json(
            RequestSpec("PUT", "/api/v1/athlete-plans",
                        json=body)
        )

    # -- coach views ---------------------------------------------------------------------------

    @operation("listAthletes")
    def list(self, *, ext_id_prefix: str | None = None) -> builtins.list[AthleteWithTags]:
        """Every athlete you follow or coach, including yourself (personal API key only)."""
        return self._client._request_list(
            RequestSpec(
                "GET", "/api/v1/athletes",
                params={"ext_id_prefix": ext_id_prefix},
            ),
            AthleteWithTags,
        )

    @operation("getAthleteSummary")
    def summary(
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
        return self._client._request_list(
            RequestSpec(
                "GET", self._athlete_path("/athlete-summary.json"),
                params={"start": start, "end": end, "tags": tags},
            ),
            SummaryWithCats,
        )

    @operation("getAthleteSummary")
    def summary_csv(
        self,
        *,
        start: date | datetime | None = None,
        end: date | datetime | None = None,
        tags: builtins.list[str] | None = None,
    ) -> str:
        """The athlete summary as CSV text."""
        return self._client._request_text(
            RequestSpec(
                "GET", self._athlete_path("/athlete-summary.csv"),
                params={"start": start, "end": end, "tags": tags},
            )
        )
