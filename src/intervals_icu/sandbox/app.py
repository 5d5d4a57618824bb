"""The sandbox's ASGI application: one entry point that applies, in order, faults, the rate
limit, the control API, OAuth, the spec document, then routes ``/api/v1`` calls to handlers
(after authentication and the request budgets).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from intervals_icu.sandbox import handlers as _handlers  # noqa: F401  (registers handlers)
from intervals_icu.sandbox import oauth as _oauth  # noqa: F401  (registers disconnectApp)
from intervals_icu.sandbox.context import HANDLERS, Ctx, Reply, UploadedFile
from intervals_icu.sandbox.errors import ApiError, error_body, spring_not_found
from intervals_icu.sandbox.routing import Match, Router
from intervals_icu.sandbox.state import Principal, SandboxState
from intervals_icu.sandbox.wire import (
    DroppedConnection,
    jackson_view,
    json_bytes,
    response_shape,
)
from intervals_icu.scopes import required_scope

if TYPE_CHECKING:
    from intervals_icu.sandbox.budgets import Budgets
    from intervals_icu.sandbox.ratelimit import RateLimiter

# DroppedConnection and json_bytes live in wire.py; importable from here too (old paths).
__all__ = ["AppHost", "DroppedConnection", "build_app", "json_bytes"]

logger = logging.getLogger("intervals_icu.sandbox")

ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


def to_response(result: Any) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, Reply):
        body = result.body
        if body is None:
            return Response(b"", status_code=result.status, headers=result.headers,
                            media_type=result.media_type)
        if isinstance(body, (bytes, str)):
            return Response(body, status_code=result.status, headers=result.headers,
                            media_type=result.media_type or "application/octet-stream")
        return Response(json_bytes(body), status_code=result.status, headers=result.headers,
                        media_type=result.media_type or "application/json")
    if result is None:
        return Response(b"", status_code=200)
    return Response(json_bytes(result), media_type="application/json")


def error_response(exc: ApiError) -> Response:
    body = exc.body if exc.body is not None else error_body(exc.status, exc.error)
    if body == b"":
        return Response(b"", status_code=exc.status, headers=exc.headers)
    return JSONResponse(body, status_code=exc.status, headers=exc.headers)


def authenticate(state: SandboxState, header: str | None, path: str) -> Principal:
    """The caller behind an Authorization header; 401/403 in the platform's shapes."""
    unauthorized = ApiError(401, "Unauthorized", body={
        **spring_not_found(path, state.now()), "status": 401, "error": "Unauthorized"})
    if not header:
        raise unauthorized
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "basic":
        try:
            username, _, password = base64.b64decode(value).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise unauthorized from None
        athlete_id = state.api_keys.get(password)
        if username != "API_KEY" or athlete_id is None:
            raise unauthorized
        return Principal(athlete_id=athlete_id, kind="api_key")
    if scheme.lower() == "bearer":
        token = state.tokens.get(value)
        if token is None:
            if value in state.api_keys:
                # A personal key sent as Bearer: the platform says 403 (API-NOTES §3.1).
                raise ApiError(403, "Access denied")
            raise unauthorized
        if token.revoked:
            raise unauthorized
        return Principal(athlete_id=token.athlete_id, kind="bearer", client_id=token.client_id,
                         scopes=token.scopes)
    raise unauthorized


def check_credential_rules(principal: Principal, operation_id: str) -> None:
    """Routes that care which kind of credential calls them (API-NOTES §3.2)."""
    if operation_id == "listAthletes" and principal.kind == "bearer":
        raise ApiError(403, "Access denied")
    if operation_id == "disconnectApp" and principal.kind != "bearer":
        raise ApiError(401, "Unauthorized")
    if principal.kind == "bearer":
        needed = required_scope(operation_id)
        if needed is not None and not needed.satisfied_by(principal.scopes):
            raise ApiError(403, "Access denied")


async def _read_parts(request: Request) -> tuple[dict[str, UploadedFile], dict[str, str]]:
    files: dict[str, UploadedFile] = {}
    fields: dict[str, str] = {}
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data") or content_type.startswith(
        "application/x-www-form-urlencoded"
    ):
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, str):
                fields[key] = value
            else:
                files[key] = UploadedFile(value.filename or key, await value.read(),
                                          value.content_type)
    return files, fields


class AppHost(Protocol):
    """What the application needs from its host (the ``Sandbox``), without importing it."""

    @property
    def state(self) -> SandboxState: ...

    @property
    def rate_limiter(self) -> RateLimiter: ...

    @property
    def request_budgets(self) -> Budgets: ...

    def spec_bytes(self) -> bytes: ...

    async def control(self, request: Request) -> Response: ...

    async def oauth(self, request: Request) -> Response: ...


def with_nulls(ctx: Ctx, result: Any) -> Any:
    """The handler's JSON as Jackson writes it (every field of the response schema, null
    when unset), unless ``write_nulls`` is off or the request asked for ``fields=``."""
    if not ctx.state.options.write_nulls or isinstance(result, Response) or result is None:
        return result
    if ctx.q("fields") is not None and any(
        p.get("name") == "fields" for p in ctx.operation.definition.get("parameters") or []
    ):
        return result  # fields= "also excludes null values" (API-NOTES §2.5)
    if isinstance(result, Reply):
        if result.body is None or isinstance(result.body, (bytes, str)):
            return result
        shape = response_shape(ctx.operation, result.status)
        return replace(result, body=jackson_view(shape, result.body))
    return jackson_view(response_shape(ctx.operation, 200), result)


def build_app(sandbox: AppHost) -> Starlette:
    router = Router()
    state = sandbox.state

    async def endpoint(request: Request) -> Response:
        state = sandbox.state  # looked up per request: Sandbox.reset() replaces the state
        path = request.url.path
        method = request.method
        client = request.client.host if request.client else "local"
        if path.startswith("/_sandbox"):
            return await sandbox.control(request)  # never faulted: it must clear faults
        plan = state.faults.plan(method, path) if state.faults else None
        if plan is not None and plan.latency:
            await asyncio.sleep(plan.latency)
        if plan is not None and plan.drop:
            raise DroppedConnection(f"fault injection dropped {method} {path}")
        wait = sandbox.rate_limiter.check(client)
        if wait is not None:
            headers = {}
            if state.options.rate_limit_retry_after:
                headers["Retry-After"] = f"{max(1, round(wait))}"
            return JSONResponse(error_body(429, "Too many requests"), status_code=429,
                                headers=headers)
        if plan is not None and plan.status is not None:
            return JSONResponse(error_body(plan.status, "Injected fault"),
                                status_code=plan.status)
        if path in {"/oauth/authorize", "/api/oauth/token", "/api/v1/oauth/token",
                    "/oauth/token"}:
            return await sandbox.oauth(request)
        if path in {"/api/v1/docs", "/api/v1/docs/"}:
            return Response(sandbox.spec_bytes(), media_type="application/json")
        try:
            response = await _api(request, path, method)
        except ApiError as exc:
            response = error_response(exc)
        if plan is not None and plan.lose_answer:  # applied, then the answer is lost
            if plan.lost_status is None:
                raise DroppedConnection(f"fault injection lost the answer to {method} {path}")
            return JSONResponse(error_body(plan.lost_status, "Injected fault"),
                                status_code=plan.lost_status)
        return response

    async def _api(request: Request, path: str, method: str) -> Response:
        state = sandbox.state
        found = router.match(method, path)
        if found is None:
            return JSONResponse(spring_not_found(path, state.now()), status_code=404)
        if isinstance(found, set):
            body = {**spring_not_found(path, state.now()), "status": 405,
                    "error": "Method Not Allowed"}
            return JSONResponse(body, status_code=405,
                                headers={"Allow": ", ".join(sorted(found))})
        match: Match = found
        operation_id = match.operation.operation_id
        principal = authenticate(state, request.headers.get("authorization"), path)
        exhausted = sandbox.request_budgets.spend(principal)
        if exhausted is not None:
            raise exhausted.error(headers=state.options.budget_headers)
        check_credential_rules(principal, operation_id)
        match.check_types()
        handler = HANDLERS.get(operation_id)
        if handler is None:
            return JSONResponse(
                error_body(501, f"{operation_id} is not implemented in the sandbox; see "
                                "docs/sandbox.md for what is"),
                status_code=501,
            )
        raw = await request.body()
        files, form = await _read_parts(request)
        ctx = Ctx(
            state=state,
            principal=principal,
            operation=match.operation,
            params=match.params,
            query=list(request.query_params.multi_items()),
            body=raw,
            headers=dict(request.headers),
            files=files,
            form=form,
        )
        result = await asyncio.to_thread(_run, handler, ctx)
        return to_response(result)

    def _run(handler: Callable[[Ctx], Any], ctx: Ctx) -> Any:
        with ctx.state.lock:
            try:
                return with_nulls(ctx, handler(ctx))
            except ApiError:
                raise
            except Exception as exc:  # the platform answers 500 with the exception text
                logger.exception("sandbox handler %s failed", ctx.operation.operation_id)
                raise ApiError(500, f"{type(exc).__name__}: {exc}") from exc

    app = Starlette(routes=[Route("/{path:path}", endpoint, methods=ALL_METHODS)])
    if state.options.gzip_responses:
        # Level 6: what the platform's Tomcat compresses with (java.util.zip's default).
        app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)
    return app
