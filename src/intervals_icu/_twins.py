"""The two client twins as one type, for the code that takes either (``from_client``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from intervals_icu._async.client import AsyncClient
    from intervals_icu._sync.client import Client

AnyClient: TypeAlias = "Client | AsyncClient"
"""A ``Client`` or an ``AsyncClient``."""

__all__ = ["AnyClient"]
