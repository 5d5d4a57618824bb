# Generated from src/intervals_icu/_async/client.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""The sync client. This file is the source of ``_sync/client.py`` (scripts/unasync.py)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx

from intervals_icu import errors
from intervals_icu._sync.resources import (
    ActivitiesResource,
    AthletesResource,
    ChatsResource,
    CustomItemsResource,
    EventsResource,
    GearResource,
    LibraryResource,
    OAuthResource,
    RoutesResource,
    SharedEventsResource,
    SportSettingsResource,
    WeatherResource,
    WellnessResource,
)
from intervals_icu._http import (
    DEFAULT_TIMEOUT,
    SyncHTTP,
    HTTPConfig,
    RateLimit,
    RequestSpec,
    RetryPolicy,
    TokenBucket,
    note_of,
)
from intervals_icu._responses import Destination, Download, FileSink, parse_response
from intervals_icu._twins import AnyClient
from intervals_icu.auth import (
    DEFAULT_BASE_URL,
    ENV_ATHLETE_ID,
    ENV_BASE_URL,
    Credentials,
    credentials_from_env,
)
from intervals_icu.dates import athlete_zone, today_in
from intervals_icu.hooks import (
    AnyWriteHook,
    WriteHook,
    JSONValue,
    ReadCall,
    WriteCall,
    WriteHook,
    WriteOutcome,
    to_sync_hook,
)

__all__ = ["Client"]

M = TypeVar("M")
ResponseHook = Callable[[errors.RequestInfo, int, float, int], None]


class Client:
    """Typed access to every operation of the Intervals.icu API.

    ``credentials`` defaults to ``INTERVALS_API_KEY`` (or ``INTERVALS_ACCESS_TOKEN``);
    ``athlete_id`` to ``INTERVALS_ATHLETE_ID`` or ``"0"`` (the caller); ``base_url`` to
    ``INTERVALS_BASE_URL`` or https://intervals.icu. Pass ``http_client`` to bring your own
    configured ``httpx`` client (proxies, event hooks, a sandbox transport).

    ``journal`` (e.g. ``intervals_icu.journal.SqliteJournal``) and ``write_hooks`` are called
    around every write (see ``intervals_icu.hooks``); sync hooks run in a worker thread.
    """

    def __init__(
        self,
        credentials: Credentials | None = None,
        *,
        athlete_id: str | None = None,
        base_url: str | None = None,
        http_client: httpx.Client | None = None,
        timeout: httpx.Timeout | float | None = None,
        rate_limit: RateLimit | None = None,
        retry: RetryPolicy | None = None,
        strict: bool = False,
        journal: WriteHook | WriteHook | None = None,
        write_hooks: Sequence[WriteHook | WriteHook] = (),
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
        athlete = str(athlete_id or os.environ.get(ENV_ATHLETE_ID) or "0")
        config = HTTPConfig(
            base_url=resolved_base,
            credentials=credentials,
            retry=retry or RetryPolicy(),
            bucket=TokenBucket(rate_limit or RateLimit()),
            timeout=_timeout(timeout),
            caller_athlete_id=None if athlete == "0" else athlete,
        )
        self._setup(SyncHTTP(config, http_client), athlete_id=athlete, strict=strict,
                    journal=journal, write_hooks=tuple(write_hooks), timezone=None)

    def _setup(self, http: SyncHTTP, *, athlete_id: str, strict: bool,
               journal: AnyWriteHook | None, write_hooks: tuple[AnyWriteHook, ...],
               timezone: ZoneInfo | None) -> None:
        """Every client is made here: built, derived (for_athlete, with_options) or copied
        from another (from_client)."""
        self._http = http
        self.athlete_id = athlete_id
        self.strict = strict
        self._journal = journal
        self._write_hooks = write_hooks
        self._hooks = _adapted(journal, write_hooks)
        self._timezone = timezone
        self._attach_resources()

    def _copy(self, http: SyncHTTP, *, athlete_id: str | None = None,
              strict: bool | None = None) -> Client:
        twin = object.__new__(type(self))
        same_athlete = athlete_id is None or athlete_id == self.athlete_id
        twin._setup(http, athlete_id=self.athlete_id if athlete_id is None else athlete_id,
                    strict=self.strict if strict is None else strict, journal=self._journal,
                    write_hooks=self._write_hooks,
                    timezone=self._timezone if same_athlete else None)
        return twin

    def _attach_resources(self) -> None:
        self.athletes = AthletesResource(self)
        self.activities = ActivitiesResource(self)
        self.wellness = WellnessResource(self)
        self.events = EventsResource(self)
        self.library = LibraryResource(self)
        self.gear = GearResource(self)
        self.sport_settings = SportSettingsResource(self)
        self.chats = ChatsResource(self)
        self.custom_items = CustomItemsResource(self)
        self.routes = RoutesResource(self)
        self.weather = WeatherResource(self)
        self.shared_events = SharedEventsResource(self)
        self.oauth = OAuthResource(self)

    # -- derived clients --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._http.config.base_url

    @property
    def credentials(self) -> Credentials | None:
        return self._http.config.credentials

    @property
    def rate_limit(self) -> RateLimit:
        """The pacing this client (and every client derived from it) keeps to."""
        return self._http.config.bucket.limit

    @property
    def journal(self) -> AnyWriteHook | None:
        """The journal every write goes through (None: writes are not journaled)."""
        return self._journal

    @journal.setter
    def journal(self, journal: AnyWriteHook | None) -> None:
        self._journal = journal
        self._hooks = _adapted(journal, self._write_hooks)

    @classmethod
    def from_client(cls, other: AnyClient, *,
                    http_client: httpx.Client | None = None) -> Client:
        """A client of this kind (sync or async) configured like ``other``: same credentials,
        base URL, athlete, retry policy, timeouts, strictness and journal, and the SAME token
        bucket, so both together stay under the rate limit.

        Connections: ``http_client`` if given; else ``other``'s own ``httpx`` client when it
        was given one (a sync client is used from worker threads, so its transport, proxies
        and event hooks apply); else a new pool.
        """
        http = SyncHTTP.like(other._http, other._http.config.derive(), http_client)
        twin = object.__new__(cls)
        twin._setup(http, athlete_id=other.athlete_id, strict=other.strict,
                    journal=other.journal, write_hooks=other._write_hooks,
                    timezone=other._timezone)
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
        Client
    ):
        """The same client (connection pool, pacing) acting on another athlete's data.

        For coaches: the athlete must follow you or be coached by you. For OAuth apps, pass
        that athlete's own ``credentials`` (their BearerToken): one token reaches one athlete.
        """
        changes: dict[str, Any] = {}
        if credentials is not None:
            changes["credentials"] = credentials
        return self._copy(self._http.shared(self._http.config.derive(**changes)),
                          athlete_id=str(athlete_id))

    def with_options(
        self,
        *,
        timeout: httpx.Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        strict: bool | None = None,
    ) -> Client:
        """A copy with other per-request options; connections and pacing stay shared."""
        changes: dict[str, Any] = {}
        if timeout is not None:
            changes["timeout"] = _timeout(timeout)
        if retry is not None:
            changes["retry"] = retry
        return self._copy(self._http.shared(self._http.config.derive(**changes)), strict=strict)

    # -- lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.credentials!r}, athlete_id={self.athlete_id!r}, "
            f"base_url={self.base_url!r})"
        )

    # -- the athlete's local calendar -----------------------------------------------------------

    def timezone(self) -> ZoneInfo:
        """The athlete's time zone (from their profile; fetched once)."""
        if self._timezone is None:
            response = self._http.request(
                RequestSpec("GET", self.athlete_path(), operation_id="getAthlete")
            )
            self._timezone = athlete_zone(response.json().get("timezone"))
        return self._timezone

    def today(self) -> date:
        """Today in the athlete's time zone, which is what the API's local dates mean."""
        return today_in(self.timezone())

    # -- raw requests -------------------------------------------------------------------------

    def athlete_path(self, suffix: str = "") -> str:
        return f"/api/v1/athlete/{self.athlete_id}{suffix}"

    def request(
        self,
        method: str,
        path: str,
        *,
        operation_id: str | None = None,
        params: Mapping[str, object] | None = None,
        json: object = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | float | None = None,  # noqa: ASYNC109 (per request, as httpx)
    ) -> httpx.Response:
        """Send one request the way the resource methods do: credentials, pacing, retries
        (a write is replayed only when ``operation_id`` names an operation that may be sent
        twice), typed errors, and the journal and write hooks for writes.

        ``path`` starts at the base URL (``/api/v1/athlete/0/wellness.json``;
        ``client.athlete_path("/wellness.json")`` builds it for this client's athlete).
        ``params`` take Python values (dates, bools, lists). Returns the answer (status
        below 400); errors raise.
        """
        if not path.startswith("/"):
            raise errors.InvalidRequestError(
                f"path must start with '/', e.g. '/api/v1/athlete/0', got {path!r}"
            )
        return self._send(RequestSpec(
            method.upper(), path, operation_id=operation_id, params=params, json=json,
            data=data, files=files, headers=headers, timeout=timeout,
        ))

    # -- plumbing used by the resources ---------------------------------------------------------

    def _send(self, spec: RequestSpec) -> httpx.Response:
        """Send one request; writes go through the write hooks (the journal)."""
        if spec.method == "GET" or not self._hooks:
            return self._http.request(spec)
        call = _write_call(spec, self.athlete_id)
        tokens: list[tuple[WriteHook, object]] = []
        for hook in self._hooks:
            before = [self._read_for_hook(read) for read in hook.reads_before(call)]
            tokens.append((hook, hook.before_write(call, before)))
        try:
            response = self._http.request(spec)
        except errors.IntervalsError as exc:
            outcome = WriteOutcome("uncertain" if exc.may_have_been_applied else "not_applied",
                                   status=getattr(exc, "status", None), note=str(exc))
            for hook, token in tokens:
                hook.after_write(token, outcome)
            raise
        except BaseException:
            # Interrupted while the write was on its way: it may have been applied.
            outcome = WriteOutcome("uncertain", note="interrupted before the answer")
            for hook, token in tokens:
                hook.after_write(token, outcome)
            raise
        outcome = WriteOutcome("applied", status=response.status_code,
                               body=_json_or_none(response), note=note_of(response))
        for hook, token in tokens:
            hook.after_write(token, outcome)
        return response

    def _read_for_hook(self, read: ReadCall) -> JSONValue:
        try:
            response = self._http.request(
                RequestSpec("GET", read.path, operation_id=read.operation_id,
                            params=read.params)
            )
        except errors.NotFound:
            return None
        return _json_or_none(response)

    def _request_json(self, spec: RequestSpec) -> Any:
        response = self._send(spec)
        if not response.content:
            return None
        return response.json()

    def _request_model(self, spec: RequestSpec, tp: type[M]) -> M:
        response = self._send(spec)
        data = response.json() if response.content else None
        return parse_response(tp, data, strict=self.strict, request=_info(spec))  # type: ignore[no-any-return]

    def _request_list(self, spec: RequestSpec, tp: type[M]) -> list[M]:
        response = self._send(spec)
        data = response.json() if response.content else []
        return parse_response(list[tp], data or [], strict=self.strict, request=_info(spec))  # type: ignore[no-any-return,valid-type]

    def _request_text(self, spec: RequestSpec) -> str:
        response = self._send(spec)
        return response.text

    def _request_bytes(self, spec: RequestSpec) -> bytes:
        response = self._send(spec)
        return response.content

    def _request_status(self, spec: RequestSpec) -> tuple[int, Any]:
        response = self._send(spec)
        return response.status_code, (response.json() if response.content else None)

    def _download(self, spec: RequestSpec, dest: Destination, default_name: str) -> Download:
        with self._http.stream(spec) as response:
            sink = FileSink(dest, headers=response.headers, default_name=default_name)
            try:
                for chunk in response.iter_bytes():
                    sink.write(chunk)
            except BaseException:
                sink.abort()
                raise
            return sink.finish()


def _adapted(journal: AnyWriteHook | None, hooks: Sequence[AnyWriteHook]) -> (
    tuple[WriteHook, ...]
):
    sources = ([journal] if journal is not None else []) + list(hooks)
    return tuple(to_sync_hook(hook) for hook in sources)


def _write_call(spec: RequestSpec, athlete_id: str) -> WriteCall:
    return WriteCall(
        method=spec.method, path=spec.path, operation_id=spec.operation_id,
        athlete_id=athlete_id, params=dict(spec.params or {}), body=spec.json,
        form={k: str(v) for k, v in (spec.data or {}).items()},
        files=tuple(spec.files or ()),
    )


def _json_or_none(response: httpx.Response) -> JSONValue:
    if not response.content:
        return None
    try:
        data: JSONValue = response.json()
    except ValueError:
        return None
    return data


def _timeout(value: httpx.Timeout | float | None) -> httpx.Timeout:
    if value is None:
        return DEFAULT_TIMEOUT
    if isinstance(value, httpx.Timeout):
        return value
    return httpx.Timeout(value)


def _info(spec: RequestSpec) -> errors.RequestInfo:
    return errors.RequestInfo(spec.method, spec.path)
