"""Clients acting for the athlete of an event, for handlers (``ctx.client``).

Webhooks come to OAuth apps, and an app reads an athlete's data with the bearer token that
athlete granted: give the receiver ``tokens``, a mapping or a function from athlete id to
credentials (a ``BearerToken``, or the token as a string), typically a lookup in the table
where your OAuth callback saved them. A coach with a personal API key can instead pass
``client=`` (a Client or AsyncClient): each athlete is then ``client.for_athlete(id)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from intervals_icu import ApiKey, AsyncClient, BearerToken, Client, Credentials
from intervals_icu.errors import ConfigurationError
from intervals_icu.secret import Secret

__all__ = ["AthleteClients", "TokenLookup"]

TokenValue = Credentials | Secret | str | None
TokenLookup = Mapping[str, TokenValue] | Callable[[str], TokenValue | Awaitable[TokenValue]]
"""Athlete id -> credentials (or the bearer token itself); None when unknown."""


def _as_credentials(value: TokenValue) -> Credentials | None:
    if value is None or isinstance(value, (ApiKey, BearerToken)):
        return value
    if isinstance(value, (str, Secret)):
        return BearerToken(value)
    raise ConfigurationError(
        f"the token lookup returned a {type(value).__name__}; return a BearerToken, the "
        "token string, or None for an athlete you have no token for"
    )


class AthleteClients:
    """Builds (and caches, one per athlete) the clients handed to handlers."""

    def __init__(
        self,
        *,
        tokens: TokenLookup | None = None,
        client: Client | AsyncClient | None = None,
        base_url: str | None = None,
        client_options: Mapping[str, Any] | None = None,
    ) -> None:
        if tokens is not None and client is not None:
            raise ConfigurationError(
                "pass either tokens= (OAuth: one bearer token per athlete) or client= (a "
                "coach's API key client), not both"
            )
        self.tokens = tokens
        self.template = client
        self.base_url = base_url or (client.base_url if client is not None else None)
        self.client_options = dict(client_options or {})
        self._async: dict[str, tuple[Credentials, AsyncClient]] = {}
        self._sync: dict[str, tuple[Credentials, Client]] = {}

    @property
    def configured(self) -> bool:
        return self.tokens is not None or self.template is not None

    async def credentials(self, athlete_id: str) -> Credentials:
        if self.template is not None:
            credentials = self.template.credentials
            assert credentials is not None
            return credentials
        if self.tokens is None:
            raise ConfigurationError(
                "handlers asked for a client but the receiver has no way to act for an "
                "athlete: pass tokens= (athlete id -> BearerToken) or client= (a coach's "
                "API key client) to WebhookReceiver"
            )
        if isinstance(self.tokens, Mapping):
            value: Any = self.tokens.get(athlete_id)
        else:
            value = self.tokens(athlete_id)
            if inspect.isawaitable(value):
                value = await value
        credentials = _as_credentials(value)
        if credentials is None:
            raise ConfigurationError(
                f"no token for athlete {athlete_id}: the token lookup returned None (did "
                "they authorize the app? save the token from the OAuth callback)"
            )
        return credentials

    async def async_client(self, athlete_id: str) -> AsyncClient:
        credentials = await self.credentials(athlete_id)
        cached = self._async.get(athlete_id)
        if cached is not None and cached[0] == credentials:
            return cached[1]
        if isinstance(self.template, AsyncClient):
            client = self.template.for_athlete(athlete_id)
        else:
            client = AsyncClient(credentials, athlete_id=athlete_id,
                                 base_url=self.base_url, **self.client_options)
        self._async[athlete_id] = (credentials, client)
        if cached is not None and cached[1] is not client:
            await cached[1].aclose()
        return client

    async def sync_client(self, athlete_id: str) -> Client:
        credentials = await self.credentials(athlete_id)
        cached = self._sync.get(athlete_id)
        if cached is not None and cached[0] == credentials:
            return cached[1]
        if isinstance(self.template, Client):
            client = self.template.for_athlete(athlete_id)
        else:
            client = Client(credentials, athlete_id=athlete_id,
                            base_url=self.base_url, **self.client_options)
        self._sync[athlete_id] = (credentials, client)
        if cached is not None and cached[1] is not client:
            cached[1].close()
        return client

    async def aclose(self) -> None:
        for _, client in self._async.values():
            if client is not self.template:
                await client.aclose()
        for _, sync in self._sync.values():
            if sync is not self.template:
                sync.close()
        self._async.clear()
        self._sync.clear()
