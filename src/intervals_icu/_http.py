"""The only module that imports the HTTP library: transport, auth headers, pacing, retries.
Every policy decision is a pure function (unit-tested on its own); the two small send loops
below (sync and async) only apply them. What an error answer means is ``error_mapping``.

Retry rules (DESIGN: "never replay a write blindly"):
* 429 means "not processed": retried for every operation, honouring ``Retry-After``.
* A connection that could not be opened (nothing was sent) is retried for every operation.
* 5xx, read timeouts and broken connections: retried only for operations that may be sent
  twice (decided per operation in ``idempotency``; ``splitInterval`` is a PUT that may not).
* A delete of one record whose replay finds it gone succeeded: an earlier attempt applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import Enum
from typing import Any, Literal

import httpx

from intervals_icu import errors
from intervals_icu._version import __version__
from intervals_icu.auth import Credentials
from intervals_icu.error_mapping import (
    NOT_TRANSIENT_5XX,
    athlete_in_path,
    error_from_response,
    parse_retry_after,
)
from intervals_icu.idempotency import GONE_MEANS_DONE, is_replayable
from intervals_icu.operation import current_operation
from intervals_icu.secret import is_secret_field

__all__ = [
    "DEFAULT_TIMEOUT",
    "EARLIER_ATTEMPT_APPLIED",
    "AsyncHTTP",
    "RateLimit",
    "RequestSpec",
    "RetryPolicy",
    "SyncHTTP",
    "TokenBucket",
    "athlete_in_path",
    "encode_query",
    "error_from_response",
    "parse_retry_after",
    "retry_delay",
]

logger = logging.getLogger("intervals_icu")

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=30.0)
USER_AGENT = f"intervals-icu-python/{__version__}"
EARLIER_ATTEMPT_APPLIED = "deleted (an earlier attempt applied)"
"""The reason phrase of a delete whose replay found the record gone."""
NOTE_EXTENSION = "intervals_icu.note"

# ---------------------------------------------------------------------------------------------
# Retry policy (pure)

FailureKind = Literal["status", "connect", "timeout", "network"]


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and how long to wait. ``max_attempts`` counts the first try."""

    max_attempts: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    jitter: float = 0.25
    """Fraction of the delay added at random, so concurrent tasks do not retry in lock-step."""
    max_retry_after: float = 120.0
    """A server asking us to wait longer than this is not worth blocking on: raise instead."""

    @classmethod
    def none(cls) -> RetryPolicy:
        return cls(max_attempts=1)


def retry_delay(
    policy: RetryPolicy,
    *,
    replayable: bool,
    attempt: int,
    status: int | None = None,
    failure: FailureKind = "status",
    retry_after: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to wait before attempt ``attempt + 1``, or None to give up.

    ``attempt`` is the 1-based number of the attempt that just failed; ``replayable`` says
    whether the operation may be sent again after it may have been applied (``idempotency``).
    """
    if attempt >= policy.max_attempts:
        return None
    if failure == "status":
        if status == 429:
            retryable = True
        elif status in NOT_TRANSIENT_5XX:
            retryable = False  # "not implemented" will not start working in a second
        elif status is not None and 500 <= status <= 599:
            retryable = replayable
        else:
            retryable = False
    elif failure == "connect":
        retryable = True  # the request never left this machine
    else:
        retryable = replayable
    if not retryable:
        return None
    if retry_after is not None:
        if retry_after > policy.max_retry_after:
            return None
        return max(0.0, retry_after)
    delay = min(policy.backoff_max, policy.backoff_base * (2.0 ** (attempt - 1)))
    return float(delay * (1.0 + policy.jitter * rand()))


# ---------------------------------------------------------------------------------------------
# Pacing (token bucket shared by every task and thread of a client)


@dataclass(frozen=True)
class RateLimit:
    """Client-side pacing. The platform allows 10 requests/s per IP with a short burst
    (API-NOTES §6.1); staying at or under it means bulk jobs never see a 429."""

    per_second: float = 10.0
    burst: int = 5

    @classmethod
    def unlimited(cls) -> RateLimit:
        return cls(per_second=float("inf"), burst=1)


class TokenBucket:
    """A token bucket where each caller reserves its slot, so waiting is outside the lock.

    ``reserve`` returns how long the caller must sleep before sending; the bucket may go into
    debt, which is what makes it fair across concurrent tasks without an asyncio lock.
    """

    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._tokens = float(limit.burst)
        self._updated = clock()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        if self.limit.per_second == float("inf"):
            return 0.0
        with self._lock:
            now = self._clock()
            self._tokens = min(
                float(self.limit.burst),
                self._tokens + (now - self._updated) * self.limit.per_second,
            )
            self._updated = now
            self._tokens -= 1.0
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / self.limit.per_second

    def penalize(self, seconds: float) -> None:
        """The server said 429: no task of this client sends for ``seconds`` from now.

        Concurrent requests that each got a 429 ask for the same pause: the largest debt is
        kept, they do not add up (eight 429s are one back-off, not eight)."""
        if self.limit.per_second == float("inf") or seconds <= 0:
            return
        with self._lock:
            now = self._clock()
            self._tokens = min(
                float(self.limit.burst),
                self._tokens + (now - self._updated) * self.limit.per_second,
            )
            self._updated = now
            self._tokens = min(self._tokens, -seconds * self.limit.per_second)


# ---------------------------------------------------------------------------------------------
# Requests


@dataclass(frozen=True)
class RequestSpec:
    """One API call as the resources describe it; turned into an httpx request here.

    ``operation_id`` defaults to the operation of the ``@operation`` method being run."""

    method: str
    path: str
    operation_id: str | None = field(default_factory=current_operation)
    params: Mapping[str, Any] | None = None
    json: Any = None
    data: Mapping[str, Any] | None = None
    files: Mapping[str, Any] | None = None
    headers: Mapping[str, str] | None = None
    timeout: httpx.Timeout | float | None = None


def _encode_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def encode_query(
    params: Mapping[str, Any] | None,
) -> list[tuple[str, str | int | float | bool | None]]:
    """Query pairs: None dropped, bools lower-case, dates ISO, lists comma-joined (the
    platform's Spring backend reads ``a,b``; it does not read ``a[0]=``, API-NOTES §2.5)."""
    pairs: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
            if not items:
                continue
            pairs.append((key, ",".join(_encode_value(v) for v in items)))
        else:
            pairs.append((key, _encode_value(value)))
    return pairs


def redact_query(pairs: Sequence[tuple[str, Any]]) -> str:
    return "&".join(f"{k}={'***' if is_secret_field(k, query=True) else v}" for k, v in pairs)


def _failure_kind(exc: httpx.TransportError) -> FailureKind:
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
        return "connect"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    return "network"


def _transport_error(exc: httpx.TransportError, request: errors.RequestInfo, attempts: int,
                     *, replayable: bool) -> errors.TransportError:
    tried = f" after {attempts} attempts" if attempts > 1 else ""
    sent = _failure_kind(exc) != "connect"
    caution = (
        " The request was sent and may have been applied, so it was not retried: check "
        "(e.g. list by external_id) before sending it again."
        if sent and not replayable else ""
    )
    if isinstance(exc, httpx.TimeoutException):
        advice = caution or " Raise the timeout (Client(timeout=...)) or retry later."
        return errors.RequestTimeout(
            f"no answer in time{tried} ({request}): {type(exc).__name__}.{advice}",
            request=request, sent=sent,
        )
    if sent:
        advice = caution or " It is safe to retry later."
        return errors.TransportError(
            f"the connection broke before an answer{tried} ({request}): "
            f"{type(exc).__name__}: {exc}.{advice}",
            request=request, sent=True,
        )
    return errors.TransportError(
        f"could not reach the server{tried} ({request}): {type(exc).__name__}: {exc}. Check "
        "the network and the base URL.",
        request=request, sent=False,
    )


def _may_have_applied(status: int) -> bool:
    """An answer with this status may come after the change was made (the platform failed
    later, or a proxy lost the answer)."""
    return status >= 500 and status not in NOT_TRANSIENT_5XX


def note_of(response: httpx.Response) -> str:
    """What the send loop concluded about ``response`` ("" for a plain answer)."""
    note = response.extensions.get(NOTE_EXTENSION, "")
    return note if isinstance(note, str) else ""


# ---------------------------------------------------------------------------------------------
# The send loops


@dataclass
class HTTPConfig:
    """Everything a send loop needs; shared (by reference) by clones of a client."""

    base_url: str
    credentials: Credentials | None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    bucket: TokenBucket = field(default_factory=lambda: TokenBucket(RateLimit()))
    timeout: httpx.Timeout = field(default_factory=lambda: DEFAULT_TIMEOUT)
    caller_athlete_id: str | None = None
    sleep: Callable[[float], None] = time.sleep
    asleep: Callable[[float], Any] = asyncio.sleep
    on_response: list[Callable[[errors.RequestInfo, int, float, int], None]] = field(
        default_factory=list
    )

    def derive(self, **changes: Any) -> HTTPConfig:
        """A config for a derived client; the token bucket and hooks stay shared unless
        replaced."""
        return replace(self, **changes)


class _Attempts:
    """What the attempts of one request have shown so far (for the retry loop's choices)."""

    def __init__(self, spec: RequestSpec) -> None:
        self.spec = spec
        self.replayable = is_replayable(spec.operation_id, spec.method)
        self.count = 0
        self.maybe_applied = False
        """An earlier attempt of this write was sent and got no usable answer."""

    def gone_means_done(self, status: int) -> bool:
        return (status == 404 and self.maybe_applied and self.spec.method != "GET"
                and self.spec.operation_id in GONE_MEANS_DONE)


class _Base:
    config: HTTPConfig

    def _build(self, client: httpx.Client | httpx.AsyncClient, spec: RequestSpec) -> (
        tuple[httpx.Request, errors.RequestInfo]
    ):
        pairs = encode_query(spec.params)
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json, */*"}
        if self.config.credentials is not None:
            headers["Authorization"] = self.config.credentials.authorization()
        headers.update(spec.headers or {})
        url = self.config.base_url.rstrip("/") + spec.path
        timeout = spec.timeout if spec.timeout is not None else self.config.timeout
        request = client.build_request(
            spec.method,
            url,
            params=pairs,
            json=spec.json,
            data=dict(spec.data) if spec.data is not None else None,
            files=dict(spec.files) if spec.files is not None else None,
            headers=headers,
            timeout=timeout,
        )
        return request, errors.RequestInfo(spec.method, spec.path, redact_query(pairs))

    def _error(self, attempts: _Attempts, response: httpx.Response,
               info: errors.RequestInfo) -> errors.APIError:
        error = error_from_response(
            status=response.status_code,
            body_text=response.text,
            headers=response.headers,
            request=info,
            operation_id=attempts.spec.operation_id,
            credentials=self.config.credentials,
            caller_athlete_id=self.config.caller_athlete_id,
            attempts=attempts.count,
            replayable=attempts.replayable,
            max_retry_after=self.config.retry.max_retry_after,
        )
        if attempts.spec.method != "GET" and (
            attempts.maybe_applied or _may_have_applied(response.status_code)
        ):
            error.may_have_been_applied = True
            if attempts.maybe_applied and response.status_code < 500:
                error.message = error.args[0] + (
                    " An earlier attempt got no answer and may have been applied."
                )
                error.args = (error.message,)
        return error

    def _transport_failure(self, attempts: _Attempts, exc: httpx.TransportError,
                           info: errors.RequestInfo) -> float | errors.TransportError:
        """The delay before the next attempt, or the error to raise."""
        kind = _failure_kind(exc)
        if kind != "connect":
            attempts.maybe_applied = attempts.spec.method != "GET"
        delay = retry_delay(self.config.retry, replayable=attempts.replayable,
                            attempt=attempts.count, failure=kind)
        if delay is not None:
            return delay
        error = _transport_error(exc, info, attempts.count, replayable=attempts.replayable)
        error.may_have_been_applied = attempts.maybe_applied
        return error

    def _log(self, info: errors.RequestInfo, status: int | str, started: float,
             attempt: int) -> None:
        elapsed = time.perf_counter() - started
        logger.debug("%s -> %s in %.0f ms (attempt %d)", info, status, elapsed * 1000, attempt)
        if isinstance(status, int):
            for hook in self.config.on_response:
                hook(info, status, elapsed, attempt)

    def _delay_for_status(self, attempts: _Attempts, response: httpx.Response) -> float | None:
        status = response.status_code
        if _may_have_applied(status) and attempts.spec.method != "GET":
            attempts.maybe_applied = True
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        delay = retry_delay(
            self.config.retry,
            replayable=attempts.replayable,
            attempt=attempts.count,
            status=status,
            retry_after=retry_after,
        )
        if status == 429 and delay is not None:
            self.config.bucket.penalize(delay)
        return delay

    def _earlier_attempt_applied(self, info: errors.RequestInfo,
                                 request: httpx.Request) -> httpx.Response:
        logger.info("%s: %s", info, EARLIER_ATTEMPT_APPLIED)
        return httpx.Response(
            204, request=request,
            extensions={"reason_phrase": EARLIER_ATTEMPT_APPLIED.encode(),
                        NOTE_EXTENSION: EARLIER_ATTEMPT_APPLIED},
        )


def _rewind_files(spec: RequestSpec) -> bool:
    """Put file objects back at their start before a retry; False if one cannot be."""
    for value in (spec.files or {}).values():
        content = value[1] if isinstance(value, tuple) else value
        if hasattr(content, "read"):
            if not (hasattr(content, "seekable") and content.seekable()):
                return False
            content.seek(0)
    return True


_UNSEEKABLE = (
    "the upload could not be retried because its file object cannot seek; pass a path "
    "or bytes instead"
)


class SyncHTTP(_Base):
    """The send loop of ``Client`` over one connection pool.

    ``owns_client``: close the pool with the client (False for pools given by the caller and
    for derived clients, which share their parent's). ``custom_pool``: the pool is the
    caller's own ``httpx`` client (proxies, transports, event hooks), which copies keep.
    """

    def __init__(self, config: HTTPConfig, client: httpx.Client | None = None, *,
                 owns_client: bool | None = None, custom_pool: bool | None = None) -> None:
        self.config = config
        self.custom_pool = client is not None if custom_pool is None else custom_pool
        self.owns_client = client is None if owns_client is None else owns_client
        self.client = client or httpx.Client(follow_redirects=False)

    def shared(self, config: HTTPConfig) -> SyncHTTP:
        """The same pool with another config (a derived client; the parent closes it)."""
        return SyncHTTP(config, self.client, owns_client=False, custom_pool=self.custom_pool)

    @classmethod
    def like(cls, source: SyncHTTP | AsyncHTTP, config: HTTPConfig,
             client: httpx.Client | None = None) -> SyncHTTP:
        """A send loop of this kind that reaches the server the way ``source`` does."""
        if client is not None:
            return cls(config, client)
        if not source.custom_pool:
            return cls(config)
        if isinstance(source, SyncHTTP):
            return source.shared(config)
        if source.bridged_from is None:
            raise errors.ConfigurationError(
                "this AsyncClient was built on your own httpx.AsyncClient, which a Client "
                "cannot use: pass http_client=httpx.Client(...) configured the same way"
            )
        return cls(config, source.bridged_from, owns_client=False, custom_pool=True)

    def close(self) -> None:
        if self.owns_client:
            self.client.close()

    @contextlib.contextmanager
    def stream(self, spec: RequestSpec) -> Iterator[httpx.Response]:
        """Send with retries; yield a response whose body has not been read (status < 400)."""
        response = self._send(spec, stream=True)
        try:
            yield response
        finally:
            response.close()

    def request(self, spec: RequestSpec) -> httpx.Response:
        return self._send(spec, stream=False)

    def _send(self, spec: RequestSpec, *, stream: bool) -> httpx.Response:
        attempts = _Attempts(spec)
        while True:
            attempts.count += 1
            if attempts.count > 1 and not _rewind_files(spec):
                raise errors.InvalidRequestError(_UNSEEKABLE)
            wait = self.config.bucket.reserve()
            if wait > 0:
                self.config.sleep(wait)
            request, info = self._build(self.client, spec)
            started = time.perf_counter()
            try:
                response = self.client.send(request, stream=stream)
            except httpx.TransportError as exc:
                self._log(info, type(exc).__name__, started, attempts.count)
                failure = self._transport_failure(attempts, exc, info)
                if isinstance(failure, errors.TransportError):
                    raise failure from None
                self.config.sleep(failure)
                continue
            self._log(info, response.status_code, started, attempts.count)
            if response.status_code < 400:
                return response
            if stream:
                response.read()
                response.close()
            if attempts.gone_means_done(response.status_code):
                return self._earlier_attempt_applied(info, request)
            delay = self._delay_for_status(attempts, response)
            if delay is None:
                raise self._error(attempts, response, info)
            self.config.sleep(delay)


class AsyncHTTP(_Base):
    """The send loop of ``AsyncClient`` (see :class:`SyncHTTP`)."""

    def __init__(self, config: HTTPConfig, client: httpx.AsyncClient | None = None, *,
                 owns_client: bool | None = None, custom_pool: bool | None = None) -> None:
        self.config = config
        self.custom_pool = client is not None if custom_pool is None else custom_pool
        self.owns_client = client is None if owns_client is None else owns_client
        self.client = client or httpx.AsyncClient(follow_redirects=False)
        self.bridged_from: httpx.Client | None = None
        """The caller's sync client this pool sends through (see :meth:`like`)."""

    def shared(self, config: HTTPConfig) -> AsyncHTTP:
        twin = AsyncHTTP(config, self.client, owns_client=False, custom_pool=self.custom_pool)
        twin.bridged_from = self.bridged_from
        return twin

    @classmethod
    def like(cls, source: SyncHTTP | AsyncHTTP, config: HTTPConfig,
             client: httpx.AsyncClient | None = None) -> AsyncHTTP:
        """A send loop of this kind that reaches the server the way ``source`` does: the
        caller's own sync ``httpx.Client`` is used from a worker thread, so its transport,
        proxies and event hooks still apply."""
        if client is not None:
            return cls(config, client)
        if not source.custom_pool:
            return cls(config)
        if isinstance(source, AsyncHTTP):
            return source.shared(config)
        pool = httpx.AsyncClient(transport=SyncClientInThread(source.client),
                                 follow_redirects=False)
        bridged = cls(config, pool, owns_client=True, custom_pool=True)
        bridged.bridged_from = source.client
        return bridged

    async def close(self) -> None:
        if self.owns_client:
            await self.client.aclose()

    @contextlib.asynccontextmanager
    async def stream(self, spec: RequestSpec) -> AsyncIterator[httpx.Response]:
        response = await self._send(spec, stream=True)
        try:
            yield response
        finally:
            await response.aclose()

    async def request(self, spec: RequestSpec) -> httpx.Response:
        return await self._send(spec, stream=False)

    async def _send(self, spec: RequestSpec, *, stream: bool) -> httpx.Response:
        attempts = _Attempts(spec)
        while True:
            attempts.count += 1
            if attempts.count > 1 and not _rewind_files(spec):
                raise errors.InvalidRequestError(_UNSEEKABLE)
            wait = self.config.bucket.reserve()
            if wait > 0:
                await self.config.asleep(wait)
            request, info = self._build(self.client, spec)
            started = time.perf_counter()
            try:
                response = await self.client.send(request, stream=stream)
            except httpx.TransportError as exc:
                self._log(info, type(exc).__name__, started, attempts.count)
                failure = self._transport_failure(attempts, exc, info)
                if isinstance(failure, errors.TransportError):
                    raise failure from None
                await self.config.asleep(failure)
                continue
            self._log(info, response.status_code, started, attempts.count)
            if response.status_code < 400:
                return response
            if stream:
                await response.aread()
                await response.aclose()
            if attempts.gone_means_done(response.status_code):
                return self._earlier_attempt_applied(info, request)
            delay = self._delay_for_status(attempts, response)
            if delay is None:
                raise self._error(attempts, response, info)
            await self.config.asleep(delay)


# ---------------------------------------------------------------------------------------------
# The caller's sync httpx.Client, used by an AsyncClient (AsyncClient.from_client)


class SyncClientInThread(httpx.AsyncBaseTransport):
    """An async transport that sends through the caller's sync ``httpx.Client`` in worker
    threads: its transport, proxies, default headers and event hooks all apply. The caller's
    client is never closed here (it is theirs)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()

        def send() -> httpx.Response:
            outgoing = self.client.build_request(
                request.method, request.url, headers=request.headers, content=body,
                extensions=request.extensions,
            )
            return self.client.send(outgoing, stream=True)

        response = await asyncio.to_thread(send)
        return httpx.Response(response.status_code, headers=response.headers,
                              stream=_ThreadedBody(response),
                              extensions=response.extensions)


class _ThreadedBody(httpx.AsyncByteStream):
    """A sync response body read chunk by chunk in worker threads."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self._chunks = response.iter_raw()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        done = object()
        while True:
            chunk = await asyncio.to_thread(next, self._chunks, done)
            if chunk is done:
                return
            assert isinstance(chunk, bytes)
            yield chunk

    async def aclose(self) -> None:
        await asyncio.to_thread(self._response.close)
