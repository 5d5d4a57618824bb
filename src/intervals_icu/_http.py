"""The only module that imports the HTTP library: transport, auth headers, pacing, retries and
error mapping. Every policy decision is a pure function here (unit-tested on its own); the two
small send loops below (sync and async) only apply them.

Retry rules (DESIGN: "never replay a write blindly"):
* 429 means "not processed": retried for every method, honouring ``Retry-After``.
* 5xx, read timeouts and broken connections: retried only for GET, PUT and DELETE.
* A connection that could not be opened (nothing was sent) is retried for every method.
* POST is otherwise never replayed: uploads and creates are reconciled by the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import random
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal

import httpx

from intervals_icu import errors
from intervals_icu._version import __version__
from intervals_icu.auth import Credentials, diagnose_auth_failure

if TYPE_CHECKING:
    from intervals_icu.auth import OAuthApp, OAuthToken

__all__ = [
    "DEFAULT_TIMEOUT",
    "AsyncHTTP",
    "RateLimit",
    "RequestSpec",
    "RetryPolicy",
    "SyncHTTP",
    "TokenBucket",
    "encode_query",
    "error_from_response",
    "parse_retry_after",
    "retry_delay",
]

logger = logging.getLogger("intervals_icu")

NOT_TRANSIENT_5XX = frozenset({501, 505})
OAUTH_TOKEN_OPERATION = "oauth.token"
"""Not a spec operation: the token endpoint lives outside /api/v1 (API-NOTES §3.2)."""
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=30.0)
USER_AGENT = f"intervals-icu-python/{__version__}"
_SECRET_QUERY_KEYS = frozenset(
    {"code", "client_secret", "secret", "token", "access_token", "api_key", "key", "password"}
)

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
    method: str,
    attempt: int,
    status: int | None = None,
    failure: FailureKind = "status",
    retry_after: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to wait before attempt ``attempt + 1``, or None to give up.

    ``attempt`` is the 1-based number of the attempt that just failed.
    """
    if attempt >= policy.max_attempts:
        return None
    method = method.upper()
    if failure == "status":
        if status == 429:
            retryable = True
        elif status in NOT_TRANSIENT_5XX:
            retryable = False  # "not implemented" will not start working in a second
        elif status is not None and 500 <= status <= 599:
            retryable = method in IDEMPOTENT_METHODS
        else:
            retryable = False
    elif failure == "connect":
        retryable = True  # the request never left this machine
    else:
        retryable = method in IDEMPOTENT_METHODS
    if not retryable:
        return None
    if retry_after is not None:
        if retry_after > policy.max_retry_after:
            return None
        return max(0.0, retry_after)
    delay = min(policy.backoff_max, policy.backoff_base * (2.0 ** (attempt - 1)))
    return float(delay * (1.0 + policy.jitter * rand()))


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: either a number or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


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
        """The server said 429: make every task of this client wait ``seconds`` more."""
        if self.limit.per_second == float("inf") or seconds <= 0:
            return
        with self._lock:
            self._tokens = min(self._tokens, 0.0) - seconds * self.limit.per_second


# ---------------------------------------------------------------------------------------------
# Requests


@dataclass(frozen=True)
class RequestSpec:
    """One API call as the resources describe it; turned into an httpx request here."""

    method: str
    path: str
    operation_id: str | None = None
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
    return "&".join(
        f"{k}={'***' if k.lower() in _SECRET_QUERY_KEYS else v}" for k, v in pairs
    )


_ATHLETE_IN_PATH = re.compile(r"^/api/v1/athlete/([^/]+)")


def athlete_in_path(path: str) -> str | None:
    match = _ATHLETE_IN_PATH.match(path)
    return match.group(1) if match else None


# ---------------------------------------------------------------------------------------------
# Error mapping (pure)

_STATUS_CLASSES: dict[int, type[errors.APIError]] = {
    400: errors.BadRequest,
    401: errors.AuthenticationError,
    403: errors.PermissionDenied,
    404: errors.NotFound,
    405: errors.MethodNotAllowed,
    409: errors.Conflict,
    422: errors.Unprocessable,
    429: errors.RateLimited,
}


def _server_error_text(body: Any, text: str) -> str | None:
    if isinstance(body, dict):
        for key in ("error", "message", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
        return None
    stripped = text.strip()
    return stripped[:300] or None


def error_from_response(
    *,
    status: int,
    body_text: str,
    headers: Mapping[str, str],
    request: errors.RequestInfo,
    operation_id: str | None,
    credentials: Credentials | None,
    caller_athlete_id: str | None,
    attempts: int,
) -> errors.APIError:
    """Turn an error response into the typed error whose message says what to do."""
    body: Any = None
    if body_text:
        try:
            import json

            body = json.loads(body_text)
        except ValueError:
            body = None
    said = _server_error_text(body, body_text)
    where = str(request)
    tried = f" after {attempts} attempts" if attempts > 1 else ""
    kwargs: dict[str, Any] = {
        "status": status, "server_error": said, "request": request, "body": body
    }
    cls: type[errors.APIError]
    if status in (401, 403):
        message = diagnose_auth_failure(
            status=status,
            method=request.method,
            credentials=credentials,
            operation_id=operation_id,
            path=request.path,
            path_athlete_id=athlete_in_path(request.path),
            caller_athlete_id=caller_athlete_id,
            server_error=said,
        )
        return _STATUS_CLASSES[status](f"{message} [{where}]", **kwargs)
    if status == 404 and operation_id == OAUTH_TOKEN_OPERATION:
        return errors.NotFound(
            f"404: the authorization code was not accepted ({said or 'not found'}). Codes are "
            "single-use and expire 2 minutes after the redirect: send the athlete through "
            "authorize_url() again and exchange the new code at once.",
            **kwargs,
        )
    if status == 404:
        unknown_route = isinstance(body, dict) and "path" in body and "timestamp" in body
        if unknown_route:
            message = (
                f"404: there is no such endpoint ({where}). If the path was built by hand, "
                "compare it with docs/coverage.md (activity routes are singular: /activity/{id})."
            )
        else:
            message = (
                f"404: not found ({where}){': ' + repr(said) if said else ''}. The record does "
                "not exist, was deleted, or belongs to another athlete; athlete id '0' means "
                "yourself."
            )
        return errors.NotFound(message, **kwargs)
    if status == 405:
        return errors.MethodNotAllowed(
            f"405: {request.method} is not allowed on {request.path}. The route exists for "
            "other methods; see docs/coverage.md for the right call.",
            **kwargs,
        )
    if status == 422:
        return errors.Unprocessable(
            f"422: the server refused the request content ({where}): {said or 'no reason given'}."
            " Fix the value named and send again; nothing was changed.",
            **kwargs,
        )
    if status == 429:
        retry_after = parse_retry_after(headers.get("retry-after"))
        return errors.RateLimited(
            f"429: rate limited{tried} ({where}). Slow down: lower "
            "Client(rate_limit=RateLimit(per_second=...)) or run fewer jobs at once.",
            retry_after=retry_after,
            **kwargs,
        )
    if status in NOT_TRANSIENT_5XX:
        return errors.ServerError(
            f"{status}: the server does not support this request ({where}): "
            f"{said or 'not implemented'}. Retrying will not help.",
            **kwargs,
        )
    if status >= 500:
        if request.method in IDEMPOTENT_METHODS:
            advice = "It is safe to retry later."
        else:
            advice = (
                "This write was not retried automatically because it may have been applied: "
                "check (e.g. list by external_id) before sending it again."
            )
        return errors.ServerError(
            f"{status}: Intervals.icu failed{tried} ({where}): {said or 'no details'}. {advice}",
            **kwargs,
        )
    cls = _STATUS_CLASSES.get(status, errors.APIError)
    return cls(f"{status}: request failed ({where}): {said or 'no details'}.", **kwargs)


def _failure_kind(exc: httpx.TransportError) -> FailureKind:
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
        return "connect"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    return "network"


def _transport_error(exc: httpx.TransportError, request: errors.RequestInfo, attempts: int) -> (
    errors.TransportError
):
    tried = f" after {attempts} attempts" if attempts > 1 else ""
    sent = _failure_kind(exc) != "connect"
    maybe_applied = sent and request.method not in IDEMPOTENT_METHODS
    caution = (
        " The request was sent and may have been applied, so it was not retried: check "
        "(e.g. list by external_id) before sending it again." if maybe_applied else ""
    )
    if isinstance(exc, httpx.TimeoutException):
        advice = caution or " Raise the timeout (Client(timeout=...)) or retry later."
        return errors.RequestTimeout(
            f"no answer in time{tried} ({request}): {type(exc).__name__}.{advice}",
            request=request,
        )
    if sent:
        advice = caution or " It is safe to retry later."
        return errors.TransportError(
            f"the connection broke before an answer{tried} ({request}): "
            f"{type(exc).__name__}: {exc}.{advice}",
            request=request,
        )
    return errors.TransportError(
        f"could not reach the server{tried} ({request}): {type(exc).__name__}: {exc}. Check "
        "the network and the base URL.",
        request=request,
    )


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

    def _error(self, spec: RequestSpec, response: httpx.Response, info: errors.RequestInfo,
               attempts: int) -> errors.APIError:
        return error_from_response(
            status=response.status_code,
            body_text=response.text,
            headers=response.headers,
            request=info,
            operation_id=spec.operation_id,
            credentials=self.config.credentials,
            caller_athlete_id=self.config.caller_athlete_id,
            attempts=attempts,
        )

    def _log(self, info: errors.RequestInfo, status: int | str, started: float,
             attempt: int) -> None:
        elapsed = time.perf_counter() - started
        logger.debug("%s -> %s in %.0f ms (attempt %d)", info, status, elapsed * 1000, attempt)
        if isinstance(status, int):
            for hook in self.config.on_response:
                hook(info, status, elapsed, attempt)

    def _delay_for_status(self, spec: RequestSpec, response: httpx.Response, attempt: int) -> (
        float | None
    ):
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        delay = retry_delay(
            self.config.retry,
            method=spec.method,
            attempt=attempt,
            status=response.status_code,
            retry_after=retry_after,
        )
        if response.status_code == 429 and delay is not None:
            self.config.bucket.penalize(delay)
        return delay


def _rewind_files(spec: RequestSpec) -> bool:
    """Put file objects back at their start before a retry; False if one cannot be."""
    for value in (spec.files or {}).values():
        content = value[1] if isinstance(value, tuple) else value
        if hasattr(content, "read"):
            if not (hasattr(content, "seekable") and content.seekable()):
                return False
            content.seek(0)
    return True


class SyncHTTP(_Base):
    def __init__(self, config: HTTPConfig, client: httpx.Client | None = None) -> None:
        self.config = config
        self._owns_client = client is None
        self.client = client or httpx.Client(follow_redirects=False)

    def close(self) -> None:
        if self._owns_client:
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
        attempt = 0
        while True:
            attempt += 1
            if attempt > 1 and not _rewind_files(spec):
                break
            wait = self.config.bucket.reserve()
            if wait > 0:
                self.config.sleep(wait)
            request, info = self._build(self.client, spec)
            started = time.perf_counter()
            try:
                response = self.client.send(request, stream=stream)
            except httpx.TransportError as exc:
                self._log(info, type(exc).__name__, started, attempt)
                delay = retry_delay(
                    self.config.retry, method=spec.method, attempt=attempt,
                    failure=_failure_kind(exc),
                )
                if delay is None:
                    raise _transport_error(exc, info, attempt) from None
                self.config.sleep(delay)
                continue
            self._log(info, response.status_code, started, attempt)
            if response.status_code < 400:
                return response
            if stream:
                response.read()
                response.close()
            delay = self._delay_for_status(spec, response, attempt)
            if delay is None:
                raise self._error(spec, response, info, attempt)
            self.config.sleep(delay)
        raise errors.InvalidRequestError(
            "the upload could not be retried because its file object cannot seek; pass a path "
            "or bytes instead"
        )


class AsyncHTTP(_Base):
    def __init__(self, config: HTTPConfig, client: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self._owns_client = client is None
        self.client = client or httpx.AsyncClient(follow_redirects=False)

    async def close(self) -> None:
        if self._owns_client:
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
        attempt = 0
        while True:
            attempt += 1
            if attempt > 1 and not _rewind_files(spec):
                break
            wait = self.config.bucket.reserve()
            if wait > 0:
                await self.config.asleep(wait)
            request, info = self._build(self.client, spec)
            started = time.perf_counter()
            try:
                response = await self.client.send(request, stream=stream)
            except httpx.TransportError as exc:
                self._log(info, type(exc).__name__, started, attempt)
                delay = retry_delay(
                    self.config.retry, method=spec.method, attempt=attempt,
                    failure=_failure_kind(exc),
                )
                if delay is None:
                    raise _transport_error(exc, info, attempt) from None
                await self.config.asleep(delay)
                continue
            self._log(info, response.status_code, started, attempt)
            if response.status_code < 400:
                return response
            if stream:
                await response.aread()
                await response.aclose()
            delay = self._delay_for_status(spec, response, attempt)
            if delay is None:
                raise self._error(spec, response, info, attempt)
            await self.config.asleep(delay)
        raise errors.InvalidRequestError(
            "the upload could not be retried because its file object cannot seek; pass a path "
            "or bytes instead"
        )


def clone_config(config: HTTPConfig, **changes: Any) -> HTTPConfig:
    """A config for a derived client; the token bucket stays shared unless replaced."""
    return replace(config, **changes)


# ---------------------------------------------------------------------------------------------
# OAuth token exchange (the token endpoint is outside /api/v1 and takes a form)


def _oauth_spec(app: OAuthApp, code: str) -> RequestSpec:
    return RequestSpec("POST", "/api/oauth/token", operation_id=OAUTH_TOKEN_OPERATION,
                       data=app.token_form(code))


def _oauth_result(response: httpx.Response) -> OAuthToken:
    from intervals_icu.auth import OAuthToken

    return OAuthToken.from_response(response.json())


def oauth_exchange_sync(app: OAuthApp, code: str, client: httpx.Client | None) -> OAuthToken:
    http = SyncHTTP(HTTPConfig(base_url=app.base_url, credentials=None,
                               retry=RetryPolicy.none()), client)
    try:
        return _oauth_result(http.request(_oauth_spec(app, code)))
    finally:
        http.close()


async def oauth_exchange_async(app: OAuthApp, code: str, client: httpx.AsyncClient | None) -> (
    OAuthToken
):
    http = AsyncHTTP(HTTPConfig(base_url=app.base_url, credentials=None,
                                retry=RetryPolicy.none()), client)
    try:
        return _oauth_result(await http.request(_oauth_spec(app, code)))
    finally:
        await http.close()
