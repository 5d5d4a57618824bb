"""The control API under ``/_sandbox``: the same operations as the Sandbox's Python methods."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

if TYPE_CHECKING:
    from intervals_icu.sandbox.server import Sandbox

__all__ = ["handle_control"]


async def handle_control(sandbox: Sandbox, request: Request) -> Response:
    path = request.url.path.removeprefix("/_sandbox").strip("/")
    if path in {"", "info"} and request.method == "GET":
        return JSONResponse(sandbox.info())
    return JSONResponse({"status": 404, "error": f"no control endpoint /_sandbox/{path}"},
                        status_code=404)
