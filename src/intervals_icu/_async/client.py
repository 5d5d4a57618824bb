"""The async client. This file is the source of ``_sync/client.py`` (scripts/unasync.py)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from intervals_icu import errors
from intervals_icu._async.resources import (
    AsyncActivitiesResource,
    AsyncAthletesResource,
    AsyncChatsResource,
    AsyncCustomItemsResource,
    AsyncEventsResource,
    AsyncGearResource,
    AsyncLibraryResource,
    AsyncOAuthResource,
    AsyncRoutesResource,
    AsyncSharedEventsResource,
    AsyncSportSettingsResource,
    AsyncWeatherResource,
    AsyncWellnessResource,
)
from intervals_icu._http import (
    DEFAULT_TIMEOUT,
    AsyncHTTP,
    HTTPConfig,
    RateLimit,
    RequestSpec,
    RetryPolicy,
    TokenBucket,
    clone_config,
)
from intervals_icu._responses import Destination, Download, FileSink, parse_response
from intervals_icu.auth import (
    DEFAULT_BASE_URL,
    ENV_ATHLETE_ID,
    ENV_BASE_URL,
    Credentials,
    credentials_from_env,
)
from intervals_icu.journal import WriteJournal

__all__ = ["AsyncClient"]

M = TypeVar("M")
ResponseHook = Callable[[errors.RequestInfo, int, float, int], None]


class AsyncClient:
    """Typed access to every operation of the Intervals.icu API.

    ``credentials`` defaults to ``INTERVALS_API_KEY`` (or ``INTERVALS_ACCESS_TOKEN``);
    ``athlete_id`` to ``INTERVALS_ATHLETE_ID`` or ``"0"`` (the caller); ``base_url`` to
    ``INTERVALS_BASE_URL`` or https://intervals.icu. Pass ``http_client`` to bring your own
    configured ``httpx`` client (proxies, event hooks, a sandbox transport).
    """

    def __init__(
        self,
        credentials: Credentials | None = None,
        *,
        athlete_id: str | None = None,
        base_url: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | float | None = None,
        rate_limit: RateLimit | None = None,
        retry: RetryPolicy | None = None,
        strict: bool = False,
        journal: WriteJournal | None = None,
    ) -> None:
        credentials = credentials if credentials is not None else credentials_from_env()
        if credentials is None:
            raise errors.MissingCredentials(
                "no credentials: pass ApiKey('<key>') (or BearerToken for OAuth apps), or set "
                "INTERVALS_API_KEY. The key is at https://intervals.icu/settings, Developer "
                "Settings."
            )
        resolved_base = (base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL).rstrip("/")
        if not resolved_base.startswith(("http://", "https://")):
            raise errors.ConfigurationError(
                f"base_url must start with http:// or https://, got {resolved_base!r}"
            )
        self.athlete_id = str(athlete_id or os.environ.get(ENV_ATHLETE_ID) or "0")
        config = HTTPConfig(
            base_url=resolved_base,
            credentials=credentials,
            retry=retry or RetryPolicy(),
            bucket=TokenBucket(rate_limit or RateLimit()),
            timeout=_timeout(timeout),
            caller_athlete_id=None if self.athlete_id == "0" else self.athlete_id,
        )
        self._http = AsyncHTTP(config, http_client)
        self.strict = strict
        self.journal = journal
        self._timezone: ZoneInfo | None = None
        self._attach_resources()

    def _attach_resources(self) -> None:
        self.athletes = AsyncAthletesResource(self)
        self.activities = AsyncActivitiesResource(self)
        self.wellness = AsyncWellnessResource(self)
        self.events = AsyncEventsResource(self)
        self.library = AsyncLibraryResource(self)
        self.gear = AsyncGearResource(self)
        self.sport_settings = AsyncSportSettingsResource(self)
        self.chats = AsyncChatsResource(self)
        self.custom_items = AsyncCustomItemsResource(self)
        self.routes = AsyncRoutesResource(self)
        self.weather = AsyncWeatherResource(self)
        self.shared_events = AsyncSharedEventsResource(self)
        self.oauth = AsyncOAuthResource(self)

    # -- derived clients --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._http.config.base_url

    @property
    def credentials(self) -> Credentials | None:
        return self._http.config.credentials

    @classmethod
    def from_client(cls, other: Any, *, http_client: httpx.AsyncClient | None = None) -> (
        AsyncClient
    ):
        """A client of this kind (sync or async) configured like ``other``: same credentials,
        base URL, athlete, retry policy, timeouts and strictness, and the SAME token bucket,
        so both together stay under the rate limit. Connections are not shared."""
        twin = cls.__new__(cls)
        twin.athlete_id = other.athlete_id
        twin.strict = other.strict
        twin.journal = other.journal
        twin._timezone = other._timezone
        twin._http = AsyncHTTP(clone_config(other._http.config), http_client)
        twin._attach_resources()
        return twin

    def on_response(self, hook: ResponseHook) -> Callable[[], None]:
        """Call ``hook(request, status, seconds, attempt)`` after every HTTP attempt (also
        retries), e.g. to count requests or record latency. ``request`` is a RequestInfo
        (method, path, query with secrets removed). Shared with derived clients.
        Returns a function that removes the hook."""
        hooks = self._http.config.on_response
        hooks.append(hook)

        def remove() -> None:
            if hook in hooks:
                hooks.remove(hook)

        return remove

    def for_athlete(self, athlete_id: str, *, credentials: Credentials | None = None) -> (
        AsyncClient
    ):
        """The same client (connection pool, pacing) acting on another athlete's data.

        For coaches: the athlete must follow you or be coached by you. For OAuth apps, pass
        that athlete's own ``credentials`` (their BearerToken): one token reaches one athlete.
        """
        changes = {} if credentials is None else {"credentials": credentials}
        return self._derive(athlete_id=str(athlete_id), config_changes=changes)

    def with_options(
        self,
        *,
        timeout: httpx.Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        strict: bool | None = None,
    ) -> AsyncClient:
        """A copy with other per-request options; connections and pacing stay shared."""
        changes: dict[str, Any] = {}
        if timeout is not None:
            changes["timeout"] = _timeout(timeout)
        if retry is not None:
            changes["retry"] = retry
        return self._derive(config_changes=changes, strict=strict)

    def _derive(
        self,
        *,
        athlete_id: str | None = None,
        config_changes: dict[str, Any] | None = None,
        strict: bool | None = None,
    ) -> AsyncClient:
        clone = object.__new__(type(self))
        clone.athlete_id = athlete_id if athlete_id is not None else self.athlete_id
        clone.strict = self.strict if strict is None else strict
        clone.journal = self.journal
        clone._timezone = self._timezone if athlete_id is None else None
        clone._http = AsyncHTTP.__new__(AsyncHTTP)
        clone._http.config = clone_config(self._http.config, **(config_changes or {}))
        clone._http.client = self._http.client
        clone._http._owns_client = False  # the parent closes the shared pool
        clone._attach_resources()
        return clone

    # -- lifecycle ----------------------------------------------------------------------------

    async def aclose(self) -> None:
        await self._http.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.credentials!r}, athlete_id={self.athlete_id!r}, "
            f"base_url={self.base_url!r})"
        )

    # -- the athlete's local calendar -----------------------------------------------------------

    async def timezone(self) -> ZoneInfo:
        """The athlete's time zone (from their profile; fetched once)."""
        if self._timezone is None:
            response = await self._http.request(
                RequestSpec("GET", self.athlete_path(), operation_id="getAthlete")
            )
            name = response.json().get("timezone") or "UTC"
            try:
                self._timezone = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                self._timezone = ZoneInfo("UTC")
        return self._timezone

    async def today(self) -> date:
        """Today in the athlete's time zone, which is what the API's local dates mean."""
        return datetime.now(await self.timezone()).date()

    # -- plumbing used by the resources ---------------------------------------------------------

    def athlete_path(self, suffix: str = "") -> str:
        return f"/api/v1/athlete/{self.athlete_id}{suffix}"

    async def _send(self, spec: RequestSpec) -> httpx.Response:
        """Send one request; with a journal, record writes with the record before and after."""
        journal = self.journal
        if journal is None or spec.method == "GET":
            return await self._http.request(spec)
        before_spec = journal.before_request(spec)
        before: Any = None
        if before_spec is not None:
            try:
                before = (await self._http.request(before_spec)).json()
            except errors.NotFound:
                before = None
        response = await self._http.request(spec)
        journal.record(spec, before=before, response=response, athlete_id=self.athlete_id)
        return response

    async def _request_json(self, spec: RequestSpec) -> Any:
        response = await self._send(spec)
        if not response.content:
            return None
        return response.json()

    async def _request_model(self, spec: RequestSpec, tp: type[M]) -> M:
        response = await self._send(spec)
        data = response.json() if response.content else None
        return parse_response(tp, data, strict=self.strict, request=_info(spec))  # type: ignore[no-any-return]

    async def _request_list(self, spec: RequestSpec, tp: type[M]) -> list[M]:
        response = await self._send(spec)
        data = response.json() if response.content else []
        return parse_response(list[tp], data or [], strict=self.strict, request=_info(spec))  # type: ignore[no-any-return,valid-type]

    async def _request_text(self, spec: RequestSpec) -> str:
        response = await self._send(spec)
        return response.text

    async def _request_bytes(self, spec: RequestSpec) -> bytes:
        response = await self._send(spec)
        return response.content

    async def _request_status(self, spec: RequestSpec) -> tuple[int, Any]:
        response = await self._send(spec)
        return response.status_code, (response.json() if response.content else None)

    async def _download(self, spec: RequestSpec, dest: Destination, default_name: str) -> Download:
        async with self._http.stream(spec) as response:
            sink = FileSink(dest, headers=response.headers, default_name=default_name)
            try:
                async for chunk in response.aiter_bytes():
                    sink.write(chunk)
            except BaseException:
                sink.abort()
                raise
            return sink.finish()


def _timeout(value: httpx.Timeout | float | None) -> httpx.Timeout:
    if value is None:
        return DEFAULT_TIMEOUT
    if isinstance(value, httpx.Timeout):
        return value
    return httpx.Timeout(value)


def _info(spec: RequestSpec) -> errors.RequestInfo:
    return errors.RequestInfo(spec.method, spec.path)
