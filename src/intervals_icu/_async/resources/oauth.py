"""The OAuth app's own housekeeping: disconnecting from the athlete."""

from __future__ import annotations

from intervals_icu import errors
from intervals_icu._async.resources._base import AsyncResource
from intervals_icu._http import RequestSpec
from intervals_icu.auth import BearerToken
from intervals_icu.operation import operation

__all__ = ["AsyncOAuthResource"]


class AsyncOAuthResource(AsyncResource):
    @operation("disconnectApp")
    async def disconnect(self) -> None:
        """Disconnect the athlete from your app: every token your app holds for them stops
        working (and webhooks for them stop). Only an OAuth bearer token can do this."""
        if not isinstance(self._client.credentials, BearerToken):
            raise errors.ConfigurationError(
                "disconnect() needs the app's OAuth token: build the client with "
                "BearerToken(<access token>); a personal API key has no app to disconnect."
            )
        await self._client._request_json(
            RequestSpec("DELETE", "/api/v1/disconnect-app")
        )
