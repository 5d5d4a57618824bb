"""Routes: the athlete's recurring courses, matched from their activities' tracks."""

from __future__ import annotations

import builtins

from typing_extensions import Unpack

from intervals_icu._async.resources._base import AsyncResource
from intervals_icu._http import RequestSpec
from intervals_icu.models import AthleteRoute, RouteSimilarity, WithCount
from intervals_icu.models._fields import AthleteRouteFields
from intervals_icu.operation import operation
from intervals_icu.updates import build_partial_body

__all__ = ["AsyncRoutesResource"]


class AsyncRoutesResource(AsyncResource):
    @operation("listAthleteRoutes")
    async def list(self) -> builtins.list[WithCount]:
        """Every route with its distance, activity count and most recent activity."""
        return await self._client._request_list(
            RequestSpec("GET", self._athlete_path("/routes")),
            WithCount,
        )

    @operation("getAthleteRoute")
    async def get(self, route_id: int, *, include_path: bool = False) -> AthleteRoute:
        """A route; ``include_path=True`` adds its track (``latlngs``)."""
        return await self._client._request_model(
            RequestSpec("GET", self._athlete_path(f"/routes/{int(route_id)}"),
                        params={"includePath": include_path or None}),
            AthleteRoute,
        )

    @operation("updateAthleteRoute")
    async def update(self, route_id: int, /, **fields: Unpack[AthleteRouteFields]) -> AthleteRoute:
        """Change only the given fields (name, tags, commute, ``rename_activities``...)."""
        return await self._client._request_model(
            RequestSpec("PUT", self._athlete_path(f"/routes/{int(route_id)}"),
                        json=build_partial_body(AthleteRoute, fields, what="Route")),
            AthleteRoute,
        )

    @operation("checkMerge")
    async def similarity(self, route_id: int, other_id: int) -> RouteSimilarity:
        """How similar two routes are (0..1), e.g. before merging them."""
        return await self._client._request_model(
            RequestSpec("GET",
                        self._athlete_path(f"/routes/{int(route_id)}/similarity/{int(other_id)}")),
            RouteSimilarity,
        )
