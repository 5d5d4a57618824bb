"""One shape for "the credentials to read athlete X with", shared by everything that acts for
many athletes: ``Mirror(credentials_for=)``, ``WebhookReceiver(credentials_for=)`` (and the
fleet runner built on them).

An OAuth app reads each athlete with the bearer token that athlete granted; the lookup is
typically the table its OAuth callback fills. Give a mapping (``tokens`` dict) or a function,
sync or async, from athlete id to a ``BearerToken`` (or ``ApiKey``), the token as a string,
or None when you have nothing for that athlete (the client's own credentials are used then,
e.g. a coach's key).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeAlias

from intervals_icu.auth import ApiKey, BearerToken, Credentials
from intervals_icu.errors import ConfigurationError
from intervals_icu.secret import Secret

__all__ = ["CredentialValue", "CredentialsFor", "as_credentials", "lookup_credentials",
           "lookup_credentials_now"]

CredentialValue: TypeAlias = Credentials | Secret | str | None
"""What a lookup returns: credentials, a bearer token as text, or None (unknown athlete)."""

CredentialsFor: TypeAlias = (
    Mapping[str, CredentialValue]
    | Callable[[str], CredentialValue | Awaitable[CredentialValue]]
)
"""Athlete id -> credentials: a mapping, or a function (sync or async)."""


def as_credentials(value: object) -> Credentials | None:
    """A lookup's answer as credentials (a string is a bearer token)."""
    if value is None or isinstance(value, (ApiKey, BearerToken)):
        return value
    if isinstance(value, (str, Secret)):
        return BearerToken(value)
    raise ConfigurationError(
        f"the credentials lookup returned a {type(value).__name__}; return a BearerToken, "
        "the token string, or None for an athlete you have no token for"
    )


async def lookup_credentials(source: CredentialsFor | None,
                             athlete_id: str) -> Credentials | None:
    """The credentials ``source`` has for ``athlete_id`` (None: none, or no source)."""
    if source is None:
        return None
    if isinstance(source, Mapping):
        return as_credentials(source.get(athlete_id))
    value = source(athlete_id)
    if inspect.isawaitable(value):
        value = await value
    return as_credentials(value)


def lookup_credentials_now(source: CredentialsFor | None,
                           athlete_id: str) -> Credentials | None:
    """:func:`lookup_credentials` outside an event loop (a sync lookup only)."""
    if source is None:
        return None
    if isinstance(source, Mapping):
        return as_credentials(source.get(athlete_id))
    value = source(athlete_id)
    if inspect.isawaitable(value):
        close = getattr(value, "close", None)
        if callable(close):
            close()  # never awaited: do not leave a "never awaited" warning behind
        raise ConfigurationError(
            "this credentials lookup is async: use it from async code (the mirror's and the "
            "receiver's coroutines do)"
        )
    return as_credentials(value)
