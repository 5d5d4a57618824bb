"""Credentials: personal API keys (HTTP Basic), OAuth bearer tokens, and the OAuth code flow.

Personal use is HTTP Basic with the literal username ``API_KEY`` and the key as password;
sending a personal key as ``Bearer`` gets a 403 (API-NOTES §3). :func:`diagnose_auth_failure`
turns a 401/403 into a sentence naming the likely cause from what the client knows.
"""

from __future__ import annotations

import base64
import os
import secrets as _stdlib_secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from intervals_icu.errors import ConfigurationError, MissingCredentials
from intervals_icu.scopes import Scope, format_scopes, parse_scopes, required_scope
from intervals_icu.secret import Secret

__all__ = [
    "API_KEY_USERNAME",
    "ApiKey",
    "BearerToken",
    "Credentials",
    "OAuthApp",
    "OAuthToken",
    "credentials_from_env",
    "diagnose_auth_failure",
]

API_KEY_USERNAME = "API_KEY"
DEFAULT_BASE_URL = "https://intervals.icu"
ENV_API_KEY = "INTERVALS_API_KEY"
ENV_ACCESS_TOKEN = "INTERVALS_ACCESS_TOKEN"
ENV_ATHLETE_ID = "INTERVALS_ATHLETE_ID"
ENV_BASE_URL = "INTERVALS_BASE_URL"


class ApiKey:
    """A personal API key (Settings -> Developer Settings), sent as HTTP Basic ``API_KEY:<key>``.

    ``username`` exists only so that code ported from elsewhere can reproduce what it sent;
    the platform accepts nothing but ``API_KEY`` and a 401 will say so.
    """

    scheme = "Basic"

    def __init__(self, key: str | Secret, *, username: str = API_KEY_USERNAME) -> None:
        secret = Secret(key)
        if not secret.reveal().strip():
            raise MissingCredentials(
                "the API key is empty: copy it from https://intervals.icu/settings "
                "(Developer Settings, at the bottom) or set INTERVALS_API_KEY"
            )
        self.key = secret
        self.username = username

    def authorization(self) -> str:
        raw = f"{self.username}:{self.key.reveal()}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def __repr__(self) -> str:
        extra = "" if self.username == API_KEY_USERNAME else f", username={self.username!r}"
        return f"ApiKey(key='***'{extra})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and (self.key, self.username) == (
            other.key,
            other.username,
        )

    def __hash__(self) -> int:
        return hash((self.key, self.username))


class BearerToken:
    """An OAuth access token, sent as ``Authorization: Bearer <token>``.

    ``scopes`` (when known, e.g. from :meth:`OAuthApp.exchange_code`) lets errors name a
    missing scope instead of a bare 403.
    """

    scheme = "Bearer"

    def __init__(
        self, token: str | Secret, *, scopes: str | Iterable[str | Scope] | None = None
    ) -> None:
        secret = Secret(token)
        if not secret.reveal().strip():
            raise MissingCredentials("the access token is empty")
        self.token = secret
        self.scopes: frozenset[Scope] | None = (
            None if scopes is None else parse_scopes(
                scopes if isinstance(scopes, str) else [str(s) for s in scopes]
            )
        )

    def authorization(self) -> str:
        return f"Bearer {self.token.reveal()}"

    def __repr__(self) -> str:
        shown = "" if self.scopes is None else f", scopes={format_scopes(self.scopes)!r}"
        return f"BearerToken(token='***'{shown})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BearerToken) and self.token == other.token

    def __hash__(self) -> int:
        return hash(self.token)


Credentials = ApiKey | BearerToken


def credentials_from_env(env: Mapping[str, str] | None = None) -> Credentials | None:
    """``INTERVALS_API_KEY`` (personal key) or ``INTERVALS_ACCESS_TOKEN`` (OAuth), if set."""
    source = os.environ if env is None else env
    if key := source.get(ENV_API_KEY, "").strip():
        return ApiKey(key)
    if token := source.get(ENV_ACCESS_TOKEN, "").strip():
        return BearerToken(token)
    return None


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

    def exchange_code(self, code: str, *, http_client: Any | None = None) -> OAuthToken:
        """Exchange the ``code`` from the redirect for a token (blocking)."""
        from intervals_icu._http import oauth_exchange_sync

        return oauth_exchange_sync(self, code, http_client)

    async def aexchange_code(self, code: str, *, http_client: Any | None = None) -> OAuthToken:
        """Exchange the ``code`` from the redirect for a token (async)."""
        from intervals_icu._http import oauth_exchange_async

        return await oauth_exchange_async(self, code, http_client)


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
