"""The OAuth app: the consent URL, and the exchange of the redirect's code for a token.

The code must be exchanged within 2 minutes of the redirect; tokens do not expire and there is
no refresh token (API-NOTES §3.2). The token endpoint lives outside /api/v1 and takes a form.
"""

from __future__ import annotations

import secrets as _stdlib_secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from intervals_icu._http import AsyncHTTP, HTTPConfig, RequestSpec, RetryPolicy, SyncHTTP
from intervals_icu.auth import DEFAULT_BASE_URL, BearerToken
from intervals_icu.error_mapping import OAUTH_TOKEN_OPERATION
from intervals_icu.errors import ConfigurationError
from intervals_icu.scopes import Scope, format_scopes, parse_scopes
from intervals_icu.secret import Secret

__all__ = ["OAuthApp", "OAuthToken"]


@dataclass(frozen=True)
class OAuthToken:
    """What the token endpoint returned: the token, the scopes actually granted, the athlete."""

    access_token: Secret
    scopes: frozenset[Scope]
    athlete_id: str
    athlete_name: str | None = None
    token_type: str = "Bearer"

    def credentials(self) -> BearerToken:
        return BearerToken(self.access_token, scopes=[str(s) for s in self.scopes])

    def missing(self, wanted: Iterable[str | Scope]) -> frozenset[Scope]:
        """Scopes asked for but not granted: the athlete may untick scopes on consent."""
        return frozenset(
            s for s in parse_scopes([str(w) for w in wanted]) if not s.satisfied_by(self.scopes)
        )

    @classmethod
    def from_response(cls, body: Mapping[str, Any]) -> OAuthToken:
        athlete = body.get("athlete") or {}
        return cls(
            access_token=Secret(str(body["access_token"])),
            scopes=parse_scopes(body.get("scope") or ""),
            athlete_id=str(athlete.get("id", "")),
            athlete_name=athlete.get("name"),
            token_type=str(body.get("token_type", "Bearer")),
        )


@dataclass(frozen=True)
class OAuthApp:
    """An OAuth application registered with Intervals.icu (client id and secret from
    /settings -> Manage App). Builds the consent URL and exchanges the code for a token.

    The code must be exchanged within 2 minutes of the redirect; tokens do not expire and
    there is no refresh token (API-NOTES §3.2).
    """

    client_id: str
    client_secret: Secret = field(repr=False)
    redirect_uri: str
    base_url: str = DEFAULT_BASE_URL

    def __post_init__(self) -> None:
        object.__setattr__(self, "client_secret", Secret(self.client_secret))

    def authorize_url(
        self, scopes: Iterable[str | Scope], *, state: str | None = None
    ) -> tuple[str, str]:
        """The URL to send the user to, and the ``state`` to check on the way back."""
        scope_text = format_scopes(scopes)
        if not scope_text:
            raise ConfigurationError("ask for at least one scope, e.g. ['ACTIVITY:READ']")
        state = state or _stdlib_secrets.token_urlsafe(16)
        query = urlencode(
            {
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri,
                "scope": scope_text,
                "state": state,
                "response_type": "code",
            }
        )
        return f"{self.base_url.rstrip('/')}/oauth/authorize?{query}", state

    @property
    def token_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/api/oauth/token"

    def token_form(self, code: str) -> dict[str, str]:
        """Form fields of the code exchange (the platform wants no grant_type)."""
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret.reveal(),
            "code": code,
        }

    def exchange_code(self, code: str, *, http_client: httpx.Client | None = None) -> (
        OAuthToken
    ):
        """Exchange the ``code`` from the redirect for a token (blocking)."""
        http = SyncHTTP(self._token_config(), http_client)
        try:
            return OAuthToken.from_response(http.request(self._token_request(code)).json())
        finally:
            http.close()

    async def aexchange_code(self, code: str, *,
                             http_client: httpx.AsyncClient | None = None) -> OAuthToken:
        """Exchange the ``code`` from the redirect for a token (async)."""
        http = AsyncHTTP(self._token_config(), http_client)
        try:
            answer = await http.request(self._token_request(code))
            return OAuthToken.from_response(answer.json())
        finally:
            await http.close()

    def _token_config(self) -> HTTPConfig:
        # Never replayed: a code is single-use, a second exchange would fail.
        return HTTPConfig(base_url=self.base_url, credentials=None, retry=RetryPolicy.none())

    def _token_request(self, code: str) -> RequestSpec:
        return RequestSpec("POST", "/api/oauth/token", operation_id=OAUTH_TOKEN_OPERATION,
                           data=self.token_form(code))
