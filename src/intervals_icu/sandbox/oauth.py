"""OAuth endpoints: ``/oauth/authorize`` (consent) and ``/api/oauth/token`` (code exchange)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

if TYPE_CHECKING:
    from intervals_icu.sandbox.server import Sandbox

__all__ = ["handle_oauth"]


async def handle_oauth(sandbox: Sandbox, request: Request) -> Response:
    return JSONResponse({"status": 501, "error": "OAuth is not implemented yet"},
                        status_code=501)
