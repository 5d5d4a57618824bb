"""Files sent as multipart parts: a path, bytes, or an open binary file object."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from intervals_icu.errors import InvalidRequestError

__all__ = ["FileInput", "file_part"]

FileInput = str | os.PathLike[str] | bytes | IO[bytes]

_CONTENT_TYPES = {
    ".fit": "application/octet-stream",
    ".tcx": "application/vnd.garmin.tcx+xml",
    ".gpx": "application/gpx+xml",
    ".zip": "application/zip",
    ".gz": "application/gzip",
    ".csv": "text/csv",
    ".zwo": "application/xml",
    ".mrc": "text/plain",
    ".erg": "text/plain",
    ".png": "image/png",
    ".jpg": "image/jpeg",
}


def file_part(
    file: FileInput, *, default_name: str, content_type: str | None = None
) -> tuple[str, bytes | IO[bytes], str]:
    """``(filename, content, content_type)`` for httpx ``files=``.

    A path is read into memory so that a retry after a 429 can send it again; a file object
    is streamed and rewound on retry (it must be seekable to be retried).
    """
    if isinstance(file, bytes):
        return default_name, file, content_type or _guess(default_name)
    if isinstance(file, (str, os.PathLike)):
        path = Path(file)
        if not path.is_file():
            raise InvalidRequestError(f"no such file: {path}")
        return path.name, path.read_bytes(), content_type or _guess(path.name)
    if hasattr(file, "read"):
        name = os.path.basename(str(getattr(file, "name", "") or default_name))
        return name, file, content_type or _guess(name)
    raise InvalidRequestError(
        f"cannot upload a {type(file).__name__}: pass a path, bytes or a binary file"
    )


def _guess(name: str) -> str:
    return _CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")
