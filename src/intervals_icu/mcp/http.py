"""``icu mcp --http``: the server on streamable HTTP for a hosted deployment. Each request
carries an Intervals.icu OAuth access token (``Authorization: Bearer ...``); the token is
checked against the API (who it belongs to, remembered for a few minutes), and every tool
acts with that token, so one server serves many athletes and each sees only their own data
and the athletes who share with them. One process keeps the write previews: run one
worker."""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING, Any

from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings

from intervals_icu import errors

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from intervals_icu.mcp.service import Service

__all__ = ["IntervalsTokenVerifier", "http_app", "serve_http"]

DEFAULT_ISSUER = "https://intervals.icu"


class IntervalsTokenVerifier:
    """A bearer token is valid when the API answers the athlete profile with it."""

    def __init__(self, service: Service, *, ttl_seconds: float = 300.0) -> None:
        self.service = service
        self.ttl = ttl_seconds
        self._known: dict[str, tuple[float, AccessToken | None]] = {}

    async def verify_token(self, token: str) -> AccessToken | None:
        from intervals_icu.auth import BearerToken

        key = hashlib.sha256(token.encode()).hexdigest()
        cached = self._known.get(key)
        if cached is not None and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        try:
            credentials = BearerToken(token)
        except (ValueError, errors.IntervalsError):
            return None
        client = self.service.access.async_client(credentials)
        try:
            profile = await client.athletes.get()
        except (errors.AuthenticationError, errors.PermissionDenied, errors.NotFound):
            found = None
        except errors.IntervalsError:
            return None  # the API failed: not remembered, the next request asks again
        else:
            found = AccessToken(token=token, client_id="intervals.icu", scopes=[],
                                subject=str(profile.id))
        finally:
            await client.aclose()
        if len(self._known) > 10_000:
            self._known.clear()
        self._known[key] = (time.monotonic(), found)
        return found


def http_app(service: Service, *, public_url: str, issuer_url: str = DEFAULT_ISSUER,
             host: str = "127.0.0.1", **options: Any) -> Starlette:
    """The ASGI app (mounted at ``/mcp``) that serves ``service`` to bearer-token callers."""
    from intervals_icu.mcp.server import build_server

    auth = AuthSettings(issuer_url=issuer_url, resource_server_url=public_url,
                        validate_token_resource=False)
    server = build_server(service, auth=auth, token_verifier=IntervalsTokenVerifier(service))
    return server.streamable_http_app(host=host, **options)


def serve_http(service: Service, *, host: str, port: int, public_url: str | None = None,
               issuer_url: str = DEFAULT_ISSUER) -> None:
    import uvicorn

    app = http_app(service, public_url=public_url or f"http://{host}:{port}/mcp",
                   issuer_url=issuer_url, host=host)
    uvicorn.run(app, host=host, port=port, log_level="warning")
