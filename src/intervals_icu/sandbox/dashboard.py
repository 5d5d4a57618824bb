"""The dashboard at ``/sandbox/``: one HTML page, its script and its style sheet, shipped in
``sandbox/static/`` and served by the sandbox itself (no build step, nothing from outside).

The page reads the control API (``/_sandbox/...``) once a second and shows what the sandbox
is doing; it changes nothing. Its Content-Security-Policy lets it load and fetch from the
sandbox only, so the browser itself refuses anything outside.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

__all__ = ["PATH", "serve"]

PATH = "/sandbox/"
"""Where the dashboard is served (the control API is beside it, under ``/_sandbox``)."""

_FILES = {
    "": ("dashboard.html", "text/html; charset=utf-8"),
    "index.html": ("dashboard.html", "text/html; charset=utf-8"),
    "dashboard.js": ("dashboard.js", "text/javascript; charset=utf-8"),
    "dashboard.css": ("dashboard.css", "text/css; charset=utf-8"),
}

_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


@cache
def _read(name: str) -> bytes:
    return resources.files("intervals_icu.sandbox").joinpath("static", name).read_bytes()


def serve(request: Request) -> Response:
    """Answer a request under ``/sandbox``: the page, its files, or 404."""
    rest = request.url.path.removeprefix(PATH.rstrip("/"))
    if rest == "":
        return RedirectResponse(PATH, status_code=307)
    found = _FILES.get(rest.removeprefix("/"))
    if found is None:
        return Response(b"not found: the dashboard is at " + PATH.encode(), status_code=404,
                        media_type="text/plain")
    if request.method not in {"GET", "HEAD"}:
        return Response(b"", status_code=405, headers={"Allow": "GET, HEAD"})
    name, media_type = found
    return Response(_read(name), media_type=media_type, headers=_HEADERS)
