"""What an error answer means: the typed error, and a message that says what to do.

Pure functions (no HTTP library): the send loops in ``_http`` hand over the status, the body
text and the headers. 401 and 403 get a diagnosis from what the client knows (the scheme, the
username, the scopes of the token, the athlete in the path), since the platform's own answer
rarely says which of them is wrong.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from intervals_icu import errors
from intervals_icu.auth import API_KEY_USERNAME, ApiKey, BearerToken, Credentials
from intervals_icu.scopes import format_scopes, required_scope

__all__ = [
    "NOT_TRANSIENT_5XX",
    "OAUTH_TOKEN_OPERATION",
    "OPERATIONS_REFUSING_SELF_ALIAS",
    "athlete_in_path",
    "budget_exhausted",
    "diagnose_auth_failure",
    "error_from_response",
    "parse_retry_after",
]

NOT_TRANSIENT_5XX = frozenset({501, 505})
"""5xx answers that will not change on a retry ("not implemented")."""
OAUTH_TOKEN_OPERATION = "oauth.token"
"""Not a spec operation: the token endpoint lives outside /api/v1 (API-NOTES §3.2)."""


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


_ATHLETE_IN_PATH = re.compile(r"^/api/v1/athlete/([^/]+)")


def athlete_in_path(path: str) -> str | None:
    match = _ATHLETE_IN_PATH.match(path)
    return match.group(1) if match else None


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
    replayable: bool,
    max_retry_after: float = 120.0,
) -> errors.APIError:
    """Turn an error response into the typed error whose message says what to do.

    ``replayable``: the operation may be sent again without changing more than once (decided
    per operation, see ``idempotency``), so a 5xx can be retried safely.
    ``max_retry_after``: the longest wait the client would sit out (``RetryPolicy``); a 429
    asking for longer is a used-up budget (``BudgetExhausted``), not a burst.
    """
    body: Any = None
    if body_text:
        try:
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
        budget = headers.get("x-ratelimit-budget") or None
        if budget is not None or (retry_after is not None and retry_after > max_retry_after):
            return budget_exhausted(headers, retry_after, budget, said, where, kwargs)
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
        if replayable:
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


def budget_exhausted(headers: Mapping[str, str], retry_after: float | None,
                     budget: str | None, said: str | None, where: str,
                     kwargs: dict[str, Any]) -> errors.BudgetExhausted:
    """A 429 that waiting a little will not cure: say when the budget refills."""
    now = time.time()
    reset = _number(headers.get("x-ratelimit-reset"))
    if reset is not None:
        # Epoch seconds (GitHub's style) or, if small, seconds from now (the IETF draft's).
        reset_at: float | None = reset if reset > 1e9 else now + reset
    else:
        reset_at = now + retry_after if retry_after is not None else None
    resets_at = datetime.fromtimestamp(reset_at, UTC) if reset_at is not None else None
    if retry_after is None and reset_at is not None:
        retry_after = max(0.0, reset_at - now)
    limit = _number(headers.get("x-ratelimit-limit"))
    which = f" ({budget})" if budget else ""
    when = (f"; it refills at {resets_at:%Y-%m-%d %H:%M:%S} UTC, in {_span(reset_at - now)}"
            if resets_at is not None and reset_at is not None else "")
    server = f" The server said: {said!r}." if said else ""
    return errors.BudgetExhausted(
        f"429: a request budget{which} is used up ({where}){when}. Retrying sooner will "
        f"not help: stop and run the job again after the reset, or spread the work over "
        f"more time.{server}",
        retry_after=retry_after, resets_at=resets_at, budget=budget,
        limit=int(limit) if limit is not None else None, **kwargs,
    )


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _span(seconds: float) -> str:
    minutes = max(0, round(seconds / 60))
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


OPERATIONS_REFUSING_SELF_ALIAS = frozenset({"listActivityPaceCurves"})
"""Operations the platform answers 403 for athlete id "0" (API-NOTES §2.2, observed live)."""


def diagnose_auth_failure(
    *,
    status: int,
    method: str = "GET",
    credentials: Credentials | None,
    operation_id: str | None,
    path: str,
    path_athlete_id: str | None,
    caller_athlete_id: str | None,
    server_error: str | None,
) -> str:
    """One sentence: the likely cause of a 401/403 and the fix, from what the client knows."""
    said = f" (server said: {server_error!r})" if server_error else ""
    if credentials is None:
        return (
            f"{status}: no credentials were sent{said}. Pass ApiKey('<key>') or set "
            "INTERVALS_API_KEY; the key is at https://intervals.icu/settings (Developer Settings)."
        )
    if isinstance(credentials, ApiKey) and credentials.username != API_KEY_USERNAME:
        return (
            f"{status}: HTTP Basic username was {credentials.username!r}{said}. The username "
            "must be the literal string 'API_KEY' (not your athlete id or email); the password "
            "is the key. Use ApiKey('<key>') without a username."
        )
    if status == 401:
        if isinstance(credentials, ApiKey):
            return (
                f"401: the API key was not accepted{said}. It may have been regenerated or "
                "cleared: copy the current key from https://intervals.icu/settings "
                "(Developer Settings) and check for stray spaces."
            )
        return (
            f"401: the access token was not accepted{said}. It may have been revoked "
            "(disconnect-app, or the athlete removed the app): run the OAuth flow again."
        )
    # 403 from here on.
    if operation_id == "listAthletes" and isinstance(credentials, BearerToken):
        return (
            f"403: GET /api/v1/athletes only accepts a personal API key, not a bearer token"
            f"{said}. With OAuth, use client.athletes.summary() (athlete-summary) instead."
        )
    if isinstance(credentials, BearerToken):
        needed = required_scope(operation_id) if operation_id else None
        if (needed is not None and credentials.scopes is not None
                and not needed.satisfied_by(credentials.scopes)):
            granted = format_scopes(credentials.scopes) or "none"
            return (
                f"403: this call needs the OAuth scope {needed} but the token has "
                f"{granted}{said}. Ask the athlete to authorize again with {needed} "
                "(they may untick scopes on the consent screen)."
            )
        if _looks_like_personal_key(credentials):
            return (
                f"403: a Bearer token was sent{said}. If this is your personal API key, use "
                "ApiKey('<key>') instead: personal keys go as HTTP Basic with username API_KEY."
            )
    if path_athlete_id == "0" and operation_id in OPERATIONS_REFUSING_SELF_ALIAS:
        return (
            f"403: this endpoint refuses athlete id '0'{said}, though others accept it. Name "
            "the athlete: client.for_athlete('<your id>') (client.athletes.get().id is yours)."
        )
    if path_athlete_id and path_athlete_id not in {"0", caller_athlete_id}:
        write = method.upper() not in {"GET", "HEAD", "OPTIONS"}
        read_only = (" If they share their data with you read-only (a READ follow), you may "
                     "read but not change it: changes need a coach's WRITE permission."
                     if write else "")
        return (
            f"403: you may not access athlete {path_athlete_id}{said}. The athlete must follow "
            "you or be coached by you on Intervals.icu; client.athletes.list() shows who you "
            f"can read (and with what permission), and athlete id '0' means yourself.{read_only}"
        )
    if isinstance(credentials, BearerToken):
        needed = required_scope(operation_id) if operation_id else None
        hint = f" This call needs {needed}." if needed else ""
        return (
            f"403: the token is valid but not allowed to do this{said}.{hint} If it is a "
            "personal API key, use ApiKey('<key>') (HTTP Basic), not BearerToken."
        )
    return (
        f"403: access denied{said}. Check that the athlete id in the path is yours ('0' "
        "works), or one you follow or coach; for personal keys the scheme must be Basic with "
        "username API_KEY, which ApiKey does."
    )


def _looks_like_personal_key(credentials: BearerToken) -> bool:
    # Tokens from the OAuth flow come with scopes we recorded; a bare BearerToken built by
    # hand from a string is, in practice, most often a personal key pasted into the wrong class.
    return credentials.scopes is None
