"""intervals-icu: a typed client, mirror, webhook receiver, CLI and sandbox for Intervals.icu.

    from intervals_icu import Client, ApiKey
    client = Client(ApiKey("..."))
    me = client.athletes.get()
"""

from intervals_icu._async.client import AsyncClient
from intervals_icu._http import RateLimit, RetryPolicy
from intervals_icu._responses import Download
from intervals_icu._sync.client import Client
from intervals_icu._version import __version__
from intervals_icu.auth import ApiKey, BearerToken, Credentials, OAuthApp, OAuthToken
from intervals_icu.dates import date_windows
from intervals_icu.errors import (
    APIError,
    AuthenticationError,
    BadRequest,
    ConfigurationError,
    Conflict,
    IntervalsError,
    InvalidRequestError,
    MethodNotAllowed,
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
from intervals_icu.scopes import Scope
from intervals_icu.secret import Secret
from intervals_icu.updates import CLEAR, Clear

__all__ = [
    "CLEAR",
    "APIError",
    "ApiKey",
    "AsyncClient",
    "AuthenticationError",
    "BadRequest",
    "BearerToken",
    "Clear",
    "Client",
    "ConfigurationError",
    "Conflict",
    "Credentials",
    "Download",
    "IntervalsError",
    "InvalidRequestError",
    "MethodNotAllowed",
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
