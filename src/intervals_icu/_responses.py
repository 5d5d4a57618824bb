"""Turning HTTP responses into what resource methods return: models, CSV text, files on disk.

Shared by the async and sync clients (pure functions; no I/O except writing downloads).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from intervals_icu import errors
from intervals_icu.models import parse_model, strict_check

__all__ = ["Destination", "Download", "FileSink", "parse_response"]

Destination = str | os.PathLike[str] | IO[bytes]
"""Where a download goes: a file path, a directory (the server's file name is used), or an
open binary file object."""


@dataclass(frozen=True)
class Download:
    """A finished download."""

    path: Path | None
    """The file written, or None when the destination was a file object."""
    bytes_written: int
    filename: str | None
    """The server's file name (Content-Disposition), when it sent one."""
    content_type: str | None


def parse_response(tp: Any, data: Any, *, strict: bool, request: errors.RequestInfo) -> Any:
    """Validate JSON ``data`` as ``tp``; with ``strict``, refuse anything the spec lacks."""
    try:
        value = parse_model(tp, data)
    except Exception as exc:  # pydantic ValidationError and friends
        raise errors.ResponseValidationError(
            f"the response to {request} does not match {getattr(tp, '__name__', tp)}: {exc}",
            problems=[str(exc)],
            request=request,
        ) from None
    if strict:
        problems = _strict_problems(value)
        if problems:
            raise errors.ResponseValidationError(
                f"strict mode: the response to {request} has {len(problems)} thing(s) the "
                f"official spec does not describe: {'; '.join(problems[:5])}",
                problems=problems,
                request=request,
            )
    return value


def _strict_problems(value: Any) -> list[str]:
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return strict_check(value)
    if isinstance(value, list):
        found: list[str] = []
        for index, item in enumerate(value):
            found.extend(f"[{index}] {p}" for p in _strict_problems(item))
        return found
    return []


_FILENAME = re.compile(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', re.IGNORECASE)


def filename_from_headers(headers: Any) -> str | None:
    match = _FILENAME.search(headers.get("content-disposition", "") or "")
    if not match:
        return None
    return os.path.basename(match.group(1).strip()) or None


class FileSink:
    """Writes chunks to a destination without holding the body; a path destination is
    written to a temporary file and renamed at the end, so a half download never looks done.
    """

    def __init__(self, dest: Destination, *, headers: Any, default_name: str) -> None:
        self.filename = filename_from_headers(headers)
        self.content_type = headers.get("content-type")
        self.bytes_written = 0
        self.path: Path | None = None
        self._tmp: Path | None = None
        self._handle: IO[bytes]
        if not isinstance(dest, (str, os.PathLike)):
            self._handle = dest
            self._owns = False
            return
        target = Path(dest)
        if target.is_dir():
            target = target / (self.filename or default_name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        self._handle = os.fdopen(fd, "wb")
        self._owns = True
        self._tmp = Path(tmp)
        self.path = target

    def write_all(self, chunks: Iterable[bytes]) -> None:
        for chunk in chunks:
            self.write(chunk)

    def write(self, chunk: bytes) -> None:
        self._handle.write(chunk)
        self.bytes_written += len(chunk)

    def finish(self) -> Download:
        if self._owns:
            self._handle.close()
            assert self._tmp is not None
            assert self.path is not None
            os.replace(self._tmp, self.path)
        return Download(self.path, self.bytes_written, self.filename, self.content_type)

    def abort(self) -> None:
        if self._owns:
            self._handle.close()
            if self._tmp is not None:
                self._tmp.unlink(missing_ok=True)
