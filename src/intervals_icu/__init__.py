"""intervals-icu: a typed client, mirror, webhook receiver, CLI and sandbox for Intervals.icu.

    from intervals_icu import Client, ApiKey
    client = Client(ApiKey("..."))
    me = client.athletes.get()
"""

from typing import TYPE_CHECKING, Any

from intervals_icu._version import __version__

if TYPE_CHECKING:
    from intervals_icu._async.client import AsyncClient
    from intervals_icu._http import RateLimit, RetryPolicy
    from intervals_icu._responses import Download
    from intervals_icu._sync.client import Client
    from intervals_icu.auth import ApiKey, BearerToken, Credentials
    from intervals_icu.dates import date_windows
    from intervals_icu.errors import (
        APIError,
        AuthenticationError,
        BadRequest,
        BudgetExhausted,
        ConfigurationError,
        Conflict,
        IntervalsError,
        InvalidRequestError,
        MethodNotAllowed,
        MissingCredentials,
        NotFound,
        PermissionDenied,
        RateLimited,
        RecordLockedError,
        RequestTimeout,
        ResponseValidationError,
        ServerError,
        TransportError,
        Unprocessable,
    )
    from intervals_icu.oauth import OAuthApp, OAuthToken
    from intervals_icu.scopes import Scope
    from intervals_icu.secret import Secret
    from intervals_icu.updates import CLEAR, Clear

# The names below are imported on first use (PEP 562), so that importing a light submodule
# (``intervals_icu.cli`` for ``icu --help``, ``intervals_icu.errors``) does not load the
# HTTP stack and the generated models.
_LAZY = {
    "AsyncClient": "intervals_icu._async.client",
    "RateLimit": "intervals_icu._http",
    "RetryPolicy": "intervals_icu._http",
    "Download": "intervals_icu._responses",
    "Client": "intervals_icu._sync.client",
    "ApiKey": "intervals_icu.auth",
    "BearerToken": "intervals_icu.auth",
    "Credentials": "intervals_icu.auth",
    "OAuthApp": "intervals_icu.oauth",
    "OAuthToken": "intervals_icu.oauth",
    "date_windows": "intervals_icu.dates",
    "Scope": "intervals_icu.scopes",
    "Secret": "intervals_icu.secret",
    "CLEAR": "intervals_icu.updates",
    "Clear": "intervals_icu.updates",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None and name in __all__ and name != "__version__":
        module_name = "intervals_icu.errors"
    if module_name is None:
        raise AttributeError(f"module 'intervals_icu' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "CLEAR",
    "APIError",
    "ApiKey",
    "AsyncClient",
    "AuthenticationError",
    "BadRequest",
    "BearerToken",
    "BudgetExhausted",
    "Clear",
    "Client",
    "ConfigurationError",
    "Conflict",
    "Credentials",
    "Download",
    "IntervalsError",
    "InvalidRequestError",
    "MethodNotAllowed",
    "MissingCredentials",
    "NotFound",
    "OAuthApp",
    "OAuthToken",
    "PermissionDenied",
    "RateLimit",
    "RateLimited",
    "RecordLockedError",
    "RequestTimeout",
    "ResponseValidationError",
    "RetryPolicy",
    "Scope",
    "Secret",
    "ServerError",
    "TransportError",
    "Unprocessable",
    "__version__",
    "date_windows",
]
