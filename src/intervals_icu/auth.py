"""Credentials: personal API keys (HTTP Basic) and OAuth bearer tokens.

Personal use is HTTP Basic with the literal username ``API_KEY`` and the key as password;
sending a personal key as ``Bearer`` gets a 403 (API-NOTES §3). The OAuth app and the code
exchange are in ``oauth``; what a 401/403 means is in ``error_mapping``.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable, Mapping
from typing import Any

from intervals_icu.errors import MissingCredentials
from intervals_icu.scopes import Scope, format_scopes, parse_scopes
from intervals_icu.secret import Secret

__all__ = [
    "API_KEY_USERNAME",
    "ApiKey",
    "BearerToken",
    "Credentials",
    "credentials_from_env",
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


_MOVED = {
    "OAuthApp": "intervals_icu.oauth",
    "OAuthToken": "intervals_icu.oauth",
    "diagnose_auth_failure": "intervals_icu.error_mapping",
    "OPERATIONS_REFUSING_SELF_ALIAS": "intervals_icu.error_mapping",
}


def __getattr__(name: str) -> Any:
    """Names that moved out of this module, still importable from here."""
    module_name = _MOVED.get(name)
    if module_name is None:
        raise AttributeError(f"module 'intervals_icu.auth' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)
