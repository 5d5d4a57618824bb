"""Clients acting for the athlete of an event, for handlers (``ctx.client``).

Webhooks come to OAuth apps, and an app reads an athlete's data with the bearer token that
athlete granted: give the receiver ``credentials_for``, the same lookup the mirror takes (a
mapping or a function, sync or async, from athlete id to a ``BearerToken`` or the token as a
string; see :mod:`intervals_icu.credentials_lookup`), typically the table where your OAuth
callback saved them. A coach with a personal API key can instead pass ``client=`` (a Client or
AsyncClient): each athlete is then ``client.for_athlete(id)``.
"""

from __future__ import annotations

from typing import TypedDict

from intervals_icu import AsyncClient, Client, Credentials, RateLimit, RetryPolicy
from intervals_icu.credentials_lookup import CredentialsFor, lookup_credentials
from intervals_icu.errors import ConfigurationError

__all__ = ["AthleteClients", "ClientOptions", "TokenLookup"]

TokenLookup = CredentialsFor
"""The old name of :data:`intervals_icu.credentials_lookup.CredentialsFor`."""



class ClientOptions(TypedDict, total=False):
    """What the clients built for handlers are configured with (``Client(...)`` keywords)."""

    timeout: float | None
    rate_limit: RateLimit | None
    retry: RetryPolicy | None
    strict: bool


class AthleteClients:
    """Builds (and caches, one per athlete) the clients handed to handlers."""

    def __init__(
        self,
        *,
        credentials_for: CredentialsFor | None = None,
        client: Client | AsyncClient | None = None,
        base_url: str | None = None,
        client_options: ClientOptions | None = None,
    ) -> None:
        if credentials_for is not None and client is not None:
            raise ConfigurationError(
                "pass either credentials_for= (OAuth: one bearer token per athlete) or "
                "client= (a coach's API key client), not both"
            )
        self.credentials_for = credentials_for
        self.template = client
        self.base_url = base_url or (client.base_url if client is not None else None)
        self.client_options: ClientOptions = client_options or {}
        self._async: dict[str, tuple[Credentials, AsyncClient]] = {}
        self._sync: dict[str, tuple[Credentials, Client]] = {}

    @property
    def configured(self) -> bool:
        return self.credentials_for is not None or self.template is not None

    async def credentials(self, athlete_id: str) -> Credentials:
        if self.template is not None:
            credentials = self.template.credentials
            assert credentials is not None
            return credentials
        if self.credentials_for is None:
            raise ConfigurationError(
                "handlers asked for a client but the receiver has no way to act for an "
                "athlete: pass credentials_for= (athlete id -> BearerToken) or client= (a "
                "coach's API key client) to WebhookReceiver"
            )
        credentials = await lookup_credentials(self.credentials_for, athlete_id)
        if credentials is None:
            raise ConfigurationError(
                f"no token for athlete {athlete_id}: the credentials lookup returned None (did "
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
